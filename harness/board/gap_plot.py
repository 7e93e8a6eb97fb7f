"""Per method: its low-resource and high-resource means, and the gap between them."""

from __future__ import annotations

import numpy as np

from harness.board.board import CollectionBoard
from harness.render.plots import add_caption, method_colour, new_figure, plot_style, png_bytes
from harness.render.text import measure_title

LOW, HIGH = "low-resource mean", "high-resource mean"
BAR_WIDTH = 0.35


def omissions(board: CollectionBoard, measure: str) -> list[str]:
    """Which methods the gap plot leaves out (a mean needs every pair of its group) and why, for its caption."""
    if LOW not in board.groups or HIGH not in board.groups:
        return []
    means = board.means(measure)[[LOW, HIGH]]
    lines = []
    for method in board.methods:
        if means.loc[method].notna().all():
            continue
        missing = [p for p in (*board.groups[LOW], *board.groups[HIGH]) if board.entry(p, method) is None
                   or board.entry(p, method).status != "ok" or measure not in board.entry(p, method).scores]
        why = f"no score on {', '.join(missing)}" if missing else "no mean"
        lines.append(f"{method} ({why})")
    return [f"Not shown: {'; '.join(lines)}: a mean needs every pair of its group."] if lines else []


def gap_spec(board: CollectionBoard, measure: str) -> dict | None:
    """What the gap plot draws, as JSON data (see ``harness.render.figure_cache``); None when no method
    has scores on every pair, or the collection has no low/high split (XQuAD)."""
    if LOW not in board.groups or HIGH not in board.groups:
        return None
    means = board.means(measure)[[LOW, HIGH]].dropna()
    if means.empty:
        return None
    methods = list(means.index)
    return {"methods": [{"method": m, "colour": method_colour(m),  # the method's colour in every plot
                         "low": float(means.loc[m, LOW]), "high": float(means.loc[m, HIGH])} for m in methods],
            "ylabel": measure, "top": float(means.to_numpy().max()),
            "title": f"{board.name}: {measure_title(measure)}\nlow-resource (hatched) vs high-resource mean",
            "caption": omissions(board, measure)}


def draw_gap(spec: dict) -> bytes:
    """The PNG of a ``gap_spec``: it reads nothing else."""
    methods = spec["methods"]
    positions = np.arange(len(methods))
    with plot_style():
        figure = new_figure(max(5.5, 1.1 * len(methods) + 2.0), 3.9)
        axes = figure.add_subplot()
        for i, one in enumerate(methods):
            low, high = one["low"], one["high"]
            outline = {"edgecolor": "black", "linewidth": 0.5}
            axes.bar(positions[i] - BAR_WIDTH / 2, low, BAR_WIDTH, color=one["colour"], alpha=0.5, hatch="//", **outline)
            axes.bar(positions[i] + BAR_WIDTH / 2, high, BAR_WIDTH, color=one["colour"], **outline)
            axes.annotate(
                f"gap {high - low:+.3f}",
                (positions[i], max(low, high)),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
        axes.set_xticks(positions, [one["method"] for one in methods], fontsize=8)
        axes.set_xlim(-0.75, len(methods) - 0.25)
        axes.set_ylabel(spec["ylabel"])
        axes.set_ylim(0, 1.15 * spec["top"] + 1e-9)
        axes.set_title(spec["title"], fontsize=9)
        add_caption(figure, spec["caption"])
        return png_bytes(figure)


def gap_png(board: CollectionBoard, measure: str) -> bytes | None:
    """None when no method has scores on every pair, or the collection has no low/high split (XQuAD)."""
    spec = gap_spec(board, measure)
    return None if spec is None else draw_gap(spec)
