"""Shared by every plot: file names, a fixed style, and byte-identical PNG output.

Figures are made with ``matplotlib.figure.Figure`` and drawn by Agg directly,
without pyplot: no global state, no GUI backend, nothing left open.  The style
is matplotlib's defaults whatever the user's matplotlibrc says, and the PNG
carries no "Software" entry (it names the matplotlib version), so the same
scores give the same bytes.  PNGs are stored with a palette of 256 colours
(Pillow, no dithering): a third of the size, the same picture for flat charts.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager

from harness.render.text import slug

PLOTS_FOLDER = "plots"
DPI = 100
# One colour per method, keyed by its name: a method has the same colour in every plot of the
# board, the studies and ``compare`` (tests/test_plots.py holds every registered method to one).
METHOD_COLOURS = {
    "bm25-nmt": "#1f77b4",
    "bm25-ht": "#7f7f7f",
    "mdpr": "#ff7f0e",
    "kd": "#9467bd",
    "cal": "#8c564b",
    "optical": "#d62728",
    "rrf-bm25-nmt+optical": "#e377c2",
    "rrf-bm25-nmt+mdpr": "#17becf",
}
# A name not in METHOD_COLOURS (a user's method, a study's variant) takes one of these by a hash of
# its name: stable from run to run and plot to plot, though two such names may share one.
OTHER_COLOURS = ("#bcbd22", "#2ca02c", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
                 "#f7b6d2", "#dbdb8d", "#9edae5", "#393b79")
# Series that are not methods (the pairs of the translation study): matplotlib's default cycle.
SERIES_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)


def plot_path(board, measure: str, kind: str) -> str:
    """Where a board's plot goes, relative to the results folder (and so to leaderboard.md)."""
    return f"{PLOTS_FOLDER}/{slug(board.name)}-{slug(measure)}-{kind}.png"


def compare_plot_path(method: str, reference: str, pair: str, measure: str) -> str:
    """Where ``compare A B`` puts one pair's plot, relative to the results folder."""
    return f"{PLOTS_FOLDER}/compare-{slug(method)}-{slug(reference)}-{pair}-{slug(measure)}.png"


def method_colour(method: str) -> str:
    """The colour of ``method`` in every plot (a hex string)."""
    if method in METHOD_COLOURS:
        return METHOD_COLOURS[method]
    digest = hashlib.sha256(method.encode("utf-8")).digest()
    return OTHER_COLOURS[int.from_bytes(digest[:4], "big") % len(OTHER_COLOURS)]


def series_colour(index: int) -> str:
    return SERIES_COLOURS[index % len(SERIES_COLOURS)]


def legend_outside(figure, axes, fontsize: float = 8) -> None:
    """The axes' legend to the right of the plot, where it covers no data."""
    handles, labels = axes.get_legend_handles_labels()
    if handles:
        figure.legend(handles, labels, loc="outside right upper", fontsize=fontsize, frameon=False)


def add_caption(figure, lines) -> None:
    """Lines under the plot: which methods or cells it leaves out and why (nothing when none)."""
    lines = [line for line in lines if line]
    if lines:
        figure.supxlabel("\n".join(lines), fontsize=7, ha="left", x=0.01, wrap=True)


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
    """The figure as a PNG of at most 256 colours (flat charts need no more; a third of the bytes), no metadata."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    image = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True)
    return out.getvalue()
