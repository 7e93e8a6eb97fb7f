"""The domain study's files: method x bitext domain x collection, with tests against "all"; CSV, JSON, PNG."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict

import numpy as np
import pandas as pd

from harness.render import text
from harness.render.plots import add_caption, method_colour, new_figure, plot_style, png_bytes
from harness.stats import CORRECTIONS

QUESTION = "Does the domain of the training bitext (medical, Wikipedia-style, everyday) matter?"


def table(analysis, collection: str) -> str:
    options = analysis.options
    rows = []
    for c in (c for c in analysis.cells if c.collection == collection):
        significant = not math.isnan(c.p_corrected) and c.p_corrected < options.alpha
        rows.append({
            "method": f"`{c.method}`", "bitext": c.bitext, "mean MAP": text.score(c.mean),
            "Δ vs all": text.difference(c.difference) + ("*" if significant else "") if c.bitext != "all" else "",
            f"{round(options.confidence * 100)}% CI": text.interval(c.low, c.high) if c.bitext != "all" else "",
            "p": text.p_value(c.p) if c.bitext != "all" else "",
            f"p ({CORRECTIONS[options.correction].label})": text.p_value(c.p_corrected) if c.bitext != "all" else "",
        })
    pairs = next((c.pairs for c in analysis.cells if c.collection == collection), [])
    legend = (f"Mean of the per-pair MAPs over {', '.join(pairs)}. Δ: domain student minus the \"all\" student on the "
              f"same pairs; stratified bootstrap interval (queries resampled within pairs, {options.resamples} "
              f"resamples, seed {options.seed}); stratified permutation test (pairs as strata, weighted equally); one "
              f"family per collection (every method and domain), {CORRECTIONS[options.correction].label} correction; "
              f"* marks corrected p < {options.alpha:g}.")
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True) + "\n\n" + legend


def markdown(analysis) -> str:
    parts = [
        "# Study `domain`", f"**Question.** {QUESTION}",
        f"Each domain student trains on {analysis.size} bitext pairs (the smallest domain, Tatoeba's; a sample at the "
        "training seed of the larger ones) for the main run's steps; \"all\" is the main board's student (every "
        "source, 27,720 pairs). TICO-19 covers sw so mr fr, FLORES/SIB-200 all seven, Tatoeba sw mr fi de fr: a "
        "domain's language coverage is part of it. Rebuilt from `studies/domain/<bitext>/scores/` by "
        "`python -m harness study run domain`.",
    ]
    for collection in dict.fromkeys(c.collection for c in analysis.cells):
        parts += [f"## `{collection}`", table(analysis, collection)]
    parts.append("![mean MAP per bitext domain](domain.png)")
    return "\n\n".join(parts) + "\n"


def cells_csv(analysis) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["collection", "method", "bitext", "pair", "MAP"])
    for c in analysis.cells:
        for pair, value in c.per_pair.items():
            writer.writerow([c.collection, c.method, c.bitext, pair, repr(value)])
    return buffer.getvalue()


def domain_png(analysis) -> bytes:
    collections = list(dict.fromkeys(c.collection for c in analysis.cells))
    with plot_style():
        figure = new_figure(4.2 * len(collections), 3.4)
        for k, collection in enumerate(collections):
            axes = figure.add_subplot(1, len(collections), k + 1)
            cells = [c for c in analysis.cells if c.collection == collection]
            bitexts = list(dict.fromkeys(c.bitext for c in cells))
            methods = list(dict.fromkeys(c.method for c in cells))
            width = 0.8 / len(methods)
            for i, method in enumerate(methods):
                values = [next((c.mean for c in cells if c.method == method and c.bitext == b), np.nan) for b in bitexts]
                axes.bar(np.arange(len(bitexts)) - 0.4 + width * (i + 0.5), values, width, color=method_colour(method),
                         label=method)
            axes.set_xticks(range(len(bitexts)), bitexts, fontsize=8)
            axes.set_title(f"{collection}: mean MAP by training bitext", fontsize=9)
        handles = {label: handle for axes in figure.axes for handle, label in zip(*axes.get_legend_handles_labels())}
        figure.legend(list(handles.values()), list(handles), loc="outside right upper", fontsize=7, frameon=False)
        missing = [f"{c.method} on {c.bitext} ({c.collection})" for c in analysis.cells if np.isnan(c.mean)]
        add_caption(figure, [f"No bar: {', '.join(missing)} (no mean)."] if missing else [])
        return png_bytes(figure)


def files(analysis, records: list[dict]) -> dict[str, str | bytes]:
    """The study's files from its analysis and its cells as plain records (``run.as_records``)."""
    document = {"study": "domain", "measure": "AP", "pairs_per_domain": analysis.size,
                "options": asdict(analysis.options), "cells": records}
    return {"md": markdown(analysis), "csv": cells_csv(analysis), "json": json.dumps(document, indent=1) + "\n",
            "png": domain_png(analysis)}
