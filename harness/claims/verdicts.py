"""Verdicts on the claims of ``registry.py``, computed from saved per-query scores only.

Each check returns ``Finding`` rows, one per thing it tests, each with a verdict:

- *supported here*: the test is significant (after correction) in the claimed direction,
  or a claimed number lies inside our interval;
- *contradicted here*: significant against the claim, or the claimed number lies outside our interval;
- *not separable here*: not significant;
- *not testable here*: the scores it needs are missing (e.g. a method was not run).

A claim's overall verdict: supported if every finding is, contradicted if any is, not testable if
all are, else not separable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from harness.claims.registry import CLAIMS, Claim
from harness.compare import (GROUPS, ComparisonOptions, Entries, aligned_scores, compare_on_pair, compare_over_pairs,
                             needed_for_effect, scored)
from harness.data.pairs import HIGH_RESOURCE, LOW_RESOURCE, PAIRS
from harness.stats import correct_pvalues
from harness.stats.effect_size import all_tied
from harness.stats.fisher_randomization_test import sign_flip_pvalue
from harness.stats.stratified_bootstrap import stratified_bootstrap_ci
from harness.stats.topic_set_size import weighted_effect_size

SUPPORTED, CONTRADICTED, NOT_SEPARABLE, NOT_TESTABLE = (
    "supported here", "contradicted here", "not separable here", "not testable here",
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    claim: str  # Claim.id
    scope: str  # what this row tests, e.g. "vs `bm25-nmt`, low-resource mean (sw, so, mr)"
    verdict: str
    estimate: float = math.nan  # the difference, gain or gap measured
    ci_low: float = math.nan
    ci_high: float = math.nan
    p_value: float = math.nan
    p_corrected: float = math.nan
    family_size: int = 0
    pairs: tuple[str, ...] = ()
    note: str = ""  # the numbers in words, or why it is not testable
    # Paired tests only: the standardised difference (weighted over pairs), and the queries (per pair, over
    # several) a paired t-test would need for 80% power at alpha and at the family's alpha/m.
    power_effect: float = math.nan
    queries_needed: int | None = None
    queries_needed_corrected: int | None = None


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    verdict: str
    findings: tuple[Finding, ...] = field(default=())


def covered(entries: Entries, methods: Sequence[str], pairs: Sequence[str], measure: str) -> tuple[str, ...]:
    """The pairs where every one of ``methods`` has scores for ``measure``."""
    return tuple(p for p in pairs if all(scored(entries, p, m, measure) is not None for m in methods))


def _direction_verdict(diff: float, p_corrected: float, alpha: float, claimed_sign: int) -> str:
    if not math.isfinite(p_corrected) or p_corrected >= alpha or diff == 0:
        return NOT_SEPARABLE
    return SUPPORTED if np.sign(diff) == claimed_sign else CONTRADICTED


def _with_correction(findings: list[Finding], correction: str, alpha: float, claimed_sign: int) -> list[Finding]:
    """Correct the p-values of ``findings`` as one family and set each verdict from its corrected p; each also
    gets the queries 80% power would take, and a "not separable" one the sentence saying how many would do."""
    testable = [i for i, f in enumerate(findings) if math.isfinite(f.p_value)]
    corrected = correct_pvalues(np.array([findings[i].p_value for i in testable]), method=correction) if testable else []
    out = list(findings)
    for i, p in zip(testable, corrected):
        f = out[i]
        verdict = _direction_verdict(f.estimate, float(p), alpha, claimed_sign)
        needed = needed_for_effect(f.power_effect, alpha, len(testable), per_pair=len(f.pairs) > 1)
        note = f"{f.note}; {needed.not_separable_sentence()}" if verdict == NOT_SEPARABLE else f.note
        out[i] = replace(f, p_corrected=float(p), family_size=len(testable), verdict=verdict, note=note,
                         queries_needed=needed.queries, queries_needed_corrected=needed.queries_corrected)
    return out


def _power_effect(entries: Entries, method: str, reference: str, pairs, measure: str, weights=None) -> float:
    """The standardised difference of ``method`` over ``reference`` on ``pairs`` (weights 1/K by default)."""
    differences = []
    for pair in pairs:
        reference_scores, method_scores = aligned_scores(scored(entries, pair, reference, measure),
                                                         scored(entries, pair, method, measure), measure)
        differences.append(method_scores - reference_scores)
    return weighted_effect_size(differences, weights)


def check_better_than(claim: Claim, entries: Entries, options: ComparisonOptions) -> list[Finding]:
    """Per pair (one corrected family over references x pairs) and on the group's mean over the pairs
    both methods cover (stratified permutation test; one corrected family over references)."""
    group = GROUPS[claim.group]
    per_pair, means = [], []
    for method in claim.methods:
        for reference in claim.references:
            pairs = covered(entries, (method, reference), group, claim.measure)
            versus = f"`{method}` vs `{reference}`"
            if not pairs:
                means.append(Finding(claim.id, f"{versus}, {claim.group}", NOT_TESTABLE, note="no scores for both on any pair"))
                continue
            for pair in pairs:
                c = compare_on_pair(entries, pair, method, reference, claim.measure, options)
                if c is None or not hasattr(c, "p_value"):
                    continue  # scored on different queries: Unpaired
                per_pair.append(Finding(claim.id, f"{versus} on {pair}", NOT_SEPARABLE, c.mean_diff, c.ci_low, c.ci_high,
                                        c.p_value, pairs=(pair,), note=f"{c.mean_method:.4f} vs {c.mean_reference:.4f}",
                                        power_effect=_power_effect(entries, method, reference, (pair,), claim.measure)))
            label = claim.group if pairs == group else f"{claim.group} ({', '.join(PAIRS[p].lang for p in pairs)})"
            if len(pairs) < 2:
                means.append(Finding(claim.id, f"{versus}, {label}", NOT_TESTABLE, pairs=pairs, note="fewer than two pairs covered"))
                continue
            c = compare_over_pairs(entries, label, pairs, method, reference, claim.measure, options)
            means.append(Finding(claim.id, f"{versus}, {label}", NOT_SEPARABLE, c.mean_diff, p_value=c.p_value, pairs=pairs,
                                 note=f"{c.mean_method:.4f} vs {c.mean_reference:.4f}",
                                 power_effect=_power_effect(entries, method, reference, pairs, claim.measure)))
    return _with_correction(per_pair, options.correction, options.alpha, +1) + _with_correction(
        means, options.correction, options.alpha, +1
    )


def _samples(entries: Entries, methods: Sequence[str], pairs: Sequence[str], measure: str) -> dict:
    return {m: {p: scored(entries, p, m, measure).values(measure) for p in pairs} for m in methods}


def check_relative_gain(claim: Claim, entries: Entries, options: ComparisonOptions) -> list[Finding]:
    """Relative gain of macro means, mean(method) / mean(reference) - 1, over the covered pairs of the
    group, with a stratified bootstrap interval; the claimed figure is supported if it lies inside."""
    [method], [reference] = claim.methods, claim.references
    pairs = covered(entries, (method, reference), GROUPS[claim.group], claim.measure)
    scope = f"`{method}` over `{reference}`, {claim.group} ({', '.join(PAIRS[p].lang for p in pairs)})"
    if not pairs:
        return [Finding(claim.id, scope, NOT_TESTABLE, note="no pair has scores for both")]

    def gain(means):
        return float(np.mean([means[method][p] for p in pairs]) / np.mean([means[reference][p] for p in pairs]) - 1.0)

    observed, low, high = stratified_bootstrap_ci(
        _samples(entries, (method, reference), pairs, claim.measure), gain,
        confidence=options.confidence, n_resamples=options.resamples, seed=options.seed,
    )
    verdict = SUPPORTED if low <= claim.expected <= high else CONTRADICTED
    note = f"claimed {claim.expected:+.1%}; measured {observed:+.1%} [{low:+.1%}, {high:+.1%}]"
    return [Finding(claim.id, scope, verdict, observed, low, high, pairs=pairs, note=note)]


def _gap(means, method: str) -> float:
    return float(np.mean([means[method][p] for p in HIGH_RESOURCE]) - np.mean([means[method][p] for p in LOW_RESOURCE]))


def check_gap(claim: Claim, entries: Entries, options: ComparisonOptions) -> list[Finding]:
    """High-resource mean minus low-resource mean of one method, with a stratified bootstrap interval."""
    findings = []
    for method in claim.methods:
        scope = f"`{method}`: high-resource mean − low-resource mean"
        if covered(entries, (method,), PAIRS, claim.measure) != tuple(PAIRS):
            findings.append(Finding(claim.id, scope, NOT_TESTABLE, note="needs scores on all seven pairs"))
            continue
        observed, low, high = stratified_bootstrap_ci(
            _samples(entries, (method,), PAIRS, claim.measure), lambda means: _gap(means, method),
            confidence=options.confidence, n_resamples=options.resamples, seed=options.seed,
        )
        verdict = SUPPORTED if low > 0 else CONTRADICTED if high < 0 else NOT_SEPARABLE
        findings.append(Finding(claim.id, scope, verdict, observed, low, high, pairs=tuple(PAIRS),
                                note=f"gap {observed:+.4f} [{low:+.4f}, {high:+.4f}]"))
    return findings


def gap_difference_pvalue(method_scores: dict, reference_scores: dict, n_resamples: int, seed: int) -> float:
    """Two-sided randomization test of gap(method) - gap(reference) = 0, per-query differences sign-flipped.

    With d the per-query differences (method - reference), the statistic is
    mean_high(mean_pair d) - mean_low(mean_pair d): each query weighted +1/(K_high n_pair) on a
    high-resource pair and -1/(K_low n_pair) on a low-resource one; under the null that the two
    methods are exchangeable on every query, flipping signs leaves its distribution unchanged.
    """
    weighted = []
    for pairs, sign in ((HIGH_RESOURCE, 1.0), (LOW_RESOURCE, -1.0)):
        for pair in pairs:
            d = np.asarray(method_scores[pair], dtype=float) - np.asarray(reference_scores[pair], dtype=float)
            weighted.append(sign * d / (len(pairs) * d.size))
    differences = np.concatenate(weighted)
    return math.nan if all_tied(differences) else sign_flip_pvalue(differences, n_resamples=n_resamples, seed=seed)


def check_gap_narrows(claim: Claim, entries: Entries, options: ComparisonOptions) -> list[Finding]:
    """gap(method) - gap(reference), interval by stratified bootstrap, p by the randomization test above;
    one corrected family over the claim's methods.  Narrowing is a negative difference."""
    [reference] = claim.references
    findings = []
    for method in claim.methods:
        scope = f"gap of `{method}` − gap of `{reference}`"
        if covered(entries, (method, reference), PAIRS, claim.measure) != tuple(PAIRS):
            findings.append(Finding(claim.id, scope, NOT_TESTABLE, note="needs scores of both on all seven pairs"))
            continue
        samples = _samples(entries, (method, reference), PAIRS, claim.measure)
        observed, low, high = stratified_bootstrap_ci(
            samples, lambda means: _gap(means, method) - _gap(means, reference),
            confidence=options.confidence, n_resamples=options.resamples, seed=options.seed,
        )
        p = gap_difference_pvalue(samples[method], samples[reference], options.resamples, options.seed)
        means = {m: {pair: float(np.mean(v)) for pair, v in s.items()} for m, s in samples.items()}
        note = f"gap {_gap(means, method):+.4f} vs {_gap(means, reference):+.4f}"
        # The gap difference weights each query's difference by +1/K on a high-resource pair, -1/K on a low one.
        weights = [1 / len(HIGH_RESOURCE) if p in HIGH_RESOURCE else -1 / len(LOW_RESOURCE) for p in PAIRS]
        effect = _power_effect(entries, method, reference, PAIRS, claim.measure, weights)
        findings.append(Finding(claim.id, scope, NOT_SEPARABLE, observed, low, high, p, pairs=tuple(PAIRS), note=note,
                                power_effect=effect))
    return _with_correction(findings, options.correction, options.alpha, -1)


CHECKS: dict[str, Callable[[Claim, Entries, ComparisonOptions], list[Finding]]] = {
    "better-than": check_better_than,
    "relative-gain": check_relative_gain,
    "gap": check_gap,
    "gap-narrows": check_gap_narrows,
}


def overall(findings: Sequence[Finding]) -> str:
    verdicts = {f.verdict for f in findings}
    if not findings or verdicts == {NOT_TESTABLE}:
        return NOT_TESTABLE
    if CONTRADICTED in verdicts:
        return CONTRADICTED
    if verdicts == {SUPPORTED}:
        return SUPPORTED
    return NOT_SEPARABLE


def evaluate_claims(entries: Entries, options: ComparisonOptions, claims: Sequence[Claim] = CLAIMS) -> list[ClaimResult]:
    results = []
    for claim in claims:
        findings = tuple(CHECKS[claim.check](claim, entries, options))
        results.append(ClaimResult(claim, overall(findings), findings))
    return results
