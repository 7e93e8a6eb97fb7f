"""What every report shares: number and mark formats (``text.py``) and plots (``plots.py``: file
names, one colour per method, reproducible PNG).  The reports themselves live with what they
report: ``harness/board/``, ``harness/compare/``, ``harness/claims/``, ``harness/studies/<name>/``."""
