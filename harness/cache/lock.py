"""One writer per cache artifact, across processes and machines that share the cache.

With ``--executor ray`` several workers can reach the same artifact at once (a student that
two pairs need, the Lucene index of one collection, the converted packaged model).  Each
artifact is built under an exclusive ``flock`` on its lock file,
``$HARNESS_CACHE/locks/<artifact's path in the cache>.lock``: the first
writer builds (into a temporary name, then an atomic rename, as before); a second one waits
for the lock, finds the finished artifact, verifies it and reuses it instead of building it
again.  The pattern is::

    if not ready():
        with artifact_lock(path):
            if not ready():  # another writer may have finished while we waited
                build()

``flock`` is advisory and per open file: it holds across processes on one machine and, on
Linux, on NFS (emulated with POSIX byte-range locks) and on Lustre/GPFS/CephFS mounted with
locking.  A filesystem without working locks (some FUSE mounts) gives no protection; put
``$HARNESS_CACHE`` elsewhere then.  A lock dies with its process, so a killed writer never
leaves a stale lock behind: the next writer finds the artifact unfinished and builds it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.errors import HarnessError
from harness.files.paths import cache_root

WAIT_REPORT_S = 10.0  # say once that we are waiting, after this long


@contextmanager
def artifact_lock(path: str | os.PathLike, what: str | None = None, timeout_s: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s lock file (:func:`lock_file`) for the block (blocking until free).

    ``timeout_s``: give up after this many seconds with a HarnessError naming the lock file
    (None: wait as long as it takes, which is right when the holder is building the artifact).
    """
    lock_path = lock_file(path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _acquire(fd, lock_path, what or Path(path).name, timeout_s)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def lock_file(path: str | os.PathLike) -> Path:
    """``$HARNESS_CACHE/locks/<path within the cache>.lock`` (beside ``path`` outside the cache), so
    that the artifacts' own folders hold only artifacts."""
    path = Path(os.path.abspath(path))
    root = Path(os.path.abspath(cache_root()))
    if path.is_relative_to(root) and path != root:
        return root / "locks" / f"{path.relative_to(root)}.lock"
    return path.with_name(path.name + ".lock")


def _acquire(fd: int, lock_path: Path, what: str, timeout_s: float | None) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    start, said = time.monotonic(), False
    while True:
        # Short sleeps rather than one blocking flock: a timeout and one progress line need it,
        # and a blocking call would not return to Python for Ctrl-C.
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            waited = time.monotonic() - start
            if timeout_s is not None and waited > timeout_s:
                raise HarnessError(f"{what}: another process has held {lock_path} for {waited:.0f} s; "
                                   "if none is running, the lock is stale only on a filesystem without flock") from None
            if not said and waited > WAIT_REPORT_S:
                print(f"waiting for another process building {what} ({lock_path})", flush=True)
                said = True
            time.sleep(0.2)
