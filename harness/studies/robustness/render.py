"""The robustness study's files: markdown tables, CSV of every cell, JSON of everything, a PNG of the gaps."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict

import numpy as np
import pandas as pd

from harness.data.collections import COLLECTIONS
from harness.render import text
from harness.render.plots import add_caption, legend_outside, method_colour, new_figure, plot_style, png_bytes
from harness.stats import CORRECTIONS, TESTS

QUESTION = ("Do perturbed English queries cost low-resource pairs more than high-resource ones, and does OPTICAL "
            "close that robustness gap?")


def _mark(p: float, alpha: float) -> str:
    return "*" if not math.isnan(p) and p < alpha else ""


def _test_sentence(analysis, what: str, family: str) -> str:
    options = analysis.options
    return (f"{what}: {TESTS[options.test].label} over queries (paired), {round(options.confidence * 100)}% paired "
            f"bootstrap intervals ({options.resamples} resamples, seed {options.seed}); one family per {family}, "
            f"{CORRECTIONS[options.correction].label} correction; * marks corrected p < {options.alpha:g}.")


def _perturbation_table() -> str:
    from harness.studies.robustness.perturb import PERTURBATIONS, perturbation_record

    rows = [{"perturbation": name, "what (rate)": p.description, "library": perturbation_record(name).get("library", "")}
            for name, p in PERTURBATIONS.items()]
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def _clean_table(cells, collection: str) -> str:
    pairs = COLLECTIONS[collection].pairs
    clean = {(c.method, c.pair): c.clean for c in cells if c.collection == collection}
    methods = list(dict.fromkeys(c.method for c in cells if c.collection == collection))
    rows = [{"method": f"`{m}`"} | {p: text.score(clean[(m, p)]) if (m, p) in clean else text.NO_SCORE for p in pairs}
            for m in methods]
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def _drop_table(cells, collection: str, alpha: float) -> str:
    pairs = COLLECTIONS[collection].pairs
    chosen = [c for c in cells if c.collection == collection]
    by_key = {(c.perturbation, c.method, c.pair): c for c in chosen}
    keys = list(dict.fromkeys((c.perturbation, c.method) for c in chosen))
    rows = []
    for perturbation, method in keys:
        row = {"perturbation": perturbation, "method": f"`{method}`"}
        for pair in pairs:
            c = by_key.get((perturbation, method, pair))
            row[pair] = (f"{text.difference(c.drop)} ({c.relative * 100:+.0f}%){_mark(c.p_corrected, alpha)}"
                         if c else text.NO_SCORE)
        rows.append(row)
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def _gap_table(gaps, alpha: float, confidence: float, correction: str) -> str:
    rows = [{
        "perturbation": g.perturbation, "method": f"`{g.method}`", "low-resource drop": text.difference(g.low_drop),
        "high-resource drop": text.difference(g.high_drop), "gap": text.difference(g.gap) + _mark(g.p_corrected, alpha),
        f"{round(confidence * 100)}% CI": text.interval(g.low, g.high), "p": text.p_value(g.p),
        f"p ({CORRECTIONS[correction].label})": text.p_value(g.p_corrected),
    } for g in gaps]
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True) if rows else ""


def _comparison_table(comparisons, collection: str, alpha: float) -> str:
    chosen = [c for c in comparisons if c.collection == collection]
    if not chosen:
        return ""
    columns = [*COLLECTIONS[collection].pairs, "all pairs"]
    by_key = {(c.perturbation, c.method, c.reference, c.pair): c for c in chosen}
    rows = []
    for perturbation, method, reference in dict.fromkeys((c.perturbation, c.method, c.reference) for c in chosen):
        row = {"perturbation": perturbation, "drop of": f"`{method}` − `{reference}`"}
        for column in columns:
            c = by_key.get((perturbation, method, reference, column))
            row[column] = text.difference(c.difference) + _mark(c.p_corrected, alpha) if c else text.NO_SCORE
        rows.append(row)
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def markdown(analysis) -> str:
    options = analysis.options
    parts = [
        "# Study `robustness`", f"**Question.** {QUESTION}",
        "Queries are perturbed at seed 0, keyed on the query text (one headline is perturbed the same way in every "
        "pair); documents, students and embeddings are the clean runs'. Measure: AP (MAP). Drop = clean − perturbed "
        "(positive: the perturbation hurts); the relative drop is drop / clean MAP. Rebuilt from "
        "`studies/robustness/<variant>/scores/` by `python -m harness study run robustness`.",
        "## Perturbations", _perturbation_table(),
    ]
    for collection in ("ntrex", "multi30k"):
        if not any(c.collection == collection for c in analysis.cells):
            continue
        parts += [f"## `{collection}`", "### Clean MAP", _clean_table(analysis.cells, collection),
                  "### Drop in MAP (relative drop)", _drop_table(analysis.cells, collection, options.alpha),
                  _test_sentence(analysis, "Clean vs perturbed", "collection and perturbation (every method and pair)")]
        if collection == "ntrex" and analysis.gaps:
            parts += ["### Robustness gap: low-resource drop − high-resource drop",
                      _gap_table(analysis.gaps, options.alpha, options.confidence, options.correction),
                      _test_sentence(analysis, f"Per query, the mean drop over {', '.join(analysis.gaps[0].low_pairs)} "
                                     f"minus the mean over {', '.join(analysis.gaps[0].high_pairs)} (the same 123 "
                                     "headlines are the queries of every pair), tested against 0",
                                     "perturbation (every method)") + " A positive gap: low-resource pairs lose more.",
                      "![Robustness gap per method and perturbation](robustness.png)"]
        table = _comparison_table(analysis.comparisons, collection, options.alpha)
        if table:
            parts += ["### Drop against drop: OPTICAL, KD, mDPR", table,
                      _test_sentence(analysis, "Per pair, the per-query drops of two methods",
                                     "collection, perturbation and compared couple (its pairs and all pairs)")
                      + " \"all pairs\": mean over pairs of the per-pair differences, stratified permutation test "
                      "(pairs as strata, each weighted equally), in the same family. Negative: the first method loses less."]
    if analysis.skipped:
        grouped: dict[tuple[str, str, str], list[str]] = {}
        for (c, m, p), reason in analysis.skipped.items():
            grouped.setdefault((c, m, reason), []).append(p)
        lines = [f"- `{m}` on `{c}` ({', '.join(ps)}): {reason}" for (c, m, reason), ps in grouped.items()]
        parts += ["## Skipped", "\n".join(lines)]
    return "\n\n".join(p for p in parts if p) + "\n"


def cells_csv(analysis) -> str:
    buffer = io.StringIO()
    rows = [asdict(c) for c in analysis.cells]
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()


def json_document(analysis) -> str:
    from harness.studies.robustness.perturb import PERTURBATIONS, perturbation_record

    def clean(value):
        return None if isinstance(value, float) and math.isnan(value) else value

    def rows(items):
        return [{k: clean(v) for k, v in asdict(i).items()} for i in items]

    return json.dumps({
        "study": "robustness", "measure": "AP", "options": asdict(analysis.options),
        "perturbations": [perturbation_record(n) for n in PERTURBATIONS],
        "cells": rows(analysis.cells), "gaps": rows(analysis.gaps), "drop_comparisons": rows(analysis.comparisons),
        "skipped": [{"collection": c, "method": m, "perturbation": p, "reason": r} for (c, m, p), r in analysis.skipped.items()],
    }, indent=1) + "\n"


def gap_png(analysis) -> bytes | None:
    gaps = analysis.gaps
    if not gaps:
        return None
    perturbations = list(dict.fromkeys(g.perturbation for g in gaps))
    methods = list(dict.fromkeys(g.method for g in gaps))
    by_key = {(g.perturbation, g.method): g for g in gaps}
    positions = np.arange(len(perturbations))
    width = 0.8 / len(methods)
    with plot_style():
        figure = new_figure(max(6.0, 1.1 * len(perturbations)), 3.6)
        axes = figure.add_subplot()
        for i, method in enumerate(methods):
            values = np.array([by_key[(p, method)].gap if (p, method) in by_key else np.nan for p in perturbations])
            low = np.array([by_key[(p, method)].low if (p, method) in by_key else np.nan for p in perturbations])
            high = np.array([by_key[(p, method)].high if (p, method) in by_key else np.nan for p in perturbations])
            axes.bar(positions - 0.4 + width * (i + 0.5), values, width, color=method_colour(method), label=method,
                     yerr=np.clip(np.nan_to_num(np.vstack([values - low, high - values])), 0, None), capsize=2)
        axes.axhline(0, color="grey", linewidth=0.8)
        axes.set_xticks(positions, perturbations, fontsize=8)
        axes.set_ylabel("gap in MAP drop (low − high)")
        axes.set_title(f"ntrex: robustness gap per perturbation, {round(analysis.options.confidence * 100)}% intervals",
                       fontsize=9)
        legend_outside(figure, axes)
        left_out = sorted({m for (_, m, _) in analysis.skipped} - set(methods))
        add_caption(figure, [f"Not shown: {', '.join(left_out)} (skipped on the perturbed queries; see the table)."]
                    if left_out else [])
        return png_bytes(figure)


def files(analysis) -> dict[str, str | bytes]:
    written: dict[str, str | bytes] = {"md": markdown(analysis), "csv": cells_csv(analysis), "json": json_document(analysis)}
    png = gap_png(analysis)
    if png is not None:
        written["png"] = png
    return written
