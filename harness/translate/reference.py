"""Human translations of the queries: an oracle translator, for a query-translation ceiling.

The spec is ``reference:ntrex``.  NTREX-128 translated every English line by
hand, headlines included, and the built-in collection's queries are those
headlines (the passages leave the headline out).  Looking a query up in NTREX's
English side and returning the same line of the target-language file gives the
human translation of that query.  It is an oracle, not an MT system: a run that
uses it measures how far BM25 gets with a perfect query translation.  A query
that is not an NTREX line (any other collection) has no reference, and the
translator says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from harness.data.ntrex import ENGLISH, LINES, NTREX_REPO, read_lines, reference_path
from harness.data.pairs import LanguagePair
from harness.data.sources import pinned
from harness.translate.base import Translator

SOURCES = {"ntrex": "NTREX-128's human translations (Federmann et al., 2022)"}


@cache
def reference_table(ntrex_code: str) -> dict[str, str]:
    """NTREX English line -> its human translation in ``ntrex_code`` (the first, for a repeated line)."""
    english = read_lines(NTREX_REPO, ENGLISH, LINES)
    target = read_lines(NTREX_REPO, reference_path(ntrex_code), LINES)
    table: dict[str, str] = {}
    for source, translation in zip(english, target):
        table.setdefault(source, translation)
    return table


class ReferenceTranslator(Translator):
    scheme = "reference"

    def unavailable_reason(self, pair: LanguagePair, texts: Sequence[str]) -> str | None:
        if self.argument not in SOURCES:
            return f"no human translations {self.argument!r}; there are: {', '.join(SOURCES)}"
        lookup = reference_table(pair.ntrex)
        missing = [t for t in texts if t not in lookup]
        if missing:
            return (
                f"no human translation of these queries: {len(missing)} of {len(texts)} are not NTREX-128 lines "
                f"(first: {missing[0][:60]!r}); only the built-in ntrex collection has them"
            )
        return None

    def translate(self, texts: Sequence[str], pair: LanguagePair) -> list[str]:
        lookup = reference_table(pair.ntrex)
        return [lookup[t] for t in texts]

    def system_key(self, pair: LanguagePair) -> str:
        return f"reference:{self.argument}@{pinned(NTREX_REPO, reference_path(pair.ntrex)).sha256[:16]}"

    def describe(self, pair: LanguagePair) -> dict:
        pin = pinned(NTREX_REPO, reference_path(pair.ntrex))
        return {
            "spec": self.spec,
            "system": self.system_key(pair),
            "model": f"human translation: {SOURCES[self.argument]}",
            "file": pin.url,
            "sha256": pin.sha256,
        }
