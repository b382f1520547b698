"""Evaluation: gold question sets over documents folders in, a report with figures out (``qa eval``).

- ``suite``: which corpora (a suite file's dev/test halves, or one gold file over one folder), and
  the cached index folder of each; ``gold``: reads and checks gold files; ``wrap``: hard-wrapped
  copies of a folder and where each gold line went; ``configs``: the rows (named configurations,
  one ablation per answer strategy); ``runner``: asks every question of every row; ``scoring`` and
  ``metrics``: per-answer scores and their aggregates; ``curve``: the answer/abstain trade-off and
  ``choose_threshold``; ``tables`` and ``report``: REPORT.md/.json and the curve PNGs. ``machine``
  (commit, machine, load, a free port) is shared with the evals/ benchmarks, as are ``metrics``'
  percentiles.
"""
