"""A results folder (``--out``): kept apart from the cache, and tidied before a command writes there.

:func:`overlap_with_cache` says whether a results folder and the cache lie inside one another: a
cache repair removes what it finds wrong in the cache, and the results are the user's, so the two
must never share a folder (a results folder inside the cache, or the cache inside a results
folder, is refused before any work).

:func:`tidy` runs under the folder's lock before a command writes there: it completes a set of
files (the board) whose publishing a kill interrupted (``fileset.py``), then removes temporary
files of the harness's naming that killed processes left (``leftovers.py``) in the folder itself
and in the sub-folders the harness writes (``RESULT_FOLDERS``).
"""

from __future__ import annotations

import os
from pathlib import Path

from harness.files.fileset import recover_all
from harness.files.leftovers import sweep
from harness.files.lock import results_lock
from harness.files.paths import CACHE_ENV, cache_root

# The sub-folders of a results folder that the harness writes (a results folder may hold others: left alone).
RESULT_FOLDERS = ("runs", "scores", "plots", "studies")


def overlap_with_cache(out: Path) -> str | None:
    """Why ``out`` may not be a results folder because of where the cache is, or None."""
    results, cache = Path(os.path.realpath(out)), Path(os.path.realpath(cache_root()))
    if results == cache or results.is_relative_to(cache):
        return f"it lies inside the harness cache {cache} (${CACHE_ENV}), whose repairs remove what they find there"
    if cache.is_relative_to(results):
        return f"it holds the harness cache {cache} (${CACHE_ENV}); results and cache must be kept apart"
    return None


def tidy(out: Path) -> list[Path]:
    """Complete an interrupted file set and remove dead processes' temporary files under ``out``.

    Returns the temporary files removed.
    """
    out = Path(out)
    with results_lock(out):
        recover_all(out)
        removed = sweep(out, recursive=False)
        for name in RESULT_FOLDERS:
            removed += sweep(out / name)
        return removed
