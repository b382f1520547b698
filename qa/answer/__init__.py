"""Answer: retrieved hits in, a short cited ``Answer`` out.

- ``pipeline``: ``Pipeline.ask``/``stream``: retrieval -> evidence -> answer ->
  verification.
- ``evidence``: the few sentences of the hits that best answer the question.
- ``question``: what the question asks for (spaCy): the kind of answer, its entity types, names, terms.
- ``gate``: which evidence may answer: a unit that contradicts the question never does; the others get a
  learned, calibrated P(answer) whose best value is the answer's support.
- ``verify``: the keyword check the gate replaced (kept as its ablation), abstention wording, and
  checking generated text against cited lines (``arithmetic``: a derived sum or difference).
- ``strategies``: ways of answering from the quoted lines (``extractive`` span, ``short_answer``,
  the trained ``reader``); ``compound``: two-part questions.
- ``prompting``: the generator's prompts; ``conversation``: follow-ups rewritten with the history;
  ``writing_systems``: the scripts (Latin, Han, ...) of a question and of the corpus.
"""
