"""The command line: ``python -m harness COMMAND`` (``main.py``), its parser (``args.py``) and the
checks every argument gets before any work (``checks.py``)."""
