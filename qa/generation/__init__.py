"""Generation: numbered evidence in, streamed text from a local model out.

- ``generator``: the ``Generator`` protocol and the transformers backend; ``llama_generation`` the
  llama.cpp backend; ``prefix_cache`` reuses the prompt's fixed prefix.
- ``models``: finds, checks (sha256) and converts the packaged or named model files.
"""
