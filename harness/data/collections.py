"""Test collections, by name, and what a method sees of one for one language pair.

``ntrex`` is built in (see ``ntrex.py``); ``clirmatrix`` and ``wikiclir`` are
large collections that ir_datasets downloads on first use.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

import ir_datasets

from harness.data import ntrex
from harness.data.pairs import LanguagePair
from harness.errors import HarnessError


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    description: str
    reference: str
    licence: str
    builtin: bool
    prefix: str  # dataset ids of this collection start with it

    def dataset_id(self, pair: LanguagePair) -> str | None:
        if self.builtin:
            return ntrex.dataset_id(pair.lang)
        return next((d for d in pair.real_collections if d.startswith(self.prefix)), None)


COLLECTIONS: dict[str, CollectionSpec] = {
    c.name: c
    for c in [
        CollectionSpec(
            "ntrex",
            "NTREX-128 news: 123 English headlines as queries, 3-line passages of the translated bodies as documents; "
            "judgements derived from document identity",
            "Federmann et al., NTREX-128, SUMEval 2022",
            "CC BY-SA 4.0",
            True,
            ntrex.DATASET_PREFIX,
        ),
        CollectionSpec(
            "clirmatrix",
            "CLIRMatrix BI-139 base, English queries, test1 split (Wikipedia; judgements from links)",
            "Sun & Duh, CLIRMatrix, EMNLP 2020",
            "CC BY-SA",
            False,
            "clirmatrix/",
        ),
        CollectionSpec(
            "wikiclir",
            "WikiCLIR (Wikipedia; judgements from inter-language links)",
            "Sasaki et al., Cross-lingual Learning-to-Rank with Shared Representations, NAACL 2018",
            "CC BY-SA",
            False,
            "wikiclir/",
        ),
    ]
}
DEFAULT_COLLECTION = "ntrex"


@contextmanager
def _quiet_ir_datasets():
    logger = logging.getLogger("ir_datasets")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@dataclass
class Topics:
    """One collection for one language pair: queries, qrels and a way to read the documents."""

    collection: str
    dataset_id: str
    pair: LanguagePair
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    _dataset: object = field(repr=False)

    def docs(self) -> Iterator[tuple[str, str]]:
        for doc in self._dataset.docs_iter():
            yield doc.doc_id, doc.default_text()

    def docs_count(self) -> int | None:
        return self._dataset.docs_count()

    @cached_property
    def qrels_sha256(self) -> str:
        lines = sorted(f"{q}\t{d}\t{r}" for q, docs in self.qrels.items() for d, r in docs.items())
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def load_topics(collection: CollectionSpec, pair: LanguagePair) -> Topics:
    ntrex.register()
    dataset_id = collection.dataset_id(pair)
    if dataset_id is None:
        raise HarnessError(f"collection {collection.name} has no dataset for {pair.name}")
    try:
        with _quiet_ir_datasets():
            dataset = ir_datasets.load(dataset_id)
            queries = {q.query_id: q.default_text() for q in dataset.queries_iter()}
            qrels: dict[str, dict[str, int]] = {}
            for qrel in dataset.qrels_iter():
                qrels.setdefault(qrel.query_id, {})[qrel.doc_id] = qrel.relevance
    except HarnessError:
        raise
    except Exception as exc:
        home = ir_datasets.util.home_path()
        raise HarnessError(
            f"{dataset_id}: ir_datasets cannot provide it here ({type(exc).__name__}); it downloads into {home} "
            "on first use, which needs the network once"
        ) from None
    return Topics(collection.name, dataset_id, pair, queries, qrels, dataset)
