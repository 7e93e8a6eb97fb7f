"""Studies: research questions around the methods, each a registry entry (data) and an implementation.

``python -m harness study list`` shows them; ``python -m harness study run NAME`` runs one and
writes ``results/studies/<name>.md`` with CSV, JSON and PNG beside it.  A study reuses saved runs
(its own under ``results/studies/<name>/runs/``, which are not committed) and never retrains.
The implementation is named, not imported, so that listing studies imports nothing heavy.

One folder per study, ``<name>/run.py`` (runs it, analyses the scores) and ``<name>/render.py``
(writes its files from the analysis; it never imports its runner), with helpers only that study
uses beside them; ``common.py`` and ``board_study.py`` hold what several studies share.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Callable

from harness.errors import UsageError
from harness.names import unknown_message


@dataclass(frozen=True)
class Study:
    name: str
    question: str  # one line
    collections: tuple[str, ...]
    pairs: str  # which pairs, in words
    measures: tuple[str, ...]
    methods: str  # which methods or systems it applies to, in words
    needs: str  # what must be available
    implementation: str  # "module:function": function(out, pairs, methods, options, force, report, settings) -> [paths]
    rendering: str = ""  # "module:function": function(out, options) -> [paths], the files from the saved scores alone

    def load(self) -> Callable:
        module, _, function = self.implementation.partition(":")
        return getattr(import_module(module), function)

    def load_renderer(self) -> Callable:
        """``study render``: rebuild the outputs from the committed scores, no run (``rendering``)."""
        module, _, function = (self.rendering or self.implementation.rpartition(":")[0] + ":render_study").partition(":")
        return getattr(import_module(module), function)


STUDIES: dict[str, Study] = {}


def register(study: Study) -> Study:
    if study.name in STUDIES:
        raise ValueError(f"study {study.name} is registered twice")
    STUDIES[study.name] = study
    return study


def get_study(name: str) -> Study:
    if name not in STUDIES:
        raise UsageError(unknown_message("study", [name], STUDIES))
    return STUDIES[name]


register(Study(
    name="translation",
    question="Does better MT of the queries give better retrieval, and how far is MT from a human translation?",
    collections=("ntrex",),
    pairs="all seven, each with every MT system pinned for it (none offline for en-yo)",
    measures=("chrF", "BLEU", "AP", "nDCG@10"),
    methods="BM25 over each pinned MT system's query translations, and over the human translation (ceiling)",
    needs="the pinned MT outputs (mirror or network); Pyserini; sacrebleu",
    implementation="harness.studies.translation.run:run_study",
))

register(Study(
    name="alignment",
    question="Does OPTICAL align the seven languages' embedding spaces better than contrastive or standard distillation?",
    collections=("ntrex-sentences",),
    pairs="all seven",
    measures=("Success@1 (Recall@1, accuracy)", "Success@10 (Recall@10)", "RR (MRR)"),
    methods="bm25-nmt (OPUS-MT per line), mdpr, kd, cal, optical",
    needs="the NTREX files; the saved students (trained by the main run, else trained once)",
    implementation="harness.studies.alignment.run:run_alignment",
    rendering="harness.studies.alignment.run:render_alignment",
))

register(Study(
    name="xquad",
    question="Does distillation on the seven languages transfer zero-shot to question-paragraph retrieval (XQuAD)?",
    collections=("xquad",),
    pairs="XQuAD's eleven: en-ar, en-de, en-el, en-es, en-hi, en-ro, en-ru, en-th, en-tr, en-vi, en-zh",
    measures=("RR (MRR)", "Success@1", "Success@10"),
    methods="mdpr, kd, cal, optical; bm25-nmt is skipped (no MT of the questions offline)",
    needs="the XQuAD files; the saved students",
    implementation="harness.studies.xquad.run:run_xquad",
    rendering="harness.studies.xquad.run:render_xquad",
))

register(Study(
    name="robustness",
    question="Do perturbed queries cost low-resource pairs more than high-resource ones, and does OPTICAL close that gap?",
    collections=("ntrex", "multi30k"),
    pairs="NTREX's seven; Multi30k's en-de, en-fr, en-cs",
    measures=("AP (MAP): clean, perturbed, drop, relative drop; the low-minus-high gap of the drop",),
    methods="mdpr, kd, cal, optical; bm25-nmt only with a live translator (skipped offline: the precomputed MT "
            "covers only the clean NTREX sentences)",
    needs="nlpaug; the NTREX and Multi30k files; the saved students",
    implementation="harness.studies.robustness.run:run_study",
))

register(Study(
    name="domain",
    question="Does the domain of the training bitext (medical, Wikipedia-style, everyday) matter?",
    collections=("ntrex", "xquad"),
    pairs="NTREX's seven; XQuAD's en-de (the XQuAD language the students train on)",
    measures=("AP (MAP), mean over pairs; difference from the 'all' student",),
    methods="kd, cal, optical, each trained on TICO-19, FLORES/SIB-200 or Tatoeba alone (equal pairs and steps)",
    needs="the bitext and collection files; trains 3 students per domain (cached)",
    implementation="harness.studies.domain.run:run_study",
))

register(Study(
    name="classification",
    question="Does distillation help zero-shot cross-lingual topic classification (SIB-200)?",
    collections=("sib200 (labelled sentences, not a retrieval collection)",),
    pairs="all seven",
    measures=("accuracy", "macro-F1"),
    methods="mdpr, kd, cal, optical (students trained with the SIB-200 test sentences held out)",
    needs="scikit-learn; the SIB-200 files; trains 3 students with held_out=ntrex+sib200-test (cached)",
    implementation="harness.studies.classification.run:run_study",
))

register(Study(
    name="seeds",
    question="Is an OPTICAL-vs-KD difference larger than what another training seed gives?",
    collections=("ntrex",),
    pairs="all seven",
    measures=("AP (MAP): mean and standard deviation over seeds; per-seed and pooled tests",),
    methods="kd, cal, optical, trained with seeds 13 (the main board's), 14 and 15",
    needs="trains 6 students beyond the main run's (cached)",
    implementation="harness.studies.seeds.run:run_study",
))
