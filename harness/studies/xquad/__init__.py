"""The xquad study: ``run.py`` runs it, ``render.py`` writes its files from records (see README.md)."""
