"""Translations stored once, keyed by (system, target language, source text), and reused."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from tqdm.auto import tqdm

from harness.data.pairs import LanguagePair
from harness.paths import cache_dir
from harness.translate.base import Translator

BATCH = 64


class TranslationStore:
    def __init__(self, path: Path | None = None):
        self.path = path or cache_dir("translations") / "translations.sqlite"
        self._db = sqlite3.connect(self.path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS translations (system TEXT, lang TEXT, source TEXT, translation TEXT,"
            " PRIMARY KEY (system, lang, source))"
        )

    def lookup(self, system: str, lang: str, texts: Sequence[str]) -> dict[str, str]:
        found = {}
        for start in range(0, len(texts), 500):
            chunk = list(texts[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT source, translation FROM translations WHERE system=? AND lang=? AND source IN ({marks})",
                [system, lang, *chunk],
            )
            found.update(rows)
        return found

    def save(self, system: str, lang: str, translations: dict[str, str]) -> None:
        with self._db:  # one transaction: all of a batch or none of it
            self._db.executemany(
                "INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?)",
                [(system, lang, source, target) for source, target in translations.items()],
            )

    def translate(self, translator: Translator, pair: LanguagePair, texts: Sequence[str]) -> tuple[list[str], int]:
        """Translations of ``texts`` in order, and how many were newly made (not reused)."""
        unique = list(dict.fromkeys(texts))
        system = translator.system_key(pair)
        known = self.lookup(system, pair.lang, unique)
        missing = [t for t in unique if t not in known]
        for start in tqdm(range(0, len(missing), BATCH), desc=f"translate {pair.name}", unit="batch", leave=False, disable=None):
            batch = missing[start : start + BATCH]
            made = dict(zip(batch, translator.translate(batch, pair), strict=True))
            self.save(system, pair.lang, made)
            known.update(made)
        return [known[t] for t in texts], len(missing)

    def close(self) -> None:
        self._db.close()
