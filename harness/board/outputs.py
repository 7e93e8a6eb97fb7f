"""Output formats of the leaderboard and of ``compare``, one small module each.

    markdown.py        results/leaderboard.md (the main artefact)
    csv_tables.py      results/leaderboard.csv (means), results/comparisons.csv (every comparison)
    json_document.py   results/leaderboard.json (all of it, with options, families and top groups)
    paper_table.py     results/leaderboard.tex and `paper-table` (booktabs tables for papers; latex.py: escaping)
    pair_plot.py, gap_plot.py, differences_plot.py   PNGs under results/plots/
    compare_report.py  the console text of ``python -m harness compare``

Shared: text.py (symbols, number formats), cells.py (what a table cell shows),
legend.py (the sentences under tables), records.py (flat rows for CSV/JSON),
plots.py (file names, style, reproducible PNG).  Every function returns text or
bytes; ``harness.cli`` writes the files.  See README.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.board.board import CollectionBoard
from harness.board.csv_tables import comparisons_csv, scores_csv
from harness.board.gap_plot import gap_png
from harness.board.json_document import leaderboard_json
from harness.board.paper_table import leaderboard_latex
from harness.board.markdown import leaderboard_markdown
from harness.board.pair_plot import pair_bars_png
from harness.render.plots import plot_path

FORMATS = ("md", "csv", "json", "tex", "png")
MARKDOWN, SCORES_CSV, COMPARISONS_CSV, JSON, LATEX = (
    "leaderboard.md",
    "leaderboard.csv",
    "comparisons.csv",
    "leaderboard.json",
    "leaderboard.tex",
)


def board_plots(board: CollectionBoard) -> dict[str, bytes]:
    """Relative path -> PNG for each measure: per-pair bars, and the low/high gap where there is one."""
    plots = {}
    for measure in board.measures:
        for kind, draw in (("pairs", pair_bars_png), ("gap", gap_png)):
            png = draw(board, measure)
            if png is not None:
                plots[plot_path(board, measure, kind)] = png
    return plots


def render_outputs(
    boards: Sequence[CollectionBoard], options, formats: Sequence[str] = FORMATS
) -> dict[str, str | bytes]:
    """Relative path (under the results folder) -> content, for every requested format."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown formats {unknown}; valid: {FORMATS}")
    files: dict[str, str | bytes] = {}
    plots = {path: png for board in boards for path, png in board_plots(board).items()} if "png" in formats else {}
    data_files = [
        name for fmt, name in (("csv", SCORES_CSV), ("csv", COMPARISONS_CSV), ("json", JSON)) if fmt in formats
    ]
    if "md" in formats:
        files[MARKDOWN] = leaderboard_markdown(boards, plots=set(plots), data_files=data_files)
    if "csv" in formats:
        files[SCORES_CSV] = scores_csv(boards)
        files[COMPARISONS_CSV] = comparisons_csv(boards)
    if "json" in formats:
        files[JSON] = leaderboard_json(boards, options)
    if "tex" in formats:
        files[LATEX] = leaderboard_latex(boards)
    files.update(plots)
    return files
