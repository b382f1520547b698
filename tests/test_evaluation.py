"""Gold loading, run_eval aggregation with a fake pipeline, and report writing."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from qa.config import DEFAULT_GENERATOR, Settings
from qa.errors import InputError, ModelError
from qa.evaluation.gold import check_sources, load_gold, parse_gold
from qa.evaluation.report import render_markdown, summary_json, write_report
from qa.evaluation.runner import EvalConfig, default_configs, run_eval, select_configs
from qa.records import Answer, Chunk, Citation, Hit

GOLD = [
    {
        "id": "q1",
        "question": "How many people live in Town?",
        "answers": ["16,687"],
        "must_contain": ["16687"],
        "sources": [{"file": "a.txt", "lines": [3]}],
        "type": "numeric",
        "difficulty": "easy",
    },
    {
        "id": "q2",
        "question": "Who founded Town?",
        "answers": ["John Smith"],
        "must_contain": ["Smith"],
        "sources": [{"file": "a.txt", "lines": [7, 8]}],
        "type": "factoid",
        "difficulty": "medium",
    },
    {
        "id": "q3",
        "question": "When and where was the mill built?",
        "answers": ["in 1850 by the river"],
        "must_contain": ["1850", "river"],
        "sources": [{"file": "a.txt", "lines": [3]}, {"file": "b.txt", "lines": [2]}],
        "type": "multi-hop",
        "difficulty": "hard",
        "derived": True,
    },
    {
        "id": "q4",
        "question": "What is the mayor's shoe size?",
        "answers": [],
        "must_contain": [],
        "sources": [],
        "type": "unanswerable",
        "difficulty": "medium",
    },
]

# question id -> passages the fake retriever returns, best first: (file, first_line, last_line)
SEARCH = {
    "q1": [("a.txt", 1, 4), ("b.txt", 1, 5)],
    "q2": [("b.txt", 1, 5), ("c.txt", 1, 2), ("a.txt", 6, 7)],
    "q3": [("b.txt", 1, 5), ("a.txt", 1, 4)],
    "q4": [("c.txt", 1, 2)],
}
# question id -> (answer text, abstained, cited (file, line) pairs)
ANSWERS = {
    "q1": ("Town has 16,687 residents.", False, [("a.txt", 3)]),
    "q2": ("I don't know.", True, []),
    "q3": ("It was founded in 1850.", False, [("b.txt", 2), ("a.txt", 20)]),
    "q4": ("I don't know.", True, []),
}
BY_QUESTION = {g["question"]: g["id"] for g in GOLD}


def _hit(file: str, first: int, last: int, rank: int) -> Hit:
    chunk = Chunk(f"{file}#{rank}", file, first, last, 0, 1, "text")
    return Hit(chunk, score=1.0 / rank, rank=rank)


class FakeRetriever:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def search(self, query: str, k: int) -> list[Hit]:
        self.calls.append((query, k))
        spans = SEARCH[BY_QUESTION[query]]
        return [_hit(*span, rank) for rank, span in enumerate(spans, start=1)][:k]


class FakePipeline:
    """Behaves according to settings.generator_model: fake:good, fake:bad, fake:lazy-missing, fake:picky."""

    built = 0

    def __init__(self, settings: Settings) -> None:
        if settings.generator_model == "fake:missing":
            raise ModelError("model package fake:missing not found: run `qa models pull`")
        FakePipeline.built += 1
        self.settings = settings
        self.retriever = FakeRetriever()
        self.asked = 0

    def ask(self, question: str, history=None) -> Answer:
        qid = BY_QUESTION[question]
        mode = self.settings.generator_model
        if mode == "fake:lazy-missing":
            raise ModelError("generator weights are damaged: run `qa models pull`")
        if mode == "fake:picky" and qid == "q2":
            raise InputError("question is too long")
        text, abstained, cited = ANSWERS[qid]
        if mode == "fake:bad" and qid == "q4":
            text, abstained, cited = "Size 42.", False, [("c.txt", 1)]
        self.asked += 1
        total = 100.0 + 10 * int(qid[1:])
        return Answer(
            question=question,
            text=text,
            abstained=abstained,
            citations=tuple(Citation(f, n, "line text") for f, n in cited),
            hits=(),
            timings_ms={"retrieve": 10.0, "generate": total - 20, "verify": 5.0, "total": total},
            method="abstained" if abstained else "generated",
        )


@pytest.fixture
def gold_path(tmp_path: Path) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(g) for g in GOLD) + "\n\n", encoding="utf-8")
    return path


@pytest.fixture
def base(tmp_path: Path) -> Settings:
    return Settings(docs_dir=tmp_path / "no-docs", index_dir=tmp_path / "index", cache_dir=tmp_path / "cache")


def _run(gold_path, base, configs, **kw):
    return run_eval(gold_path, configs, base, progress=False, pipeline_factory=FakePipeline, **kw)


# --- gold -------------------------------------------------------------------------------------


def test_load_gold_parses_items(gold_path):
    items = load_gold(gold_path)
    assert [i.id for i in items] == ["q1", "q2", "q3", "q4"]
    assert items[1].sources == (("a.txt", 7), ("a.txt", 8))
    assert items[2].sources == (("a.txt", 3), ("b.txt", 2)) and items[2].derived
    assert not items[0].derived and items[0].answers == ("16,687",)
    assert items[3].type == "unanswerable" and not items[3].answerable


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "trivia"}, "type"),
        ({"must_contain": []}, "must_contain"),
        ({"must_contain": ["a", "b", "c", "d"]}, "must_contain"),
        ({"answers": "16,687"}, "answers"),
        ({"sources": [{"file": "a.txt", "lines": [0]}]}, "line numbers"),
        ({"sources": [{"lines": [3]}]}, "file"),
        ({"sources": []}, "sources"),
        ({"question": "  "}, "question"),
        ({"derived": "yes"}, "derived"),
        ({"type": "unanswerable"}, "unanswerable"),
    ],
)
def test_bad_gold_lines_name_the_line(change, message):
    lines = [json.dumps(GOLD[0]), "", json.dumps({**GOLD[1], **change})]
    with pytest.raises(InputError, match=rf"gold\.jsonl:3: .*{message}"):
        parse_gold(lines, "gold.jsonl")


def test_gold_rejects_bad_json_missing_fields_and_duplicates(tmp_path):
    with pytest.raises(InputError, match=r"g:2: not valid JSON"):
        parse_gold([json.dumps(GOLD[0]), "{oops"], "g")
    with pytest.raises(InputError, match=r"g:1: missing field\(s\) difficulty"):
        parse_gold([json.dumps({k: v for k, v in GOLD[0].items() if k != "difficulty"})], "g")
    with pytest.raises(InputError, match=r"g:2: duplicate id 'q1' \(first used on line 1\)"):
        parse_gold([json.dumps(GOLD[0]), json.dumps(GOLD[0])], "g")
    with pytest.raises(InputError, match="not found"):
        load_gold(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="no items"):
        load_gold(tmp_path / "empty.jsonl")


def test_gold_warns_when_no_answer_holds_must_contain(caplog):
    with caplog.at_level(logging.WARNING, logger="qa.evaluation.gold"):
        parse_gold([json.dumps({**GOLD[0], "must_contain": ["17000"]})], "g")
    assert "g:1" in caplog.text


def test_check_sources_reports_missing_files_and_lines(tmp_path, gold_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("\n".join(f"line {n}" for n in range(1, 8)), encoding="utf-8")
    problems = check_sources(load_gold(gold_path), docs)
    assert problems == [
        "q2: a.txt has 7 lines, gold cites line 8",
        f"q3: source file b.txt not found in {docs}",
    ]


# --- configs ----------------------------------------------------------------------------------


def test_default_configs_are_valid_settings_rows():
    configs = default_configs()
    assert len({c.name for c in configs}) == len(configs) == 8
    assert configs[0].settings_overrides == {
        "pipeline": "plain",
        "retrieval": "dense",
        "top_k": 3,
        "generator_model": DEFAULT_GENERATOR,
    }
    retrievals = {c.settings_overrides.get("retrieval") for c in configs if c.name.startswith("verified")}
    assert retrievals == {"bm25", "dense", "hybrid"}
    generators = {c.settings_overrides["generator_model"] for c in configs[1:]}
    assert generators == {"packaged:qwen2.5-coder-0.5b-instruct", "packaged:smollm2-135m-instruct", "none"}
    generates = {c.name: Settings().replace(**c.settings_overrides).generate for c in configs}
    assert generates["verified-hybrid"] == Settings().generate == "when-needed"  # the product's default
    assert generates["verified-hybrid-always"] == "always"


def test_select_configs():
    assert [c.name for c in select_configs(["verified-bm25-extractive", "baseline-plain"])] == [
        "verified-bm25-extractive",
        "baseline-plain",
    ]
    assert len(select_configs(None)) == 8
    with pytest.raises(InputError, match="unknown eval config nope; choose from baseline-plain"):
        select_configs(["nope"])


# --- run_eval ---------------------------------------------------------------------------------


def test_run_eval_aggregates(gold_path, base):
    FakePipeline.built = 0
    run = _run(gold_path, base, [EvalConfig("good", {"generator_model": "fake:good"})])
    assert FakePipeline.built == 1  # one pipeline reused for every question
    assert run.items == 4 and len(run.configs) == 1
    cfg = run.configs[0]
    assert not cfg.skipped and len(cfg.results) == 4
    s = cfg.summary
    assert (s["n"], s["answerable"], s["unanswerable"], s["errors"]) == (4, 3, 1, 0)
    assert s["recall@1"] == pytest.approx((1 + 0 + 0.5) / 3)
    assert s["recall@3"] == s["recall@10"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert s["mrr"] == pytest.approx((1 + 1 / 3 + 1) / 3)
    assert s["accuracy"] == pytest.approx(1 / 3)
    assert s["overall_accuracy"] == pytest.approx(2 / 4)
    assert s["f1"] == pytest.approx((0.4 + 0 + 4 / 9) / 3)
    assert s["median_words"] == 4.5  # "Town has 16,687 residents." and "It was founded in 1850."
    assert s["citation_precision"] == pytest.approx(0.75)
    assert s["citation_recall"] == pytest.approx(0.75)
    assert s["correct_with_gold_citation"] == 1.0
    assert s["answerable_with_gold_citation"] == pytest.approx(2 / 3)
    assert s["abstention_unanswerable"] == 1.0
    assert s["false_abstention"] == pytest.approx(1 / 3)
    assert list(cfg.latency_ms) == ["retrieve", "generate", "total", "verify"]
    assert cfg.latency_ms["total"]["p50"] == pytest.approx(125.0)
    assert cfg.latency_ms["total"]["p95"] == pytest.approx(138.5)
    q3 = next(r for r in cfg.results if r.item_id == "q3")
    assert q3.hits == (("b.txt", 1, 5), ("a.txt", 1, 4))
    assert q3.citations == (("b.txt", 2), ("a.txt", 20))
    assert q3.metrics["correct"] is False and q3.metrics["cite_precision"] == 0.5


def test_run_eval_searches_ten_and_honours_limit(gold_path, base):
    seen = []

    def factory(settings):
        seen.append(FakePipeline(settings))
        return seen[-1]

    run = run_eval(
        gold_path,
        [EvalConfig("good", {"generator_model": "fake:good"})],
        base,
        limit=2,
        progress=False,
        pipeline_factory=factory,
    )
    assert run.items == 2 and [r.item_id for r in run.configs[0].results] == ["q1", "q2"]
    assert [k for _, k in seen[0].retriever.calls] == [10, 10]
    with pytest.raises(InputError, match="limit"):
        _run(gold_path, base, [], limit=0)


def test_failing_abstention_lowers_abstention_rate(gold_path, base):
    run = _run(
        gold_path,
        base,
        [
            EvalConfig("good", {"generator_model": "fake:good"}),
            EvalConfig("bad", {"generator_model": "fake:bad"}),
        ],
    )
    good, bad = (c.summary for c in run.configs)
    assert (good["abstention_unanswerable"], bad["abstention_unanswerable"]) == (1.0, 0.0)
    assert bad["overall_accuracy"] == pytest.approx(1 / 4)
    assert bad["citation_precision"] == good["citation_precision"]  # unanswerable items are not counted


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"generator_model": "fake:missing"}, "ModelError: model package fake:missing not found"),
        ({"generator_model": "fake:lazy-missing"}, "ModelError: generator weights are damaged"),
        ({"retrieval": "telepathy"}, "bad settings: retrieval must be one of"),
        ({"no_such_setting": 1}, "bad settings"),
    ],
)
def test_config_that_cannot_run_is_skipped_not_fatal(gold_path, base, overrides, reason):
    configs = [EvalConfig("broken", overrides), EvalConfig("good", {"generator_model": "fake:good"})]
    run = _run(gold_path, base, configs)
    broken, good = run.configs
    assert broken.skipped.startswith(reason)
    assert broken.summary == {} and broken.latency_ms == {}
    assert not good.skipped and good.summary["n"] == 4


def test_input_error_on_one_question_is_recorded_and_run_continues(gold_path, base):
    run = _run(gold_path, base, [EvalConfig("picky", {"generator_model": "fake:picky"})])
    cfg = run.configs[0]
    q2 = next(r for r in cfg.results if r.item_id == "q2")
    assert q2.error == "question is too long" and q2.answer == "" and q2.metrics["correct"] is False
    assert q2.hits  # retrieval still measured
    assert cfg.summary["errors"] == 1 and cfg.summary["n"] == 4
    assert cfg.latency_ms["total"]["p50"] == pytest.approx(130.0)  # errored question left out
    assert cfg.summary["citation_recall"] == pytest.approx(0.75)  # nor counted as an uncited answer
    assert cfg.summary["false_abstention"] == 0.0


def test_warns_when_gold_files_never_match_retrieved_files(gold_path, base, caplog):
    original = dict(SEARCH)
    for qid, spans in original.items():
        SEARCH[qid] = [(f"seeds/{f}", a, b) for f, a, b in spans]
    try:
        with caplog.at_level(logging.WARNING, logger="qa.evaluation.runner"):
            run = _run(gold_path, base, [EvalConfig("good", {"generator_model": "fake:good"})])
    finally:
        SEARCH.update(original)
    assert run.configs[0].summary["recall@10"] == 0.0
    assert "no gold source file ever appears" in caplog.text


# --- report -----------------------------------------------------------------------------------


def test_write_report_writes_md_json_png(gold_path, base, tmp_path):
    configs = [
        EvalConfig("good", {"generator_model": "fake:good"}),
        EvalConfig("bad", {"generator_model": "fake:bad"}),
        EvalConfig("broken", {"generator_model": "fake:missing"}),
    ]
    run = _run(gold_path, base, configs)
    out = tmp_path / "results"
    paths = write_report(run, out)
    assert paths == {"md": out / "REPORT.md", "json": out / "REPORT.json", "png": out / "REPORT.png"}
    assert sorted(p.name for p in out.iterdir()) == [
        "REPORT.json",
        "REPORT.md",
        "REPORT.png",
    ]  # no temp files
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = paths["md"].read_text(encoding="utf-8")
    for text in (
        "# Evaluation report",
        "## Retrieval",
        "## Citations",
        "## Latency",
        "## How to read",
        "| good |",
        "| bad |",
        "skipped: ModelError",
        "![comparison chart](REPORT.png)",
        "33.3%",
    ):
        assert text in md
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [c["name"] for c in data["configs"]] == ["good", "bad", "broken"]
    assert data["gold"] == {"path": str(gold_path), "items": 4}
    assert len(data["results"]) == 8 and data["results"][0]["item_id"] == "q1"
    assert data["configs"][0]["summary"]["accuracy"] == pytest.approx(1 / 3)


def test_report_with_every_config_skipped(gold_path, base, tmp_path):
    run = _run(gold_path, base, [EvalConfig("broken", {"generator_model": "fake:missing"})])
    paths = write_report(run, tmp_path, stem="empty")
    assert "No configuration ran" in paths["md"].read_text(encoding="utf-8")
    assert paths["png"].stat().st_size > 0


def test_summary_json_is_serialisable_and_has_no_per_question_results(gold_path, base):
    run = _run(gold_path, base, [EvalConfig("good", {"generator_model": "fake:good"})])
    info = summary_json(run)
    assert "results" not in info
    assert set(info) >= {"date", "commit", "machine", "gold", "configs"}
    assert info["machine"]["cpu_count"] >= 1
    json.dumps(info)
    assert "| good |" in render_markdown(run, info, "chart.png")
