"""``results/claims.md`` and ``claims.json``: the verdict on each claim, the numbers behind it, the setting."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict

import pandas as pd

from harness.claims import SETTING_DIFFERENCES, ClaimResult
from harness.compare import ComparisonOptions
from harness.render import text
from harness.board.json_document import plain
from harness.stats import CORRECTIONS, TESTS


def _number(value: float, digits: int = 4) -> str:
    return "" if not math.isfinite(value) else f"{value:+.{digits}f}"


def source_paragraph(claim) -> str:
    """The source and its own sentence, quoted verbatim, or why no sentence is quoted."""
    if claim.quote:
        return f"Source: {claim.source}, which says: “{claim.quote}” {claim.unquoted}".rstrip()
    return f"Source: {claim.source}. {claim.unquoted}"


def _needed(f) -> str:
    if f.queries_needed is None:
        return "none would do" if math.isfinite(f.p_corrected) else ""
    unit = " per pair" if len(f.pairs) > 1 else ""
    return f"{f.queries_needed}; {f.queries_needed_corrected}{unit}"


def findings_table(result: ClaimResult) -> str:
    rows = [
        {
            "what": f.scope,
            "verdict": f.verdict,
            "estimate": _number(f.estimate),
            "95% CI": text.interval(f.ci_low, f.ci_high) if math.isfinite(f.ci_low) else "",
            "p": text.p_value(f.p_value) if math.isfinite(f.p_value) else "",
            "p corrected": text.p_value(f.p_corrected) if math.isfinite(f.p_corrected) else "",
            "queries for 80% power (α; α/m)": _needed(f),
            "numbers": f.note,
        }
        for f in result.findings
    ]
    return pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True)


def claims_markdown(results: Sequence[ClaimResult], options: ComparisonOptions, source: str, used: Mapping[str, str]) -> str:
    correction = CORRECTIONS[options.correction].label
    parts = [
        "# The OPTICAL paper's claims, tested here",
        f"Rebuilt from `{source}` by `python -m harness claims`. Verdicts: *supported here* (significant in the "
        "claimed direction after correction, or the claimed figure inside our interval), *contradicted here* "
        "(significant against it, or the figure outside our interval), *not separable here* (not significant), "
        "*not testable here* (scores missing).",
        "**This is not a replication of the paper's numbers.** What differs from the paper's setting:",
        "\n".join(f"- {line}" for line in SETTING_DIFFERENCES),
    ]
    if used:
        parts.append("Translator behind each `bm25-nmt` score here:\n\n" + "\n".join(f"- {pair}: {what}" for pair, what in used.items()))
    parts += [
        "## Summary",
        pd.DataFrame([{"claim": r.claim.id, "verdict": f"**{r.verdict}**", "wording (ours)": r.claim.wording} for r in results])
        .to_markdown(index=False, disable_numparse=True),
    ]
    for result in results:
        parts += [
            f"## `{result.claim.id}`: {result.verdict}",
            f"{result.claim.wording} Measure: {text.measure_title(result.claim.measure)}.",
            source_paragraph(result.claim),
            findings_table(result),
        ]
    parts.append(
        f"Tests: per pair, {TESTS[options.test].label} over queries; over several pairs, a two-sided stratified "
        "permutation test of the difference of macro means (every pair weighted equally); gap differences, a "
        "two-sided sign-flip randomization test of the weighted per-query differences; "
        f"{options.resamples} resamples, seed {options.seed}. {correction} correction within each claim's family "
        f"(per-pair tests, mean tests, gap tests: each its own family); α = {options.alpha}. Intervals: "
        f"{round(options.confidence * 100)}% percentile intervals, paired bootstrap over queries per pair, or a "
        "stratified bootstrap (queries resampled within their own pair) for gains and gaps. Queries for 80% power: "
        "how many queries a two-sided paired t-test would need to detect the observed mean difference, given the "
        f"standard deviation of the per-query differences, at α = {options.alpha} and at its family's α/m (m tests; "
        "Bonferroni's level, Holm's first step); over several pairs, queries per pair for the t approximation of the "
        "weighted mean difference (statsmodels `TTestPower`; topic-set-size design, Sakai 2016)."
    )
    return "\n\n".join(parts) + "\n"


def claims_json(results: Sequence[ClaimResult], options: ComparisonOptions, source: str) -> str:

    payload = {
        "source": source,
        "options": asdict(options),
        "setting_differences": list(SETTING_DIFFERENCES),
        "claims": [
            {**asdict(r.claim), "verdict": r.verdict, "findings": [asdict(f) for f in r.findings]} for r in results
        ],
    }
    return json.dumps(plain(payload), indent=2, ensure_ascii=False) + "\n"
