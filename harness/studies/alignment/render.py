"""The alignment study's own section: its McNemar table, from rows (``run.mcnemar_rows``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from harness.render import text
from harness.stats import CORRECTIONS


def mcnemar_markdown(rows: Sequence[Mapping], measure: str, correction: str, alpha: float) -> str:
    """The McNemar table and the sentence that states its test, family and correction."""
    if not rows:
        return ""
    label = CORRECTIONS[correction].label
    table = pd.DataFrame([
        {
            "pair": r["pair"], "method": f"`{r['method']}`", "vs": f"`{r['reference']}`",
            "Δ accuracy": text.difference(r["difference"]), "method only / vs only": f"{r['method_only']} / {r['reference_only']}",
            "p": text.p_value(r["p"]), f"p ({label})": text.p_value(r["p_corrected"]),
            "": "*" if r["p_corrected"] < alpha else "",
        }
        for r in rows
    ])
    legend = (
        f"Exact McNemar test (McNemar 1947; binomial on the discordant sentences) of {measure} per pair, paired over "
        f"queries; one family per baseline (every pair and method) and one per further couple (every pair), {label} "
        f"correction; * marks corrected p < {alpha:g}. "
        "\"method only / vs only\": queries only the method / only the reference gets right."
    )
    return table.to_markdown(index=False, disable_numparse=True) + "\n\n" + legend
