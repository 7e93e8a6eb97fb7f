"""Per-language text analysis for BM25.

Lucene ships analyzers (stemming, stop words) for Finnish, German and French; we
use them.  It has none for Swahili, Somali, Yoruba or Marathi: Pyserini's
``--language sw`` silently falls back to case-sensitive whitespace splitting.
For those we lowercase and tokenize ourselves (Unicode letters, combining marks
and digits form words, so Devanagari vowel signs and Yoruba tone marks stay
inside their word) and index the result pre-tokenized with Lucene's whitespace
analyzer, on both the index and the query side.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex

LUCENE_ANALYZERS = {"fi": "FinnishAnalyzer", "de": "GermanAnalyzer", "fr": "FrenchAnalyzer"}
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")


@dataclass(frozen=True)
class Analysis:
    lang: str
    pretokenized: bool
    description: str  # recorded in every run sidecar

    @property
    def key(self) -> str:
        return "harness-unicode-words" if self.pretokenized else f"lucene-{self.lang}"

    def prepare(self, text: str) -> str:
        """Text as it goes to Lucene: our own tokens for pre-tokenized languages, else unchanged."""
        return tokenize(text) if self.pretokenized else text


def tokenize(text: str) -> str:
    normalized = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD.findall(normalized))


def analysis_for(lang: str) -> Analysis:
    if lang in LUCENE_ANALYZERS:
        name = LUCENE_ANALYZERS[lang]
        return Analysis(lang, False, f"Lucene {name} (Anserini -language {lang}: lowercasing, stop words, stemming)")
    return Analysis(
        lang,
        True,
        "harness tokenizer (NFKC, casefold, Unicode letter/mark/digit runs; no stemming, no stop words) "
        "+ Lucene WhitespaceAnalyzer on index and query side",
    )
