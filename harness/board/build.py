"""Every board of a results folder, rebuilt from its scores files alone, and written as one set of files.

The board's files (md, csv, json, tex, plots) are one set (``harness.files.fileset``): staged in a
hidden folder, committed by a journal, then renamed into place, so a kill or a full disk never
leaves a new ``leaderboard.md`` beside an old ``leaderboard.csv``; a kill during the renames is
completed by the next command that writes into the folder.  The scores are read and the set is
written under the results folder's lock, so the board written last is built from the newest scores.
"""

from __future__ import annotations

from pathlib import Path

from harness.board.board import build_board
from harness.board.outputs import FORMATS, render_outputs
from harness.compare import ComparisonOptions
from harness.data.collections import COLLECTIONS, saved_collection
from harness.evaluation.scores import load_scores, scores_path
from harness.files.fileset import write_file_set
from harness.files.lock import results_lock
from harness.registry import BUILT_IN, METHODS, origin_of

LEADERBOARD = "leaderboard.md"
FILE_SET = "leaderboard"  # the label of the board's file set: .leaderboard-staging.*, .leaderboard-commit.json


def ordered_methods(entries) -> list[str]:
    """Board order: registered methods in registry order, then the others (imported runs) by name."""
    present = {method for _, method in entries}
    return [m for m in METHODS if m in present] + sorted(present - set(METHODS))


def outside_methods(methods, entries) -> list[str]:
    """Methods from outside the built-in registry, each corrected in a family of its own: those whose
    scores say so (a plugin's or an imported run's, whatever is loaded now), and those registered
    now with another origin (a ``MethodSpec`` given to the Python API)."""
    marked = {method for (_, method), entry in entries.items() if entry.origin}
    return [m for m in methods if m in marked or (m in METHODS and origin_of(m).kind != BUILT_IN.kind)]


def build_boards(out: Path, measures, options: ComparisonOptions) -> list:
    """One board per collection that has a scores file under ``out``."""
    boards = []
    names = list(COLLECTIONS) + sorted(p.stem for p in (out / "scores").glob("*.json") if p.stem not in COLLECTIONS)
    for name in names:
        path = scores_path(out, name)
        entries = load_scores(path)
        collection = COLLECTIONS.get(name) or saved_collection(name, entries)
        if entries:
            title = f"Collection `{name}`: {collection.description}"
            source = str(path.relative_to(out))
            oracles = [m for m in ordered_methods(entries) if m in METHODS and METHODS[m].oracle]
            methods = ordered_methods(entries)
            boards.append(build_board(name, title, source, entries, methods, measures, options, oracles,
                                      collection.pairs, own=outside_methods(methods, entries),
                                      complete_judgements=collection.complete_judgements))
    return boards


def write_leaderboard(out: Path, measures, options: ComparisonOptions, formats=FORMATS) -> list:
    """Rebuild every requested output under ``out`` from the scores files alone, as one set; returns the boards.

    Raises HarnessError (one line naming the path and the reason) when the set cannot be written;
    the previous board's files are then all still in place.
    """
    with results_lock(out):
        boards = build_boards(out, measures, options)
        files = {relative: content if isinstance(content, bytes) else content.encode("utf-8")  # "\n" on every platform
                 for relative, content in render_outputs(boards, options, formats, previous=out).items()}
        write_file_set(out, files, FILE_SET)
    return boards
