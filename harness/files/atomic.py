"""Write files so that a reader never sees a half-written one, and a failed write is one line.

A file is written to a temporary sibling ``.<name>.<host>.<pid>.<random>.tmp`` (:func:`temporary_prefix`)
and renamed over ``<name>`` only when complete and flushed to disk.  Naming the host and process lets
a later run remove what a killed process left (``harness/files/leftovers.py``) without touching the
temporary file of a process still at work.  Any ``OSError`` of the write (a full disk, a read-only or
immutable folder, a quota) becomes a :class:`~harness.errors.HarnessError` naming the path and the
reason (:func:`write_failure`); the temporary file is removed either way.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from harness.errors import HarnessError

_umask_lock = threading.Lock()

# What to do about the common reasons a write fails.
_HINTS = {
    errno.ENOSPC: "free some space there and run again",
    errno.EDQUOT: "free some space (or raise the quota) and run again",
    errno.EROFS: "the filesystem is read-only: choose a writable folder",
    errno.EACCES: "check the folder's permissions (ls -ld; chmod u+w)",
    errno.EPERM: "check the folder's permissions and attributes (ls -ld; lsattr -d; chattr -i)",
    errno.EFBIG: "the file is larger than the filesystem allows",
}


def current_umask() -> int:
    """The process umask (reading it means setting it: done under a lock, and restored at once)."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def host_name() -> str:
    """This machine's name as temporary names carry it (letters, digits and hyphens)."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:64] or "host"


def temporary_prefix(name: str) -> str:
    """Start of the name of a temporary sibling of ``name``: ``.<name>.<host>.<pid>.``; it ends in ``.tmp``.

    ``harness.files.leftovers`` recognises those of processes that are gone.
    """
    return f".{name}.{host_name()}.{os.getpid()}."


def write_failure(path: str | os.PathLike, error: BaseException) -> HarnessError:
    """One line for a failed write of ``path``: the path, the reason (strerror) and what to do.

    ``error`` is usually an OSError; libraries that wrap one (safetensors, sqlite) give their message.
    """
    if isinstance(error, OSError):
        reason = error.strerror or str(error)
        hint = _HINTS.get(error.errno)
    else:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        hint = next((h for code, h in _HINTS.items() if os.strerror(code).lower() in reason.lower()), None)
    return HarnessError(f"cannot write {path}: {reason}" + (f"; {hint}" if hint else ""))


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it over ``path`` only if the block succeeds.

    Raises HarnessError (one line, :func:`write_failure`) when the folder cannot be made or the file
    cannot be written, flushed or renamed; an OSError of the block that names another file passes.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temporary_prefix(path.name), suffix=".tmp")
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; a written file should honour the umask
        binary = "b" in mode
        with os.fdopen(fd, mode, encoding=None if binary else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if not _concerns(error.filename, path):
            raise  # the block failed on another file (a read, say): not this write's failure
        raise write_failure(path, error) from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


def _concerns(name, path: Path) -> bool:
    """Whether an OSError about ``name`` is one of writing ``path``: no name, the path, a sibling (the
    temporary file) or a folder above it."""
    if name is None:
        return True
    try:
        named = Path(os.fsdecode(name))
    except (TypeError, ValueError):
        return False
    return named == path or named.parent == path.parent or path.is_relative_to(named)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w") as handle:
        handle.write(text)


def atomic_write_bytes(path: str | os.PathLike, content: bytes) -> None:
    with atomic_open(path, "wb") as handle:
        handle.write(content)
