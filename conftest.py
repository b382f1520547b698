"""Doctest collection of qa/: modules whose optional extra is not installed are left out
(their own tests skip with the install command)."""

import importlib.util

OPTIONAL = {"qa/app/langchain_retriever.py": "langchain_core"}

collect_ignore = [path for path, module in OPTIONAL.items() if importlib.util.find_spec(module) is None]
