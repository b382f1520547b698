"""run_eval over small corpora with a fake pipeline, and the report it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.config import Settings
from qa.errors import InputError, ModelError
from qa.evaluation.configs import (
    DEFAULT,
    EvalConfig,
    ablation_configs,
    named_configs,
    select_configs,
    strategy_names,
)
from qa.evaluation.report import render_markdown, summary_json, write_report
from qa.evaluation.runner import run_eval
from qa.evaluation.suite import CorpusSpec
from qa.records import Answer, Chunk, Citation, Hit

LONG = "The mill by the river was built in 1850 by John Smith, who had come from the north " * 2
DOCS = {
    "a.txt": "Town\n\nTown has 16,687 residents.\n\n" + LONG.strip() + "\n",
    "b.txt": "The mayor likes tea.\n",
}
GOLD = [
    {
        "id": "q1",
        "question": "How many people live in Town?",
        "answers": ["16,687"],
        "any_of": ["16,687"],
        "sources": [{"file": "a.txt", "lines": [3]}],
        "type": "numeric",
    },
    {
        "id": "q2",
        "question": "Who built the mill?",
        "answers": ["John Smith"],
        "any_of": ["John Smith", "Smith"],
        "sources": [{"file": "a.txt", "lines": [5]}],
        "type": "factoid",
    },
    {
        "id": "q3",
        "question": "When was the mill built?",
        "answers": ["in 1850"],
        "must_contain": ["1850"],
        "sources": [{"file": "a.txt", "lines": [5]}],
        "type": "numeric",
        "difficulty": "easy",
    },
    {
        "id": "q4",
        "question": "What is the mayor's shoe size?",
        "answers": [],
        "any_of": [],
        "sources": [{"file": "b.txt", "lines": [1]}],
        "type": "unanswerable",
    },
]
SEARCH = {  # question id -> passages, best first: (file, first_line, last_line)
    "q1": [("a.txt", 1, 3), ("b.txt", 1, 1)],
    "q2": [("b.txt", 1, 1), ("a.txt", 5, 5)],
    "q3": [("a.txt", 5, 5)],
    "q4": [("b.txt", 1, 1)],
}
# question id -> (text, short answer, abstained, cited lines, support)
ANSWERS = {
    "q1": ("16,687. Town has 16,687 residents.", "16,687", False, [("a.txt", 3)], 0.9),
    "q2": ("The articles don't say.", "", True, [], 0.1),
    "q3": ("It was built in 1850 by John Smith.", "", False, [("a.txt", 5), ("a.txt", 1)], 0.6),
    "q4": ("The mayor likes tea.", "tea", False, [("b.txt", 1)], 0.3),
}
BY_QUESTION = {g["question"]: g["id"] for g in GOLD}


def _hit(file: str, first: int, last: int, rank: int) -> Hit:
    return Hit(Chunk(f"{file}#{rank}", file, first, last, 0, 1, "text"), score=1.0 / rank, rank=rank)


class FakeRetriever:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def search(self, query: str, k: int) -> list[Hit]:
        self.calls.append(k)
        return [_hit(*span, rank) for rank, span in enumerate(SEARCH[BY_QUESTION[query]], start=1)][:k]


class FakePipeline:
    """Behaves by settings.generator_model: fake:good, fake:missing, fake:picky (refuses q2)."""

    made: list[FakePipeline] = []

    def __init__(self, settings: Settings, retriever=None, generator=None) -> None:
        if settings.generator_model == "fake:missing":
            raise ModelError("model package fake:missing not found: run `qa models pull`")
        self.settings, self.shared = settings, retriever is not None
        self.retriever = retriever or FakeRetriever()
        self.generator = generator or object()
        FakePipeline.made.append(self)

    def ask(self, question: str, history=None) -> Answer:
        qid = BY_QUESTION[question]
        if self.settings.generator_model == "fake:picky" and qid == "q2":
            raise InputError("question is too long")
        text, short, abstained, cited, support = ANSWERS[qid]
        total = 100.0 + 10 * int(qid[1:])
        answer = Answer(
            question,
            text,
            abstained,
            tuple(Citation(f, n, "x") for f, n in cited),
            (),
            {"retrieve": 10.0, "total": total},
            method="extractive",
            short_answer=short,
        )
        object.__setattr__(answer, "support", support)  # the answer layer's score, once it has one
        return answer


@pytest.fixture
def corpus(tmp_path: Path) -> CorpusSpec:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    gold = tmp_path / "town.dev.jsonl"
    gold.write_text("\n".join(json.dumps(g) for g in GOLD) + "\n", encoding="utf-8")
    return CorpusSpec("town", gold, docs, "dev")


@pytest.fixture
def base(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "models", generator_model="fake:good")


def _run(corpus, base, tmp_path, configs=(DEFAULT,), **kw):
    FakePipeline.made = []
    kw.setdefault("cache", tmp_path / "cache")
    return run_eval([corpus], configs, base, progress=False, pipeline_factory=FakePipeline, **kw)


def test_run_aggregates_one_corpus(corpus, base, tmp_path):
    run = _run(corpus, base, tmp_path)
    (row,) = run.rows
    assert row.label == "town" and not row.skipped and len(row.results) == 4
    s = row.summary
    assert (s["answerable"], s["unanswerable"], s["answered"]) == (3, 1, 3)
    assert (s["accuracy"], s["accuracy_n"]) == (pytest.approx(2 / 3), 2)  # q2 abstained
    assert s["abstention_unanswerable"] == 0.0 and s["false_abstention_n"] == 1
    assert s["exact_match_n"] == 1  # q1's short answer; q3 is scored on its whole text
    assert s["f1"] == pytest.approx((1 + 0 + 0.4) / 3)  # q3: "in 1850" in 8 words: P=1/4, R=1
    assert (s["short_given"], s["short_given_n"]) == (pytest.approx(2 / 3), 2)
    assert s["citation_precision"] == pytest.approx((1 + 0.5) / 2)
    assert s["recall@1"] == pytest.approx(2 / 3) and s["mrr"] == pytest.approx((1 + 0.5 + 1) / 3)
    assert s["median_words"] == 5 and s["support_recorded"] == 4
    assert row.latency_ms["total"]["p50"] == pytest.approx(125.0)
    q4 = next(r for r in row.results if r.item_id == "q4")
    assert q4.gold_lines == () and q4.metrics["correct"] is False  # unanswerable: context is not gold
    assert FakePipeline.made[0].retriever.calls == [10] * 4


def test_each_corpus_gets_its_own_cached_index_and_rows_share_a_retriever(corpus, base, tmp_path):
    configs = [EvalConfig("default"), EvalConfig("bm25", {"retrieval": "bm25"})]
    run = _run(corpus, base, tmp_path, configs=[*configs, EvalConfig("again", {})], wrap=20)
    labels = [
        "town",
        "town bm25",
        "town again",
        "town-wrapped20",
        "town-wrapped20 bm25",
        "town-wrapped20 again",
    ]
    assert [r.label for r in run.rows] == labels
    dirs = [p.settings.index_dir for p in FakePipeline.made]
    assert all(d.parent == tmp_path / "cache" / "eval-index" for d in dirs)
    assert dirs[0] == dirs[1] == dirs[2] != dirs[3] and dirs[3].name.startswith("town-wrapped20-")
    assert [p.shared for p in FakePipeline.made] == [False, False, False, False, False, False]
    # rows with the same retrieval settings share the retriever: default then again
    run = _run(corpus, base, tmp_path, configs=[EvalConfig("default"), EvalConfig("again", {})])
    assert [p.shared for p in FakePipeline.made] == [False, True]


def test_wrapped_copy_maps_gold_lines_and_reports_side_by_side(corpus, base, tmp_path):
    run = _run(corpus, base, tmp_path, wrap=40)
    plain, wrapped = run.rows
    assert wrapped.variant == "town-wrapped40" and wrapped.settings["retrieval"] == "hybrid"
    assert wrapped.summary["recall@5"] == plain.summary["recall@5"] == 1.0  # found if any piece is
    q3 = next(r for r in wrapped.results if r.item_id == "q3")
    assert q3.gold_lines == (("a.txt", 5), ("a.txt", 6), ("a.txt", 7), ("a.txt", 8), ("a.txt", 9))
    assert next(r for r in plain.results if r.item_id == "q3").gold_lines == (("a.txt", 5),)
    copy = Path(FakePipeline.made[1].settings.docs_dir)
    assert all(len(line) <= 40 for line in (copy / "a.txt").read_text().splitlines())
    md = render_markdown(run, summary_json(run), {})
    assert "| town-wrapped40 | 66.7% (2/3) | +0.0 pts |" in md


def test_wrapped_copy_that_changes_nothing_is_not_run_again(corpus, base, tmp_path):
    run = _run(corpus, base, tmp_path, wrap=200)
    assert run.rows[1].skipped == "the same documents as town: no .txt/.md line is over 200 columns"
    assert len(FakePipeline.made) == 1


def test_rows_that_cannot_run_are_skipped_with_the_reason(corpus, base, tmp_path):
    configs = [
        EvalConfig("default"),
        EvalConfig("broken", {"generator_model": "fake:missing"}),
        EvalConfig("odd", {"retrieval": "telepathy"}),
    ]
    ablations = ablation_configs("extractive", known=("extractive",))
    run = _run(corpus, base, tmp_path, configs=configs, ablations=ablations)
    reasons = {r.config.name: r.skipped for r in run.rows}
    assert reasons["default"] == ""
    assert reasons["broken"].startswith("ModelError: model package fake:missing")
    assert reasons["odd"].startswith("bad settings: retrieval must be one of")
    assert reasons["no-extractive"] == ""  # the fake pipeline takes any name; the real one checks
    md = render_markdown(run, summary_json(run), {})
    assert "| town broken | skipped: ModelError" in md


def test_input_error_on_one_question_is_recorded_and_run_continues(corpus, base, tmp_path):
    run = _run(corpus, base.replace(generator_model="fake:picky"), tmp_path)
    (row,) = run.rows
    q2 = next(r for r in row.results if r.item_id == "q2")
    assert q2.error == "question is too long" and q2.metrics["correct"] is False and q2.hits
    assert row.summary["errors"] == 1 and row.latency_ms["total"]["p50"] == pytest.approx(130.0)


def test_limit_spreads_over_the_file(corpus, base, tmp_path):
    run = _run(corpus, base, tmp_path, limit=2)
    assert [r.item_id for r in run.rows[0].results] == ["q1", "q3"] and run.corpora[0].items == 2
    with pytest.raises(InputError, match="limit"):
        _run(corpus, base, tmp_path, limit=0)


def test_configs_and_ablations():
    assert [c.name for c in select_configs(None)] == ["default"]
    assert [c.name for c in select_configs(["verified-bm25-extractive", "default"])] == [
        "verified-bm25-extractive",
        "default",
    ]
    assert len({c.name for c in named_configs()}) == len(named_configs())
    with pytest.raises(InputError, match="unknown eval config nope"):
        select_configs(["nope"])
    rows = ablation_configs("all", known=("quote", "listing"))
    assert [(c.name, c.ablation, c.settings_overrides) for c in rows] == [
        ("no-quote", "quote", {"disabled_strategies": "quote"}),
        ("no-listing", "listing", {"disabled_strategies": "listing"}),
    ]
    assert ablation_configs("", known=("quote",)) == []
    assert [c.ablation for c in ablation_configs("all")] == list(strategy_names()) != []
    with pytest.raises(InputError, match="unknown answer strategy nope"):
        ablation_configs("nope", known=("quote",))


def test_write_report_md_json_and_curve(corpus, base, tmp_path):
    run = _run(corpus, base, tmp_path, wrap=40)
    out = tmp_path / "report"
    paths = write_report(run, out, curve=True, command="qa eval --test")
    assert sorted(p.name for p in out.iterdir()) == ["REPORT-curve-dev.png", "REPORT.json", "REPORT.md"]
    assert paths["curve-dev"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = paths["md"].read_text(encoding="utf-8")
    for text in (
        "# Evaluation report",
        "## dev half",
        "`qa eval --test`",
        "| town | 66.7% (2/3) |  |",
        "![trade-off curves](REPORT-curve-dev.png)",
        "| all corpora | 0.45 | 75.0% |",
        "## How to read",
    ):
        assert text in md
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [r["row"] for r in data["rows"]] == ["town", "town-wrapped40"]
    assert len(data["results"]) == 8 and data["results"][0]["support"] == 0.9
    assert data["thresholds"]["dev"]["town"] == {"threshold": 0.45, "accuracy": 0.75}


def test_the_default_pipeline_builds_each_corpus_index_itself(corpus, tmp_path, monkeypatch):
    """The library never builds unless asked, so `qa eval` (run_eval's default factory) asks: every
    corpus's index in the cache is built before its first question, not reported as missing."""
    from qa.retrieval import retriever
    from tests.conftest import FakeEmbedder

    class Factory:
        @staticmethod
        def from_settings(settings):
            return FakeEmbedder(name=settings.embedding_model)

    monkeypatch.setattr(retriever, "SentenceTransformerEmbedder", Factory)
    base = Settings(
        cache_dir=tmp_path / "models",
        embedding_model="fake-embedder",
        generator_model="none",
        language_model="blank:en",
    )
    run = run_eval([corpus], [DEFAULT], base, progress=False, cache=tmp_path / "cache")
    (row,) = run.rows
    assert not row.skipped and len(row.results) == len(GOLD)
    assert list((tmp_path / "cache" / "eval-index").iterdir())  # the corpus's own index, built
