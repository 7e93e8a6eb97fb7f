"""Precomputed MT output of real systems for NTREX's English side.

``mozilla/firefox-translations-models`` publishes, per language, the WMT19
English source (``evaluation/en-XX/wmt19.en``, NTREX's English line for line)
and its translation by several systems (``wmt19.<system>.XX``: nllb, opusmt,
argos, bergamot-*, google, microsoft; which exist differs per language).  A
source sentence is translated by looking up its line.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from harness.data.ntrex import read_lines
from harness.data.pairs import LanguagePair
from harness.data.sources import list_pinned, pinned
from harness.translate.base import Translator

REPO = "mozilla/firefox-translations-models"


def _path(lang: str, system: str) -> str:
    return f"evaluation/en-{lang}/wmt19.{system}.{lang}"


def available_systems(lang: str) -> list[str]:
    prefix = f"evaluation/en-{lang}/wmt19."
    names = [p.path[len(prefix) :] for p in list_pinned(REPO, prefix)]
    return sorted(n.rsplit(".", 1)[0] for n in names if n.endswith(f".{lang}"))


@cache
def _table(lang: str, system: str) -> dict[str, str]:
    english = read_lines(REPO, f"evaluation/en-{lang}/wmt19.en")
    target = read_lines(REPO, _path(lang, system), expected=len(english))
    return dict(zip(english, target))


class PrecomputedTranslator(Translator):
    scheme = "precomputed"

    def system_key(self, pair: LanguagePair) -> str:
        return f"precomputed:{self.argument}@{pinned(REPO, _path(pair.lang, self.argument)).sha256[:16]}"

    def unavailable_reason(self, pair: LanguagePair, texts: Sequence[str]) -> str | None:
        if self.argument not in available_systems(pair.lang):
            offered = ", ".join(available_systems(pair.lang)) or "none"
            return f"no such wmt19 output for {pair.lang} in {REPO} (it has: {offered})"
        table = _table(pair.lang, self.argument)
        missing = [t for t in texts if t not in table]
        if missing:
            return (
                "precomputed output covers only NTREX's English side: "
                f"{len(missing)} of {len(texts)} texts have no translation (first: {missing[0][:60]!r})"
            )
        return None

    def translate(self, texts: Sequence[str], pair: LanguagePair) -> list[str]:
        table = _table(pair.lang, self.argument)
        return [table[t] for t in texts]

    def describe(self, pair: LanguagePair) -> dict:
        pin = pinned(REPO, _path(pair.lang, self.argument))
        return {"spec": self.spec, "system": self.system_key(pair), "file": pin.url, "sha256": pin.sha256}
