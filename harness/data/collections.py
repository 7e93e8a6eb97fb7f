"""Test collections, by name, and what a method sees of one for one language pair.

Each collection declares, as data, the language pairs it serves.  ``ntrex`` (the
main board), ``ntrex-sentences``, ``xquad`` and ``multi30k`` are built here from pinned
files and registered into ir_datasets as ``harness/<name>/<lang>``; ``ciral`` (and its other
splits) and ``africlirmatrix`` take topics and qrels from pinned files and their corpus from
Hugging Face, registered as ``ciral/<lang>/<split>`` and ``africlirmatrix/<lang>``;
``clirmatrix`` and ``wikiclir`` are large collections that ir_datasets downloads on first use.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

import ir_datasets

from harness.data.pairs import PAIRS, LanguagePair, get_pair
from harness.errors import HarnessError, UsageError


@dataclass(frozen=True)
class CollectionSpec:
    """A test collection as data: what it is, the ir_datasets id per language, and the pairs it serves."""

    name: str
    description: str
    reference: str
    licence: str
    builtin: bool  # built here from pinned files (True) or downloaded by ir_datasets (False)
    pattern: str  # ir_datasets id, with {lang} for the target language
    pairs: tuple[str, ...]  # the language pairs it serves, in column order
    registration: str | None = None  # "module:function" registering its ids into ir_datasets (built-in ones)
    needs: str = ""  # what it needs beyond the pinned files, in words
    # Whether its judgements are complete by construction (every unjudged document is non-relevant:
    # NTREX, XQuAD, Multi30k) or pooled/mined (an unjudged document is unknown): the board warns on
    # a low Judged@10 only for the latter.
    complete_judgements: bool = False
    corpus: str | None = None  # "module:function" giving the HubCorpus of a language (corpus from Hugging Face)

    def dataset_id(self, pair: LanguagePair) -> str | None:
        return self.pattern.format(lang=pair.lang) if pair.name in self.pairs else None

    def language_pairs(self) -> list[LanguagePair]:
        return [get_pair(name) for name in self.pairs]

    def register(self) -> None:
        if self.registration:
            module, _, function = self.registration.partition(":")
            getattr(importlib.import_module(module), function)()

    def corpus_of(self, pair: LanguagePair):
        """The Hugging Face corpus file (``HubCorpus``) of ``pair``, for collections that have one; else None."""
        if self.corpus is None or pair.name not in self.pairs:
            return None
        module, _, function = self.corpus.partition(":")
        return getattr(importlib.import_module(module), function)(pair.lang)


# CIRAL's and AfriCLIRMatrix's languages, Hausa included (a low-resource pair of these collections only).
HUB_PAIRS = ("en-ha", "en-so", "en-sw", "en-yo")
CIRAL_SPLITS = {
    "ciral": ("test-a", "test set A (the default)"),
    "ciral-test-a-pools": ("test-a-pools", "test set A's queries judged on its deeper pools"),
    "ciral-test-b": ("test-b", "test set B"),
}


def _ciral_collections() -> list[CollectionSpec]:
    return [
        CollectionSpec(
            name,
            f"CIRAL v1.0 {what}: English queries over news passages in Hausa, Somali, Swahili and Yoruba; "
            "binary judgements made by people on pooled passages",
            "Adeyemi et al., CIRAL: A Test Collection for CLIR Evaluations in African Languages, SIGIR 2024",
            "Apache-2.0",
            True,
            f"ciral/{{lang}}/{split}",
            HUB_PAIRS,
            "harness.data.ciral:register",
            needs="the network once for its corpus (Hugging Face CIRAL/ciral-corpus)",
            corpus="harness.data.ciral:corpus",
        )
        for name, (split, what) in CIRAL_SPLITS.items()
    ]


def _with(prefix: str) -> tuple[str, ...]:
    return tuple(p.name for p in PAIRS.values() if any(d.startswith(prefix) for d in p.real_collections))


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
            "harness/ntrex/{lang}",
            tuple(PAIRS),
            "harness.data.ntrex:register",
            complete_judgements=True,
        ),
        CollectionSpec(
            "ntrex-sentences",
            "NTREX-128 sentence alignment: each of the 1,997 English lines retrieves its translation among the "
            "1,997 target-language lines; judgements from line alignment",
            "Federmann et al., NTREX-128, SUMEval 2022",
            "CC BY-SA 4.0",
            True,
            "harness/ntrex-sentences/{lang}",
            tuple(PAIRS),
            "harness.data.ntrex_sentences:register",
            complete_judgements=True,
        ),
        CollectionSpec(
            "xquad",
            "XQuAD: 1,190 English questions as queries, the 240 paragraphs in the target language as documents; "
            "a question's own paragraph is relevant (derived from XQuAD's parallel structure)",
            "Artetxe et al., On the Cross-lingual Transferability of Monolingual Representations, ACL 2020",
            "CC BY-SA 4.0",
            True,
            "harness/xquad/{lang}",
            ("en-ar", "en-de", "en-el", "en-es", "en-hi", "en-ro", "en-ru", "en-th", "en-tr", "en-vi", "en-zh"),
            "harness.data.xquad:register",
            complete_judgements=True,
        ),
        CollectionSpec(
            "multi30k",
            "Multi30k test 2016 Flickr: 1,000 English captions as queries, the captions in the target language as "
            "documents; the aligned caption is relevant",
            "Elliott et al., Multi30K: Multilingual English-German Image Descriptions, VL 2016",
            "non-commercial research and education (Flickr30K terms; captions only, images not used)",
            True,
            "harness/multi30k/{lang}",
            ("en-de", "en-fr", "en-cs"),
            "harness.data.multi30k:register",
            complete_judgements=True,
        ),
        *_ciral_collections(),
        CollectionSpec(
            "africlirmatrix",
            "AfriCLIRMatrix v1.0 test: English Wikipedia titles as queries over Wikipedia articles in Hausa, Somali, "
            "Swahili and Yoruba; judgements mined from Wikipedia (levels 4-6), not made by people",
            "Ogundepo et al., AfriCLIRMatrix: Enabling Cross-Lingual Information Retrieval for African Languages, "
            "EMNLP 2022",
            "Apache-2.0",
            True,
            "africlirmatrix/{lang}",
            HUB_PAIRS,
            "harness.data.africlirmatrix:register",
            needs="the network once for its corpus (Hugging Face castorini/africlirmatrix)",
            corpus="harness.data.africlirmatrix:corpus",
        ),
        CollectionSpec(
            "clirmatrix",
            "CLIRMatrix BI-139 base, English queries, test1 split (Wikipedia; judgements from links)",
            "Sun & Duh, CLIRMatrix, EMNLP 2020",
            "CC BY-SA",
            False,
            "clirmatrix/{lang}/bi139-base/en/test1",
            _with("clirmatrix/"),
            needs="the network once (ir_datasets downloads it)",
        ),
        CollectionSpec(
            "wikiclir",
            "WikiCLIR (Wikipedia; judgements from inter-language links)",
            "Sasaki et al., Cross-lingual Learning-to-Rank with Shared Representations, NAACL 2018",
            "CC BY-SA",
            False,
            "wikiclir/{lang}",
            _with("wikiclir/"),
            needs="the network once (ir_datasets downloads it)",
        ),
    ]
}
DEFAULT_COLLECTION = "ntrex"


def saved_collection(name: str, entries) -> CollectionSpec:
    """A collection known only from its saved scores (an irds: id or a folder of an earlier run)."""
    pairs = tuple(dict.fromkeys(pair for pair, _ in sorted(entries)))
    return CollectionSpec(name, "rebuilt from its saved scores", "", "", False, "", pairs)


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

    def unavailable_reason(self) -> str | None:
        """Why the documents cannot be read here (a Hugging Face corpus, offline and not yet downloaded), else None."""
        check = getattr(self._dataset, "docs_unavailable_reason", None)
        return check() if check is not None else None

    def corpus_record(self) -> dict | None:
        """The corpus file a run read and its sha256, for collections whose corpus is downloaded (else None)."""
        describe = getattr(self._dataset, "docs_source", None)
        return describe() if describe is not None else None

    @cached_property
    def queries_sha256(self) -> str:
        """What the queries are: a run made for other query texts (a perturbation) is never reused."""
        lines = sorted(f"{q}\t{text}" for q, text in self.queries.items())
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    @cached_property
    def qrels_sha256(self) -> str:
        lines = sorted(f"{q}\t{d}\t{r}" for q, docs in self.qrels.items() for d, r in docs.items())
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def load_topics(collection: CollectionSpec, pair: LanguagePair) -> Topics:
    collection.register()
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
    except KeyError:
        raise UsageError(f"no such ir_datasets id: {dataset_id}; see https://ir-datasets.com for the ids") from None
    except Exception as exc:
        home = ir_datasets.util.home_path()
        raise HarnessError(
            f"{dataset_id}: ir_datasets knows it but cannot provide its data here ({type(exc).__name__}); it downloads "
            f"into {home} on first use, which needs the network once: run `ir_datasets export {dataset_id} queries "
            "> /dev/null` (and `docs`) where there is network"
        ) from None
    return Topics(collection.name, dataset_id, pair, queries, qrels, dataset)
