"""Symbols and number formats shared by every output format."""

from __future__ import annotations

import math
import re

from harness.data.pairs import PAIR_NAME

# Significance marks, one (better, worse) pair per baseline, in --baseline order.
BASELINE_MARKS = (("▲", "▼"), ("△", "▽"), ("▴", "▾"), ("▵", "▿"))
# All-pairs mode: not significantly different from the best of the column.
TIED_WITH_BEST = "≈"
NO_SCORE = "—"


def measure_title(measure: str) -> str:
    return "MAP (mean AP)" if measure == "AP" else measure


def slug(text: str) -> str:
    """A file-name-safe form of a measure or collection name: ``nDCG@10`` -> ``nDCG-10``."""
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")


ORACLE_LABEL = "oracle"  # appended to the row label of a ceiling method


def row_label(method: str, oracles) -> str:
    """A method's row label in markdown: its name in backticks, and "(oracle)" for a ceiling."""
    return f"`{method}` ({ORACLE_LABEL})" if method in oracles else f"`{method}`"


def column_kind(column: str) -> str:
    return "pair" if PAIR_NAME.fullmatch(column) else "mean"


def score(value: float) -> str:
    return f"{value:.4f}"


def difference(value: float) -> str:
    return NO_SCORE if math.isnan(value) else f"{value:+.4f}"


def interval(low: float, high: float) -> str:
    return NO_SCORE if math.isnan(low) or math.isnan(high) else f"[{low:+.4f}, {high:+.4f}]"


def p_value(p: float) -> str:
    """Three decimals, or two significant digits below 0.001; NaN (every query tied): no p-value."""
    if math.isnan(p):
        return NO_SCORE
    return f"{p:.1e}" if p < 0.001 else f"{p:.3f}"


def effect_size(dz: float) -> str:
    if math.isnan(dz):
        return NO_SCORE
    if math.isinf(dz):  # a constant non-zero difference: every query moved by the same amount
        return "+∞" if dz > 0 else "−∞"
    return f"{dz:+.2f}"


def wins_ties_losses(wins: int, ties: int, losses: int) -> str:
    return f"{wins}/{ties}/{losses}"


def code_list(names) -> str:
    return ", ".join(f"`{name}`" for name in names)


def count_phrase(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
