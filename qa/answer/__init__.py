"""Answer: retrieved hits in, a short cited ``Answer`` out.

- ``pipeline``: ``Pipeline.ask``/``stream``: retrieval -> evidence -> answer ->
  verification.
- ``evidence``: the few sentences of the hits that best answer the question.
- ``verify``: which evidence may answer, why to abstain, and checking generated text against cited lines.
- ``extractive``, ``listing``, ``arithmetic``, ``byline``, ``compound``: ways of answering from the quoted
  lines themselves.
- ``prompting``: the generator's prompts; ``conversation``: follow-ups rewritten with the history;
  ``writing_systems``: the scripts (Latin, Han, ...) of a question and of the corpus.
"""
