"""The run facts that REPORT.json and the evals/ benchmarks share: commit, machine, load, a free port."""

from __future__ import annotations

import re
import socket

from qa.evaluation import machine as m
from qa.evaluation.metrics import nearest_rank, rounded_rank


def test_commit_is_a_short_hash_and_names_uncommitted_changes_only_when_asked(monkeypatch):
    assert re.fullmatch(r"[0-9a-f]{4,40}|unknown", m.git_commit())
    monkeypatch.setattr(m, "_git", lambda *args: "abc1234" if args[0] == "rev-parse" else " M qa/x.py")
    assert m.git_commit() == "abc1234"
    assert m.git_commit(changes="+changes") == "abc1234+changes"
    monkeypatch.setattr(m, "_git", lambda *args: "")  # no git, or not a checkout
    assert m.git_commit(changes="+changes") == "unknown"


def test_machine_facts_and_load():
    facts = m.machine()
    assert {"cpu", "cores", "ram_gb", "avx512_bf16", "python", "platform"} <= facts.keys()
    assert facts["cpu"] and facts["cores"] >= 1
    assert m.machine_info()["cpu_model"] == facts["cpu"]
    assert len(m.load_average(1)) == 3 and re.fullmatch(r"[\d.]+, [\d.]+, [\d.]+", m.load_text())
    meta = m.run_meta("evals.x", ["--limit", "3"], "1.0, 1.0, 1.0")
    assert meta["command"] == "python -m evals.x --limit 3" and "cores" in meta["machine"]


def test_free_port_can_be_bound():
    port = m.free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_rank_percentiles_pick_a_value_each_by_its_own_rule():
    values = [5.0, 1.0, 4.0, 2.0, 3.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert nearest_rank(values, 0.5) == 6.0  # rank round(5.5) = 6
    assert rounded_rank(values, 0.5) == 5.0  # index round(4.5) = 4
    assert nearest_rank(values, 0.95) == rounded_rank(values, 0.95) == 10.0
    assert rounded_rank([], 0.95) is None
