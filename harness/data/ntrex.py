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
from functools import cache, partial
from itertools import groupby

from ir_datasets.formats import GenericDoc, GenericQuery, TrecQrel

from harness.data.lazy import lazy_dataset, register_each
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


def docs(ntrex_code: str) -> list[GenericDoc]:
    return [p for d in documents(ntrex_code) for p in passages(d)]


def queries(ntrex_code: str) -> list[GenericQuery]:
    return [GenericQuery(d.doc_id, d.headline) for d in documents(ntrex_code)]


QREL_DEFS = {
    2: "the lead passage (k = 0) of the query's own document",
    1: "any other passage of the query's own document",
}


def qrels(ntrex_code: str) -> list[TrecQrel]:
    judged = []
    for document in documents(ntrex_code):
        for passage in passages(document):
            k = int(passage.doc_id.rsplit("-", 1)[1])
            judged.append(TrecQrel(document.doc_id, passage.doc_id, 2 if k == 0 else 1, "0"))
    return judged


def dataset_id(lang: str) -> str:
    return f"{DATASET_PREFIX}/{lang}"


def register() -> None:
    """Register ``harness/ntrex/<lang>`` for every language pair (idempotent)."""
    codes = {pair.lang: pair.ntrex for pair in PAIRS.values()}
    register_each(DATASET_PREFIX, codes, lambda lang: lazy_dataset(
        partial(docs, codes[lang]), partial(queries, codes[lang]), partial(qrels, codes[lang]),
        DATASET_PREFIX, lang, QREL_DEFS))
