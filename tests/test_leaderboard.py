"""Leaderboard from saved scores: means, bold, significance marks, footnotes, legends."""

import numpy as np
from scipy.stats import ttest_rel
from statsmodels.stats.multitest import multipletests

from harness.compare import GROUPS, ComparisonOptions
from harness.data.pairs import LOW_RESOURCE, PAIRS
from harness.board.board import build_board
from harness.board.cells import table_cells
from harness.board.legend import table_legend
from harness.board.markdown import Footnotes, leaderboard_markdown, score_table
from harness.render.text import BASELINE_MARKS
from harness.evaluation.scores import ScoreEntry, load_scores, save_scores
from harness.stats import stratified_permutation_test

QIDS = [f"q{i}" for i in range(40)]
METHODS = ["base", "strong", "same", "weak"]
(BETTER, WORSE), (BETTER_2, WORSE_2), (BETTER_3, WORSE_3), _ = BASELINE_MARKS
RESAMPLES = 2000  # enough for the tests, a fifth of the default's time


def entry(pair, method, values, used=None, measure="AP"):
    return ScoreEntry(pair, method, "ok", used=used, query_ids=QIDS, scores={measure: list(values)})


def synthetic():
    rng = np.random.default_rng(7)
    entries = {}
    for pair in PAIRS:
        base = rng.uniform(0.2, 0.6, len(QIDS))
        entries[(pair, "base")] = entry(pair, "base", base, used="translator precomputed:nllb")
        entries[(pair, "strong")] = entry(pair, "strong", np.clip(base + 0.2 + rng.normal(0, 0.05, len(QIDS)), 0, 1))
        entries[(pair, "same")] = entry(pair, "same", np.clip(base + rng.normal(0, 0.05, len(QIDS)), 0, 1))
    entries[("en-so", "weak")] = entry("en-so", "weak", np.clip(entries[("en-so", "base")].values("AP") - 0.2 + rng.normal(0, 0.05, len(QIDS)), 0, 1))
    entries[("en-yo", "weak")] = ScoreEntry("en-yo", "weak", "skipped", reason="no translator for en-yo")
    return entries


def board(entries=None, methods=METHODS, measures=("AP",), **options):
    options = {"baselines": ("base",), "resamples": RESAMPLES} | options
    return build_board("x", "Collection `x`", "scores/x.json", entries or synthetic(), methods, measures, ComparisonOptions(**options))


def test_marks_match_scipy_and_statsmodels_over_the_whole_table():
    entries = synthetic()
    result = board(entries)
    tested = [(pair, m) for pair in PAIRS for m in ("strong", "same", "weak") if (pair, m) in entries and entries[(pair, m)].status == "ok"]
    p = [ttest_rel(entries[cell].values("AP"), entries[(cell[0], "base")].values("AP")).pvalue for cell in tested]
    reject = multipletests(p, method="holm")[0]
    expected = {
        cell: BETTER if entries[cell].mean("AP") > entries[(cell[0], "base")].mean("AP") else WORSE
        for cell, rejected in zip(tested, reject) if rejected
    }
    cells = table_cells(result, "AP")
    marks = {(pair, m): cells[(m, pair)].marks for pair in PAIRS for m in METHODS if cells[(m, pair)].marks}
    assert result.comparisons.families["AP · pairs · vs base"] == 7 * 2 + 1
    assert marks == expected
    assert all(marks[(pair, "strong")] == BETTER for pair in PAIRS) and marks[("en-so", "weak")] == WORSE
    assert not any(method == "same" for _, method in marks)


def test_table_has_group_means_bold_best_and_skip_footnote():
    entries = synthetic()
    notes = Footnotes()
    table = score_table(board(entries), "AP", notes).set_index("method")
    row = table.loc["`strong`"]
    assert row["en-sw"].startswith("**") and BETTER in row["en-sw"]
    low = np.mean([entries[(p, "strong")].mean("AP") for p in LOW_RESOURCE])
    assert row["low-resource mean"].startswith(f"**{low:.4f}**")
    weak = table.loc["`weak`"]
    assert weak["en-yo"].startswith("skipped[^") and weak["low-resource mean"] == "—" and weak["en-fi"] == "—"
    text = notes.render()
    assert "skipped: no translator for en-yo" in text and "translator precomputed:nllb" in text


def test_mean_columns_are_marked_by_the_stratified_test_with_pairs_weighted_equally():
    entries = synthetic()
    result = board(entries)
    for group, pairs in GROUPS.items():
        comparison = result.comparisons.get("AP", group, "strong", "base")
        expected = stratified_permutation_test(
            np.concatenate([entries[(p, "base")].values("AP") for p in pairs]),
            np.concatenate([entries[(p, "strong")].values("AP") for p in pairs]),
            np.repeat(pairs, len(QIDS)),
            n_resamples=RESAMPLES,
            seed=0,
            weighting="stratum",
        )
        assert comparison.p_value == expected
        means = result.means("AP")
        assert np.isclose(comparison.mean_diff, means.loc["strong", group] - means.loc["base", group])
        assert table_cells(result, "AP")[("strong", group)].marks == BETTER
        assert result.comparisons.get("AP", group, "weak", "base") is None  # weak misses pairs: not tested
    assert result.comparisons.families["AP · mean columns · vs base"] == 2 * len(GROUPS)


def test_several_baselines_get_their_own_marks_and_families():
    result = board(baselines=("base", "strong", "absent"))
    cells = table_cells(result, "AP")
    assert all(cells[("strong", pair)].marks == BETTER for pair in PAIRS)  # only vs base: not vs itself
    assert all(cells[("same", pair)].marks == WORSE_2 for pair in PAIRS)  # worse than strong, tied with base
    assert all(cells[("base", pair)].marks == WORSE_2 for pair in PAIRS)
    assert cells[("weak", "en-so")].marks == WORSE + WORSE_2
    families = result.comparisons.families
    assert families["AP · pairs · vs base"] == 15 and families["AP · pairs · vs strong"] == 15
    legend = table_legend(result, "AP")
    assert f"{BETTER}/{WORSE}: significantly better/worse than `base`, {BETTER_2}/{WORSE_2}: than `strong`," in legend
    assert "one family per baseline (15 against `base`, 15 against `strong`)" in legend
    assert f"The baseline `absent` has no scores in this collection: no {BETTER_3}/{WORSE_3} marks." in legend


def test_render_names_test_correction_and_family():
    text = leaderboard_markdown([board()])
    assert "two-sided paired t-test" in text and "Holm correction over a family of 15 comparisons" in text
    assert "stratified permutation test" in text and f"({RESAMPLES} resamples, seed 0; Holm correction over a family of 6 comparisons" in text
    assert "### MAP (mean AP)" in text and "| method" in text
    assert "### Comparisons in detail: MAP (mean AP)" in text


def test_missing_default_baseline_gives_no_marks_and_says_so():
    text = table_legend(board(baselines=("bm25-nmt",)), "AP")
    assert "No significance marks" in text and f"The baseline `bm25-nmt` has no scores in this collection: no {BETTER}/{WORSE} marks." in text


def test_scores_file_round_trip(tmp_path):
    entries = synthetic()
    path = tmp_path / "scores" / "x.json"
    save_scores(path, "x", entries)
    loaded = load_scores(path)
    assert set(loaded) == set(entries)
    assert np.allclose(loaded[("en-sw", "strong")].values("AP"), entries[("en-sw", "strong")].values("AP"), atol=1e-6)
    assert loaded[("en-yo", "weak")].reason == "no translator for en-yo"


def with_oracle_and_gap():
    """``base`` misses en-yo (like bm25-nmt without Yoruba MT); ``ceiling`` is an oracle above everyone."""
    entries = synthetic()
    entries[("en-yo", "base")] = ScoreEntry("en-yo", "base", "skipped", reason="no Yoruba MT here")
    for pair in PAIRS:
        entries[(pair, "ceiling")] = entry(pair, "ceiling", np.ones(len(QIDS)))
    return entries


def test_oracle_row_is_marked_never_best_and_never_compared():
    result = build_board(
        "x", "Collection `x`", "scores/x.json", with_oracle_and_gap(), ["base", "strong", "same", "ceiling"], ("AP",),
        ComparisonOptions(baselines=("base",), resamples=RESAMPLES), oracles=("ceiling",),
    )
    cells = table_cells(result, "AP")
    assert all(not cells[("ceiling", column)].best and cells[("ceiling", column)].marks == "" for column in PAIRS)
    assert cells[("strong", "en-sw")].best  # best among competitors, though the oracle scores 1.0
    assert not any("ceiling" in (c.method, c.reference) for c in result.comparisons.comparisons)
    table = score_table(result, "AP", Footnotes())
    assert "`ceiling` (oracle)" in list(table["method"])
    assert "(oracle): a ceiling" in table_legend(result, "AP")


def test_low_resource_mean_over_covered_pairs_is_added_and_tested():
    entries = with_oracle_and_gap()
    result = build_board(
        "x", "Collection `x`", "scores/x.json", entries, ["base", "strong", "same", "ceiling"], ("AP",),
        ComparisonOptions(baselines=("base",), resamples=RESAMPLES), oracles=("ceiling",),
    )
    column = "low-resource mean (sw, so, mr)"
    assert result.columns.index(column) == result.columns.index("low-resource mean") + 1
    covered = ("en-sw", "en-so", "en-mr")
    means = result.means("AP")
    for method in ("base", "strong"):  # mean of the three per-pair means, by hand
        assert abs(means.loc[method, column] - np.mean([np.mean(entries[(p, method)].values("AP")) for p in covered])) < 1e-12
    assert np.isnan(means.loc["base", "low-resource mean"])  # the full group still needs en-yo
    comparison = result.comparisons.get("AP", column, "strong", "base")
    base = np.concatenate([entries[(p, "base")].values("AP") for p in covered])
    strong = np.concatenate([entries[(p, "strong")].values("AP") for p in covered])
    expected = stratified_permutation_test(base, strong, np.repeat(covered, len(QIDS)), n_resamples=RESAMPLES, seed=0, weighting="stratum")
    assert comparison.pairs == covered and comparison.p_value == expected
    assert "mean over en-sw, en-so, en-mr" in table_legend(result, "AP")


def test_no_covered_column_when_every_method_has_every_low_pair():
    entries = synthetic()
    result = board(entries, methods=["base", "strong", "same"])
    assert [c for c in result.columns if c not in PAIRS] == list(GROUPS)
