"""The study collection ``harness/ntrex-sentences/<lang>``: sentence-level alignment on NTREX-128.

Source: NTREX-128 (Federmann et al., 2022; CC BY-SA 4.0), the same pinned files as
``harness/ntrex/<lang>`` (``ntrex.py``): the 1,997 English sentences of the WMT19 news test
set and their human translations, aligned line by line.  NTREX is held out from all training:
the bitext loaders drop every pair that shares a sentence with it (``harness/bitext``).

Construction, for each of the seven languages of ``PAIRS``:

- queries: the 1,997 English lines; query id = ``s`` + the 1-based line number, zero-padded to
  four digits (``s0001`` .. ``s1997``); headlines are lines like any other;
- documents: the 1,997 lines of the language's reference, with the same ids;
- qrels: query i -> document i, relevance 1; and also query i -> document j for every other line
  j whose target text is exactly line i's (CR stripped), since no system can tell identical
  documents apart and ranking the twin first would otherwise count as an error.

**The judgements are derived from line alignment, not made by assessors.**  The English lines
are all distinct; the target lines that repeat (counted on the pinned files) are:

====  ==========================================  ======
lang  identical target lines (1-based)            qrels
====  ==========================================  ======
sw    none                                        1,997
so    none                                        1,997
yo    1399 = 1403                                 1,999
mr    424 = 427, 1399 = 1403                      2,001
fi    424 = 427 ("Tilanne on todella paha.")      1,999
de    424 = 427 ("Die Lage ist sehr schlimm.")    1,999
fr    424 = 427 ("C’est une tragédie.")           1,999
====  ==========================================  ======

Both are near-duplicates in English too: 424 is "It Is Very Bad.", 427 "It is very bad."; 1399
and 1403 are "The news has heightened fears that sexual content is being posted", the second
with a final full stop.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache, partial

from ir_datasets.formats import GenericDoc, GenericQuery, TrecQrel

from harness.data import ntrex
from harness.data.lazy import lazy_dataset, register_each
from harness.data.pairs import PAIRS

DATASET_PREFIX = "harness/ntrex-sentences"


def line_id(number: int) -> str:
    """Query and doc id of 1-based line ``number``: "s0001"."""
    return f"s{number:04d}"


@cache
def english() -> tuple[str, ...]:
    return tuple(ntrex.read_lines(ntrex.NTREX_REPO, ntrex.ENGLISH, ntrex.LINES))


@cache
def target(ntrex_code: str) -> tuple[str, ...]:
    return tuple(ntrex.read_lines(ntrex.NTREX_REPO, ntrex.reference_path(ntrex_code), ntrex.LINES))


def relevant_lines(lines: tuple[str, ...]) -> list[list[int]]:
    """For each 0-based line i: i first, then every other line with the same text, in order."""
    by_text: dict[str, list[int]] = defaultdict(list)
    for i, text in enumerate(lines):
        by_text[text].append(i)
    return [[i, *(j for j in by_text[text] if j != i)] for i, text in enumerate(lines)]


QREL_DEFS = {
    1: "the target line aligned with the query's English line, or another line with exactly the same "
    "target text (derived from line alignment, not assessed)",
}


def docs(ntrex_code: str) -> list[GenericDoc]:
    return [GenericDoc(line_id(n), text) for n, text in enumerate(target(ntrex_code), start=1)]


def queries() -> list[GenericQuery]:
    return [GenericQuery(line_id(n), text) for n, text in enumerate(english(), start=1)]


def qrels(ntrex_code: str) -> list[TrecQrel]:
    return [TrecQrel(line_id(i + 1), line_id(j + 1), 1, "0")
            for i, relevant in enumerate(relevant_lines(target(ntrex_code))) for j in relevant]


def dataset_id(lang: str) -> str:
    return f"{DATASET_PREFIX}/{lang}"


def register() -> None:
    """Register ``harness/ntrex-sentences/<lang>`` for every language pair (idempotent; reads nothing yet)."""
    codes = {pair.lang: pair.ntrex for pair in PAIRS.values()}
    register_each(DATASET_PREFIX, codes, lambda lang: lazy_dataset(
        partial(docs, codes[lang]), queries, partial(qrels, codes[lang]), DATASET_PREFIX, lang, QREL_DEFS))
