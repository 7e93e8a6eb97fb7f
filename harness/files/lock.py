"""Exclusive locks across processes (``flock``), for the cache's artifacts and for a results folder.

:func:`exclusive_lock` holds an exclusive ``flock`` on a lock file for the block.  It is
re-entrant within a thread (a block that already holds the lock takes it again for free), and two
threads of one process exclude each other like two processes (each takes its own open file).
:func:`results_lock` is the lock of a results folder (``<out>/.harness-lock``): every
read-modify-write of the files several runs share there (``scores/<collection>.json``, the board's
files, pending file sets) happens under it, so two runs on one ``--out`` never drop each other's rows.

``flock`` is advisory and per open file: it holds across processes on one machine and, on Linux,
on NFS (emulated with POSIX byte-range locks) and on Lustre/GPFS/CephFS mounted with locking.  A
filesystem without working locks (some FUSE mounts) gives no protection.  A lock dies with its
process, so a killed holder never leaves a stale lock.  Lock files are never deleted (deleting one
while another process waits on it would let a third take a second lock).
"""

from __future__ import annotations

import fcntl
import functools
import inspect
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.errors import HarnessError
from harness.files.atomic import write_failure

WAIT_REPORT_S = 10.0  # say once that we are waiting, after this long
RESULTS_LOCK = ".harness-lock"

_held = threading.local()


@contextmanager
def exclusive_lock(lock_path: str | os.PathLike, what: str, timeout_s: float | None = None,
                   report: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (made if missing) for the block, waiting until it is free.

    ``what`` completes "waiting for another process ..." (e.g. "building the Lucene index of X").
    ``timeout_s``: give up after this many seconds with a HarnessError naming the lock file (None:
    wait as long as it takes).  ``report``: where the one "waiting for ..." line goes (default: print).
    Raises HarnessError (one line) if the lock file cannot be made.
    """
    key = os.path.abspath(lock_path)
    held = _held.__dict__.setdefault("paths", {})
    if held.get(key):
        held[key] += 1
        try:
            yield
        finally:
            held[key] -= 1
        return
    lock_path = Path(key)
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as error:
        raise write_failure(lock_path, error) from None
    try:
        _acquire(fd, lock_path, what, timeout_s, report or (lambda line: print(line, flush=True)))
        held[key] = 1
        try:
            yield
        finally:
            held.pop(key, None)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def results_lock(out: str | os.PathLike) -> Iterator[None]:
    """The lock of a results folder: around every read-modify-write of its shared files."""
    return exclusive_lock(Path(out) / RESULTS_LOCK, f"writing to the results folder {out}")


def under_results_lock(argument: str):
    """Decorator: run the function under :func:`results_lock` of its parameter named ``argument``."""

    def decorate(function):
        signature = inspect.signature(function)

        @functools.wraps(function)
        def locked(*args, **kwargs):
            with results_lock(signature.bind(*args, **kwargs).arguments[argument]):
                return function(*args, **kwargs)

        return locked

    return decorate


def _acquire(fd: int, lock_path: Path, what: str, timeout_s: float | None, report) -> None:
    start, said = time.monotonic(), False
    while True:
        # Short sleeps rather than one blocking flock: a timeout and one progress line need it,
        # and a blocking call would not return to Python for Ctrl-C.
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        except OSError as error:  # ENOLCK, EOPNOTSUPP: a filesystem without locks gives no protection
            raise HarnessError(f"cannot lock {lock_path} ({error.strerror or error}): the filesystem there does not "
                               "support flock, which several writers need; use a folder on another filesystem") from None
        waited = time.monotonic() - start  # held by another process: wait
        if timeout_s is not None and waited > timeout_s:
            raise HarnessError(f"another process has held {lock_path} for {waited:.0f} s ({what}); "
                               "if none is running, the lock is stale only on a filesystem without flock")
        if not said and waited > WAIT_REPORT_S:
            report(f"waiting for another process {what} ({lock_path})")
            said = True
        time.sleep(0.05 if waited < 1 else 0.2)
