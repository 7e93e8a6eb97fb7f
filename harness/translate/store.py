"""Translations stored once, keyed by (system, target language, source text), and reused.

Each row carries a checksum of (system, lang, source, translation), checked on
every lookup: a row that fails is dropped and translated again, with one line
saying so. An unreadable database file is moved aside and started afresh
(``harness.cache.sqlite_store.SqliteStore``). Rows written before checksums
existed (no ``checksum`` column) are dropped once, with one line, and made
again when next needed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from tqdm.auto import tqdm

from harness.cache.sqlite_store import SqliteStore, drop_rows, has_column, row_digest, row_ok
from harness.cache.integrity import report
from harness.data.pairs import LanguagePair
from harness.files.paths import cache_dir
from harness.translate.base import Translator

BATCH = 64
WHAT = "translation store"


def _prepare(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS translations (system TEXT, lang TEXT, source TEXT, translation TEXT,"
        " checksum TEXT, PRIMARY KEY (system, lang, source))"
    )
    if not has_column(db, "translations", "checksum"):  # made by a harness without row checksums
        with db:
            db.execute("ALTER TABLE translations ADD COLUMN checksum TEXT")
            dropped = db.execute("DELETE FROM translations").rowcount
        if dropped:
            report(f"{WHAT}: dropped {dropped} translations stored without a checksum (older harness);"
                   " they are made again when needed")


class TranslationStore:
    def __init__(self, path: Path | None = None):
        self.path = path or cache_dir("translations") / "translations.sqlite"
        self._store = SqliteStore(self.path, _prepare, WHAT)

    def lookup(self, system: str, lang: str, texts: Sequence[str]) -> dict[str, str]:
        """Stored translations of ``texts`` that pass their checksum; failing rows are dropped."""

        def read(db: sqlite3.Connection) -> dict[str, str]:
            found, failed = {}, []
            for start in range(0, len(texts), 500):
                chunk = list(texts[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = db.execute(
                    "SELECT rowid, source, translation, checksum FROM translations"
                    f" WHERE system=? AND lang=? AND source IN ({marks})",
                    [system, lang, *chunk],
                )
                for rowid, source, translation, checksum in rows:
                    texts_ok = isinstance(source, str) and isinstance(translation, str)  # bytes: not UTF-8, damaged
                    if texts_ok and row_ok(checksum, system, lang, source, translation):
                        found[source] = translation
                    else:
                        failed.append(rowid)
            if failed:
                drop_rows(db, "translations", failed)
                report(f"{WHAT} {self.path}: {len(failed)} stored translation(s) of {system} ({lang})"
                       " failed their checksum; dropped, translating them again")
            return found

        return self._store.call(read)

    def save(self, system: str, lang: str, translations: dict[str, str]) -> None:
        rows = [
            (system, lang, source, target, row_digest(system, lang, source, target))
            for source, target in translations.items()
        ]

        def write(db: sqlite3.Connection) -> None:
            with db:  # one transaction: all of a batch or none of it
                db.executemany(
                    "INSERT OR REPLACE INTO translations (system, lang, source, translation, checksum)"
                    " VALUES (?, ?, ?, ?, ?)",
                    rows,
                )

        self._store.call(write)

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
        self._store.close()
