"""Render the leaderboard (markdown) from saved per-query scores.  No retrieval here.

Per measure, one table: methods as rows, the seven pairs as columns, then the
low-resource, high-resource and overall means of the per-pair means.  Each
method is compared with the baseline per pair, paired over queries; the
p-values of one table form one family for the multiple-testing correction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.data.pairs import HIGH_RESOURCE, LOW_RESOURCE, PAIRS
from harness.scores import ScoreEntry
from harness.stats import CORRECTIONS, TESTS, compare_paired, correct_pvalues

BETTER, WORSE = "▲", "▼"
GROUPS = {"low-resource mean": LOW_RESOURCE, "high-resource mean": HIGH_RESOURCE, "mean": tuple(PAIRS)}


@dataclass(frozen=True)
class SignificanceOptions:
    baseline: str = "bm25-nmt"
    test: str = "t-test"
    correction: str = "holm"
    alpha: float = 0.05


class Footnotes:
    """Markdown footnotes, numbered in order of first use and shared between tables."""

    def __init__(self):
        self.labels: dict[str, int] = {}

    def ref(self, text: str) -> str:
        number = self.labels.setdefault(text, len(self.labels) + 1)
        return f"[^{number}]"

    def render(self) -> str:
        return "\n".join(f"[^{n}]: {text}" for text, n in self.labels.items())


def significance_marks(
    entries: dict[tuple[str, str], ScoreEntry], methods: Sequence[str], pairs: Sequence[str], measure: str,
    options: SignificanceOptions,
) -> tuple[dict[tuple[str, str], str], int]:
    """Mark per (pair, method): better/worse than the baseline after correction; and the family size."""
    cells, p_values, directions = [], [], []
    for pair in pairs:
        base = entries.get((pair, options.baseline))
        if base is None or base.status != "ok":
            continue
        for method in methods:
            other = entries.get((pair, method))
            if method == options.baseline or other is None or other.status != "ok":
                continue
            if other.query_ids != base.query_ids:
                continue  # not paired over the same queries: no test
            result = compare_paired(base.values(measure), other.values(measure), test=options.test)
            cells.append((pair, method))
            p_values.append(result.p_value)
            directions.append(result.mean_diff)
    if not cells:
        return {}, 0
    corrected = correct_pvalues(p_values, method=options.correction)
    marks = {}
    for cell, p, diff in zip(cells, corrected, directions):
        if np.isfinite(p) and p < options.alpha and diff != 0:
            marks[cell] = BETTER if diff > 0 else WORSE
    return marks, len(cells)


def measure_table(
    entries: dict[tuple[str, str], ScoreEntry], methods: Sequence[str], measure: str,
    options: SignificanceOptions, notes: Footnotes,
) -> tuple[pd.DataFrame, int]:
    pairs = list(PAIRS)
    marks, family = significance_marks(entries, methods, pairs, measure, options)
    means = pd.DataFrame(np.nan, index=list(methods), columns=pairs)
    for (pair, method), entry in entries.items():
        if method in means.index and pair in means.columns and entry.status == "ok" and measure in entry.scores:
            means.loc[method, pair] = entry.mean(measure)
    for group, members in GROUPS.items():
        means[group] = means[list(members)].mean(axis=1, skipna=False)  # only when every pair has a score
    best = means.max(axis=0)

    rows = []
    for method in methods:
        row = {"method": f"`{method}`"}
        for column in means.columns:
            value = means.loc[method, column]
            entry = entries.get((column, method))
            if np.isnan(value):
                if entry is not None and entry.status == "skipped":
                    row[column] = "skipped" + notes.ref(f"`{method}` on {column} skipped: {entry.reason}")
                else:
                    row[column] = "—"
                continue
            text = f"{value:.4f}"
            if np.isclose(value, best[column], rtol=0, atol=5e-5):
                text = f"**{text}**"
            text += marks.get((column, method), "")
            if entry is not None and entry.used:
                text += notes.ref(f"`{method}` on {column}: {entry.used}")
            if entry is not None and entry.empty_queries:
                text += notes.ref(f"`{method}` on {column}: {entry.empty_queries} of {len(entry.query_ids)} queries retrieved nothing (scored 0)")
            row[column] = text
        rows.append(row)
    return pd.DataFrame(rows), family


def render(
    collection_title: str, entries: dict[tuple[str, str], ScoreEntry], methods: Sequence[str],
    measures: Sequence[str], options: SignificanceOptions, source: str,
) -> str:
    notes = Footnotes()
    test, correction = TESTS[options.test], CORRECTIONS[options.correction]
    parts = [f"## {collection_title}", f"Rebuilt from `{source}` by `python -m harness leaderboard`."]
    for measure in measures:
        table, family = measure_table(entries, methods, measure, options, notes)
        title = "MAP (mean AP)" if measure == "AP" else measure
        if family:
            legend = (
                f"{BETTER}/{WORSE}: significantly better/worse than `{options.baseline}` at α = {options.alpha} "
                f"({test.label} over queries, {correction.label} correction over a family of {family} comparisons: "
                f"every method × pair in this table). Bold: best in the column. —: no score (a mean needs every pair of its group)."
            )
        else:
            legend = (
                f"No significance marks: no method other than the baseline `{options.baseline}` has scores on a pair "
                "where the baseline has them. Bold: best in the column. —: no score (a mean needs every pair of its group)."
            )
        parts += [f"### {title}", table.to_markdown(index=False), legend]
    parts.append(notes.render())
    return "\n\n".join(p for p in parts if p) + "\n"


def main_table(entries: dict[tuple[str, str], ScoreEntry], methods: Sequence[str], options: SignificanceOptions) -> str:
    """The MAP table alone, for the console (footnotes inline)."""
    notes = Footnotes()
    table, _ = measure_table(entries, methods, "AP", options, notes)
    return table.to_markdown(index=False) + "\n\n" + notes.render()
