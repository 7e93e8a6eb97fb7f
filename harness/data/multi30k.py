"""The study collection ``harness/multi30k/<lang>``: English image captions, their translations.

Source: Multi30K (Elliott, Frank, Sima'an & Specia, 2016, "Multi30K: Multilingual
English-German Image Descriptions"), ``multi30k/dataset`` pinned in ``sources.tsv``; the test
2016 Flickr split of task 1 (``data/task1/raw/test_2016_flickr.<lang>.gz``): 1,000 English
captions of Flickr30K images and their translations (German in the paper; French from Elliott
et al., 2017, Czech from Barrault et al., 2018), one caption a line, aligned by line.  Licence:
non-commercial research use (``../shared/data/README.md``); the repository has no licence file,
its README limits use to non-commercial research and education under Flickr30K's terms.

Construction, per target language:

- queries: the 1,000 English captions; query id = the 1-based line number, zero-padded to four
  digits (``0001`` .. ``1000``);
- documents: the 1,000 captions of the target file, with the same ids;
- qrels: query i -> document i, relevance 1; 1,000 judgements.

**The judgements are derived from line alignment, not made by assessors**: a caption of a similar
image counts as non-relevant.  Both files must have exactly 1,000 non-empty lines.
"""

from __future__ import annotations

import gzip
import zlib
from functools import cache, partial

from ir_datasets.formats import GenericDoc, GenericQuery, TrecQrel

from harness.data.lazy import lazy_dataset, register_each
from harness.data.sources import decode_utf8, fetch
from harness.errors import HarnessError

MULTI30K_REPO = "multi30k/dataset"
LANGS = ("de", "fr", "cs")
LINES = 1000
DATASET_PREFIX = "harness/multi30k"


def caption_path(lang: str) -> str:
    return f"data/task1/raw/test_2016_flickr.{lang}.gz"


def line_id(number: int) -> str:
    """Query and doc id of 1-based line ``number``: "0001"."""
    return f"{number:04d}"


@cache
def captions(lang: str) -> tuple[str, ...]:
    """The ``LINES`` captions of one gzipped file, CR/LF stripped; HarnessError on bad input."""
    local = fetch(MULTI30K_REPO, caption_path(lang))
    try:
        data = gzip.decompress(local.read_bytes())
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise HarnessError(f"{local}: not a valid gzip file ({exc})") from None
    lines = decode_utf8(data, local).split("\n")  # "\n" only, as read_text_lines: U+2028 must not shift the alignment
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line.removesuffix("\r") for line in lines]
    for number, line in enumerate(lines, start=1):
        if not line.strip():  # an empty caption means the files have drifted apart
            raise HarnessError(f"{local}:{number}: empty line")
    if len(lines) != LINES:
        raise HarnessError(f"{local}: expected {LINES} lines, found {len(lines)}")
    return tuple(lines)


QREL_DEFS = {1: "the caption on the same line of the target file (derived from line alignment, not assessed)"}


def docs(lang: str) -> list[GenericDoc]:
    return [GenericDoc(line_id(n), text) for n, text in enumerate(captions(lang), start=1)]


def queries() -> list[GenericQuery]:
    return [GenericQuery(line_id(n), text) for n, text in enumerate(captions("en"), start=1)]


def qrels(lang: str) -> list[TrecQrel]:
    captions("en"), captions(lang)  # both files checked before any judgement is handed out
    return [TrecQrel(line_id(n), line_id(n), 1, "0") for n in range(1, LINES + 1)]


def dataset_id(lang: str) -> str:
    return f"{DATASET_PREFIX}/{lang}"


def register() -> None:
    """Register ``harness/multi30k/<lang>`` for every language of ``LANGS`` (idempotent; reads nothing yet)."""
    register_each(DATASET_PREFIX, LANGS, lambda lang: lazy_dataset(
        partial(docs, lang), queries, partial(qrels, lang), DATASET_PREFIX, lang, QREL_DEFS))
