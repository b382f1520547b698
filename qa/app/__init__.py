"""App: the ways people and programs use the pipeline.

- ``cli``: the ``qa`` command (its arguments in ``cli_options``, ``ask --batch`` in ``cli_batch``, what
  it prints in ``terminal``); ``http_api``: the JSON endpoints; ``langchain_retriever``: a LangChain
  retriever over ``qa.Retriever``; ``gradio_queue``: the page's request queue without busy polling.
- The chat page: ``server`` (serve it, with the JSON API, while ``library`` gets the index and models
  ready), ``library`` (live pipeline, start-up steps, documents, uploads, source lines), ``web``
  (the Gradio layout), ``chat`` (its handlers), ``render`` (what it shows), ``page_assets`` (CSS and
  script), ``http_documents`` (the page's JSON endpoints).
"""
