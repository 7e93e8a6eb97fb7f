"""The built-in collection ``ciral/<lang>/<split>``: CIRAL v1.0, registered into ir_datasets.

CIRAL (Adeyemi et al., "CIRAL: A Test Collection for CLIR Evaluations in African Languages", SIGIR
2024; Apache-2.0): English queries over news passages in Hausa, Somali, Swahili and Yoruba, with
binary relevance judgements made by people (1 relevant, 0 judged not relevant).

- **Topics and qrels** are pinned files of ``castorini/anserini-tools`` (``sources.tsv``; the mirror
  holds them): ``topics/topics.ciral-v1.0-<lang>-<split>.tsv`` (English) and
  ``qrels/qrels.ciral-v1.0-<lang>-<split>.tsv``.  Splits here: ``test-a`` (the default),
  ``test-a-pools`` (test A's topics with the judgements of its deeper pools, as Pyserini evaluates it)
  and ``test-b``.  ``dev`` is left out: only its native-language topics are pinned, not English ones.
- **Passages** are ``passages-v1.0/<language>_passages.jsonl`` of the Hugging Face dataset
  ``CIRAL/ciral-corpus`` at a pinned revision, one JSON object per line with ``docid``, ``title``,
  ``text`` and ``url``; a passage's text is ``title + "\\n" + text``, as Anserini's
  ``MrTyDiCollection`` indexes it.  Fetched once (``hub_corpus.py``); offline without a copy, a cell
  is skipped with "CIRAL corpus needs network once".
- **Human query translations**: ``topics.ciral-v1.0-<lang>-<split>-native.tsv``, the same query ids
  in the document language.  ``native_translations`` maps each English test query to its own
  (the ``reference:ciral`` translator of ``bm25-ht``).

Quirks of the pinned files, kept as they are: in Swahili test B, the native file gives query id
237 twice (the second line translates English query 238, which has no line of its own), and the
qrels judge a query 23 that has no topic (scored 0 on every run, as ``trec_eval -c`` does).
"""

from __future__ import annotations

from functools import cache, partial

from ir_datasets.formats import GenericDoc

from harness.data.hub_collection import hub_dataset, read_qrels, read_topics, unique_topics
from harness.data.hub_corpus import HubCorpus
from harness.data.lazy import register_each

REPO = "castorini/anserini-tools"
LANGS = {"ha": "hausa", "so": "somali", "sw": "swahili", "yo": "yoruba"}
# split -> (the split whose English topics it uses, the split whose qrels it uses)
SPLITS = {"test-a": ("test-a", "test-a"), "test-a-pools": ("test-a", "test-a-pools"), "test-b": ("test-b", "test-b")}
DEFAULT_SPLIT = "test-a"
PREFIX = "ciral"
CORPUS_REPO = "CIRAL/ciral-corpus"
# The revision that added the translated passages (Dec 2023), after the last change to passages-v1.0/.
CORPUS_REVISION = "cbaa143f9213f971b0692d00c8665187868842ae"
QREL_DEFS = {1: "relevant (judged by a person)", 0: "judged not relevant"}


def topics_path(lang: str, split: str, native: bool = False) -> str:
    return f"topics/topics.ciral-v1.0-{lang}-{split}{'-native' if native else ''}.tsv"


def qrels_path(lang: str, split: str) -> str:
    return f"qrels/qrels.ciral-v1.0-{lang}-{split}.tsv"


def corpus(lang: str) -> HubCorpus:
    return HubCorpus("CIRAL corpus", CORPUS_REPO, CORPUS_REVISION, f"passages-v1.0/{LANGS[lang]}_passages.jsonl")


def passage(record: dict) -> GenericDoc:
    """One line of CIRAL's passages file: ``docid``, ``title``, ``text`` (and ``url``)."""
    if not all(isinstance(record.get(key), str) for key in ("docid", "title", "text")):
        raise ValueError(f"expected string fields docid, title and text (CIRAL's passages), found {sorted(record)}")
    return GenericDoc(record["docid"], f"{record['title']}\n{record['text']}")


def queries(lang: str, split: str):
    return unique_topics(REPO, topics_path(lang, SPLITS[split][0]))


def qrels(lang: str, split: str):
    return read_qrels(REPO, qrels_path(lang, SPLITS[split][1]))


@cache
def native_translations(lang: str) -> dict[str, str]:
    """English test query -> its human translation (same query id), over test A and test B.

    A query id given twice in a native file keeps its first line; an English query whose id has no
    native line has no translation.
    """
    table: dict[str, str] = {}
    for split in ("test-a", "test-b"):
        native: dict[str, str] = {}
        for query_id, text in read_topics(REPO, topics_path(lang, split, native=True)):
            native.setdefault(query_id, text)
        for query_id, english in read_topics(REPO, topics_path(lang, split)):
            if query_id in native:
                table.setdefault(english, native[query_id])
    return table


def native_files(lang: str) -> list[str]:
    return [topics_path(lang, split, native=True) for split in ("test-a", "test-b")]


def dataset_id(lang: str, split: str = DEFAULT_SPLIT) -> str:
    return f"{PREFIX}/{lang}/{split}"


def register() -> None:
    """Register ``ciral/<lang>/<split>`` for every language and split (idempotent; reads nothing yet)."""
    for lang in LANGS:
        register_each(f"{PREFIX}/{lang}", SPLITS, lambda split, lang=lang: hub_dataset(
            corpus(lang), passage, partial(queries, lang, split), partial(qrels, lang, split),
            PREFIX, lang, QREL_DEFS))
