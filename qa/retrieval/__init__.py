"""Retrieval: a question in, ranked ``Hit`` records (chunk, score, rank) out.

- ``retriever``: ``Retriever.search(query, k)``: dense, BM25 or both fused by reciprocal rank.
- ``lexical``: tokenising, stemming and BM25 over the chunks.
- ``embedding``: the ``Embedder`` protocol and the sentence-transformers model; ``onnx_query`` its
  ONNX Runtime copy for questions.
"""
