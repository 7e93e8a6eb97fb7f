"""A study whose answer is a board on one collection (``alignment``, ``xquad``).

It runs the registered methods on a study collection (``harness/ntrex-sentences/<lang>``,
``harness/xquad/<lang>``), scores them, and renders the leaderboard's own tables with the
leaderboard's significance machinery (``harness/board/study_page.py``).  A study can fix the
board's test and add sections of its own (``BoardStudy.extra``: alignment's McNemar tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from harness.board.board import build_board
from harness.board.study_page import study_files
from harness.compare import ComparisonOptions
from harness.data.collections import COLLECTIONS
from harness.errors import HarnessError
from harness.evaluation.scores import scores_path
from harness.registry import METHODS
from harness.studies.common import (
    check_pairs, run_grid, saved_scores, score_grid, study_folder, study_methods, study_pairs, write_files,
)


@dataclass(frozen=True)
class BoardStudy:
    name: str
    question: str
    collection: str
    methods: tuple[str, ...]
    measures: tuple[str, ...]  # the first is the main one (plotted)
    preamble: str
    test: str | None = None  # the study's fixed test for the board; None: the options'
    # More than the board: (entries, pairs, methods, options) -> ({heading: markdown}, {key: JSON data}).
    extra: Callable[..., tuple[dict[str, str], dict[str, object]]] | None = None


def run_board_study(study: BoardStudy, out: Path, pairs, methods, options: ComparisonOptions, force: bool,
                    report=print, settings=None) -> list[Path]:
    collection = COLLECTIONS[study.collection]
    check_pairs(pairs, [collection], study.name)
    chosen = study_pairs(collection, pairs)
    specs = study_methods(study.methods, methods, study.name)
    folder = study_folder(out, study.name)
    run_grid(folder, collection, chosen, specs, force, report, settings)
    score_grid(folder, collection, chosen, study.measures)
    return render_board_study(study, out, options)


def render_board_study(study: BoardStudy, out: Path, options: ComparisonOptions) -> list[Path]:
    """Rebuild the study's files from its saved scores alone."""
    folder = study_folder(out, study.name)
    entries = saved_scores(folder, study.collection)
    if not entries:
        raise HarnessError(f"no scores in {scores_path(folder, study.collection)}; run `python -m harness study run {study.name}`")
    if study.test is not None:
        options = replace(options, test=study.test)
    present = {m for _, m in entries}
    methods = [m for m in METHODS if m in present]
    source = str(scores_path(folder, study.collection).relative_to(out))
    title = f"Collection `{study.collection}`: {COLLECTIONS[study.collection].description}"
    collection = COLLECTIONS[study.collection]
    board = build_board(study.collection, title, source, entries, methods, list(study.measures), options, (),
                        collection.pairs, complete_judgements=collection.complete_judgements)
    sections, data = study.extra(entries, collection.pairs, methods, options) if study.extra else ({}, {})
    files = study_files(study.name, study.question, study.preamble, board, study.measures[0], sections, data)
    return write_files(out, study.name, files)
