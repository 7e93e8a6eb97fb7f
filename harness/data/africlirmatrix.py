"""The built-in collection ``africlirmatrix/<lang>``: AfriCLIRMatrix v1.0 test sets, registered into ir_datasets.

AfriCLIRMatrix (Ogundepo et al., "AfriCLIRMatrix: Enabling Cross-Lingual Information Retrieval for
African Languages", EMNLP 2022; Apache-2.0): English queries (Wikipedia article titles) over
Wikipedia articles in African languages; here Hausa, Somali, Swahili and Yoruba.

- **Topics and qrels** are pinned files of ``castorini/africlirmatrix`` (``sources.tsv``; the mirror
  holds them): ``test/queries/topics.africlirmatrix-v1.0.en.<xxx>.tsv`` and
  ``test/qrels/qrels.africlirmatrix-v1.0.en.<xxx>.txt``.  **The judgements are mined from Wikipedia,
  not made by people**, following CLIRMatrix: the files hold levels 4, 5 and 6 (higher is more
  relevant); an unjudged article is unknown, not known to be irrelevant.
- **Documents** are ``africlirmatrix-v1.0-<language>/corpus.jsonl`` of the Hugging Face dataset
  ``castorini/africlirmatrix`` at a pinned revision, one JSON object per line with ``id`` and
  ``contents`` (the fields its loading script declares, Anserini's JSON collection format).
  Fetched once (``hub_corpus.py``); offline without a copy, a cell is skipped with
  "AfriCLIRMatrix corpus needs network once".
"""

from __future__ import annotations

from functools import partial

from ir_datasets.formats import GenericDoc

from harness.data.hub_collection import hub_dataset, read_qrels, unique_topics
from harness.data.hub_corpus import HubCorpus
from harness.data.lazy import register_each

REPO = "castorini/africlirmatrix"
# lang -> (the file code, the corpus folder's language name)
LANGS = {"ha": ("hau", "hausa"), "so": ("som", "somali"), "sw": ("swa", "swahili"), "yo": ("yor", "yoruba")}
PREFIX = "africlirmatrix"
CORPUS_REPO = "castorini/africlirmatrix"
CORPUS_REVISION = "640a77e33ab4ceb4ae7da6e9cc3cc3016fbf36af"  # "Upload 14 files": the corpora of every language
# The files hold levels 4, 5 and 6 only; higher is more relevant.  Mined, not assessed.
QREL_DEFS = {level: f"level {level} (mined from Wikipedia, not assessed; higher is more relevant)" for level in (4, 5, 6)}


def topics_path(lang: str) -> str:
    return f"test/queries/topics.africlirmatrix-v1.0.en.{LANGS[lang][0]}.tsv"


def qrels_path(lang: str) -> str:
    return f"test/qrels/qrels.africlirmatrix-v1.0.en.{LANGS[lang][0]}.txt"


def corpus(lang: str) -> HubCorpus:
    return HubCorpus("AfriCLIRMatrix corpus", CORPUS_REPO, CORPUS_REVISION, f"africlirmatrix-v1.0-{LANGS[lang][1]}/corpus.jsonl")


def document(record: dict) -> GenericDoc:
    """One line of an AfriCLIRMatrix corpus file: ``id`` and ``contents``."""
    if not all(isinstance(record.get(key), str) for key in ("id", "contents")):
        raise ValueError(f"expected string fields id and contents (AfriCLIRMatrix's corpus), found {sorted(record)}")
    return GenericDoc(record["id"], record["contents"])


def queries(lang: str):
    return unique_topics(REPO, topics_path(lang))


def qrels(lang: str):
    return read_qrels(REPO, qrels_path(lang))


def dataset_id(lang: str) -> str:
    return f"{PREFIX}/{lang}"


def register() -> None:
    """Register ``africlirmatrix/<lang>`` for every language (idempotent; reads nothing yet)."""
    register_each(PREFIX, LANGS, lambda lang: hub_dataset(
        corpus(lang), document, partial(queries, lang), partial(qrels, lang), PREFIX, lang, QREL_DEFS))
