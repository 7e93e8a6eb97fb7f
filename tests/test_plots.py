"""Plots a reader can trust: one colour per method in every plot, and captions that name what is left out."""

import io

import numpy as np
from PIL import Image

from harness.board import gap_plot, pair_plot
from harness.compare import ComparisonOptions, duel
from harness.compare.plot import differences_png
from harness.registry import builtin_names
from harness.render.plots import METHOD_COLOURS, method_colour
from test_leaderboard import board, synthetic


def colours(png: bytes) -> set[tuple[int, int, int]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return {colour for _, colour in image.getcolors(1 << 22)}


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def test_every_registered_method_has_its_own_colour():
    assert set(builtin_names()) <= set(METHOD_COLOURS)  # a plugin's method takes one by its name's hash
    assert len(set(METHOD_COLOURS.values())) == len(METHOD_COLOURS)
    assert method_colour("someone-elses") == method_colour("someone-elses")  # by name, not by position


def test_a_method_keeps_its_colour_from_plot_to_plot():
    entries = synthetic()
    full = board(entries, ["base", "strong", "same"])
    alone = board({k: e for k, e in entries.items() if k[1] in ("strong", "same")}, ["same", "strong"], baselines=("same",))
    strong, base = rgb(method_colour("strong")), rgb(method_colour("base"))
    first, second = pair_plot.pair_bars_png(full, "AP"), pair_plot.pair_bars_png(alone, "AP")
    assert strong in colours(first) and strong in colours(second)  # second place, then last: one colour
    assert base in colours(first) and base not in colours(second)
    assert strong in colours(gap_plot.gap_png(full, "AP"))
    result = duel(entries, "strong", "base", "AP", ["en-sw"], ComparisonOptions(baselines=("base",), resamples=200))
    compared = colours(differences_png(result.per_pair[0], "strong", "base", "AP"))
    assert strong in compared  # queries strong wins are in strong's colour


def test_the_captions_say_which_methods_and_cells_a_plot_leaves_out_and_why():
    result = board(synthetic())  # weak: scored on en-so only, skipped on en-yo
    lines = pair_plot.omissions(result, "AP")
    assert "No bar for weak on en-yo (skipped: no translator for en-yo)." in lines
    assert any(line.startswith("No bar for weak on en-sw, en-mr, en-fi") and "no AP score" in line for line in lines)
    [gap] = gap_plot.omissions(result, "AP")
    assert gap.startswith("Not shown: weak (no score on en-sw, en-yo, en-mr") and "a mean needs every pair" in gap
    assert pair_plot.marks_caption(result).startswith("Marks over the bars: significantly better/worse, ▲/▼ than base")


def test_marks_are_drawn_over_the_bars_of_significant_cells():
    # strong beats base on every pair: its bars carry a mark, so the plot has more dark text than without marks.
    result = board(synthetic(), ["base", "strong"])
    unmarked = board(synthetic(), ["base", "strong"], alpha=1e-12)
    dark = [int((np.asarray(Image.open(io.BytesIO(pair_plot.pair_bars_png(b, "AP"))).convert("L")) < 60).sum())
            for b in (result, unmarked)]
    assert dark[0] > dark[1]
