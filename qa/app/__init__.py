"""App: the ways people and programs use the pipeline.

- ``cli``: the ``qa`` command; ``web``: the Gradio chat page; ``http_api``: the JSON endpoints;
  ``langchain_retriever``: a LangChain retriever over ``qa.Retriever``; ``gradio_queue``: the page's
  request queue without busy polling.
"""
