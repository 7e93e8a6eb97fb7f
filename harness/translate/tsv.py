"""Translations a user supplies: a TSV of ``source<TAB>translation`` lines.

The spec is ``tsv:PATH``; ``{lang}`` in PATH is replaced by the target language
code (``tsv:translations/{lang}.tsv``), so one spec serves several pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from harness.data.pairs import LanguagePair
from harness.data.sources import sha256_of
from harness.errors import UsageError
from harness.files.textfile import read_tsv
from harness.translate.base import Translator


@cache
def read_translation_tsv(path: Path) -> dict[str, str]:
    """``source<TAB>translation`` lines (rules: ``harness.files.textfile``); a source given twice must agree."""
    rows = read_tsv(path, ("source", "translation"), "translation file", unique=True)
    return {source: translation for _, (source, translation) in rows}


class TsvTranslator(Translator):
    scheme = "tsv"

    def path(self, pair: LanguagePair) -> Path:
        return Path(self.argument.replace("{lang}", pair.lang)).expanduser().resolve()

    def check_named(self, pair: LanguagePair) -> None:
        """A file the user named must exist and hold lines: UsageError, before any work."""
        path = self.path(pair)
        if not path.is_file():
            raise UsageError(f"{self.spec}: translation file {path} does not exist (for {pair.name})")
        if path.stat().st_size == 0:
            raise UsageError(f"{self.spec}: translation file {path} is empty (for {pair.name})")
        read_translation_tsv(path)  # every line by the rules of harness.files.textfile, before any work

    def unavailable_reason(self, pair: LanguagePair, texts: Sequence[str]) -> str | None:
        path = self.path(pair)
        if not path.is_file():
            return f"translation file {path} does not exist"
        table = read_translation_tsv(path)
        missing = [t for t in texts if t not in table]
        if missing:
            return f"{path} lacks {len(missing)} of {len(texts)} source texts (first: {missing[0][:60]!r})"
        return None

    def translate(self, texts: Sequence[str], pair: LanguagePair) -> list[str]:
        table = read_translation_tsv(self.path(pair))
        return [table[t] for t in texts]

    def system_key(self, pair: LanguagePair) -> str:
        # The file's checksum is part of the key: an edited file must not be served stale.
        path = self.path(pair)
        return f"tsv:{path}#{sha256_of(path)[:16]}"

    def describe(self, pair: LanguagePair) -> dict:
        path = self.path(pair)
        return {"spec": self.spec, "system": self.system_key(pair), "file": str(path), "sha256": sha256_of(path)}
