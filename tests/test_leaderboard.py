"""Leaderboard rendering from saved scores: means, bold, significance, footnotes."""

import numpy as np
from scipy.stats import ttest_rel
from statsmodels.stats.multitest import multipletests

from harness.data.pairs import PAIRS
from harness.leaderboard import BETTER, WORSE, Footnotes, SignificanceOptions, measure_table, render, significance_marks
from harness.scores import ScoreEntry, load_scores, save_scores

QIDS = [f"q{i}" for i in range(40)]


def entry(pair, method, values, used=None):
    return ScoreEntry(pair, method, "ok", used=used, query_ids=QIDS, scores={"AP": list(values)})


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


def test_marks_match_scipy_and_statsmodels_over_the_whole_table():
    entries = synthetic()
    options = SignificanceOptions(baseline="base")
    marks, family = significance_marks(entries, ["base", "strong", "same", "weak"], list(PAIRS), "AP", options)
    assert family == 7 * 2 + 1
    p = [ttest_rel(entries[(pair, m)].values("AP"), entries[(pair, "base")].values("AP")).pvalue
         for pair in PAIRS for m in ("strong", "same", "weak") if (pair, m) in entries and entries[(pair, m)].status == "ok"]
    expected = multipletests(p, method="holm")[0]
    assert sum(expected) == len(marks)
    assert all(marks[(pair, "strong")] == BETTER for pair in PAIRS)
    assert marks[("en-so", "weak")] == WORSE
    assert not any(method == "same" for _, method in marks)


def test_table_has_group_means_bold_best_and_skip_footnote():
    entries = synthetic()
    notes = Footnotes()
    table, family = measure_table(entries, ["base", "strong", "same", "weak"], "AP", SignificanceOptions(baseline="base"), notes)
    row = table.set_index("method").loc["`strong`"]
    assert row["en-sw"].startswith("**") and BETTER in row["en-sw"]
    low = np.mean([entries[(p, "strong")].mean("AP") for p in ("en-sw", "en-so", "en-yo", "en-mr")])
    assert row["low-resource mean"].startswith(f"**{low:.4f}**")
    weak = table.set_index("method").loc["`weak`"]
    assert weak["en-yo"].startswith("skipped[^") and weak["low-resource mean"] == "—" and weak["en-fi"] == "—"
    text = notes.render()
    assert "skipped: no translator for en-yo" in text and "translator precomputed:nllb" in text


def test_render_names_test_correction_and_family():
    entries = synthetic()
    text = render("Collection `x`", entries, ["base", "strong", "same", "weak"], ["AP"], SignificanceOptions(baseline="base"), "scores/x.json")
    assert "two-sided paired t-test" in text and "Holm correction over a family of 15 comparisons" in text
    assert "### MAP (mean AP)" in text and "| method" in text


def test_scores_file_round_trip(tmp_path):
    entries = synthetic()
    path = tmp_path / "scores" / "x.json"
    save_scores(path, "x", entries)
    loaded = load_scores(path)
    assert set(loaded) == set(entries)
    assert np.allclose(loaded[("en-sw", "strong")].values("AP"), entries[("en-sw", "strong")].values("AP"), atol=1e-6)
    assert loaded[("en-yo", "weak")].reason == "no translator for en-yo"
