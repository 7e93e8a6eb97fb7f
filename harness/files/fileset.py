"""Write several files as one set: after a kill or a full disk, a reader finds all new files or all old ones.

Renaming each file into place is atomic, but a set of files is not: a kill between two renames
would leave a new ``leaderboard.md`` beside an old ``leaderboard.csv``.  :func:`write_file_set`
therefore works in three steps (a redo journal, as databases commit):

1. **stage**: every file is written into a fresh hidden folder ``<root>/.<label>-staging.<host>.<pid>.<random>``
   and flushed to disk.  A full disk or any other write error stops here with one line
   (:func:`~harness.files.atomic.write_failure`); the staging folder is removed and the old set is untouched.
2. **commit**: one small file, ``<root>/.<label>-commit.json``, is written atomically.  It names the
   staging folder and every file of the set.  Its rename is the commit point.
3. **publish**: each staged file is renamed over its target; then the staging folder and the
   journal are removed.

A kill before step 2 leaves the old set and a staging folder nobody names (removed by the next
:func:`recover`, once its process is gone).  A kill during step 3 leaves the journal: the next
:func:`recover` (called by every command that writes into a results folder, and by
:func:`write_file_set` itself) renames the staged files that are still there, which completes the
new set; the staged files were complete and flushed before the journal existed, so rolling
forward is always possible.  Renames need no new space, so a full disk cannot stop step 3 half
way; if a rename fails anyway (a folder made immutable meanwhile), the journal stays and the
error names it.

Callers hold the results folder's lock (``harness.files.lock.results_lock``): two runs publishing
into one folder at once would interleave their renames.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from harness.errors import HarnessError
from harness.files.atomic import atomic_write_text, current_umask, host_name, write_failure
from harness.files.leftovers import STALE_AGE_S, process_running

JOURNAL_VERSION = 1


def journal_path(root: Path, label: str) -> Path:
    return Path(root) / f".{label}-commit.json"


def write_file_set(root: Path, files: Mapping[str, bytes], label: str) -> list[Path]:
    """Write ``files`` (path relative to ``root`` -> bytes) as one set; returns the paths written.

    Raises HarnessError (one line naming the path and the reason) if the set cannot be staged;
    the files already in place are then those of the previous set, all of them.
    """
    root = Path(root)
    recover(root, label)
    for relative in files:
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise ValueError(f"{relative}: a file of a set must lie under its root")
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{label}-staging.{host_name()}.{os.getpid()}.", dir=root))
    except OSError as error:
        raise write_failure(getattr(error, "filename", None) or root, error) from None
    try:
        for relative, content in files.items():
            try:
                _stage(staging / relative, content)
            except OSError as error:  # named by its target: the staging folder is an inner detail
                line = str(write_failure(root / relative, error))
                raise HarnessError(f"{line} (the {label} files already there are kept, all of them)") from None
        _fsync_folder(staging)
        journal = {"version": JOURNAL_VERSION, "staging": staging.name, "files": sorted(files)}
        atomic_write_text(journal_path(root, label), json.dumps(journal, indent=1) + "\n")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _publish(root, label, journal)
    return [root / relative for relative in files]


def _stage(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o666 & ~current_umask())


def _fsync_folder(folder: Path) -> None:
    for directory in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _publish(root: Path, label: str, journal: dict) -> None:
    """Rename every staged file that is still staged over its target, then drop the journal and staging."""
    staging = root / journal["staging"]
    for relative in journal["files"]:
        source, target = staging / relative, root / relative
        if source.is_file():
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
            except OSError as error:
                raise HarnessError(
                    f"cannot put {target} in place ({error.strerror or error}); the new set of {label} files is kept "
                    f"in {staging} and is completed by the next run that writes into {root}"
                ) from None
    shutil.rmtree(staging, ignore_errors=True)
    journal_path(root, label).unlink(missing_ok=True)


def recover(root: Path, label: str) -> bool:
    """Finish a set whose publishing a kill interrupted, and remove staging folders of dead processes.

    Returns True if a set was completed.  Call it under the results folder's lock.
    """
    root = Path(root)
    completed = False
    journal_file = journal_path(root, label)
    named = None
    if journal_file.is_file():
        try:
            journal = json.loads(journal_file.read_text(encoding="utf-8"))
            valid = (journal.get("version") == JOURNAL_VERSION and isinstance(journal.get("files"), list)
                     and isinstance(journal.get("staging"), str) and "/" not in journal["staging"]
                     and journal["staging"].startswith(f".{label}-staging."))
        except (OSError, ValueError, AttributeError):
            valid = False
        if not valid:
            raise HarnessError(f"{journal_file} is not a commit journal this harness wrote; "
                               f"move it away, then run again")
        named = journal["staging"]
        _publish(root, label, journal)
        completed = True
    for staging in root.glob(f".{label}-staging.*"):
        if staging.name != named and staging.is_dir() and _abandoned(staging):
            shutil.rmtree(staging, ignore_errors=True)
    return completed


def recover_all(root: Path) -> list[str]:
    """:func:`recover` every set found under ``root`` (a journal or a staging folder); returns the labels completed."""
    root = Path(root)
    labels = {p.name[1:].removesuffix("-commit.json") for p in root.glob(".*-commit.json")}
    labels |= {p.name[1:].split("-staging.", 1)[0] for p in root.glob(".*-staging.*") if p.is_dir()}
    return [label for label in sorted(labels) if recover(root, label)]


def _abandoned(staging: Path) -> bool:
    """A staging folder of a process that is gone (this host), or an old one (another host)."""
    parts = staging.name.split(".")
    try:
        host, pid = parts[2], int(parts[3])
    except (IndexError, ValueError):
        return False
    if host == host_name():
        return not process_running(pid)
    return staging.stat().st_mtime < time.time() - STALE_AGE_S
