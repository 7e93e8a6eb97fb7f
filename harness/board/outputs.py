"""Output formats of the leaderboard and of ``compare``, one small module each.

    markdown.py        results/leaderboard.md (the main artefact)
    csv_tables.py      results/leaderboard.csv (means), results/comparisons.csv (every comparison)
    json_document.py   results/leaderboard.json (all of it, with options, families and top groups)
    paper_table.py     results/leaderboard.tex and `paper-table` (booktabs tables for papers; latex.py: escaping)
    pair_plot.py, gap_plot.py, differences_plot.py   PNGs under results/plots/ (a spec as JSON, then its drawing;
                       plots/figures.json lets a re-run reuse a PNG drawn from the same spec: render/figure_cache.py)
    compare_report.py  the console text of ``python -m harness compare``

Shared: text.py (symbols, number formats), cells.py (what a table cell shows),
legend.py (the sentences under tables), records.py (flat rows for CSV/JSON),
plots.py (file names, style, reproducible PNG).  Every function returns text or
bytes; ``harness.cli`` writes the files.  See README.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.board.board import CollectionBoard
from harness.board.csv_tables import comparisons_csv, scores_csv
from harness.board import gap_plot, pair_plot
from harness.board.json_document import leaderboard_json
from harness.board.paper_table import leaderboard_latex
from harness.board.markdown import leaderboard_markdown
from harness.render.figure_cache import FIGURES, FigureCache, figure_key
from harness.render.plots import plot_path

FORMATS = ("md", "csv", "json", "tex", "png")
MARKDOWN, SCORES_CSV, COMPARISONS_CSV, JSON, LATEX = (
    "leaderboard.md",
    "leaderboard.csv",
    "comparisons.csv",
    "leaderboard.json",
    "leaderboard.tex",
)


PLOT_KINDS = (("pairs", pair_plot.pair_bars_spec, pair_plot.draw_pair_bars, Path(pair_plot.__file__)),
              ("gap", gap_plot.gap_spec, gap_plot.draw_gap, Path(gap_plot.__file__)))


def board_plots(board: CollectionBoard, cache: FigureCache | None = None) -> dict[str, bytes]:
    """Relative path -> PNG for each measure: per-pair bars, and the low/high gap where there is one.
    ``cache`` reuses the PNGs already drawn from the same spec (``harness.render.figure_cache``)."""
    cache = cache or FigureCache(None)
    plots = {}
    for measure in board.measures:
        for kind, spec_of, draw, source in PLOT_KINDS:
            spec = spec_of(board, measure)
            if spec is not None:
                path = plot_path(board, measure, kind)
                plots[path] = cache.png(path, figure_key(kind, spec, (source,)), lambda: draw(spec))
    return plots


def render_outputs(
    boards: Sequence[CollectionBoard], options, formats: Sequence[str] = FORMATS, previous: Path | None = None
) -> dict[str, str | bytes]:
    """Relative path (under the results folder) -> content, for every requested format.  ``previous``:
    the results folder whose PNGs may be reused where ``plots/figures.json`` proves them the same."""
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown formats {unknown}; valid: {FORMATS}")
    files: dict[str, str | bytes] = {}
    cache = FigureCache(previous if "png" in formats else None)
    plots = {path: png for board in boards for path, png in board_plots(board, cache).items()} if "png" in formats else {}
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
    if "png" in formats:
        files[FIGURES] = cache.record()
    return files
