"""Human translations of the queries: an oracle translator, for a query-translation ceiling.

The spec is ``reference:<source>``:

- ``reference:ntrex``: NTREX-128 translated every English line by hand, headlines included, and the
  built-in collection's queries are those headlines (the passages leave the headline out).  Looking
  a query up in NTREX's English side and returning the same line of the target-language file gives
  the human translation of that query.
- ``reference:ciral``: CIRAL's native-language topics (``topics.ciral-v1.0-<lang>-<split>-native.tsv``)
  give each English test query (test A and B) in the document language, matched by query id
  (``harness.data.ciral.native_translations``); Pyserini's "BM25 human QT" runs use them.

It is an oracle, not an MT system: a run that uses it measures how far BM25 gets with a perfect
query translation.  A query the source has no translation of (any other collection) has none, and
the translator says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache

from harness.data import ciral
from harness.data.ntrex import ENGLISH, LINES, NTREX_REPO, read_lines, reference_path
from harness.data.pairs import LanguagePair
from harness.data.sources import pinned
from harness.translate.base import Translator

SOURCES = {
    "ntrex": "NTREX-128's human translations (Federmann et al., 2022)",
    "ciral": "CIRAL's native-language topics (Adeyemi et al., 2024)",
}
COLLECTIONS = {"ntrex": "the built-in ntrex collection", "ciral": "the ciral collections (test A and B)"}


@cache
def reference_table(ntrex_code: str) -> dict[str, str]:
    """NTREX English line -> its human translation in ``ntrex_code`` (the first, for a repeated line)."""
    english = read_lines(NTREX_REPO, ENGLISH, LINES)
    target = read_lines(NTREX_REPO, reference_path(ntrex_code), LINES)
    table: dict[str, str] = {}
    for source, translation in zip(english, target):
        table.setdefault(source, translation)
    return table


def _pins(source: str, pair: LanguagePair) -> list:
    if source == "ntrex":
        return [pinned(NTREX_REPO, reference_path(pair.ntrex))]
    return [pinned(ciral.REPO, path) for path in ciral.native_files(pair.lang)]


class ReferenceTranslator(Translator):
    scheme = "reference"

    def _table(self, pair: LanguagePair) -> dict[str, str] | None:
        if self.argument == "ntrex":
            return reference_table(pair.ntrex) if pair.ntrex else None
        return ciral.native_translations(pair.lang) if pair.lang in ciral.LANGS else None

    def unavailable_reason(self, pair: LanguagePair, texts: Sequence[str]) -> str | None:
        if self.argument not in SOURCES:
            return f"no human translations {self.argument!r}; there are: {', '.join(SOURCES)}"
        lookup = self._table(pair)
        if lookup is None:
            return f"{SOURCES[self.argument]} have no {pair.language} ({pair.name})"
        missing = [t for t in texts if t not in lookup]
        if missing:
            where = "NTREX-128 lines" if self.argument == "ntrex" else "CIRAL test queries with a native topic"
            return (
                f"no human translation of these queries: {len(missing)} of {len(texts)} are not {where} "
                f"(first: {missing[0][:60]!r}); only {COLLECTIONS[self.argument]} has them"
            )
        return None

    def translate(self, texts: Sequence[str], pair: LanguagePair) -> list[str]:
        lookup = self._table(pair)
        return [lookup[t] for t in texts]

    def _sha256(self, pair: LanguagePair) -> str:
        pins = _pins(self.argument, pair)
        if len(pins) == 1:
            return pins[0].sha256
        return hashlib.sha256("\n".join(p.sha256 for p in pins).encode()).hexdigest()  # of the files' sha256s, in order

    def system_key(self, pair: LanguagePair) -> str:
        return f"reference:{self.argument}@{self._sha256(pair)[:16]}"

    def describe(self, pair: LanguagePair) -> dict:
        pins = _pins(self.argument, pair)
        files = {"file": pins[0].url} if len(pins) == 1 else {"files": [p.url for p in pins]}
        return {
            "spec": self.spec,
            "system": self.system_key(pair),
            "model": f"human translation: {SOURCES[self.argument]}",
            **files,
            "sha256": self._sha256(pair) if len(pins) == 1 else {p.path: p.sha256 for p in pins},
        }
