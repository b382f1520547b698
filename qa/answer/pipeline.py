"""Question in, cited answer out: retrieval → evidence → generation → verification."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

from qa.answer.arithmetic import comparison_answer, difference_answer, earlier_answer
from qa.answer.byline import byline_answer, on_topic, story_byline, who_wrote
from qa.answer.compound import resolve, split_question
from qa.answer.conversation import standalone
from qa.answer.evidence import Evidence, line_units, select_evidence
from qa.answer.extractive import extract_answer, is_list_question
from qa.answer.listing import enumerating_first, list_answer, name_list, with_enumeration
from qa.answer.prompting import NOT_STATED, evidence_prompt, plain_prompt
from qa.answer.verify import abstain_reason, answering_units, informative, verify_answer
from qa.answer.writing_systems import main_script
from qa.config import Settings
from qa.errors import QAError
from qa.generation.generator import Generator as TextGenerator
from qa.generation.generator import make_generator
from qa.ingest.chunking import MAX_SENTENCE_CHARS
from qa.inputs import clean_question
from qa.records import Answer, Citation, Hit
from qa.retrieval.embedding import CachedEmbedder
from qa.retrieval.retriever import Retriever

log = logging.getLogger(__name__)

History = list[tuple[str, str]]  # (question, answer) pairs, oldest first


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer: "token" pieces while generating, then one "answer"."""

    kind: str  # "token" | "answer"
    text: str = ""
    answer: Answer | None = None


class Pipeline:
    """The whole product path. Models load on first use, or in warm_up()."""

    def __init__(
        self, settings: Settings, retriever: Retriever | None = None, generator: TextGenerator | None = None
    ):
        self.settings = settings
        self._retriever = retriever
        self._generator = generator
        self._evidence_embedder: CachedEmbedder | None = None
        self._generator_loading: threading.Thread | None = None

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self._retriever = Retriever.from_settings(self.settings)
        return self._retriever

    @property
    def generator(self) -> TextGenerator | None:
        if self._generator is None and self.settings.generator_model != "none":
            self._generator = make_generator(self.settings)
        return self._generator

    @property
    def evidence_embedder(self) -> CachedEmbedder:
        """The retriever's embedder with a memory: a sentence is embedded once per process."""
        if self._evidence_embedder is None:
            self._evidence_embedder = CachedEmbedder(self.retriever.embedder)
        return self._evidence_embedder

    def warm_up(self, generator_in_background: bool = False) -> None:
        """Load the index and models now.

        With generator_in_background, the generator's model is checked now (a missing or damaged
        one fails here) and loaded in a thread: the chat is ready in seconds and answers from the
        quoted lines, most answers by default; an answer that needs the generator waits for it.
        """
        self._warm_up_retrieval()
        generator = self.generator
        if generator is None or not hasattr(generator, "warm_up"):
            return
        if not (generator_in_background and hasattr(generator, "prepare")):
            generator.warm_up()
            return
        generator.prepare()
        if self._generator_loading is None:
            self._generator_loading = threading.Thread(
                target=self._load_generator, name="load-generator", daemon=True
            )
            self._generator_loading.start()

    def _warm_up_retrieval(self) -> None:
        _ = self.retriever, self.line_text
        if hasattr(self.retriever.embedder, "warm_up"):
            self.retriever.embedder.warm_up()

    def _load_generator(self) -> None:
        started = time.perf_counter()
        try:
            self.generator.warm_up()
        except QAError as e:  # the next answer that needs it tries again and says so
            log.error("the generator did not load: %s; answers are quoted lines until it does", e)
        else:
            log.info("generator ready (loaded in the background in %.1f s)", time.perf_counter() - started)

    @property
    def line_text(self) -> dict[tuple[str, int], str]:
        """(file, line) -> stripped text of every non-blank source line."""
        return self.retriever.store.lines

    def page_of(self, file: str, line: int) -> tuple[int, int] | None:
        """(page, line on the page) of a line of a PDF; None for other files."""
        return self.retriever.store.page_of(file, line)

    def ask(self, question: str, history: History | None = None) -> Answer:
        for event in self.stream(question, history):
            if event.answer is not None:
                return event.answer
        raise AssertionError("stream() always ends with an answer")

    def stream(self, question: str, history: History | None = None) -> Iterator[Event]:
        """Token events while the generator writes, then the verified answer."""
        question = clean_question(question, self.settings.max_question_chars)
        # A first question loads the index and embedder; that is start-up, not answer time. The
        # generator loads when an answer first needs it (or in the background: warm_up()).
        self._warm_up_retrieval()
        started = time.perf_counter()
        query = standalone(question, history)
        timings: dict[str, float] = {}

        script = main_script(query)
        verified = self.settings.pipeline == "verified"
        parts = split_question(query) if verified else [query]
        if verified and script is not None and script not in self.retriever.scripts:
            answer_events = iter([self._other_script(question, query, script, timings)])
        elif len(parts) > 1:
            answer_events = self._compound(question, query, parts, timings)
        else:
            t = time.perf_counter()
            k = 3 if self.settings.pipeline == "plain" else self.settings.top_k
            hits = self.retriever.search(query, k)
            timings["retrieve"] = ms(t)
            if self.settings.pipeline == "plain":
                answer_events = self._plain(question, query, hits, timings)
            else:
                answer_events = self._verified(question, query, hits, timings)
        for event in answer_events:
            if event.answer is not None:
                timings["total"] = ms(started)
            yield event

    def _other_script(self, question: str, query: str, script: str, timings: dict[str, float]) -> Event:
        """Abstain from a question in a script the articles do not use: any match would be chance."""
        timings.setdefault("generate", 0.0)
        text = (
            f"The articles don't say: the question is written in {script} script and the articles "
            f"in {' and '.join(sorted(self.retriever.scripts))}, so nothing in them can match it. "
            "Ask in the articles' language."
        )
        return self._final(question, query, [], timings, text, (), "abstained")

    def _generate(self, messages, timings: dict[str, float]) -> Generator[Event, None, str]:
        """Token events; returns the whole reply ("" when the generator failed).

        The reply is returned, not stored on self: requests from several chat sessions
        run on one pipeline at once.
        """
        t = time.perf_counter()
        pieces = []
        try:
            for piece in self.generator.stream(messages):
                if not pieces:
                    timings["first_token"] = ms(t)
                pieces.append(piece)
                yield Event("token", piece)
        except QAError as e:
            log.warning("generation failed, answering extractively: %s", e)
            pieces = []
        timings["generate"] = ms(t)
        return "".join(pieces).strip()

    def _verified(
        self, question: str, query: str, hits: list[Hit], timings: dict[str, float]
    ) -> Iterator[Event]:
        t = time.perf_counter()
        lines = self.line_text
        idf = self.retriever.bm25.idf
        evidence = select_evidence(
            query, hits, self.evidence_embedder, idf, lines, self.settings.evidence_sentences
        )
        timings["evidence"] = ms(t)
        generic, documents = self.retriever.common_terms, self.retriever.file_tokens
        answering = answering_units(query, evidence, lines, generic, documents)
        if who_wrote(query):  # the answer is a byline: only lines of a story about the question's topic
            answering = on_topic(query, answering, documents, idf, generic)
        if not answering:  # "who wrote the article about X?": no line answers, the story's byline does
            stories = [h.chunk.file for h in hits]
            found = story_byline(query, stories, lines, documents, idf, generic)
            if found:
                timings["generate"] = 0.0
                text, unit = found
                citations = cite([unit], lines, self.page_of)
                yield self._final(question, query, hits, timings, text, citations, "extractive")
                return
            reason = abstain_reason(query, evidence, lines, generic, documents)
            timings.setdefault("generate", 0.0)
            text = abstain_text(reason, evidence, self.page_of)
            yield self._final(question, query, hits, timings, text, (), "abstained")
            return

        listed = self._name_list(query, hits, answering)
        if listed:  # names cut from the line itself: nothing for the generator to add
            timings["generate"] = 0.0
            text = list_answer([name for name, _ in listed])
            cited = [unit for _, unit in listed]
            citations = cite(cited, lines, self.page_of)
            yield self._final(question, query, hits, timings, text, citations, "extractive")
            return

        # Worked out from stated figures (shown with the working: a difference, the figure before an
        # increase, "which is larger", each amount from its own line), or a byline
        direct = comparison_answer(query, evidence, lines)
        if direct is None:
            single = (
                difference_answer(query, answering)
                or earlier_answer(query, answering)
                or byline_answer(query, answering, lines)
            )
            direct = (single[0], [single[1]]) if single else None
        if direct:
            timings["generate"] = 0.0
            text, units = direct
            cited_units = cite(units, lines, self.page_of)
            yield self._final(question, query, hits, timings, text, cited_units, "extractive")
            return

        if is_list_question(query):  # "three suggestions: one is …; second …; third …" is one answer
            answering = [with_enumeration(u, line_units(hits, u.file, u.line)) for u in answering]
            answering = enumerating_first(answering)
        span, span_unit = first_informative_span(query, answering, idf)
        if self.settings.generate == "when-needed" and informative(span, query):
            # The line's own words already answer: on the gold set they are right more often than the
            # packaged generator's, and at once (evals/REPORT.md).
            timings["generate"] = 0.0
            yield self._final(
                question, query, hits, timings, span, cite([span_unit], lines, self.page_of), "extractive"
            )
            return
        reply = ""
        if self.generator is not None:
            statements = [e.text for e in evidence[: self.settings.prompt_sentences]]
            reply = yield from self._generate(evidence_prompt(query, statements), timings)
        else:
            timings["generate"] = 0.0
        t = time.perf_counter()
        claims = verify_answer(reply, evidence, lines) if reply and NOT_STATED not in reply else []
        text = " ".join(c.text for c in claims)
        if claims and informative(text, query):
            cited = [e for c in claims for e in c.sources]
            method = "generated"
        else:
            text, cited, method = span, [span_unit], "extractive"
        timings["verify"] = ms(t)
        yield self._final(question, query, hits, timings, text, cite(cited, lines, self.page_of), method)

    def _compound(
        self, question: str, query: str, parts: list[str], timings: dict[str, float]
    ) -> Iterator[Event]:
        """Each part answered on its own evidence, the second with the first one's answer in place of
        "that province"; one answer citing both. It abstains only when every part does."""
        answers: list[Answer] = []
        for part in parts:
            if answers:
                part = resolve(part, answers[-1].standalone_question, answers[-1].text)
            part_timings: dict[str, float] = {}
            t = time.perf_counter()
            hits = self.retriever.search(part, self.settings.top_k)
            part_timings["retrieve"] = ms(t)
            for event in self._verified(part, part, hits, part_timings):
                if event.answer is None:
                    yield event
                else:
                    answers.append(event.answer)
            for stage, spent in part_timings.items():
                timings[stage] = timings.get(stage, 0.0) + spent
        if all(a.abstained for a in answers):
            final = answers[0]
            yield self._final(question, query, list(final.hits), timings, final.text, (), "abstained")
            return
        text = " ".join(a.text for a in answers)
        citations = tuple(dict.fromkeys(c for a in answers for c in a.citations))
        hits = list(dict.fromkeys(h for a in answers for h in a.hits))
        method = "generated" if any(a.method == "generated" for a in answers) else "extractive"
        yield self._final(question, query, hits, timings, text, citations, method)

    def _name_list(self, query: str, hits: list[Hit], answering: list[Evidence]) -> list:
        """The names a list question asks for, from the first of the answering lines that enumerates."""
        lines = list(dict.fromkeys((e.file, e.line) for e in answering))[:3]
        for file, line in lines:
            listed = name_list(
                query,
                line_units(hits, file, line),
                self.retriever.bm25.idf,
                self.retriever.common_terms,
                self.retriever.ordinary_words,
            )
            if listed:
                return listed
        return []

    def _plain(
        self, question: str, query: str, hits: list[Hit], timings: dict[str, float]
    ) -> Iterator[Event]:
        """The baseline: whole passages in, the model's words out, every passage cited."""
        if self.generator is None:
            raise QAError("the plain pipeline needs a generator: set generator_model")
        reply = yield from self._generate(plain_prompt(query, [h.chunk.text for h in hits]), timings)
        abstained = any(
            p in reply.lower() for p in ("don't know", "do not know", "not stated", "no information")
        )
        citations = (
            []
            if abstained
            else [
                citation(h.chunk.file, n, self.line_text[(h.chunk.file, n)], self.page_of)
                for h in hits
                for n in range(h.chunk.first_line, h.chunk.last_line + 1)
                if (h.chunk.file, n) in self.line_text
            ]
        )
        yield self._final(
            question, query, hits, timings, reply, tuple(citations), "abstained" if abstained else "generated"
        )

    @staticmethod
    def _final(question, query, hits, timings, text, citations, method) -> Event:
        answer = Answer(
            question=question,
            text=text,
            abstained=method == "abstained",
            citations=tuple(citations),
            hits=tuple(hits),
            timings_ms=timings,
            standalone_question=query,
            method=method,
        )
        return Event("answer", text, answer)


PageOf = Callable[[str, int], tuple[int, int] | None]  # (file, line) -> (page, line on page) in a PDF


def _no_pages(file: str, line: int) -> None:
    return None


def citation(file: str, line: int, text: str, page_of: PageOf = _no_pages) -> Citation:
    page, page_line = page_of(file, line) or (None, None)
    return Citation(file, line, text, page, page_line)


def first_informative_span(
    query: str, answering: list[Evidence], idf: dict[str, float]
) -> tuple[str, Evidence]:
    """The span of the first answering unit that adds something to the question ("Li Linkang said."
    does not), else the best unit's span."""
    fallback = None
    for unit in answering:
        span = extract_answer(query, unit, idf=idf)
        if informative(span, query):
            return span, unit
        fallback = fallback or (span, unit)
    return fallback


def cite(
    evidence: list[Evidence], lines: dict[tuple[str, int], str], page_of: PageOf = _no_pages
) -> tuple[Citation, ...]:
    """One citation per distinct cited line, in order of first use.

    A line too long to quote (a huge single-line file) is quoted by its cited sentence instead.
    """
    seen = {}
    for e in evidence:
        if (e.file, e.line) not in seen:
            line = lines.get((e.file, e.line), e.text)
            quote = line if len(line) <= MAX_SENTENCE_CHARS else e.text
            seen[e.file, e.line] = citation(e.file, e.line, quote, page_of)
    return tuple(seen.values())


def abstain_text(reason: str, evidence: list[Evidence], page_of: PageOf = _no_pages) -> str:
    text = f"The articles don't say: {reason}."
    if evidence:
        best = evidence[0]
        where = page_of(best.file, best.line)
        line = f"page {where[0]}, line {where[1]}" if where else f"line {best.line}"
        text += f' The closest they come is "{best.text}" ({best.file}, {line}).'
    return text


def ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000
