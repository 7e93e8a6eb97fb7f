"""The ground floor: where the harness keeps files (``paths.py``), writing a file whole or not at all
(``atomic.py``), and the one reader of user text files (``textfile.py``)."""
