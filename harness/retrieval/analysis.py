"""Per-language text analysis for BM25.

Lucene ships analyzers (stemming, stop words) for Finnish, German and French; we use them.  It
has none for Swahili, Somali, Yoruba, Marathi, Hausa or most languages a user brings:
Pyserini's ``--language sw`` silently falls back to case-sensitive whitespace splitting.  For
those we segment words ourselves and index the result pre-tokenized with Lucene's whitespace
analyzer, on both the index and the query side:

1. NFKC, full case folding, NFKC again (compatibility forms and case do not split a term);
2. words by Unicode's default word boundaries (UAX #29, Unicode Text Segmentation), as the
   ``regex`` module's WORD flag computes them (``(?w)\\b``; its tables follow the Unicode
   version it names, 18.0.0 for regex 2026.x).  Combining marks, joiners and other format
   characters stay inside their word (WB4), so a Devanagari conjunct written with ZWJ or ZWNJ,
   or a Yoruba vowel with its tone mark, is never split into two unrelated words; an apostrophe
   or period between letters (WB6/7: Somali ``da'da``) and separators inside numbers (WB11/12:
   ``3.5``, ``1,000``) keep the word whole, as every UAX #29 implementation (ICU, Lucene's
   StandardTokenizer) does;
3. a segment is a word if it holds a letter or a digit (punctuation and spaces are not);
4. default-ignorable code points (ZWJ, ZWNJ, soft hyphen, word joiner) are removed from inside a
   word, as Unicode's NFKC_Casefold mapping does, so a word typed with or without a joiner is one
   term.  No stemming, no stop words.

Why the ``regex`` module and not ICU or a pure-Python segmenter: it is already a dependency,
maintained (its releases follow each Unicode version), written in C, and passes the sample of
Unicode's own WordBreakTest in ``tests/data/WordBreakTest-18.0.0-sample.txt``; PyICU needs ICU's
headers and a compiler to install, and a pure-Python segmenter would be one more dependency for
what ``regex`` already does.

``TOKENIZER`` names this analysis: it is part of the index's cache key and of every BM25 cell's
``resolved`` record, so a change here rebuilds the indexes and re-runs exactly the cells it
touches.  Bump it whenever the output of ``words`` can change.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex

LUCENE_ANALYZERS = {"fi": "FinnishAnalyzer", "de": "GermanAnalyzer", "fr": "FrenchAnalyzer"}
TOKENIZER = "uax29-v1"  # v0 (until 2026-12): runs of letters, marks and digits, split at every other character
_BOUNDARY = regex.compile(r"(?wV1)\b")  # UAX #29 default word boundaries
_WORD_LIKE = regex.compile(r"[\p{L}\p{N}]")
_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")


@dataclass(frozen=True)
class Analysis:
    lang: str
    pretokenized: bool
    description: str  # recorded in every run sidecar, and what a saved run's analysis is compared by

    @property
    def key(self) -> str:
        """The index's folder name in the cache: a change of analysis never reuses an index."""
        return f"harness-{TOKENIZER}" if self.pretokenized else f"lucene-{self.lang}"

    def prepare(self, text: str) -> str:
        """Text as it goes to Lucene: our own tokens for pre-tokenized languages, else unchanged."""
        return tokenize(text) if self.pretokenized else text


def segments(text: str) -> list[str]:
    """``text`` cut at every UAX #29 default word boundary: words, spaces and punctuation alike, in order."""
    return [segment for segment in _BOUNDARY.split(text) if segment]


def words(text: str) -> list[str]:
    """The words of ``text`` (steps 1-4 above), in order, for a language without a Lucene analyzer."""
    normalized = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    found = []
    for segment in segments(normalized):
        word = _IGNORABLE.sub("", segment)
        if _WORD_LIKE.search(word):
            found.append(word)
    return found


def tokenize(text: str) -> str:
    """``words(text)`` joined by single spaces: what the whitespace analyzer splits again."""
    return " ".join(words(text))


def analysis_for(lang: str) -> Analysis:
    if lang in LUCENE_ANALYZERS:
        name = LUCENE_ANALYZERS[lang]
        return Analysis(lang, False, f"Lucene {name} (Anserini -language {lang}: lowercasing, stop words, stemming)")
    return Analysis(
        lang,
        True,
        f"harness tokenizer {TOKENIZER} (NFKC, casefold; UAX #29 words by the regex module's default Unicode word "
        "boundaries, default-ignorable characters removed; no stemming, no stop words) "
        "+ Lucene WhitespaceAnalyzer on index and query side",
    )
