"""Scoring: TREC run files and their sidecars (``runs.py``), per-query ir_measures values
(``measures.py``), the committed scores file of a collection (``scores.py``), and scoring the
saved runs of a results folder into it (``saved.py``)."""
