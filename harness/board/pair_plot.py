"""Per-pair bars: each method's mean on each pair, with its bootstrap interval and significance marks."""

from __future__ import annotations

import math

import numpy as np

from harness.board.board import CollectionBoard
from harness.board.cells import skip_reason, table_cells
from harness.data.pairs import get_pair
from harness.render.plots import add_caption, legend_outside, method_colour, new_figure, plot_style, png_bytes
from harness.render.text import BASELINE_MARKS, TIED_WITH_BEST, measure_title
from harness.stats import CORRECTIONS, TESTS


def marks_caption(board: CollectionBoard) -> str:
    """What the marks over the bars mean, in one line (the board's legend says it in full)."""
    options = board.options
    present = [b for b in options.baselines if b not in board.comparisons.missing_baselines]
    how = f"at α = {options.alpha}, {TESTS[options.test].label}, {CORRECTIONS[options.correction].label} correction"
    if not options.baseline_mode:
        return f"{TIED_WITH_BEST}: not significantly different from the best of its pair ({how})."
    if not present:
        return ""
    marks = ", ".join(f"{better}/{worse} than {baseline}" for (better, worse), baseline in zip(BASELINE_MARKS, options.baselines)
                      if baseline in present)
    return f"Marks over the bars: significantly better/worse, {marks} ({how}, as on the board)."


def omissions(board: CollectionBoard, measure: str) -> list[str]:
    """Which methods or cells the per-pair plot leaves out, and why: one line each, for its caption."""
    means = board.means(measure)[list(board.pairs)]
    lines = []
    absent = [m for m in board.methods if means.loc[m].isna().all()]
    if absent:
        lines.append(f"Not shown: {', '.join(absent)} (no {measure} score on any pair).")
    missing: dict[str, dict[str, list[str]]] = {}  # why -> method -> pairs
    for method in board.methods:
        if method in absent:
            continue
        for pair in board.pairs:
            if math.isnan(float(means.loc[method, pair])):
                entry = board.entry(pair, method)
                why = f"skipped: {skip_reason(entry)}" if entry is not None and entry.status == "skipped" else f"no {measure} score"
                missing.setdefault(why, {}).setdefault(method, []).append(pair)
    for why, cells in missing.items():
        spans: dict[str, list[str]] = {}  # methods missing the same pairs share one phrase
        for method, pairs in cells.items():
            spans.setdefault(", ".join(pairs), []).append(method)
        cells_text = "; ".join(", ".join(methods) + f" on {pairs}" for pairs, methods in spans.items())
        lines.append(f"No bar for {cells_text} ({why}).")
    return lines


def pair_bars_spec(board: CollectionBoard, measure: str) -> dict | None:
    """What the per-pair plot draws, as JSON data (see ``harness.render.figure_cache``); None when no
    method has a score on any pair for ``measure``."""
    means = board.means(measure)[list(board.pairs)]
    if means.isna().all(axis=None):
        return None
    low, high = board.intervals(measure)
    cells = table_cells(board, measure)
    pairs, methods = list(board.pairs), board.methods
    series = []
    for i, method in enumerate(methods):
        values = means.loc[method].to_numpy(dtype=float)
        if np.isnan(values).all():  # no bar where the method has no score; its slot stays empty
            continue
        errors = np.clip(np.nan_to_num(np.vstack([values - low.loc[method].to_numpy(),
                                                  high.loc[method].to_numpy() - values])), 0, None)
        series.append({"method": method, "slot": i, "colour": method_colour(method),
                       "values": [None if math.isnan(v) else float(v) for v in values],
                       "below": [float(e) for e in errors[0]], "above": [float(e) for e in errors[1]],
                       "marks": [list(cells[(method, pair)].marks) for pair in pairs]})
    heights = np.concatenate([means.to_numpy(dtype=float).ravel(), high.to_numpy(dtype=float).ravel()])
    low_count = sum(get_pair(p).resource == "low" for p in pairs)
    split = 0 < low_count < len(pairs)
    interval = round(board.options.confidence * 100)
    return {"pairs": pairs, "slots": len(methods), "series": series, "split": low_count if split else None,
            "ylabel": measure, "top": float(np.nanmax(heights)),  # some method has a score: not all NaN
            "title": f"{board.name}: {measure_title(measure)} per pair, {interval}% bootstrap intervals"
                     + (" (low-resource | high-resource)" if split else ""),
            "caption": [marks_caption(board), *omissions(board, measure)]}


def draw_pair_bars(spec: dict) -> bytes:
    """The PNG of a ``pair_bars_spec``: it reads nothing else."""
    pairs = spec["pairs"]
    positions = np.arange(len(pairs))
    width = 0.8 / spec["slots"]
    with plot_style():
        figure = new_figure(max(7.5, 1.0 * len(pairs) + 0.25 * spec["slots"] + 2.0), 4.2)
        axes = figure.add_subplot()
        for one in spec["series"]:
            values = np.array([math.nan if v is None else v for v in one["values"]], dtype=float)
            scored = ~np.isnan(values)
            errors = np.array([one["below"], one["above"]], dtype=float)
            x = positions - 0.4 + width * (one["slot"] + 0.5)
            axes.bar(x[scored], values[scored], width, yerr=errors[:, scored], capsize=2, color=one["colour"],
                     label=one["method"])
            for k in np.flatnonzero(scored):
                marks = one["marks"][k]
                if marks:  # above the interval, one mark a line (a rotated ▲ would read as ◀)
                    axes.annotate("\n".join(marks), (x[k], values[k] + errors[1, k]), xytext=(0, 1),
                                  textcoords="offset points", ha="center", va="bottom", fontsize=5, linespacing=0.9)
        if spec["split"] is not None:
            axes.axvline(spec["split"] - 0.5, color="grey", linewidth=0.8, linestyle=":")
        axes.set_xticks(positions, pairs)
        axes.set_ylabel(spec["ylabel"])
        top = spec["top"]
        axes.set_ylim(0, 1.2 * top if top > 0 else 1.0)  # room for the marks over the tallest interval
        axes.set_title(spec["title"], fontsize=9)
        legend_outside(figure, axes)
        add_caption(figure, spec["caption"])
        return png_bytes(figure)


def pair_bars_png(board: CollectionBoard, measure: str) -> bytes | None:
    """None when no method has a score on any pair for ``measure``."""
    spec = pair_bars_spec(board, measure)
    return None if spec is None else draw_pair_bars(spec)
