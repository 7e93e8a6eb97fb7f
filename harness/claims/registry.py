"""The claims of the OPTICAL paper that the harness puts to the test, as data.

Each entry is our own wording of one claim, where it comes from, and the
comparison that tests it (a key of ``harness.claims.verdicts.CHECKS``) with its
methods, references and measure.  ``python -m harness claims`` evaluates every
entry on the saved per-query scores and writes ``results/claims.md``.
To add a claim: one entry below; to add a kind of check: one function in
``verdicts.py`` and one line in its ``CHECKS``.
"""

from __future__ import annotations

from dataclasses import dataclass

PAPER = "Huang et al., Improving Cross-lingual Information Retrieval on Low-Resource Languages via Optimal Transport Distillation (OPTICAL), WSDM 2023"


@dataclass(frozen=True)
class Claim:
    id: str
    wording: str  # ours, not a quotation
    source: str
    check: str  # a key of verdicts.CHECKS
    methods: tuple[str, ...]  # the method(s) the claim is about
    references: tuple[str, ...] = ()  # what they are compared with
    measure: str = "AP"
    group: str = "low-resource mean"  # the pairs it is about (a key of harness.compare.GROUPS)
    expected: float | None = None  # a number the claim states (e.g. a relative gain of 0.137)


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "optical-beats-baselines",
        "OPTICAL is significantly better in MAP than each baseline (BM25+NMT, mDPR, KD, CAL) on the low-resource "
        "languages, per language and on their mean.",
        PAPER + ": main results on its four low-resource languages",
        "better-than",
        methods=("optical",),
        references=("bm25-nmt", "mdpr", "kd", "cal"),
    ),
    Claim(
        "optical-gain-over-nmt",
        "OPTICAL's relative MAP gain over BM25 with neural MT, on the low-resource mean, is about 13.7%.",
        PAPER + " (the figure as summarised in this project's issue 8)",
        "relative-gain",
        methods=("optical",),
        references=("bm25-nmt",),
        expected=0.137,
    ),
    Claim(
        "cal-beats-nmt",
        "CAL is significantly better than strong baselines, BM25+NMT included, on the low-resource languages.",
        "CAL, as cited among the OPTICAL paper's baselines",
        "better-than",
        methods=("cal",),
        references=("bm25-nmt", "mdpr"),
    ),
    Claim(
        "resource-gap",
        "Multilingual retrievers show a gap between high- and low-resource languages: mDPR's high-resource mean "
        "exceeds its low-resource mean.",
        PAPER + ": motivation",
        "gap",
        methods=("mdpr",),
    ),
    Claim(
        "distillation-narrows-gap",
        "Distillation on bitext narrows that gap: the high-minus-low gap of OPTICAL and of KD is smaller than mDPR's.",
        PAPER + ": motivation and analysis",
        "gap-narrows",
        methods=("optical", "kd"),
        references=("mdpr",),
    ),
)

# What differs between the paper's setting and ours: printed above the verdicts.
SETTING_DIFFERENCES = (
    "Collection: NTREX-128 news headlines as queries and 3-line passages of the translated article bodies as "
    "documents (123 queries per language, judgements derived from document identity); the paper uses its own "
    "test collections.",
    "Models: multilingual-e5-small (118M) as retriever, teacher and student (the `small` profile); the paper "
    "distils from mDPR into mBERT.",
    "Training budget: 150 steps x 16 bitext pairs on a 2-core CPU, word embeddings frozen; the paper trains on a "
    "GPU for far longer.",
    "MT system: OPUS-MT (Marian) outputs of NTREX from the OPUS-MT leaderboard, one model per language; no "
    "Yoruba output offline, so BM25+NMT comparisons cover Swahili, Somali and Marathi only. The paper uses its "
    "own NMT system.",
    "CAL and KD are our reconstructions from the common recipes, trained with the same data, budget and "
    "student as OPTICAL.",
)
