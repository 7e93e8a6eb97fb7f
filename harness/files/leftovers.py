"""Temporary files that a killed process left behind, recognised by the harness's own naming.

Every temporary file or folder the harness makes is named ``.<name>.<host>.<pid>.<anything>.tmp``
(``harness.files.atomic.temporary_prefix``).  A kill -9, an out-of-memory kill or a power cut can
leave one.  One made on this host by a process that is no longer running is removed at once;
any other (another host sharing the folder, or the older naming ``.<name>.<random>.tmp`` that
carried no process) only once it is older than ``max_age_s``, since its maker may still be at work.
Nothing else is ever removed: a name that does not end in ``.tmp`` or does not start with a dot is
not the harness's.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import time
from pathlib import Path

from harness.files.atomic import host_name

STALE_AGE_S = 3600.0
# mkstemp's and mkdtemp's random part: 8 characters of this alphabet (the naming before host and pid).
_OLD_NAMING = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")


def process_running(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (this process counts)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _is_stale(entry: Path, host: str, cutoff: float) -> bool:
    """Whether ``entry`` (a name of the harness's temporary pattern) was left by a process that is gone."""
    name = entry.name
    mark = name.rfind(f".{host}.")
    if mark > 0:
        pid = name[mark + len(host) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not process_running(int(pid)):
            return True
    try:
        return entry.lstat().st_mtime < cutoff
    except FileNotFoundError:
        return False


def is_temporary_name(name: str) -> bool:
    """Whether ``name`` follows a naming the harness gives its temporary files (see the module)."""
    if not (name.startswith(".") and name.endswith(".tmp")):
        return False
    return bool(re.search(r"\.[A-Za-z0-9-]+\.\d+\..*\.tmp$", name)) or bool(_OLD_NAMING.match(name))


def _delete(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)


def remove_leftovers(parent: Path, name: str, max_age_s: float = STALE_AGE_S) -> list[Path]:
    """Delete temporary siblings of ``name`` (``.<name>.*.tmp``) that a killed process left behind."""
    removed = []
    cutoff, host = time.time() - max_age_s, host_name()
    for leftover in Path(parent).glob(f".{glob.escape(name)}.*.tmp"):
        if _is_stale(leftover, host, cutoff):
            _delete(leftover)
            removed.append(leftover)
    return removed


def sweep(folder: Path, max_age_s: float = STALE_AGE_S, recursive: bool = True) -> list[Path]:
    """Delete every stale temporary file or folder of the harness's naming in ``folder`` (and below it).

    Folders whose name starts with a dot are not entered (a temporary folder is removed whole).
    Returns what was removed.  A folder that does not exist is left alone.
    """
    removed: list[Path] = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    cutoff, host = time.time() - max_age_s, host_name()
    for root, dirs, files in os.walk(folder):
        for name in [*files, *dirs]:
            if is_temporary_name(name):
                entry = Path(root) / name
                if _is_stale(entry, host, cutoff):
                    _delete(entry)
                    removed.append(entry)
        dirs[:] = [d for d in dirs if not d.startswith(".")] if recursive else []
    return removed
