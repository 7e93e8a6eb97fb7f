"""The ground floor: where the harness keeps files (``paths.py``), writing a file whole or not at all
(``atomic.py``) and a set of files all or none (``fileset.py``), locks across processes (``lock.py``),
temporary files that killed processes left (``leftovers.py``), a results folder kept apart from the
cache and tidied before a command writes there (``results.py``), and the one reader of user text
files (``textfile.py``)."""
