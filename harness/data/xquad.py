"""The study collection ``harness/xquad/<lang>``: English questions, paragraphs in another language.

Source: XQuAD (Artetxe, Ruder & Yogatama, 2020, "On the Cross-lingual Transferability of
Monolingual Representations"), ``deepmind/xquad`` pinned in ``sources.tsv``; licence
CC BY-SA 4.0.  XQuAD is 240 SQuAD v1.1 paragraphs (48 articles) with their 1,190 questions,
professionally translated into eleven languages (Romanian came after the paper); every ``xquad.<lang>.json`` keeps
the English file's articles, paragraphs and question ids in the same order.

Construction, per target language:

- queries: the 1,190 English questions of ``xquad.en.json``; query id = the question's ``id``
  (e.g. ``56beb4343aeaaa14008c925b``), text = its ``question`` as written (42 end in a space);
- documents: the 240 paragraphs (``context``) of ``xquad.<lang>.json``; doc id =
  ``<article index>-<paragraph index>``, both 0-based positions in the file (``0-0`` .. ``47-4``);
- qrels: each question -> the paragraph it was asked about, relevance 1; 1,190 judgements.

**The judgements are derived from XQuAD's parallel structure, not made by assessors**: another
paragraph that answers a question still counts as non-relevant.  Before use, the target file's
question ids are checked paragraph by paragraph against the English file's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

from ir_datasets.formats import GenericDoc, GenericQuery, TrecQrel

from harness.data.lazy import lazy_dataset, register_each
from harness.data.sources import fetch, read_utf8
from harness.errors import HarnessError

XQUAD_REPO = "deepmind/xquad"
ENGLISH = "xquad.en.json"
LANGS = ("ar", "de", "el", "es", "hi", "ro", "ru", "th", "tr", "vi", "zh")
DATASET_PREFIX = "harness/xquad"


def xquad_path(lang: str) -> str:
    return f"xquad.{lang}.json"


@dataclass(frozen=True)
class Paragraph:
    doc_id: str  # "<article index>-<paragraph index>"
    context: str
    questions: tuple[tuple[str, str], ...]  # (question id, question)


def read_paragraphs(local: Path) -> list[Paragraph]:
    """Every paragraph of a SQuAD v1.1 JSON file, in file order; HarnessError on bad input."""
    text = read_utf8(local)

    def string(value: object, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise HarnessError(f"{local}: paragraph {where}: expected a non-empty string, found {value!r}")
        return value

    try:
        return [
            Paragraph(
                f"{a}-{p}",
                string(par["context"], f"{a}-{p} context"),
                tuple((string(q["id"], f"{a}-{p} id"), string(q["question"], f"{a}-{p} question")) for q in par["qas"]),
            )
            for a, article in enumerate(json.loads(text)["data"])
            for p, par in enumerate(article["paragraphs"])
        ]
    except json.JSONDecodeError as exc:
        raise HarnessError(f"{local}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise HarnessError(f"{local}: not SQuAD v1.1 JSON (data/paragraphs/context/qas/id/question): {exc!r}") from None


@cache
def english() -> tuple[Paragraph, ...]:
    local = fetch(XQUAD_REPO, ENGLISH)
    result = tuple(read_paragraphs(local))
    ids = [qid for p in result for qid, _ in p.questions]
    if len(set(ids)) != len(ids):  # query ids must be unique for the qrels to mean anything
        raise HarnessError(f"{local}: question ids are not unique")
    return result


@cache
def paragraphs(lang: str) -> tuple[Paragraph, ...]:
    """The target language's paragraphs, checked to be aligned with the English ones."""
    local = fetch(XQUAD_REPO, xquad_path(lang))
    target = {p.doc_id: p for p in read_paragraphs(local)}
    # Positions are the join key between languages: any drift would silently misjudge.
    if extra := sorted(target.keys() - {p.doc_id for p in english()}):
        raise HarnessError(f"{local}: paragraph {extra[0]} is not in {ENGLISH}; the files are not aligned")
    for source in english():
        if source.doc_id not in target:
            raise HarnessError(f"{local}: paragraph {source.doc_id} of {ENGLISH} is missing; the files are not aligned")
        ids, english_ids = {q for q, _ in target[source.doc_id].questions}, {q for q, _ in source.questions}
        if ids != english_ids:
            raise HarnessError(
                f"{local}: paragraph {source.doc_id} has question ids {sorted(ids)}, "
                f"{ENGLISH} has {sorted(english_ids)}; the files are not aligned"
            )
    return tuple(target[p.doc_id] for p in english())


QREL_DEFS = {
    1: "the paragraph the question was written for (derived from XQuAD's parallel structure, not assessed)",
}


def docs(lang: str) -> list[GenericDoc]:
    return [GenericDoc(p.doc_id, p.context) for p in paragraphs(lang)]


def queries() -> list[GenericQuery]:
    return [GenericQuery(qid, question) for p in english() for qid, question in p.questions]


def qrels(lang: str) -> list[TrecQrel]:
    paragraphs(lang)  # the alignment check, before any judgement is handed out
    return [TrecQrel(qid, p.doc_id, 1, "0") for p in english() for qid, _ in p.questions]


def dataset_id(lang: str) -> str:
    return f"{DATASET_PREFIX}/{lang}"


def register() -> None:
    """Register ``harness/xquad/<lang>`` for every language of ``LANGS`` (idempotent; reads nothing yet)."""
    register_each(DATASET_PREFIX, LANGS, lambda lang: lazy_dataset(
        partial(docs, lang), queries, partial(qrels, lang), DATASET_PREFIX, lang, QREL_DEFS))
