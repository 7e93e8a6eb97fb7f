"""The seeds study's files: spread of MAP over training seeds, per-seed and pooled comparisons, a PNG."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

import numpy as np
import pandas as pd

from harness.render import text
from harness.render.plots import add_caption, method_colour, new_figure, plot_style, png_bytes
from harness.stats import CORRECTIONS

QUESTION = "Is an OPTICAL-vs-KD (or -CAL) difference larger than what another training seed gives?"


def spread_table(analysis) -> str:
    seeds = analysis.seeds

    columns = [*analysis.pairs, "mean"]
    by_key = {(s.method, s.pair): s for s in analysis.spreads}
    rows = []
    for method in dict.fromkeys(s.method for s in analysis.spreads):
        row = {"method": f"`{method}`"}
        for column in columns:
            s = by_key[(method, column)]
            row[column] = f"{text.score(s.mean)} ± {s.sd:.4f}"
        rows.append(row)
    table = pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)
    return table + (f"\n\nMAP mean ± sample standard deviation over the {len(seeds)} training seeds "
                    f"{', '.join(map(str, seeds))} (seed 13 trained the main board's students); \"mean\" is the mean "
                    "of the per-pair MAPs, its ± the spread of that mean over seeds.")


def comparison_table(analysis) -> str:
    options = analysis.options
    label = CORRECTIONS[options.correction].label
    rows = [{
        "comparison": f"`{c.method}` − `{c.reference}`", "seed": c.seed, "Δ mean MAP": text.difference(c.difference),
        "p": text.p_value(c.p), f"p ({label})": text.p_value(c.p_corrected),
        "": "*" if c.p_corrected < options.alpha else "",
    } for c in analysis.comparisons]
    legend = (f"Δ: mean over {', '.join(analysis.pairs)} of the per-pair MAP difference. Stratified permutation test (pairs as "
              "strata, each weighted equally; sign flips of per-query differences, "
              f"{options.resamples} resamples, seed {options.seed}); \"pooled\": each query's AP averaged over the seeds "
              f"before the test. One family per comparison (its seeds and the pooled test), {label} correction; "
              f"* marks corrected p < {options.alpha:g}.")
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True) + "\n\n" + legend


def markdown(analysis) -> str:
    verdicts = "\n".join(f"- **{k}**: {v}" for k, v in analysis.verdicts.items())
    return "\n\n".join([
        "# Study `seeds`", f"**Question.** {QUESTION}",
        "kd, cal and optical trained with three seeds (batch order and dropout; same pretrained initialisation), "
        "evaluated on NTREX. Rebuilt from `studies/seeds/seed-*/scores/ntrex.json` by "
        "`python -m harness study run seeds`.",
        "## MAP over seeds", spread_table(analysis),
        "## Comparisons per seed and pooled", comparison_table(analysis),
        "## Verdicts", verdicts,
        "![MAP per seed](seeds.png)",
    ]) + "\n"


def spreads_csv(analysis) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["method", "pair", "seed", "MAP"])
    seeds = analysis.seeds

    for s in analysis.spreads:
        for seed, value in zip(seeds, s.values):
            writer.writerow([s.method, s.pair, seed, repr(value)])
    return buffer.getvalue()


def seeds_png(analysis) -> bytes:
    seeds = analysis.seeds

    means = [s for s in analysis.spreads if s.pair == "mean"]
    with plot_style():
        figure = new_figure(5.5, 3.4)
        axes = figure.add_subplot()
        for i, s in enumerate(means):
            axes.plot(np.full(len(seeds), i) + np.linspace(-0.15, 0.15, len(seeds)), s.values, "o",
                      color=method_colour(s.method), label=s.method)
            axes.hlines(s.mean, i - 0.25, i + 0.25, color=method_colour(s.method))
        axes.set_xticks(range(len(means)), [s.method for s in means])
        axes.set_ylabel("mean MAP over the seven pairs")
        axes.set_title("ntrex: MAP of each training seed (line: mean over seeds)", fontsize=9)
        if analysis.left_out:
            add_caption(figure, [f"Not shown: {', '.join(analysis.left_out)} (no scores from every seed)."])
        return png_bytes(figure)


def files(analysis, records: dict) -> dict[str, str | bytes]:
    """The study's files from its analysis and its results as plain records (``run.as_records``)."""
    document = {"study": "seeds", "measure": "AP", "options": asdict(analysis.options), **records}
    return {"md": markdown(analysis), "csv": spreads_csv(analysis), "json": json.dumps(document, indent=1) + "\n",
            "png": seeds_png(analysis)}
