"""CLIR benchmark harness: English queries, documents in another language.

Importing ``harness`` registers the built-in collections into ir_datasets, so
``ir_datasets.load("harness/ntrex/sw")`` works like any other dataset id.
"""

from harness.data import ntrex as _ntrex

__version__ = "0.1.0"

_ntrex.register()
