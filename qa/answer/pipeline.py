"""Question in, cited answer out: retrieval → evidence → generation → verification."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass

from qa.answer.antonyms import opposites
from qa.answer.attribution import answer_speaker
from qa.answer.citing import abstain_text, citation, cite
from qa.answer.compound import resolve, split_question
from qa.answer.conversation import standalone
from qa.answer.evidence import Evidence, select_evidence
from qa.answer.gate import GATE_THRESHOLD, load_gate, scored_units
from qa.answer.prompting import NOT_STATED, evidence_prompt, plain_prompt
from qa.answer.question import analyse_question
from qa.answer.reader import load_reader
from qa.answer.strategies import (
    ANTONYMS,
    HEADINGS,
    KEYWORD_GATE,
    LISTS,
    NAMED,
    READER,
    RUNNER_UP,
    SHORT_ANSWER,
    Context,
    Draft,
    disabled,
    first_draft,
    quoted_span,
)
from qa.answer.support import support
from qa.answer.verify import abstain_reason, answering_units, informative, verify_answer
from qa.answer.writing_systems import main_script
from qa.config import Settings
from qa.errors import QAError
from qa.generation.factory import make_generator
from qa.generation.protocol import Generator as TextGenerator
from qa.ingest.analysis import SentenceIndex, span_of
from qa.inputs import clean_history, clean_question
from qa.nlp import load_nlp
from qa.records import Answer, Hit
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
        self._disabled = disabled(settings.disabled_strategies)  # answer strategies switched off

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
    def nlp(self):
        """The spaCy pipeline that parses questions (and, for now, the answering sentence)."""
        return load_nlp(self.settings.language_model)

    @property
    def sentences(self) -> SentenceIndex:
        """The index's stored parse of every document (sentences, entities, lemmas)."""
        return self.retriever.store.sentence_index(self.nlp.vocab)

    def parsed(self, unit: Evidence):
        """The stored spaCy parse of an evidence unit (a sentence or clause), as a Span."""
        return span_of(self.sentences, unit) or self.nlp(unit.text)[:]

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
        _ = self.retriever, self.line_text, self.nlp, self.sentences
        if ANTONYMS not in self._disabled:
            opposites()  # read and checked now, not on the first question
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
        history = clean_history(history)  # (q, a) pairs or {"question", "answer"} objects, checked
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
        context = self._context(query, hits)
        timings["evidence"] = ms(t)
        draft = first_draft(context, self._disabled)
        if draft is None and not context.answering:
            reason = abstain_reason(
                query,
                context.evidence,
                context.lines,
                context.common_terms,
                context.file_tokens,
                antonyms=ANTONYMS not in self._disabled,
            )
            timings.setdefault("generate", 0.0)
            text = abstain_text(reason, context.evidence, self.page_of)
            yield self._final(question, query, hits, timings, text, (), "abstained", support=0.0)
            return
        if context.gate_support is not None:
            score = context.gate_support
        else:
            score = support(context.answering, context.analysis(), draft.short_answer if draft else "")
        if score < self.settings.min_support:
            timings.setdefault("generate", 0.0)
            floor = self.settings.min_support
            reason = f"the closest passages support an answer too weakly ({score:.2f} < {floor:.2f})"
            text = abstain_text(reason, context.evidence, self.page_of)
            yield self._final(question, query, hits, timings, text, (), "abstained", support=score)
            return
        if draft is None:
            draft = yield from self._generated(context, timings)
        else:
            timings["generate"] = 0.0
        citations = cite(list(draft.units), context.lines, self.page_of, draft.also_cites)
        sentences = [_sentence(self.parsed(u)) for u in draft.units]
        who = answer_speaker(draft.text, draft.short_answer, sentences, self.sentences.paragraphs_before)
        yield self._final(
            question,
            query,
            hits,
            timings,
            draft.text,
            citations,
            draft.method,
            draft.short_answer,
            score,
            who,
        )

    def _context(self, query: str, hits: list[Hit]) -> Context:
        """The evidence of the hits and which of it may answer, with what the strategies read."""
        retriever, lines = self.retriever, self.line_text
        idf = retriever.bm25.idf
        evidence = select_evidence(
            query,
            hits,
            self.evidence_embedder,
            idf,
            lines,
            self.sentences,
            self.settings.evidence_sentences,
            headings=HEADINGS not in self._disabled,
        )
        common, file_tokens = retriever.common_terms, retriever.file_tokens
        analysis = functools.cache(lambda: analyse_question(query, self.nlp))
        gate_support = None
        if KEYWORD_GATE not in self._disabled:
            answering = answering_units(
                query,
                evidence,
                lines,
                common,
                file_tokens,
                idf,
                self.parsed,
                analysis(),
                antonyms=ANTONYMS not in self._disabled,
            )
        else:
            scored = scored_units(analysis(), evidence, self.parsed, idf, file_tokens, load_gate(), common)
            gate_support = max((p for p, _ in scored), default=0.0)
            answering = [e for p, e in scored if p >= GATE_THRESHOLD]  # evidence order: it ranked them
        return Context(
            query=query,
            hits=hits,
            evidence=evidence,
            answering=answering,
            lines=lines,
            idf=idf,
            common_terms=common,
            file_tokens=file_tokens,
            lower_case_words=retriever.ordinary_words,
            analysis=analysis,
            parse=self.parsed,
            sentences=self.sentences,
            reader=load_reader,
            generate=self.settings.generate,
            short_answers=SHORT_ANSWER not in self._disabled,
            runner_up=RUNNER_UP not in self._disabled,
            use_reader=READER not in self._disabled,
            names=NAMED not in self._disabled,
            lists=LISTS not in self._disabled,
            gate_support=gate_support,
        )

    def _generated(self, c: Context, timings: dict[str, float]) -> Generator[Event, None, Draft]:
        """The generator's verified answer; the quoted span when it has none that holds."""
        reply = ""
        if self.generator is not None:
            statements = [e.text for e in c.evidence[: self.settings.prompt_sentences]]
            reply = yield from self._generate(evidence_prompt(c.query, statements), timings)
        else:
            timings["generate"] = 0.0
        t = time.perf_counter()
        claims = verify_answer(reply, c.evidence, c.lines) if reply and NOT_STATED not in reply else []
        text = " ".join(claim.text for claim in claims)
        if claims and informative(text, c.query):
            draft = Draft(text, tuple(e for claim in claims for e in claim.sources), "generated")
        else:
            span, unit = quoted_span(c, c.answering)
            draft = Draft(span, (unit,))
        timings["verify"] = ms(t)
        return draft

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
    def _final(
        question, query, hits, timings, text, citations, method, short="", support=None, speaker=""
    ) -> Event:
        answer = Answer(
            question=question,
            text=text,
            abstained=method == "abstained",
            citations=tuple(citations),
            hits=tuple(hits),
            timings_ms=timings,
            standalone_question=query,
            method=method,
            short_answer=short,
            support=support,
            speaker=speaker,
        )
        return Event("answer", text, answer)


def ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


def _sentence(span):
    """The whole sentence a unit (a sentence or a clause) is part of: a clause of "Mayor Ruiz believes
    that …" does not hold its speaker."""
    try:
        return span.sent
    except ValueError:  # a Doc without sentence boundaries
        return span
