"""What each cell of a score table shows, independent of the output format.

Markdown and LaTeX render the same cells: the mean, whether it is the column's
best, its significance marks (against each baseline, or "tied with the best"
in all-pairs mode), and the notes that markdown turns into footnotes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.board.board import CollectionBoard
from harness.evaluation.scores import ScoreEntry
from harness.method.spec import SkipReason
from harness.render.text import BASELINE_MARKS, TIED_WITH_BEST


SKIPPED = "skipped: "  # the start of a skipped cell's note, before its one-line reason


@dataclass(frozen=True)
class Cell:
    value: float  # NaN: no score
    best: bool
    marks: str  # significance symbols, in --baseline order
    skipped: str | None  # the reason, when the method was skipped on this pair
    notes: tuple[str, ...]  # what served the score; queries that retrieved nothing; why skipped (note_owners words whose)

    @property
    def has_score(self) -> bool:
        return not math.isnan(self.value)


def significance_marks(board: CollectionBoard, measure: str, method: str, column: str) -> str:
    options, results = board.options, board.comparisons
    if not options.baseline_mode:
        group = results.tie_group(measure, column)
        return TIED_WITH_BEST if group is not None and method in group.tied else ""
    if len(options.baselines) > len(BASELINE_MARKS):
        raise ValueError(f"at most {len(BASELINE_MARKS)} baselines can be marked, got {len(options.baselines)}")
    marks = ""
    for (better, worse), baseline in zip(BASELINE_MARKS, options.baselines):
        # Only the comparison made against this baseline: its family is this baseline's.
        comparison = results.get(measure, column, method, baseline)
        direction = 0 if comparison is None else comparison.direction(options.alpha)
        marks += {1: better, -1: worse, 0: ""}[direction]
    return marks


def skip_reason(entry: ScoreEntry) -> str:
    """A skipped cell's one-line reason.  Scores files written before reasons had two lengths hold the
    long one (every source tried, this machine's paths): its first clause stands for it."""
    return SkipReason.of(entry.reason or "no reason given").short


def entry_notes(entry: ScoreEntry | None) -> tuple[str, ...]:
    """What a pair cell's notes say, without whose cell it is: many cells share each (``note_owners``)."""
    if entry is None:
        return ()
    if entry.status == "skipped":
        return (SKIPPED + skip_reason(entry),)
    notes = [entry.used] if entry.used else []
    if entry.empty_queries:
        notes.append(f"{entry.empty_queries} of {len(entry.query_ids)} queries retrieved nothing (scored 0)")
    return tuple(notes)


def note_owners(board: CollectionBoard) -> dict[str, str]:
    """note -> the cells it is about, in words: "`kd`, `cal` on every pair", "`bm25-nmt` on en-yo".

    One note per distinct text, however many cells share it: the translator of six cells, the
    model of a whole row, the reason two fusions skip a pair are each said once.
    """
    cells: dict[str, dict[str, list[str]]] = {}
    for method in board.methods:
        for pair in board.pairs:
            for note in entry_notes(board.entry(pair, method)):
                cells.setdefault(note, {}).setdefault(method, []).append(pair)
    owners = {}
    for note, by_method in cells.items():
        spans = {}
        for method, pairs in by_method.items():
            span = "every pair" if tuple(pairs) == tuple(board.pairs) and len(pairs) > 1 else ", ".join(pairs)
            spans.setdefault(span, []).append(f"`{method}`")
        owners[note] = "; ".join(f"{', '.join(methods)} on {span}" for span, methods in spans.items())
    return owners


def table_cells(board: CollectionBoard, measure: str) -> dict[tuple[str, str], Cell]:
    """(method, column) -> Cell for every row and column of one measure's table."""
    means, best = board.means(measure), board.best(measure)
    cells = {}
    for method in board.methods:
        for column in board.columns:
            value = float(means.loc[method, column])
            entry = board.entry(column, method)
            skipped = skip_reason(entry) if entry is not None and entry.status == "skipped" else None
            notes = entry_notes(entry) if skipped is not None or not math.isnan(value) else ()
            marks = significance_marks(board, measure, method, column) if not math.isnan(value) else ""
            cells[(method, column)] = Cell(value, bool(best.loc[method, column]), marks, skipped, notes)
    return cells
