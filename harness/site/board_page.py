"""The board as the site shows it: per measure a sortable table whose cells carry the mean, its marks,
its 95% interval, and, for a skipped cell, the one-line reason with the long one on hover.

Every number comes from the same ``CollectionBoard`` the markdown board is rendered from, built with
the options ``leaderboard.json`` records, so the site and ``leaderboard.md`` show the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from harness.board import gap_plot, pair_plot
from harness.board.board import CollectionBoard
from harness.board.cells import entry_notes, note_owners, table_cells
from harness.board.legend import table_legend
from harness.registry import METHODS
from harness.render import text
from harness.render.plots import plot_path
from harness.site.markup import inline_html


@dataclass(frozen=True)
class SiteCell:
    text: str  # the mean as printed, or "skipped", or "—"
    sort: str  # data-sort: the mean, empty without one (sorted last)
    best: bool
    marks: str
    interval: str  # "95% CI [0.45, 0.52]", empty where none
    short: str  # skipped: the one-line reason
    detail: str  # skipped: the long reason recorded in the sidecar (hover)
    href: str  # the cell's reproduction entry, empty for a mean column


def cell_anchor(pair: str, method: str) -> str:
    return f"{pair}/{method}"


def cells_page(collection: str) -> str:
    return f"cells-{collection}.html"


def method_label(method: str) -> str:
    return METHODS[method].display_name if method in METHODS else method


def measure_table(board: CollectionBoard, measure: str, provenance: Mapping) -> dict:
    cells = table_cells(board, measure)
    low, high = board.intervals(measure)
    confidence = round(board.options.confidence * 100)
    rows = []
    for method in board.methods:
        row = []
        for column in board.columns:
            cell = cells[(method, column)]
            pair_column = column in board.pairs
            interval = ""
            if pair_column and cell.has_score and not math.isnan(float(low.loc[method, column])):
                interval = f"{confidence}% CI [{text.score(float(low.loc[method, column]))}, {text.score(float(high.loc[method, column]))}]"
            detail = ""
            if cell.skipped is not None:
                sidecar = (provenance.get((column, method)) or {}).get("sidecar") or {}
                detail = sidecar.get("reason_detail") or sidecar.get("reason") or cell.skipped
            row.append(SiteCell(
                text=text.score(cell.value) if cell.has_score else ("skipped" if cell.skipped is not None else text.NO_SCORE),
                sort=text.score(cell.value) if cell.has_score else "",
                best=cell.best, marks=cell.marks, interval=interval, short=cell.skipped or "", detail=detail,
                href=f"{cells_page(board.name)}#{cell_anchor(column, method)}" if pair_column and board.entry(column, method) else "",
            ))
        rows.append({"method": method, "label": method_label(method), "oracle": method in board.oracles, "cells": row})
    return {"measure": measure, "title": text.measure_title(measure), "rows": rows,
            "legend": inline_html(table_legend(board, measure))}


def plots(board: CollectionBoard, measure: str, present: Collection[str]) -> list[dict]:
    """The measure's plots written by ``leaderboard`` (their paths under the results folder), with their captions."""
    found = []
    for kind, caption in (("pairs", [pair_plot.marks_caption(board), *pair_plot.omissions(board, measure)]),
                          ("gap", gap_plot.omissions(board, measure))):
        path = plot_path(board, measure, kind)
        if path in present:
            alt = f"{text.measure_title(measure)} per pair" if kind == "pairs" else f"{text.measure_title(measure)}: low- vs high-resource means"
            found.append({"src": path, "alt": alt, "caption": " ".join(c for c in caption if c)})
    return found


def notes(board: CollectionBoard) -> list[str]:
    """What served the cells, one note per distinct text with the cells it is about (as the markdown's footnotes)."""
    owners = note_owners(board)
    seen = dict.fromkeys(n for m in board.methods for p in board.pairs for n in entry_notes(board.entry(p, m)))
    return [inline_html(f"{owners[n]}: {n}") for n in seen]


def board_context(board: CollectionBoard, provenance: Mapping, present_plots: Collection[str]) -> dict:
    return {
        "name": board.name,
        "title": inline_html(board.title),
        "source": board.source,
        "columns": [{"name": c, "pair": c in board.pairs} for c in board.columns],
        "tables": [measure_table(board, m, provenance) | {"plots": plots(board, m, present_plots)} for m in board.measures],
        "notes": notes(board),
        "cells_page": cells_page(board.name),
    }
