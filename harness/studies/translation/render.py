"""The translation study's outputs: a markdown table with tests, CSV, JSON and a scatter plot."""

from __future__ import annotations

import json
import math
from dataclasses import asdict

import numpy as np
import pandas as pd

from harness.data.pairs import PAIRS
from harness.render import text
from harness.board.json_document import plain
from harness.render.plots import add_caption, legend_outside, new_figure, plot_style, png_bytes, series_colour
from harness.stats import CORRECTIONS, TESTS


# ../shared/data/README.md: the only Yoruba output whose copy could be verified; say so beside any Yoruba result.
WEAK_YORUBA = (
    "The Yoruba system is weak: OPUS-MT's bilingual `eng-yor/opus+bt-2021-04-10` model scores chrF 0.154 and "
    "BLEU 2.9 on the whole of NTREX (the OPUS-MT leaderboard's figures, re-scored from the pinned file), so its "
    "row measures BM25 over a poor translation, not what good Yoruba MT would give."
)


def _f(value: float, digits: int = 1) -> str:
    return "" if not math.isfinite(value) else f"{value:.{digits}f}"


def table(analysis) -> pd.DataFrame:
    correction = CORRECTIONS[analysis.options.correction].label
    return pd.DataFrame([
        {
            "pair": row.pair,
            "system": "human translation (ceiling)" if row.system == analysis.human else f"`{row.system}`",
            "model": row.model or "",
            "chrF": _f(row.chrf),
            "BLEU": _f(row.bleu),
            "MAP": text.score(row.means["AP"]),
            "nDCG@10": text.score(row.means["nDCG@10"]),
            "Δ MAP vs human": text.difference(row.diff_ap) if math.isfinite(row.diff_ap) else "",
            f"p ({correction})": text.p_value(row.p_corrected) if math.isfinite(row.p_corrected) else "",
        }
        for row in analysis.rows
    ])


def markdown(analysis, plot: str | None) -> str:
    options = analysis.options
    test, correction = TESTS[options.test].label, CORRECTIONS[options.correction].label
    tested = sum(1 for row in analysis.rows if math.isfinite(row.p_corrected))
    parts = [
        "# Study `translation`: MT quality against retrieval quality",
        "Rebuilt from `studies/translation/scores.json` by `python -m harness study run translation`. Collection "
        "`ntrex` (123 English headlines per pair; judgements derived from document identity). BM25 (k1 0.9, b 0.4) "
        "over each MT system's translation of the queries, and over NTREX's human translation as the ceiling. chrF "
        "and BLEU: sacrebleu corpus scores of the 123 translated queries against the human translations.",
        table(analysis).to_markdown(index=False, disable_numparse=True),
        f"Δ MAP vs human: the system's MAP minus the human ceiling's on the same pair. p: {test} over queries of AP "
        f"against the ceiling, {correction} correction over one family of {tested} comparisons (every MT system × "
        f"pair); α = {options.alpha}.",
    ]
    if any("/eng-yor/" in (row.model or "") for row in analysis.rows):
        parts.append(WEAK_YORUBA)
    for label, (rho, p, n) in analysis.spearman.items():
        parts.append(f"Spearman correlation of {label} with MAP over the {n} (MT system, pair) points: "
                     f"ρ = {rho:+.3f}, p = {text.p_value(p)} (scipy.stats.spearmanr; human ceilings excluded; "
                     "not corrected for multiple testing).")
    if analysis.skipped:
        parts.append("Not run here:\n\n" + "\n".join(f"- `{r.system}` on {r.pair}: {r.reason}" for r in analysis.skipped))
    if plot:
        parts.append(f"![chrF against MAP, one point per MT system and pair]({plot})")
    return "\n\n".join(parts) + "\n"


def csv(analysis) -> str:
    rows = [asdict(row) | {"MAP": row.means["AP"], "nDCG@10": row.means["nDCG@10"]} for row in analysis.rows]
    for row in rows:
        row.pop("means")
    return pd.DataFrame(rows).to_csv(index=False, lineterminator="\n")


def json_document(analysis) -> str:

    payload = {
        "options": asdict(analysis.options),
        "rows": [asdict(row) for row in analysis.rows],
        "spearman": {k: {"rho": r, "p": p, "points": n} for k, (r, p, n) in analysis.spearman.items()},
        "skipped": [{"pair": r.pair, "system": r.system, "reason": r.reason} for r in analysis.skipped],
    }
    return json.dumps(plain(payload), indent=2, ensure_ascii=False) + "\n"


def scatter_png(analysis) -> bytes | None:
    """chrF on x, MAP on y, one point per MT system and pair, coloured by pair; None without MT points."""
    mt = [row for row in analysis.rows if row.system != analysis.human]
    if not mt:
        return None
    with plot_style():
        figure = new_figure(7.0, 4.6)
        axes = figure.add_subplot()
        for i, pair in enumerate(PAIRS):
            points = [row for row in mt if row.pair == pair]
            if not points:
                continue
            axes.scatter([r.chrf for r in points], [r.means["AP"] for r in points], color=series_colour(i), label=pair, s=28)
            for r in points:
                axes.annotate(r.system.split(":", 1)[1], (r.chrf, r.means["AP"]), fontsize=6, xytext=(3, 2), textcoords="offset points")
            ceiling = next((row for row in analysis.rows if row.pair == pair and row.system == analysis.human), None)
            if ceiling is not None:  # the human ceiling of the pair, as a dashed line across its points
                xs = [r.chrf for r in points]
                axes.hlines(ceiling.means["AP"], min(xs) - 1, max(xs) + 1, colors=series_colour(i), linestyles="dashed", linewidth=0.8)
        axes.set_xlabel("chrF of the translated queries against the human translations")
        axes.set_ylabel("MAP of BM25 over them")
        rho = analysis.spearman.get("chrF")
        title = "MT quality against retrieval (dashed: BM25 over the human translation)"
        if rho:
            title += f"\nSpearman ρ = {rho[0]:+.2f} (p = {text.p_value(rho[1])}, {rho[2]} points)"
        axes.set_title(title, fontsize=9)
        legend_outside(figure, axes)
        unplotted = sorted({r.pair for r in analysis.skipped} - {r.pair for r in mt})
        add_caption(figure, [f"Not shown: {pair} (no MT system could run here; see the table)." for pair in unplotted])
        axes.set_ylim(0, max(1e-6, float(np.nanmax([r.means["AP"] for r in analysis.rows]))) * 1.1)
        return png_bytes(figure)
