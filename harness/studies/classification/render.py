"""The classification study's files: accuracy and macro-F1 per method and language, McNemar tests, CSV, JSON, PNG."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

import numpy as np
import pandas as pd

from harness.render import text
from harness.render.plots import add_caption, legend_outside, method_colour, new_figure, plot_style, png_bytes
from harness.stats import CORRECTIONS

QUESTION = "Does distillation help zero-shot cross-lingual topic classification (SIB-200)?"


def _cell(value: tuple[float, float, float]) -> str:
    return f"{value[0] * 100:.1f} [{value[1] * 100:.1f}, {value[2] * 100:.1f}]"


def score_table(analysis, measure: str) -> str:
    rows = []
    for method in analysis["methods"]:
        row = {"method": f"`{method}`"}
        for lang in analysis["langs"]:
            found = analysis["scores"].get((method, lang))
            row[lang + (" (in-language)" if lang == "en" else "")] = _cell(found[measure]) if found else text.NO_SCORE
        rows.append(row)
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def test_table(analysis, options) -> str:
    label = CORRECTIONS[options.correction].label
    rows = [{
        "couple": f"`{t['method']}` vs `{t['reference']}`", "lang": t["lang"],
        "Δ accuracy": text.difference(t["difference"]), "method only / vs only": f"{t['method_only']} / {t['reference_only']}",
        "p": text.p_value(t["p"]), f"p ({label})": text.p_value(t["p_corrected"]),
        "": "*" if t["p_corrected"] < options.alpha else "",
    } for t in analysis["tests"]]
    legend = (f"Exact McNemar test over the 204 test sentences (McNemar 1947); one family per couple (its "
              f"languages), {label} correction; * marks corrected p < {options.alpha:g}. \"method only / vs only\": "
              "sentences only the first / only the second classifies correctly.")
    return (pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True) + "\n\n" + legend) if rows else ""


def markdown(analysis, document, options) -> str:
    interval = (f"In %, with {round(options.confidence * 100)}% percentile bootstrap intervals over test sentences "
                f"({min(options.resamples, 2000)} resamples, seed {options.seed}).")
    return "\n\n".join(p for p in [
        "# Study `classification`", f"**Question.** {QUESTION}",
        "SIB-200 topic classification (7 topics): a logistic regression fit on the 701 English training sentences "
        "embedded by the method's query-side encoder, tested on the 204 test sentences of each language embedded by "
        "its document-side encoder (passage recipe on both sides). The distilled students were trained with every "
        f"SIB-200 test sentence held out (`held_out={document['held_out']}`); mdpr is not trained. `en`: the English "
        "test sentences through the query-side encoder, the in-language reference. Rebuilt from "
        "`studies/classification/main/predictions.json` by `python -m harness study run classification`.",
        "## Accuracy", score_table(analysis, "accuracy"), interval,
        "## Macro-F1", score_table(analysis, "macro_f1"), interval,
        "## McNemar tests on accuracy", test_table(analysis, options),
        "![accuracy per language](classification.png)",
    ] if p) + "\n"


def scores_csv(analysis) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["method", "lang", "accuracy", "accuracy_low", "accuracy_high", "macro_f1", "macro_f1_low", "macro_f1_high", "n"])
    for (method, lang), s in analysis["scores"].items():
        writer.writerow([method, lang, *map(repr, s["accuracy"]), *map(repr, s["macro_f1"]), s["n"]])
    return buffer.getvalue()


def accuracy_png(analysis) -> bytes:
    langs, methods = analysis["langs"], analysis["methods"]
    width = 0.8 / len(methods)
    with plot_style():
        figure = new_figure(max(6.0, 0.9 * len(langs)), 3.4)
        axes = figure.add_subplot()
        for i, method in enumerate(methods):
            values = np.array([analysis["scores"][(method, lang)]["accuracy"] if (method, lang) in analysis["scores"]
                               else (np.nan,) * 3 for lang in langs])
            axes.bar(np.arange(len(langs)) - 0.4 + width * (i + 0.5), values[:, 0], width, color=method_colour(method),
                     label=method, yerr=np.clip(np.nan_to_num(np.vstack([values[:, 0] - values[:, 1], values[:, 2] - values[:, 0]])), 0, None),
                     capsize=2)
        axes.set_xticks(range(len(langs)), langs)
        axes.set_ylim(0, 1)
        axes.set_ylabel("accuracy")
        axes.set_title("SIB-200: zero-shot accuracy per language (en: in-language)", fontsize=9)
        legend_outside(figure, axes)
        missing = [f"{m} on {lang}" for m in methods for lang in langs if (m, lang) not in analysis["scores"]]
        add_caption(figure, [f"No bar: {', '.join(missing)} (no score)."] if missing else [])
        return png_bytes(figure)


def files(analysis, document, options) -> dict[str, str | bytes]:
    payload = {
        "study": "classification", "options": asdict(options), "held_out": document["held_out"],
        "scores": [{"method": m, "lang": lang, **s} for (m, lang), s in analysis["scores"].items()],
        "tests": analysis["tests"],
    }
    return {"md": markdown(analysis, document, options), "csv": scores_csv(analysis),
            "json": json.dumps(payload, indent=1) + "\n", "png": accuracy_png(analysis)}
