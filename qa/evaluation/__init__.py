"""Evaluation: gold question sets in, a report with figures out (``qa eval``).

- ``gold``: reads and checks gold files; ``metrics``: per-answer scores; ``runner``: runs configurations
  over the gold questions; ``report``: writes REPORT.md/.json and the figure.
"""
