"""Which comparisons, which families, corrected p-values, top groups and cross-pair tests."""

import math

import numpy as np
import pytest
from scipy.stats import ttest_rel
from statsmodels.stats.multitest import multipletests

from harness.compare import GROUPS, ComparisonOptions, compare_collection, duel
from harness.data.pairs import PAIRS
from harness.errors import HarnessError, UsageError
from harness.board.cells import table_cells
from harness.board.legend import table_legend
from harness.render.text import TIED_WITH_BEST
from harness.evaluation.scores import ScoreEntry
from harness.stats import stratified_permutation_test
from test_leaderboard import METHODS, QIDS, board, synthetic


def two_measures():
    """The synthetic board with a second measure, nDCG@10, close to AP."""
    entries = synthetic()
    rng = np.random.default_rng(11)
    for e in entries.values():
        if e.status == "ok":
            e.scores["nDCG@10"] = list(np.clip(e.values("AP") + rng.normal(0, 0.02, len(QIDS)), 0, 1))
    return entries


def options(**chosen):
    # Few resamples: these tests check which comparisons are made and corrected, not their precision.
    return ComparisonOptions(**({"baselines": ("base",), "resamples": 500} | chosen))


@pytest.mark.parametrize(
    "family, expected",
    [
        # per column: en-so has strong, same and weak; every other pair two; mean columns strong and same
        ("pair", {f"{m} · {p} · vs base": 3 if p == "en-so" else 2 for m in ("AP", "nDCG@10") for p in [*PAIRS, *GROUPS]}),
        ("table", {f"{m} · {c} · vs base": n for m in ("AP", "nDCG@10") for c, n in (("pairs", 15), ("mean columns", 6))}),
        ("all", {"all measures · pairs · all baselines": 30, "all measures · mean columns · all baselines": 12}),
    ],
)
def test_family_sizes_for_each_choice(family, expected):
    # Bonferroni: the families do not depend on the correction, and statsmodels' Holm calls
    # gc.collect() once per family, which is slow with many families in a big test process.
    results = compare_collection(two_measures(), METHODS, ["AP", "nDCG@10"], options(family=family, correction="bonferroni"))
    assert results.families == expected
    assert len(results.comparisons) == sum(expected.values())
    assert all(c.family_size == results.families[c.family] for c in results.comparisons)


@pytest.mark.parametrize(
    # Each family choice and each correction once (Holm over many small families is slow: see above).
    "family, correction, statsmodels_name",
    [("pair", "bh", "fdr_bh"), ("table", "holm", "holm"), ("all", "bonferroni", "bonferroni"), ("all", "holm", "holm")],
)
def test_corrected_p_values_equal_statsmodels_on_the_same_family(family, correction, statsmodels_name):
    entries = two_measures()
    results = compare_collection(entries, METHODS, ["AP", "nDCG@10"], options(family=family, correction=correction))
    for label in results.families:
        members = [c for c in results.comparisons if c.family == label]
        expected = multipletests([c.p_value for c in members], method=statsmodels_name)[1]
        assert np.allclose([c.p_corrected for c in members], expected, rtol=1e-12, atol=0)
    for c in results.comparisons:
        if not c.over_group:  # per pair: the raw p-value is scipy's paired t-test
            scipy_p = ttest_rel(entries[(c.column, c.method)].values(c.measure), entries[(c.column, c.reference)].values(c.measure)).pvalue
            assert math.isclose(c.p_value, scipy_p, rel_tol=1e-9)


def test_a_comparison_with_nothing_to_test_leaves_the_family():
    entries = synthetic()
    for pair in PAIRS:
        entries[(pair, "copy")] = ScoreEntry(pair, "copy", "ok", query_ids=QIDS, scores={"AP": entries[(pair, "base")].scores["AP"]})
    results = compare_collection(entries, [*METHODS, "copy"], ["AP"], options())
    copy = results.get("AP", "en-sw", "copy", "base")
    assert math.isnan(copy.p_value) and math.isnan(copy.p_corrected) and copy.ties == len(QIDS)
    assert results.families["AP · pairs · vs base"] == 15  # the 7 NaN comparisons are not in the family


def tie_case():
    """On every pair: `top` is far above `low`; `twin` differs from `top` by +-0.01, mean 0, on every query."""
    rng = np.random.default_rng(3)
    entries = {}
    for pair in PAIRS:
        low = rng.uniform(0.2, 0.6, len(QIDS))
        top = low + 0.3
        twin = top + np.where(np.arange(len(QIDS)) % 2 == 0, 0.01, -0.01)
        for method, values in (("top", top), ("twin", twin), ("low", low)):
            entries[(pair, method)] = ScoreEntry(pair, method, "ok", query_ids=QIDS, scores={"AP": list(values)})
    return entries


def test_top_groups_hold_the_methods_not_significantly_different_from_the_best():
    result = board(tie_case(), methods=["top", "twin", "low"], comparisons="all-pairs")
    results = result.comparisons
    assert results.families["AP · pairs · all pairs of methods"] == 3 * len(PAIRS)
    for column in result.columns:
        group = results.tie_group("AP", column)
        assert set(group.members) == {"top", "twin"} and group.worse == ("low",) and group.untested == ()
        cells = table_cells(result, "AP")
        tied = next(m for m in group.members if m != group.best)
        assert cells[(tied, column)].marks == TIED_WITH_BEST
        assert cells[(group.best, column)].marks == "" and cells[("low", column)].marks == ""
    assert "not significantly different from the best" in table_legend(result, "AP")


def test_each_pair_of_methods_is_compared_once_and_can_be_read_both_ways():
    results = compare_collection(tie_case(), ["top", "twin", "low"], ["AP"], options(comparisons="all-pairs"))
    forward, backward = results.find("AP", "en-sw", "low", "top"), results.find("AP", "en-sw", "top", "low")
    assert forward.mean_diff == -backward.mean_diff and (forward.ci_low, forward.ci_high) == (-backward.ci_high, -backward.ci_low)
    assert forward.wins == backward.losses and forward.p_corrected == backward.p_corrected
    pairs = {(c.column, frozenset((c.method, c.reference))) for c in results.comparisons}
    assert len(pairs) == len(results.comparisons) == 3 * (len(PAIRS) + len(GROUPS))


def test_a_stratified_test_weighting_pairs_equally_can_disagree_with_a_pooled_mean():
    # en-sw: 8 queries, all +0.3; en-fi: 80 queries, +-0.3 with mean 0.  Weighted equally, en-sw's
    # consistent gain is half the statistic; the mean column's difference is 0.15.
    rng = np.random.default_rng(0)
    entries = {}
    for pair, gains in (("en-sw", np.full(8, 0.3)), ("en-fi", rng.permutation(np.repeat([0.3, -0.3], 40)))):
        qids = [f"{pair}-{i}" for i in range(gains.size)]
        base = rng.uniform(0.3, 0.6, gains.size)
        entries[(pair, "base")] = ScoreEntry(pair, "base", "ok", query_ids=qids, scores={"AP": list(base)})
        entries[(pair, "other")] = ScoreEntry(pair, "other", "ok", query_ids=qids, scores={"AP": list(base + gains)})
    result = duel(entries, "other", "base", "AP", ["en-sw", "en-fi"], options())
    (over,) = result.over_pairs
    assert over.column == "en-sw+en-fi" and over.pairs == ("en-sw", "en-fi") and math.isclose(over.mean_diff, 0.15)
    assert over.p_value < 0.05
    pooled = stratified_permutation_test(
        np.concatenate([entries[(p, "base")].values("AP") for p in over.pairs]),
        np.concatenate([entries[(p, "other")].values("AP") for p in over.pairs]),
        np.repeat(over.pairs, [8, 80]),
        n_resamples=500,
        weighting="query",
    )
    assert pooled > 0.2


def test_duel_tables_are_sorted_per_query_differences_with_their_tests():
    entries = synthetic()
    result = duel(entries, "strong", "base", "AP", None, options())
    assert [d.pair for d in result.per_pair] == list(PAIRS) and result.left_out == ()
    first = result.per_pair[0]
    diffs = first.table["diff"].to_numpy()
    assert list(first.table.columns) == ["query", "strong", "base", "diff"] and np.all(np.diff(diffs) <= 0)
    by_query = dict(zip(QIDS, entries[("en-sw", "strong")].values("AP") - entries[("en-sw", "base")].values("AP")))
    assert all(math.isclose(d, by_query[q]) for q, d in zip(first.table["query"], diffs))
    assert math.isclose(first.comparison.p_value, ttest_rel(entries[("en-sw", "strong")].values("AP"), entries[("en-sw", "base")].values("AP")).pvalue, rel_tol=1e-9)
    assert first.comparison.family_size == len(PAIRS)
    assert [c.column for c in result.over_pairs] == ["mean", "low-resource mean", "high-resource mean"]
    assert all(c.family_size == 3 for c in result.over_pairs)


def test_duel_leaves_out_pairs_without_scores_under_all_and_refuses_them_by_name():
    entries = synthetic()
    result = duel(entries, "weak", "base", "AP", None, options())
    assert [d.pair for d in result.per_pair] == ["en-so"] and result.over_pairs == ()
    assert result.left_out[1] == "weak has no scores on en-yo (skipped: no translator for en-yo)"
    assert result.left_out[0] == "weak has no scores on en-sw" and len(result.left_out) == len(PAIRS) - 1
    with pytest.raises(HarnessError, match=r"weak has no scores on en-yo \(skipped: no translator for en-yo\)"):
        duel(entries, "weak", "base", "AP", ["en-so", "en-yo"], options())


def test_scores_on_other_queries_are_not_tested_and_the_legend_says_so():
    entries = synthetic()
    other = entries[("en-sw", "same")]
    entries[("en-sw", "same")] = ScoreEntry("en-sw", "same", "ok", query_ids=[f"x{i}" for i in range(40)], scores=other.scores)
    result = board(entries)
    assert result.comparisons.get("AP", "en-sw", "same", "base") is None
    assert result.comparisons.get("AP", "mean", "same", "base") is None
    assert "Not tested, scored on different queries: `same` vs `base` on en-sw." in table_legend(result, "AP")


def test_query_order_does_not_matter():
    entries = synthetic()
    shuffled = entries[("en-sw", "strong")]
    order = np.random.default_rng(1).permutation(len(QIDS))
    entries[("en-sw", "strong")] = ScoreEntry(
        "en-sw", "strong", "ok", query_ids=[QIDS[i] for i in order], scores={"AP": [shuffled.scores["AP"][i] for i in order]}
    )
    reordered = compare_collection(entries, METHODS, ["AP"], options()).get("AP", "en-sw", "strong", "base")
    original = compare_collection(synthetic(), METHODS, ["AP"], options()).get("AP", "en-sw", "strong", "base")
    assert reordered == original


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"family": "column"}, "unknown family column; valid: pair, table, all"),
        ({"comparisons": "pairs"}, "unknown comparisons pairs; valid: baseline, all-pairs"),
        ({"test": "z-test"}, "unknown test z-test; valid: t-test, wilcoxon, randomization"),
        ({"baselines": ("a", "a")}, "distinct"),
        ({"alpha": 1.5}, "--alpha"),
    ],
)
def test_bad_options_are_usage_errors(bad, message):
    with pytest.raises(UsageError, match=message):
        options(**bad)
