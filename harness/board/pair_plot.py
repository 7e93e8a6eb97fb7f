"""Per-pair bars: each method's mean on each pair, with its bootstrap interval."""

from __future__ import annotations

import numpy as np

from harness.data.pairs import get_pair
from harness.board.board import CollectionBoard
from harness.render.plots import method_colour, new_figure, plot_style, png_bytes
from harness.render.text import measure_title


def pair_bars_png(board: CollectionBoard, measure: str) -> bytes | None:
    """None when no method has a score on any pair for ``measure``."""
    means = board.means(measure)[list(board.pairs)]
    if means.isna().all(axis=None):
        return None
    low, high = board.intervals(measure)
    pairs, methods = list(board.pairs), board.methods
    positions = np.arange(len(pairs))
    width = 0.8 / len(methods)
    with plot_style():
        figure = new_figure(max(6.0, 1.2 * len(pairs) + 0.3 * len(methods)), 3.8)
        axes = figure.add_subplot()
        for i, method in enumerate(methods):
            values = means.loc[method].to_numpy(dtype=float)
            scored = ~np.isnan(values)  # no bar where the method has no score
            if not scored.any():
                continue
            errors = np.vstack([values - low.loc[method].to_numpy(), high.loc[method].to_numpy() - values])
            axes.bar(
                (positions - 0.4 + width * (i + 0.5))[scored],
                values[scored],
                width,
                yerr=np.clip(np.nan_to_num(errors[:, scored]), 0, None),  # no interval: no bar; clip: rounding
                capsize=2,
                color=method_colour(i),
                label=method,
            )
        low = sum(get_pair(p).resource == "low" for p in pairs)
        split = 0 < low < len(pairs)
        if split:
            axes.axvline(low - 0.5, color="grey", linewidth=0.8, linestyle=":")
        axes.set_xticks(positions, pairs)
        axes.set_ylabel(measure)
        heights = np.concatenate([means.to_numpy(dtype=float).ravel(), high.to_numpy(dtype=float).ravel()])
        top = float(np.nanmax(heights))  # some method has a score: not all NaN
        axes.set_ylim(0, 1.1 * top if top > 0 else 1.0)
        interval = round(board.options.confidence * 100)
        axes.set_title(
            f"{board.name}: {measure_title(measure)} per pair, {interval}% bootstrap intervals"
            + (" (low-resource | high-resource)" if split else ""),
            fontsize=9,
        )
        axes.legend(fontsize=8, loc="upper left", ncols=min(len(methods), 4))
        return png_bytes(figure)
