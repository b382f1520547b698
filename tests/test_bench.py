"""The benchmark's own logic: synthetic data, recall, rows, summaries and the report. No models."""

from __future__ import annotations

import json

import numpy as np
import pytest

from evals import bench, bench_answers, bench_report, bench_scaling, bench_startup
from qa.config import Settings
from qa.errors import QAError


def test_scaling_small_run_measures_every_type_and_reports_it(tmp_path):
    results, skipped = bench_scaling.run_scaling([2000], ["flat", "ivf"], queries=20, progress=lambda _: None)
    flat, ivf = results
    assert skipped == []
    assert (flat.n, flat.index_type, flat.recall_at_10) == (2000, "flat", 1.0)
    assert ivf.search_param.startswith("nprobe=") and ivf.sweep
    assert 0.8 <= ivf.recall_at_10 <= 1.0
    assert all(r.memory_mb > 2000 * 384 * 4 / 1e6 * 0.9 for r in results)  # the vectors are in there

    result = {
        "date": "2026-01-01T00:00:00+00:00",
        "commit": "abc1234",
        "command": "python -m evals.bench --only scaling",
        "duration_s": 12.0,
        "machine": {"cpu": "test cpu", "cores": 2, "load_average": [1, 1, 1], "load_average_end": [1, 1, 1]},
        "scaling": [r.to_dict() for r in results],
    }
    paths = bench_report.write_reports(result, tmp_path)
    text = (tmp_path / "BENCH.md").read_text()
    assert "## Scaling of the vector index" in text and "| 2,000 | ivf |" in text
    assert json.loads((tmp_path / "BENCH.json").read_text())["scaling"][0]["index_type"] == "flat"
    assert tmp_path / "BENCH.png" in paths


def test_clustered_vectors_are_clustered_not_uniform():
    v = bench_scaling.clustered_vectors(2000, 64, seed=3)
    top = np.sort(v @ v[:50].T, axis=0)[-2]  # best neighbour of each of 50 points, itself left out
    assert float(np.median(top)) > 0.3  # uniform random 64-dim unit vectors would give about 0.35 at best
    uniform = np.random.default_rng(0).standard_normal((2000, 64))
    uniform /= np.linalg.norm(uniform, axis=1, keepdims=True)
    assert float(np.median(top)) > float(np.median(np.sort(uniform @ uniform[:50].T, axis=0)[-2])) + 0.1


def test_a_row_needing_a_missing_module_or_setting_is_skipped_with_a_reason():
    base = Settings()
    with pytest.raises(QAError, match="not importable"):
        bench_answers.row_settings(bench_answers.Row("x", {}, "no_such_module_xyz"), base)
    with pytest.raises(QAError, match="settings have no no_such_setting"):
        bench_answers.row_settings(bench_answers.Row("x", {"no_such_setting": 1}), base)
    assert bench_answers.row_settings(bench_answers.Row("x", {"top_k": 3}), base).top_k == 3


def test_summary_percentiles_and_decode_rate():
    samples = [
        {"retrieve_ms": 1.0, "first_token_ms": 100.0, "total_ms": 1000.0, "tokens": 11, "decode_s": 1.0},
        {"retrieve_ms": 3.0, "first_token_ms": None, "total_ms": 200.0, "tokens": None, "decode_s": None},
        {"retrieve_ms": 2.0, "first_token_ms": 300.0, "total_ms": 3000.0, "tokens": 21, "decode_s": 4.0},
    ]
    for sample in samples:  # an answer given whole shows its text when it is done
        sample["first_text_ms"] = sample["first_token_ms"] or sample["total_ms"]
    s = bench_answers.summarize(samples)
    assert s["retrieve_p50_ms"] == 2.0 and s["total_p50_ms"] == 1000.0 and s["total_p95_ms"] == 3000.0
    assert s["first_token_p50_ms"] in (100.0, 300.0)
    assert s["first_text_p50_ms"] == 200.0  # the quoted answer, given whole at 200 ms, counts here
    assert s["decode_tokens_per_s_p50"] == pytest.approx((10 + 5) / 2)
    assert s["generated_share"] == pytest.approx(2 / 3)


def test_quick_and_skip_flags_choose_the_parts():
    args = bench.parse_args(["--quick"])
    assert (args.limit, args.scaling_sizes, args.no_cold) == (8, [10000], True)
    assert args.parts == list(bench.PARTS)
    args = bench.parse_args(["--skip-scaling", "--skip-startup"])
    assert args.parts == ["answers", "build"] and args.scaling_sizes == [10_000, 100_000, 1_000_000]
    assert bench.parse_args(["--only", "scaling"]).parts == ["scaling"]


def test_a_build_projected_over_budget_is_skipped_with_its_projection():
    results, skipped = bench_scaling.run_scaling(
        [500, 5000], ["flat"], queries=10, progress=lambda _: None, max_build_s=1e-9
    )
    assert [r.n for r in results] == [500]
    assert skipped[0]["n"] == 5000 and "projected" in skipped[0]["reason"]


def test_the_first_token_bound_is_prefill_at_the_best_measured_matmul_rate(tmp_path):
    from evals.bench_first_token import QWEN_PREFILL_FLOPS

    stages = tmp_path / "FIRST-TOKEN.json"
    stages.write_text(
        json.dumps(
            {
                "meta": {"date": "today", "commit": "abc1234", "matmul_gflops": {"1": 50.0, "2": 100.0}},
                "summary": {
                    "before transformers": {"evaluated_tokens_p50": 999.0},
                    "after llama-cpp": {"evaluated_tokens_p50": 200.0},
                },
            }
        )
    )
    result = {"answers": {"verified-always": {"summary": {"first_token_p50_ms": 1606.0}}}}
    (line,) = bench_report.first_token_bound(result, stages)
    expected_ms = 200 * QWEN_PREFILL_FLOPS / 1e9 / 100.0 * 1000  # tokens x GFLOP per token / GFLOP/s
    assert f"at least {expected_ms:,.0f} ms" in line and "about 200 tokens" in line
    assert "`verified-always` 1,606 ms" in line and "commit `abc1234`" in line
    assert bench_report.first_token_bound(result, tmp_path / "missing.json") == []


class _FakeClient:
    """gradio_client.Client answering from a script: an exception to raise, or None to answer."""

    script: list = []
    calls = 0

    def __init__(self, url, verbose=False):
        pass

    def predict(self, question, api_name):
        _FakeClient.calls += 1
        outcome = _FakeClient.script.pop(0) if _FakeClient.script else None
        if outcome is not None:
            raise outcome


@pytest.fixture
def fake_client(monkeypatch):
    import gradio_client

    monkeypatch.setattr(gradio_client, "Client", _FakeClient)
    monkeypatch.setattr(bench_startup.time, "sleep", lambda _: None)
    _FakeClient.calls, _FakeClient.script = 0, []
    return _FakeClient


def test_the_startup_probe_asks_again_while_the_app_is_starting(fake_client):
    from gradio_client.exceptions import AppError

    starting = AppError("the chat is still starting (index and models); try again in a moment")
    fake_client.script = [starting, starting]
    assert bench_startup._ask("http://127.0.0.1:1/", timeout=60) >= 0
    assert fake_client.calls == 3


def test_the_startup_probe_reports_a_refusal_and_a_start_that_never_ends(fake_client):
    from gradio_client.exceptions import AppError

    fake_client.script = [AppError("the question is empty")]
    with pytest.raises(RuntimeError, match="refused the question: the question is empty"):
        bench_startup._ask("http://127.0.0.1:1/", timeout=60)
    fake_client.script = [AppError("the chat is still starting")] * 50  # until the clock passes the deadline
    with pytest.raises(TimeoutError, match="still starting after 0 s"):
        bench_startup._ask("http://127.0.0.1:1/", timeout=0)
