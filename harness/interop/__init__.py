"""Other tools: saved runs and qrels exported for ranx, trec_eval and PyTerrier (``export.py``), and a
registered method as a PyTerrier transformer (``pyterrier.py``)."""
