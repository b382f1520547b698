"""Generation: numbered evidence in, streamed text from a local model out.

- ``protocol``: the one-method ``Generator`` protocol and ``Messages``; ``factory``: the generator
  the settings ask for; ``generator``: the transformers backend; ``llama_generation`` the
  llama.cpp backend; ``openai_compatible`` a model on an OpenAI-compatible server (``generator_url``);
  ``prefix_cache`` reuses the prompt's fixed prefix.
- ``models``: finds, checks (sha256) and converts the packaged or named model files.
"""
