"""Rows of an sqlite key -> value store (translations, embeddings), checksummed row by row.

:func:`row_digest` over the key and the value is stored in the row and compared on every read; a
row that fails is dropped and made again.  :class:`SqliteStore` moves an unreadable database file
aside (``<file>.damaged``) and starts an empty one.  ``harness/CACHE.md`` says what is verified when.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from harness.cache.integrity import DAMAGED_SUFFIX, ROW_DIGEST_HEX, report
from harness.errors import HarnessError

T = TypeVar("T")


def row_digest(*fields: str | bytes) -> str:
    """A short checksum of one row's key and value fields (each length-prefixed: no ambiguity)."""
    digest = hashlib.sha256()
    for field in fields:
        data = field.encode("utf-8") if isinstance(field, str) else bytes(field)
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()[:ROW_DIGEST_HEX]


def row_ok(digest: str | None, *fields: str | bytes) -> bool:
    """Whether a stored ``digest`` matches the row's fields (None, a row without one, fails)."""
    try:
        return digest is not None and digest == row_digest(*fields)
    except (TypeError, AttributeError):  # a damaged field of the wrong type
        return False


# SQLite result codes (low byte) that mean the file itself is damaged.
_DAMAGE_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


def is_damage(error: sqlite3.DatabaseError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return (code & 0xFF) in _DAMAGE_CODES
    text = str(error)
    return "malformed" in text or "not a database" in text


def set_aside(path: Path) -> Path:
    """Move an sqlite file (and its journal files) to ``<file>.damaged``, replacing an older one."""
    path = Path(path)
    aside = path.with_name(path.name + DAMAGED_SUFFIX)
    for suffix in ("", "-journal", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            os.replace(source, aside.with_name(aside.name + suffix))
    return aside


def _text_or_bytes(data: bytes) -> str | bytes:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


SQLITE_BUSY_TIMEOUT_S = 600.0
# sqlite's messages for a full disk, a read-only file or folder, a failed write.
_WRITE_FAILURES = ("disk is full", "readonly", "unable to open", "disk I/O error")


class SqliteStore:
    """An sqlite file that is moved aside and started afresh when it is unreadable.

    ``prepare(connection)`` creates the tables (and migrates older ones); it
    runs on open and again on the fresh file after a repair. Run every
    statement through :meth:`call`: damage (SQLITE_CORRUPT, SQLITE_NOTADB)
    found by the open or by any statement moves the file aside, reports one
    line, and runs the operation once more on the empty store. Any other
    database error stops with one line naming the file and how to clear it.
    """

    def __init__(self, path: Path, prepare: Callable[[sqlite3.Connection], None], what: str):
        self.path = Path(path)
        self.what = what
        self._prepare = prepare
        self.db: sqlite3.Connection | None = None
        self.call(lambda db: None)

    def _open(self) -> sqlite3.Connection:
        # Workers of one run may write at once (--executor ray): wait for sqlite's lock, do not fail after 5 s.
        db = sqlite3.connect(self.path, timeout=SQLITE_BUSY_TIMEOUT_S)
        db.text_factory = _text_or_bytes  # damaged text comes back as bytes and fails its checksum
        try:
            self._prepare(db)
        except BaseException:
            db.close()
            raise
        return db

    def _stop(self, error: sqlite3.DatabaseError) -> HarnessError:
        text = str(error)
        if any(sign in text for sign in _WRITE_FAILURES):  # the file is fine: the disk or its folder is not
            return HarnessError(f"{self.what} {self.path} cannot be written ({text}); free some space there or make "
                                "it writable, then run again")
        return HarnessError(
            f"{self.what} {self.path} cannot be used ({error}); if it persists, delete it"
            f" (it is rebuilt): rm '{self.path}'"
        )

    def call(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        try:
            if self.db is None:
                self.db = self._open()
            return operation(self.db)
        except sqlite3.DatabaseError as error:
            if not is_damage(error):
                raise self._stop(error) from None
            self._repair(error)
        try:
            return operation(self.db)
        except sqlite3.DatabaseError as error:
            raise self._stop(error) from None

    def _repair(self, error: sqlite3.DatabaseError) -> None:
        if self.db is not None:
            try:
                self.db.close()
            except sqlite3.Error:
                pass
            self.db = None
        aside = set_aside(self.path)
        report(f"{self.what} {self.path} is unreadable ({error}): moved to {aside.name}, starting an empty one")
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as again:
            raise self._stop(again) from None

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def drop_rows(db: sqlite3.Connection, table: str, rowids: Sequence[int]) -> None:
    """Delete rows (by rowid: a damaged key could not be matched) that failed their checksum."""
    if rowids:
        with db:
            db.executemany(f"DELETE FROM {table} WHERE rowid=?", [(rowid,) for rowid in rowids])


def has_column(db: sqlite3.Connection, table: str, column: str) -> bool:
    return any(row[1] == column for row in db.execute(f"PRAGMA table_info({table})"))
