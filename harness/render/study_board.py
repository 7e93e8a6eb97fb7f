"""A study whose result is a board (alignment, xquad): its markdown, CSV, JSON and PNG.

The board's tables, marks, legends and details are the leaderboard's own (``markdown.collection_section``),
so family, test and correction are stated under every table exactly as on the leaderboard.  A McNemar
table (``mcnemar_rows``) can follow for a binary measure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pandas as pd

from harness.leaderboard import CollectionBoard
from harness.render import text
from harness.render.csv_tables import scores_csv
from harness.render.json_document import leaderboard_json
from harness.render.markdown import collection_section
from harness.render.pair_plot import pair_bars_png
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


def study_files(
    name: str, question: str, preamble: str, board: CollectionBoard, png_measure: str,
    extra_sections: Mapping[str, str] = {}, extra_json: Mapping[str, object] = {},
) -> dict[str, str | bytes]:
    """suffix -> content of ``studies/<name>.{md,csv,json,png}``."""
    command = f"python -m harness study run {name}"
    png = pair_bars_png(board, png_measure)
    parts = [f"# Study `{name}`", f"**Question.** {question}", preamble,
             collection_section(board, {"png"} if png else set(), [f"{name}.csv", f"{name}.json"], command)]
    if png is not None:
        parts.append(f"![{png_measure} per pair]({name}.png)")
    for heading, body in extra_sections.items():
        if body:
            parts += [f"## {heading}", body]
    files: dict[str, str | bytes] = {
        "md": "\n\n".join(p for p in parts if p) + "\n",
        "csv": scores_csv([board]),
        "json": json.dumps({"study": name, "board": json.loads(leaderboard_json([board], board.options)), **extra_json},
                           indent=2, sort_keys=False) + "\n",
    }
    if png is not None:
        files["png"] = png
    return files
