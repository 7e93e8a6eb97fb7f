"""``compare A B``: the per-query differences of one pair, sorted, as bars."""

from __future__ import annotations

import numpy as np

from harness.compare import PairDifferences
from harness.render.plots import legend_outside, method_colour, new_figure, plot_style, png_bytes
from harness.render.text import interval, p_value, wins_ties_losses
from harness.stats import TIE_TOLERANCE

TIE = "#7f7f7f"


def differences_png(differences: PairDifferences, method: str, reference: str, measure: str) -> bytes:
    diffs = differences.table["diff"].to_numpy(dtype=float)  # already sorted, largest first
    comparison = differences.comparison
    # A query A wins is in A's colour, one B wins in B's: the methods' colours in every plot.
    colours = np.where(diffs > TIE_TOLERANCE, method_colour(method),
                       np.where(diffs < -TIE_TOLERANCE, method_colour(reference), TIE))
    with plot_style():
        figure = new_figure(max(6.0, min(14.0, 0.06 * diffs.size + 4)), 3.6)
        axes = figure.add_subplot()
        axes.bar(np.arange(diffs.size), diffs, 1.0, color=colours)
        for colour, label in ((method_colour(method), f"{method} better"), (method_colour(reference), f"{reference} better")):
            axes.bar([0], [0], 0, color=colour, label=label)  # legend entries only
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
        legend_outside(figure, axes)
        return png_bytes(figure)
