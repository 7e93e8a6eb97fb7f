"""ir_datasets components over functions that load on first use: one implementation for every
collection built here (``ntrex-sentences``, ``xquad``, ``multi30k``, local folders).

Registering a collection reads nothing; the first ``docs_iter``/``queries_iter``/``qrels_iter``
calls the loader, which checks its files (``HarnessError`` naming file and line) and caches what
it parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import ir_datasets
from ir_datasets.datasets.base import Dataset
from ir_datasets.formats import BaseDocs, BaseQrels, BaseQueries, GenericDoc, GenericQuery, TrecQrel
from ir_datasets.indices import Docstore


class InMemoryDocstore(Docstore):
    def __init__(self, docs: Sequence[GenericDoc]):
        super().__init__(GenericDoc, "doc_id")
        self._by_id = {d.doc_id: d for d in docs}

    def get_many_iter(self, doc_ids):
        return (self._by_id[i] for i in doc_ids if i in self._by_id)


class LazyDocs(BaseDocs):
    def __init__(self, load: Callable[[], Sequence[GenericDoc]], namespace: str, lang: str):
        self._load, self._namespace, self._lang = load, namespace, lang

    def _all(self) -> Sequence[GenericDoc]:
        return self._load()  # the loaders cache their parsed files (functools.cache), so this is cheap

    def docs_iter(self):
        return iter(self._all())

    def docs_count(self):
        return len(self._all())

    def docs_store(self, field="doc_id"):
        return InMemoryDocstore(self._all())

    def docs_cls(self):
        return GenericDoc

    def docs_namespace(self):
        return self._namespace

    def docs_lang(self):
        return self._lang


class LazyQueries(BaseQueries):
    def __init__(self, load: Callable[[], Iterable[GenericQuery]], namespace: str, lang: str = "en"):
        self._load, self._namespace, self._lang = load, namespace, lang

    def queries_iter(self):
        return iter(self._load())

    def queries_cls(self):
        return GenericQuery

    def queries_namespace(self):
        return self._namespace

    def queries_lang(self):
        return self._lang


class LazyQrels(BaseQrels):
    def __init__(self, load: Callable[[], Iterable[TrecQrel]], defs: Mapping[int, str]):
        self._load, self._defs = load, dict(defs)

    def qrels_iter(self):
        return iter(self._load())

    def qrels_defs(self):
        return self._defs

    def qrels_cls(self):
        return TrecQrel


def lazy_dataset(docs, queries, qrels, namespace: str, lang: str, defs: Mapping[int, str]) -> Dataset:
    """A Dataset whose three parts are loaded by ``docs()``, ``queries()`` and ``qrels()`` on first use."""
    return Dataset(LazyDocs(docs, namespace, lang), LazyQueries(queries, namespace), LazyQrels(qrels, defs))


def register_each(prefix: str, langs: Iterable[str], make: Callable[[str], Dataset]) -> None:
    """Register ``<prefix>/<lang>`` as ``make(lang)`` for each language not registered yet (reads nothing)."""
    for lang in langs:
        if f"{prefix}/{lang}" not in ir_datasets.registry:
            ir_datasets.registry.register(f"{prefix}/{lang}", make(lang))
