"""Boards as flat records (one dict per row), shared by the CSV and JSON outputs.

Numbers are rounded so that the files are stable: means, differences and
intervals to 6 decimals (the scores files keep 6), p-values to 6 significant
digits.  NaN (nothing to report) stays NaN here; each format writes it its way.
"""

from __future__ import annotations

import math
from dataclasses import asdict

from harness.compare import Comparison
from harness.board.board import CollectionBoard
from harness.render.text import column_kind
from harness.stats import CORRECTIONS

DECIMALS = 6
SIGNIFICANT_DIGITS = 6


def rounded(value: float) -> float:
    return value if not math.isfinite(value) else round(float(value), DECIMALS) + 0.0  # + 0.0: no "-0.0"


def significant(value: float) -> float:
    return value if not math.isfinite(value) else float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def score_records(board: CollectionBoard) -> list[dict]:
    """One row per (measure, method, column): the mean, its interval, and its marks as names."""
    options, results = board.options, board.comparisons
    rows = []
    for measure in board.measures:
        means, best = board.means(measure), board.best(measure)
        low, high = board.intervals(measure)
        for method in board.methods:
            for column in board.columns:
                value = float(means.loc[method, column])
                entry = board.entry(column, method) if column_kind(column) == "pair" else None
                row = {
                    "collection": board.name,
                    "measure": measure,
                    "method": method,
                    "column": column,
                    "kind": column_kind(column),
                    "mean": rounded(value),
                    "ci_low": rounded(float(low.loc[method, column])) if column in low.columns else math.nan,
                    "ci_high": rounded(float(high.loc[method, column])) if column in high.columns else math.nan,
                    "queries": len(entry.query_ids) if entry is not None and entry.status == "ok" else None,
                    # The same for every measure of a cell: how much of its top 10 is judged.
                    "judged_at_10": rounded(entry.judged_at_10)
                    if entry is not None and entry.status == "ok" and entry.judged_at_10 is not None else math.nan,
                    "status": "ok" if not math.isnan(value) else (entry.status if entry is not None else "missing"),
                    "reason": entry.reason if entry is not None else None,
                    "used": entry.used if entry is not None else None,
                    "best": bool(best.loc[method, column]),
                    "oracle": method in board.oracles,
                }
                if options.baseline_mode:
                    directions = {
                        baseline: c.direction(options.alpha)
                        for baseline in options.baselines
                        if (c := results.get(measure, column, method, baseline)) is not None
                    }
                    row["better_than"] = ";".join(b for b, d in directions.items() if d > 0)
                    row["worse_than"] = ";".join(b for b, d in directions.items() if d < 0)
                else:
                    group = results.tie_group(measure, column)
                    row["top_group"] = group is not None and method in group.members
                rows.append(row)
    return rows


def comparison_record(board: CollectionBoard, comparison: Comparison) -> dict:
    options = board.options
    record = {"collection": board.name} | asdict(comparison)
    record["pairs"] = ";".join(comparison.pairs)
    for key in ("mean_method", "mean_reference", "mean_diff", "ci_low", "ci_high", "effect_size_dz"):
        record[key] = rounded(record[key])
    for key in ("p_value", "p_corrected"):
        record[key] = significant(record[key])
    record |= {
        "confidence": options.confidence,
        "resamples": options.resamples,
        "seed": options.seed,
        "correction": CORRECTIONS[options.correction].name,
        "alpha": options.alpha,
        "significant": comparison.significant(options.alpha),
    }
    return record


def comparison_records(board: CollectionBoard) -> list[dict]:
    return [comparison_record(board, c) for c in board.comparisons.comparisons]
