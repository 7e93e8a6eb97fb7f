"""Collections whose topics and qrels are pinned files and whose corpus is a Hugging Face file
(``ciral.py``, ``africlirmatrix.py``): the readers they share and the ir_datasets parts they build.

- topics: ``<query id><TAB><text>`` per line (Anserini's TSV topics); an empty line is skipped;
- qrels: ``<query id> <iteration> <doc id> <relevance>`` per line, tabs or spaces (TREC qrels);
- corpus: one JSON object per line, parsed by the collection's own function into a ``GenericDoc``.

Every malformed line is a ``HarnessError`` naming the file and line.  The corpus is streamed, never
held whole in memory (CIRAL's Somali passages file is about 1 GB); reading it needs its file
(``HubCorpus.fetch``), so only ``docs_iter``/``docs_count``/``docs_store`` ever touch the network.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from functools import cache

from ir_datasets.datasets.base import Dataset
from ir_datasets.formats import BaseDocs, GenericDoc, GenericQuery, TrecQrel

from harness.data.hub_corpus import HubCorpus
from harness.data.lazy import InMemoryDocstore, LazyQrels, LazyQueries
from harness.data.sources import fetch, read_text_lines
from harness.errors import HarnessError


@cache
def read_topics(repo: str, path: str) -> tuple[tuple[str, str], ...]:
    """(query id, text) per line of a pinned TSV topics file, in file order (a repeated id stays repeated)."""
    local = fetch(repo, path)
    rows = []
    for number, line in enumerate(read_text_lines(local), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
            raise HarnessError(f"{local}:{number}: expected <query id><TAB><text>, found {len(fields)} field(s) or an empty one")
        rows.append((fields[0].strip(), fields[1].strip()))
    return tuple(rows)


def unique_topics(repo: str, path: str) -> list[GenericQuery]:
    """The topics as queries; a query id given twice is an error (the English topics have none)."""
    rows = read_topics(repo, path)
    seen: set[str] = set()
    for query_id, _ in rows:
        if query_id in seen:
            raise HarnessError(f"{repo}/{path}: query id {query_id} appears twice")
        seen.add(query_id)
    return [GenericQuery(query_id, text) for query_id, text in rows]


@cache
def read_qrels(repo: str, path: str) -> tuple[TrecQrel, ...]:
    """The judgements of a pinned TREC qrels file, in file order."""
    local = fetch(repo, path)
    judged = []
    for number, line in enumerate(read_text_lines(local), start=1):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 4:
            raise HarnessError(f"{local}:{number}: expected <query id> <iteration> <doc id> <relevance>, found {len(fields)} fields")
        try:
            relevance = int(fields[3])
        except ValueError:
            raise HarnessError(f"{local}:{number}: relevance {fields[3]!r} is not an integer") from None
        judged.append(TrecQrel(fields[0], fields[2], relevance, fields[1]))
    return tuple(judged)


def read_corpus(corpus: HubCorpus, parse: Callable[[dict], GenericDoc]) -> Iterator[GenericDoc]:
    """The documents of a JSON-lines corpus file, one per non-empty line; HarnessError names file and line."""
    path, _ = corpus.fetch()
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                raise HarnessError(f"{path}:{number}: not valid UTF-8") from None
            except json.JSONDecodeError as exc:
                raise HarnessError(f"{path}:{number}: not a JSON object ({exc.msg})") from None
            if not isinstance(record, dict):
                raise HarnessError(f"{path}:{number}: not a JSON object")
            try:
                yield parse(record)
            except (KeyError, TypeError, ValueError) as exc:
                raise HarnessError(f"{path}:{number}: {exc}") from None


class HubDocs(BaseDocs):
    """ir_datasets docs over a ``HubCorpus``; ``docs_unavailable_reason`` and ``docs_source`` reach ``Topics``."""

    def __init__(self, corpus: HubCorpus, parse: Callable[[dict], GenericDoc], namespace: str, lang: str):
        self._corpus, self._parse, self._namespace, self._lang = corpus, parse, namespace, lang

    def docs_iter(self):
        return read_corpus(self._corpus, self._parse)

    def docs_count(self):
        return _count(self._corpus, self._parse)

    def docs_store(self, field="doc_id"):
        return InMemoryDocstore(list(self.docs_iter()))

    def docs_cls(self):
        return GenericDoc

    def docs_namespace(self):
        return self._namespace

    def docs_lang(self):
        return self._lang

    def docs_unavailable_reason(self) -> str | None:
        return self._corpus.unavailable_reason()

    def docs_source(self) -> dict:
        return self._corpus.describe()


@cache
def _count(corpus: HubCorpus, parse) -> int:
    return sum(1 for _ in read_corpus(corpus, parse))


def hub_dataset(corpus: HubCorpus, parse: Callable[[dict], GenericDoc], queries: Callable[[], list[GenericQuery]],
                qrels: Callable[[], tuple[TrecQrel, ...]], namespace: str, lang: str, defs: Mapping[int, str]) -> Dataset:
    """A Dataset whose queries and qrels come from pinned files and whose documents from ``corpus``."""
    return Dataset(HubDocs(corpus, parse, namespace, lang), LazyQueries(queries, namespace), LazyQrels(qrels, defs))
