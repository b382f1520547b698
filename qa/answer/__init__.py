"""Answer: retrieved hits in, a short cited ``Answer`` out.

- ``pipeline``: ``Pipeline.ask``/``stream``: retrieval -> evidence -> answer ->
  verification.
- ``evidence``: the few sentences of the hits that best answer the question.
- ``question``: what the question asks for (spaCy): the kind of answer, its entity types, names, terms;
  and, for the keyword rules, what its wording asks (key terms, coarse kind, a list) with the one
  month list, number-word table and year pattern.
- ``verify``: which evidence may answer (the keyword check, the default), abstention wording, and
  checking generated text against cited lines (``arithmetic``: a derived sum or difference).
- ``mismatch``: what an evidence unit contradicts or lacks of a question (names, years, numbers,
  opposite words), the one test behind both the keyword check and the gate.
- ``gate``: the learned alternative (switch ``keyword-gate`` off): a unit that contradicts the question
  never answers; the others get a calibrated P(answer) whose best value is the answer's support.
- ``strategies``: ways of answering from the quoted lines (``extractive`` span, ``short_answer``,
  the trained ``reader``); ``compound``: two-part questions.
- ``citing``: the citations of an answer and the words of an abstention; ``attribution``: who an
  answering sentence reports, a "he"/"she" found back in its paragraph (``Answer.speaker``; the chat
  and ``qa ask`` show "According to X").
- ``prompting``: the generator's prompts; ``conversation``: follow-ups rewritten with the history;
  ``writing_systems``: the scripts (Latin, Han, ...) of a question and of the corpus.
"""
