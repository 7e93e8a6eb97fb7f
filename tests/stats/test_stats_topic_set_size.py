"""Queries for 80% power of a paired t-test, against a hand computation with scipy's noncentral t.

By hand: a two-sided paired t-test on n queries rejects when |T| > t_{1-α/2, n-1}; under a true
standardised difference d, T follows a noncentral t with n-1 degrees of freedom and noncentrality
d·sqrt(n).  The power is P(T > t_crit) + P(T < -t_crit) (the second tail underflows to NaN, i.e. 0,
for large noncentralities); the smallest n >= 2 with power >= 0.8 is found by counting up.
statsmodels is not used here.
"""

import math

import numpy as np
import pytest
from scipy import stats

from harness.compare import ComparisonOptions, duel
from harness.compare.report import duel_report
from harness.evaluation.scores import ScoreEntry
from harness.stats.topic_set_size import queries_needed, weighted_effect_size


def hand_power(d: float, alpha: float, n: int) -> float:
    critical = stats.t.ppf(1 - alpha / 2, n - 1)
    noncentrality = abs(d) * math.sqrt(n)
    opposite = stats.nct.cdf(-critical, n - 1, noncentrality)  # NaN when it underflows: 0 then
    return stats.nct.sf(critical, n - 1, noncentrality) + (0.0 if math.isnan(opposite) else opposite)


def by_hand(d: float, alpha: float, power: float = 0.8) -> int:
    n = 2
    while hand_power(d, alpha, n) < power:
        n += 1
    return n


@pytest.mark.parametrize("d", [0.12, -0.2, 0.35, 0.5, 1.0, 2.5, 10.0])
@pytest.mark.parametrize("alpha", [0.05, 0.05 / 4, 0.05 / 15])
def test_matches_the_noncentral_t_by_hand(d, alpha):
    assert queries_needed(d, alpha) == by_hand(d, alpha)


def test_known_textbook_figure():
    # Cohen (1988): d = 0.5, alpha = 0.05 two-sided, power 0.8 -> 34 pairs (33.4 rounded up).
    assert queries_needed(0.5, 0.05) == 34


def test_no_difference_or_no_spread_needs_no_number():
    assert queries_needed(0.0, 0.05) is None and queries_needed(math.inf, 0.05) is None and queries_needed(math.nan, 0.05) is None
    assert queries_needed(1e-9, 0.05) is None  # past MAX_QUERIES: no collection has that many
    n = queries_needed(1e-3, 0.05)  # about 7.85 million: the boundary checked with the hand power function
    assert hand_power(1e-3, 0.05, n) >= 0.8 > hand_power(1e-3, 0.05, n - 1)
    with pytest.raises(ValueError):
        queries_needed(0.3, 1.5)


def test_weighted_effect_size_is_d_z_for_one_pair_and_the_mean_columns_statistic_over_several():
    rng = np.random.default_rng(3)
    a, b = rng.normal(0.1, 0.3, 50), rng.normal(-0.05, 0.2, 40)
    assert weighted_effect_size([a]) == pytest.approx(a.mean() / a.std(ddof=1))
    by_hand_effect = (a.mean() / 2 + b.mean() / 2) / math.sqrt(a.var(ddof=1) / 4 + b.var(ddof=1) / 4)
    assert weighted_effect_size([a, b]) == pytest.approx(by_hand_effect)
    gap = (a.mean() - b.mean()) / math.sqrt(a.var(ddof=1) + b.var(ddof=1))
    assert weighted_effect_size([a, b], [1.0, -1.0]) == pytest.approx(gap)


def test_compare_prints_the_queries_needed_and_the_sentence_for_a_not_separable_pair():
    rng = np.random.default_rng(5)
    qids = [f"q{i}" for i in range(60)]
    base = rng.uniform(0.2, 0.6, 60)
    close = np.clip(base + 0.01 + rng.normal(0, 0.1, 60), 0, 1)
    entries = {("en-sw", "a"): ScoreEntry("en-sw", "a", "ok", query_ids=qids, scores={"AP": list(close)}),
               ("en-sw", "b"): ScoreEntry("en-sw", "b", "ok", query_ids=qids, scores={"AP": list(base)})}
    options = ComparisonOptions(resamples=500)
    result = duel(entries, "a", "b", "AP", ["en-sw"], options)
    d = close - base
    expected = by_hand(d.mean() / d.std(ddof=1), 0.05)
    assert result.needed["en-sw"].queries == expected == result.needed["en-sw"].queries_corrected  # a family of one
    text = duel_report(result, options, {})
    assert f"queries for 80% power: {expected} at α = 0.05" in text
    assert f"Not separable here: about {expected} queries would be needed to separate these at the observed difference" in text
