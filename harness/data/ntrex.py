"""The built-in collection ``harness/ntrex/<lang>``, registered into ir_datasets.

Built from NTREX-128 (see ``README.md`` beside this file).  Each of NTREX's 123
news documents gives one query (its English headline, query id = document id)
and, in the target language, its body cut into consecutive passages of three
lines (doc id ``<document id>-<k>``).  A query's relevant passages are those of
its own document: 2 for the lead passage (k = 0), 1 for the others.  These
judgements are derived from document identity, not made by assessors.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import groupby

import ir_datasets
from ir_datasets.datasets.base import Dataset
from ir_datasets.formats import BaseDocs, BaseQrels, BaseQueries, GenericDoc, GenericQuery, TrecQrel
from ir_datasets.indices import Docstore

from harness.data.pairs import PAIRS
from harness.data.sources import fetch, read_text_lines
from harness.errors import HarnessError

NTREX_REPO = "MicrosoftTranslator/NTREX"
DOCUMENT_IDS = "DOCUMENT_IDS.tsv"
ENGLISH = "NTREX-128/newstest2019-src.eng.txt"
LINES = 1997
PASSAGE_LINES = 3
DATASET_PREFIX = "harness/ntrex"


def reference_path(ntrex_code: str) -> str:
    return f"NTREX-128/newstest2019-ref.{ntrex_code}.txt"


def read_lines(repo: str, path: str, expected: int | None = None) -> list[str]:
    """Lines of a pinned text file, CR/LF stripped; ``expected`` checks the count."""
    local = fetch(repo, path)
    lines = read_text_lines(local)
    if expected is not None and len(lines) != expected:
        raise HarnessError(f"{local}: expected {expected} lines, found {len(lines)}")
    return lines


@dataclass(frozen=True)
class NtrexDocument:
    doc_id: str
    headline: str  # English
    body: tuple[str, ...]  # target language


@cache
def document_ids() -> list[tuple[str, list[int]]]:
    """NTREX document ids in file order, each with the indices of its lines."""
    ids = read_lines(NTREX_REPO, DOCUMENT_IDS, LINES)
    grouped = [(doc_id, [i for i, _ in group]) for doc_id, group in groupby(enumerate(ids), key=lambda x: x[1])]
    if len({doc_id for doc_id, _ in grouped}) != len(grouped):
        raise HarnessError(f"{DOCUMENT_IDS}: a document's lines are not contiguous")
    return grouped


@cache
def documents(ntrex_code: str) -> tuple[NtrexDocument, ...]:
    english = read_lines(NTREX_REPO, ENGLISH, LINES)
    target = read_lines(NTREX_REPO, reference_path(ntrex_code), LINES)
    return tuple(
        NtrexDocument(doc_id, english[lines[0]], tuple(target[i] for i in lines[1:]))
        for doc_id, lines in document_ids()
    )


def passages(document: NtrexDocument) -> list[GenericDoc]:
    body = document.body
    return [
        GenericDoc(f"{document.doc_id}-{k}", " ".join(body[start : start + PASSAGE_LINES]))
        for k, start in enumerate(range(0, len(body), PASSAGE_LINES))
    ]


class NtrexDocs(BaseDocs):
    def __init__(self, ntrex_code: str, lang: str):
        self._code = ntrex_code
        self._lang = lang

    @cache
    def _docs(self) -> list[GenericDoc]:
        return [p for d in documents(self._code) for p in passages(d)]

    def docs_iter(self):
        return iter(self._docs())

    def docs_count(self):
        return len(self._docs())

    def docs_store(self, field="doc_id"):
        return InMemoryDocstore(self._docs())

    def docs_cls(self):
        return GenericDoc

    def docs_namespace(self):
        return DATASET_PREFIX

    def docs_lang(self):
        return self._lang


class InMemoryDocstore(Docstore):
    def __init__(self, docs: list[GenericDoc]):
        super().__init__(GenericDoc, "doc_id")
        self._by_id = {d.doc_id: d for d in docs}

    def get_many_iter(self, doc_ids):
        return (self._by_id[i] for i in doc_ids if i in self._by_id)


class NtrexQueries(BaseQueries):
    def __init__(self, ntrex_code: str):
        self._code = ntrex_code

    def queries_iter(self):
        return (GenericQuery(d.doc_id, d.headline) for d in documents(self._code))

    def queries_cls(self):
        return GenericQuery

    def queries_namespace(self):
        return DATASET_PREFIX

    def queries_lang(self):
        return "en"


QREL_DEFS = {
    2: "the lead passage (k = 0) of the query's own document",
    1: "any other passage of the query's own document",
}


class NtrexQrels(BaseQrels):
    def __init__(self, ntrex_code: str):
        self._code = ntrex_code

    def qrels_iter(self):
        for document in documents(self._code):
            for passage in passages(document):
                k = int(passage.doc_id.rsplit("-", 1)[1])
                yield TrecQrel(document.doc_id, passage.doc_id, 2 if k == 0 else 1, "0")

    def qrels_defs(self):
        return QREL_DEFS

    def qrels_cls(self):
        return TrecQrel


def dataset_id(lang: str) -> str:
    return f"{DATASET_PREFIX}/{lang}"


def register() -> None:
    """Register ``harness/ntrex/<lang>`` for every language pair (idempotent)."""
    for pair in PAIRS.values():
        name = dataset_id(pair.lang)
        if name not in ir_datasets.registry:
            docs = NtrexDocs(pair.ntrex, pair.lang)
            ir_datasets.registry.register(name, Dataset(docs, NtrexQueries(pair.ntrex), NtrexQrels(pair.ntrex)))
