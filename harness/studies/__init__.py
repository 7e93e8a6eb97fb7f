"""Studies: research questions around the methods, each a registry entry (data) and an implementation.

``python -m harness study list`` shows them; ``python -m harness study run NAME`` runs one and
writes ``results/studies/<name>.md`` with CSV, JSON and PNG beside it.  A study reuses saved runs
(its own under ``results/studies/<name>/runs/``, which are not committed) and never retrains.
The implementation is named, not imported, so that listing studies imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Callable

from harness.errors import UsageError


@dataclass(frozen=True)
class Study:
    name: str
    question: str  # one line
    collections: tuple[str, ...]
    pairs: str  # which pairs, in words
    measures: tuple[str, ...]
    methods: str  # which methods or systems it applies to, in words
    needs: str  # what must be available
    implementation: str  # "module:function", called as function(out, pairs, options, force, report) -> [paths]

    def load(self) -> Callable:
        module, _, function = self.implementation.partition(":")
        return getattr(import_module(module), function)


STUDIES: dict[str, Study] = {}


def register(study: Study) -> Study:
    if study.name in STUDIES:
        raise ValueError(f"study {study.name} is registered twice")
    STUDIES[study.name] = study
    return study


def get_study(name: str) -> Study:
    if name not in STUDIES:
        raise UsageError(f"unknown study {name}; valid: {', '.join(STUDIES)}")
    return STUDIES[name]


register(Study(
    name="translation",
    question="Does better MT of the queries give better retrieval, and how far is MT from a human translation?",
    collections=("ntrex",),
    pairs="all seven, each with every MT system pinned for it (none offline for en-yo)",
    measures=("chrF", "BLEU", "AP", "nDCG@10"),
    methods="BM25 over each pinned MT system's query translations, and over the human translation (ceiling)",
    needs="the pinned MT outputs (mirror or network); Pyserini; sacrebleu",
    implementation="harness.studies.translation:run_study",
))
