"""Shared by every plot: file names, a fixed style, and byte-identical PNG output.

Figures are made with ``matplotlib.figure.Figure`` and drawn by Agg directly,
without pyplot: no global state, no GUI backend, nothing left open.  The style
is matplotlib's defaults whatever the user's matplotlibrc says, and the PNG
carries no "Software" entry (it names the matplotlib version), so the same
scores give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

from harness.render.text import slug

PLOTS_FOLDER = "plots"
DPI = 100
# matplotlib's default colour cycle: one colour per method, the same in every plot of a board.
METHOD_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)


def plot_path(board, measure: str, kind: str) -> str:
    """Where a board's plot goes, relative to the results folder (and so to leaderboard.md)."""
    return f"{PLOTS_FOLDER}/{slug(board.name)}-{slug(measure)}-{kind}.png"


def compare_plot_path(method: str, reference: str, pair: str, measure: str) -> str:
    """Where ``compare A B`` puts one pair's plot, relative to the results folder."""
    return f"{PLOTS_FOLDER}/compare-{slug(method)}-{slug(reference)}-{pair}-{slug(measure)}.png"


def method_colour(index: int) -> str:
    return METHOD_COLOURS[index % len(METHOD_COLOURS)]


@contextmanager
def plot_style() -> Iterator[None]:
    """matplotlib's default style, for reproducible figures (draw inside it, too)."""
    import matplotlib.style

    with matplotlib.style.context("default"):
        yield


def new_figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def png_bytes(figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
