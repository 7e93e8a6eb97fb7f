"""``compare A B``: the per-query differences of one pair, sorted, as bars."""

from __future__ import annotations

import numpy as np

from harness.compare import PairDifferences
from harness.render.plots import new_figure, plot_style, png_bytes
from harness.render.text import interval, p_value, wins_ties_losses
from harness.stats import TIE_TOLERANCE

GAIN, LOSS, TIE = "#2ca02c", "#d62728", "#7f7f7f"


def differences_png(differences: PairDifferences, method: str, reference: str, measure: str) -> bytes:
    diffs = differences.table["diff"].to_numpy(dtype=float)  # already sorted, largest first
    comparison = differences.comparison
    colours = np.where(diffs > TIE_TOLERANCE, GAIN, np.where(diffs < -TIE_TOLERANCE, LOSS, TIE))
    with plot_style():
        figure = new_figure(max(6.0, min(14.0, 0.06 * diffs.size + 4)), 3.6)
        axes = figure.add_subplot()
        axes.bar(np.arange(diffs.size), diffs, 1.0, color=colours)
        axes.axhline(0.0, color="black", linewidth=0.6)
        mean = f"mean {comparison.mean_diff:+.4f}"
        axes.axhline(comparison.mean_diff, color="black", linewidth=0.8, linestyle="--", label=mean)
        axes.set_xlim(-0.5, diffs.size - 0.5)
        record = wins_ties_losses(comparison.wins, comparison.ties, comparison.losses)
        axes.set_xlabel(f"{diffs.size} queries, sorted by difference (W/T/L {record})")
        axes.set_ylabel(f"{measure}: {method} − {reference}")
        axes.set_title(
            f"{differences.pair}: {method} − {reference}, {mean} "
            f"{interval(comparison.ci_low, comparison.ci_high)}, p = {p_value(comparison.p_value)}",
            fontsize=9,
        )
        axes.legend(fontsize=8, loc="upper right")
        return png_bytes(figure)
