"""CLIR benchmark harness: English queries, documents in another language.

``from harness import Experiment, load_board``: the Python API (``harness/api.py``), loaded on
first use so that ``import harness`` stays light.

Importing ``harness`` registers the built-in collections into ir_datasets, so
``ir_datasets.load("harness/ntrex/sw")`` (or ``harness/xquad/de``, ``harness/multi30k/cs``,
``harness/ntrex-sentences/yo``, ``ciral/sw/test-a``, ``africlirmatrix/ha``) works like any other
dataset id.  Registering reads no data.

Started as ``python -m harness``, a Ctrl-C or SIGTERM while these imports run gives one line, not
a traceback (``harness/cli/signals.py``).
"""

import sys as _sys

if _sys.argv[:1] == ["-m"]:  # set so only while `python -m harness` imports this package
    from harness.cli.signals import quiet_startup as _quiet_startup

    _quiet_startup()

from harness.data import africlirmatrix as _africlirmatrix
from harness.data import ciral as _ciral
from harness.data import multi30k as _multi30k
from harness.data import ntrex as _ntrex
from harness.data import ntrex_sentences as _ntrex_sentences
from harness.data import xquad as _xquad

__version__ = "0.1.0"

for _module in (_ntrex, _ntrex_sentences, _xquad, _multi30k, _ciral, _africlirmatrix):
    _module.register()


def __getattr__(name: str):
    if name in ("Experiment", "ExperimentResult", "load_board"):
        from harness import api

        return getattr(api, name)
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
