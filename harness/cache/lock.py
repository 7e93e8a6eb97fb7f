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

The lock itself is ``harness.files.lock.exclusive_lock`` (what ``flock`` guarantees where, and
why a killed writer never leaves a stale lock, is said there).  A filesystem without working
locks (some FUSE mounts) gives no protection; put ``$HARNESS_CACHE`` elsewhere then.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.files.lock import exclusive_lock
from harness.files.paths import cache_root


@contextmanager
def artifact_lock(path: str | os.PathLike, what: str | None = None, timeout_s: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s lock file (:func:`lock_file`) for the block (blocking until free).

    ``timeout_s``: give up after this many seconds with a HarnessError naming the lock file
    (None: wait as long as it takes, which is right when the holder is building the artifact).
    """
    with exclusive_lock(lock_file(path), f"building {what or Path(path).name}", timeout_s):
        yield


def lock_file(path: str | os.PathLike) -> Path:
    """``$HARNESS_CACHE/locks/<path within the cache>.lock`` (beside ``path`` outside the cache), so
    that the artifacts' own folders hold only artifacts."""
    path = Path(os.path.abspath(path))
    root = Path(os.path.abspath(cache_root()))
    if path.is_relative_to(root) and path != root:
        return root / "locks" / f"{path.relative_to(root)}.lock"
    return path.with_name(path.name + ".lock")
