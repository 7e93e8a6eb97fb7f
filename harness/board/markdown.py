"""The leaderboard in markdown: one table per measure, legends, plots, details, footnotes."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pandas as pd

from harness.compare import Comparison
from harness.board.board import CollectionBoard
from harness.board import legend
from harness.render import text
from harness.board.cells import SKIPPED, Cell, note_owners, table_cells
from harness.render.plots import plot_path
from harness.stats import CORRECTIONS

INTRO = (
    "English queries, documents in Swahili, Somali, Yoruba, Marathi (low-resource) and Finnish, German, French "
    "(high-resource). Scores are means over queries; per-query scores are in `scores/`."
)


WHY = "the sources tried and the fix: `python -m harness list --why METHOD PAIR`"


class Footnotes:
    """Markdown footnotes, numbered in order of first use and shared between tables.

    A note many cells share is one footnote that names them (``cells.note_owners``), not one per cell.
    """

    def __init__(self, owners: dict[str, str] | None = None):
        self.labels: dict[str, int] = {}
        self.owners = dict(owners or {})

    def ref(self, note: str) -> str:
        number = self.labels.setdefault(note, len(self.labels) + 1)
        return f"[^{number}]"

    def render(self) -> str:
        lines = []
        for note, n in self.labels.items():
            owner = f"{self.owners[note]}: " if note in self.owners else ""
            why = f" ({WHY})" if note.startswith(SKIPPED) else ""
            lines.append(f"[^{n}]: {owner}{note}{why}")
        return "\n".join(lines)


def cell_text(cell: Cell, method: str, column: str, notes: Footnotes) -> str:
    if not cell.has_score:
        if cell.skipped is not None:
            return "skipped" + "".join(notes.ref(note) for note in cell.notes)
        return text.NO_SCORE
    value = text.score(cell.value)
    if cell.best:
        value = f"**{value}**"
    return value + cell.marks + "".join(notes.ref(note) for note in cell.notes)


def score_table(board: CollectionBoard, measure: str, notes: Footnotes) -> pd.DataFrame:
    """Methods as rows, the seven pairs and three mean columns; cells as markdown text."""
    cells = table_cells(board, measure)
    rows = [
        {"method": text.row_label(method, board.oracles)}
        | {column: cell_text(cells[(method, column)], method, column, notes) for column in board.columns}
        for method in board.methods
    ]
    return pd.DataFrame(rows, columns=["method", *board.columns])


def detail_comparisons(board: CollectionBoard, measure: str) -> list[Comparison]:
    """The comparisons the details section lists for one measure, in table order.

    Against baselines: all of them.  All pairs of methods: each method against
    its column's best, the comparisons that decide the top groups (the CSV and
    JSON hold every pair).
    """
    results = board.comparisons
    if board.options.baseline_mode:
        order = {column: i for i, column in enumerate(board.columns)}
        return sorted(results.of_measure(measure), key=lambda c: order[c.column])  # stable: keeps baseline order
    chosen = []
    for column in board.columns:
        group = results.tie_group(measure, column)
        if group is None:
            continue
        for method in (*group.tied, *group.worse):
            chosen.append(results.find(measure, column, method, group.best))
    return chosen


def details_table(board: CollectionBoard, comparisons: Sequence[Comparison]) -> pd.DataFrame:
    correction = CORRECTIONS[board.options.correction].label
    confidence = f"{round(board.options.confidence * 100)}% CI"
    rows = [
        {
            "column": c.column,
            "method": f"`{c.method}`",
            "vs": f"`{c.reference}`",
            "Δ mean": text.difference(c.mean_diff),
            confidence: text.interval(c.ci_low, c.ci_high),
            "p": text.p_value(c.p_value),
            f"p ({correction})": text.p_value(c.p_corrected),
            "d_z": text.effect_size(c.effect_size_dz),
            "W/T/L": text.wins_ties_losses(c.wins, c.ties, c.losses),
        }
        for c in comparisons
    ]
    return pd.DataFrame(rows)


def plot_links(board: CollectionBoard, measure: str, plots: Collection[str]) -> str:
    title = text.measure_title(measure)
    links = []
    interval = f"{round(board.options.confidence * 100)}% intervals"
    alternatives = {"pairs": f"{title} per pair, with {interval}", "gap": f"{title}: low- vs high-resource means"}
    for kind, alt in alternatives.items():
        path = plot_path(board, measure, kind)
        if path in plots:
            links.append(f"![{alt}]({path})")
    return " ".join(links)


def collection_section(
    board: CollectionBoard, plots: Collection[str], data_files: list[str], command: str = "python -m harness leaderboard"
) -> str:
    notes = Footnotes(note_owners(board))
    parts = [f"## {board.title}", f"Rebuilt from `{board.source}` by `{command}`.", legend.judged_note(board)]
    for measure in board.measures:
        parts += [
            f"### {text.measure_title(measure)}",
            score_table(board, measure, notes).to_markdown(index=False, disable_numparse=True),
            legend.table_legend(board, measure),
            plot_links(board, measure, plots),
        ]
    comparisons = detail_comparisons(board, board.main_measure)
    if comparisons:
        parts += [
            f"### Comparisons in detail: {text.measure_title(board.main_measure)}",
            details_table(board, comparisons).to_markdown(index=False, disable_numparse=True),
            legend.details_legend(board, data_files),
        ]
    parts.append(notes.render())
    return "\n\n".join(p for p in parts if p)


def leaderboard_markdown(
    boards: Sequence[CollectionBoard], plots: Collection[str] = (), data_files: Sequence[str] = ()
) -> str:
    """The whole of results/leaderboard.md; ``plots`` are the plot files written beside it, to link."""
    sections = ["# Leaderboard", INTRO]
    sections += [collection_section(board, plots, list(data_files)) for board in boards]
    return "\n\n".join(sections) + "\n"


def console_table(board: CollectionBoard, measure: str) -> str:
    """One measure's table with its footnotes, for the terminal."""
    notes = Footnotes(note_owners(board))
    table = score_table(board, measure, notes).to_markdown(index=False, disable_numparse=True)
    return table + "\n\n" + notes.render()
