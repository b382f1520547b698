"""`import qa`: the small public API, and a retriever that loads no generator."""

from __future__ import annotations

import subprocess
import sys

import qa
from tests.conftest import ROOT


def test_every_exported_name_resolves():
    for name in qa.__all__:
        assert getattr(qa, name) is not None, name
    assert {"Retriever", "Pipeline", "load_settings", "Hit", "Answer", "QAError"} <= set(qa.__all__)


def test_the_retriever_alone_loads_no_generator(tmp_path):
    code = f"""
import shutil, sys
import qa
from tests.conftest import SEEDS, FakeEmbedder
shutil.copytree(SEEDS, {str(tmp_path / "docs")!r})
settings = qa.load_settings(docs_dir={str(tmp_path / "docs")!r}, index_dir={str(tmp_path / "index")!r})
hits = qa.Retriever.from_settings(settings, FakeEmbedder(), build=True).search("Jiangxi funds", 3)
assert [h.rank for h in hits] == [1, 2, 3] and all(isinstance(h, qa.Hit) for h in hits)
heavy = ("qa.answer.pipeline", "qa.generation.generator", "transformers")
print(sorted(m for m in sys.modules if m in heavy))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
