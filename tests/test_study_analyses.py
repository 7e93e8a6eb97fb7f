"""The studies' statistics on synthetic saved scores: values against hand computations and scipy,
and each verdict flipping when the fixture's numbers flip.  No retrieval, no models."""

import json

import numpy as np
import pytest
from scipy.stats import binomtest

from harness.compare import ComparisonOptions, groups_for
from harness.data.collections import COLLECTIONS
from harness.data.pairs import PAIRS
from harness.evaluation.scores import ScoreEntry, save_scores, scores_path
from harness.studies import STUDIES
from harness.studies.classification import run as classification
from harness.studies.domain import run as domain
from harness.studies.robustness import run as robustness
from harness.studies.seeds import run as seeds
from harness.studies.alignment.run import mcnemar_rows
from harness.studies.common import study_folder

OPTIONS = ComparisonOptions(baselines=("mdpr",), resamples=400, seed=0, test="randomization")
QUERIES = [f"q{i}" for i in range(40)]


def write(folder, collection, values):
    """values: (pair, method) -> per-query scores over QUERIES[:len]."""
    entries = {
        key: ScoreEntry(key[0], key[1], "ok", query_ids=QUERIES[: len(v)], scores={m: list(v) for m in ("AP", "Success@1")})
        for key, v in values.items()
    }
    save_scores(scores_path(folder, collection), collection, entries)


def test_every_study_is_registered_with_its_metadata():
    assert list(STUDIES) == ["translation", "alignment", "xquad", "robustness", "domain", "classification", "seeds"]
    for study in STUDIES.values():
        assert study.question and study.collections and study.measures and study.methods and study.needs
        assert callable(study.load())


def test_mean_columns_follow_the_collection_pairs():
    assert list(groups_for(tuple(PAIRS))) == ["low-resource mean", "high-resource mean", "mean"]
    assert groups_for(COLLECTIONS["xquad"].pairs) == {"mean": COLLECTIONS["xquad"].pairs}  # all high-resource
    assert groups_for(("en-cs",)) == {}


# --- robustness -------------------------------------------------------------------------------------


def robustness_fixture(tmp_path, low_drop, high_drop):
    """Clean AP 0.5 on every query; the perturbation removes ``low_drop`` on sw so yo mr, ``high_drop`` on fi de fr."""
    rng = np.random.default_rng(1)
    clean, noisy = {}, {}
    for pair in PAIRS:
        base = np.full(40, 0.5)
        drop = (low_drop if PAIRS[pair].resource == "low" else high_drop) + rng.normal(0, 0.01, 40)
        for method in ("mdpr", "kd"):
            clean[(pair, method)] = base
            noisy[(pair, method)] = base - drop - (0.05 if method == "kd" else 0.0)
    write(study_folder(tmp_path, "robustness", "clean"), "ntrex", clean)
    write(study_folder(tmp_path, "robustness", "keyboard"), "ntrex", noisy)


def test_robustness_drop_relative_drop_and_gap(tmp_path, monkeypatch):
    monkeypatch.setattr(robustness, "variants", lambda: ["clean", "keyboard"])
    robustness_fixture(tmp_path, 0.2, 0.05)
    analysis = robustness.analyse(tmp_path, OPTIONS)
    cell = next(c for c in analysis.cells if c.method == "mdpr" and c.pair == "en-sw")
    clean = np.full(40, 0.5)
    noisy = clean - (0.2 + np.random.default_rng(1).normal(0, 0.01, 40))
    assert cell.clean == pytest.approx(0.5) and cell.drop == pytest.approx(np.mean(clean - noisy), abs=1e-6)
    assert cell.relative == pytest.approx(np.mean(clean - noisy) / 0.5, abs=1e-5)
    assert cell.drop_low < cell.drop < cell.drop_high and cell.relative_low < cell.relative < cell.relative_high
    gap = next(g for g in analysis.gaps if g.method == "mdpr")
    assert gap.gap == pytest.approx(0.15, abs=0.01) and gap.p_corrected < 0.05  # low-resource pairs lose more
    # kd drops 0.05 more than mdpr on every pair: the drop-vs-drop comparison says so
    kd_vs = [c for c in analysis.comparisons if c.method == "kd" and c.reference == "mdpr" and c.pair == "all pairs"]
    assert kd_vs[0].difference == pytest.approx(0.05, abs=1e-6) and kd_vs[0].p_corrected < 0.05


def test_robustness_gap_flips_with_the_fixture(tmp_path, monkeypatch):
    monkeypatch.setattr(robustness, "variants", lambda: ["clean", "keyboard"])
    robustness_fixture(tmp_path, 0.05, 0.2)
    gap = next(g for g in robustness.analyse(tmp_path, OPTIONS).gaps if g.method == "mdpr")
    assert gap.gap == pytest.approx(-0.15, abs=0.01) and gap.p_corrected < 0.05
    robustness_fixture(tmp_path, 0.1, 0.1)
    gap = next(g for g in robustness.analyse(tmp_path, OPTIONS).gaps if g.method == "mdpr")
    assert gap.p_corrected > 0.05  # no gap: not significant


def test_robustness_files_state_test_and_correction(tmp_path, monkeypatch):
    monkeypatch.setattr(robustness, "variants", lambda: ["clean", "keyboard"])
    robustness_fixture(tmp_path, 0.2, 0.05)
    paths = robustness.render_study(tmp_path, OPTIONS)
    markdown = (tmp_path / "studies" / "robustness.md").read_text()
    assert "Fisher randomization test" in markdown and "Holm correction" in markdown and "one family per" in markdown
    assert {p.suffix for p in paths} == {".md", ".csv", ".json", ".png"}


# --- seeds -------------------------------------------------------------------------------------------


def seeds_fixture(tmp_path, optical_gain_per_seed):
    rng = np.random.default_rng(2)
    for seed, gain in zip(seeds.SEEDS, optical_gain_per_seed):
        values = {}
        for pair in PAIRS:
            base = rng.uniform(0.3, 0.7, 40)
            values[(pair, "kd")] = base
            values[(pair, "cal")] = base
            values[(pair, "optical")] = np.clip(base + gain + rng.normal(0, 0.005, 40), 0, 1)
        write(study_folder(tmp_path, "seeds", seeds.variant(seed)), "ntrex", values)


def test_seed_spread_is_the_sample_standard_deviation(tmp_path):
    seeds_fixture(tmp_path, (0.05, 0.05, 0.05))
    analysis = seeds.analyse(tmp_path, OPTIONS)
    spread = next(s for s in analysis.spreads if s.method == "optical" and s.pair == "en-sw")
    assert spread.sd == pytest.approx(np.std(spread.values, ddof=1)) and spread.mean == pytest.approx(np.mean(spread.values))
    assert analysis.verdicts["optical vs kd"].startswith("survives a change of seed: significantly better")


def test_seed_verdict_flips_when_one_seed_disagrees(tmp_path):
    seeds_fixture(tmp_path, (0.05, -0.05, 0.05))
    assert analysis_verdict(tmp_path).startswith("depends on the seed")


def analysis_verdict(tmp_path):
    return seeds.analyse(tmp_path, OPTIONS).verdicts["optical vs kd"]


# --- domain ------------------------------------------------------------------------------------------


def domain_fixture(tmp_path, tatoeba_shift):
    rng = np.random.default_rng(3)
    bases = {pair: rng.uniform(0.3, 0.7, 40) for pair in PAIRS}
    for variant in ("all", *domain.DOMAINS):
        shift = tatoeba_shift if variant == "tatoeba" else 0.0
        values = {(p, m): np.clip(bases[p] + shift + rng.normal(0, 0.002, 40), 0, 1) for p in PAIRS for m in ("kd",)}
        write(study_folder(tmp_path, "domain", variant), "ntrex", values)


def test_domain_difference_against_all_and_its_flip(tmp_path, monkeypatch):
    monkeypatch.setattr(domain, "equal_size", lambda: 4390)
    domain_fixture(tmp_path, -0.1)
    cells = domain.analyse(tmp_path, OPTIONS).cells
    cell, base = (next(c for c in cells if c.bitext == b) for b in ("tatoeba", "all"))
    assert cell.difference == pytest.approx(cell.mean - base.mean) and cell.difference == pytest.approx(-0.1, abs=0.01)
    assert cell.difference < 0 and cell.p_corrected < 0.05 and cell.low < cell.difference < cell.high
    domain_fixture(tmp_path, +0.1)
    cell = next(c for c in domain.analyse(tmp_path, OPTIONS).cells if c.bitext == "tatoeba")
    assert cell.difference > 0 and cell.p_corrected < 0.05
    other = next(c for c in domain.analyse(tmp_path, OPTIONS).cells if c.bitext == "tico19")
    assert abs(other.difference) < 0.01


# --- classification and McNemar ----------------------------------------------------------------------


def classification_document(optical_right):
    labels = ["a", "b", "c", "d"] * 25  # 100 test items
    truth = {"en": labels, "sw": labels}
    mdpr = [l if i % 2 == 0 else "a" for i, l in enumerate(labels)]  # right on even items and on every "a"
    optical = [l if i < optical_right else "b" for i, l in enumerate(labels)]
    methods = {"mdpr": {"predictions": {"en": labels, "sw": mdpr}}, "optical": {"predictions": {"en": labels, "sw": optical}}}
    return {"labels": truth, "methods": methods, "held_out": "ntrex+sib200-test"}


def test_classification_accuracy_and_mcnemar_against_hand_and_scipy():
    document = classification_document(optical_right=90)
    analysis = classification.analyse(document, OPTIONS)
    labels = document["labels"]["sw"]
    mdpr_right = [p == t for p, t in zip(document["methods"]["mdpr"]["predictions"]["sw"], labels)]
    optical_right = [p == t for p, t in zip(document["methods"]["optical"]["predictions"]["sw"], labels)]
    assert analysis["scores"][("mdpr", "sw")]["accuracy"][0] == pytest.approx(sum(mdpr_right) / 100)
    assert analysis["scores"][("optical", "sw")]["accuracy"][0] == pytest.approx(0.92)  # the first 90, and items 93 and 97 (label "b")
    test = next(t for t in analysis["tests"] if t["method"] == "optical" and t["reference"] == "mdpr")
    b10 = sum(o and not m for o, m in zip(optical_right, mdpr_right))
    b01 = sum(m and not o for o, m in zip(optical_right, mdpr_right))
    assert (test["method_only"], test["reference_only"]) == (b10, b01)
    assert test["p"] == pytest.approx(binomtest(min(b01, b10), b01 + b10, 0.5).pvalue)
    assert test["difference"] > 0 and test["p_corrected"] < 0.05


def test_classification_verdict_flips():
    test = next(t for t in classification.analyse(classification_document(optical_right=0), OPTIONS)["tests"])
    assert test["difference"] < 0 and test["p_corrected"] < 0.05


def test_alignment_mcnemar_rows_match_scipy_and_flip():
    right = np.array([1.0] * 30 + [0.0] * 10)
    worse = np.array([1.0] * 12 + [0.0] * 28)
    entries = {
        ("en-sw", "mdpr"): ScoreEntry("en-sw", "mdpr", "ok", query_ids=QUERIES, scores={"Success@1": list(worse)}),
        ("en-sw", "optical"): ScoreEntry("en-sw", "optical", "ok", query_ids=QUERIES, scores={"Success@1": list(right)}),
    }
    rows = mcnemar_rows(entries, ("en-sw",), ["mdpr", "optical"], OPTIONS, "Success@1")
    assert len(rows) == 1 and rows[0]["method_only"] == 18 and rows[0]["reference_only"] == 0
    assert rows[0]["p"] == pytest.approx(binomtest(0, 18, 0.5).pvalue) and rows[0]["difference"] == pytest.approx(0.45)
    couple = mcnemar_rows(entries, ("en-sw",), ["mdpr", "optical"], OPTIONS, "Success@1", (("mdpr", "optical"),))[1]
    assert (couple["method"], couple["reference"], couple["method_only"], couple["reference_only"]) == ("mdpr", "optical", 0, 18)
    entries[("en-sw", "optical")].scores["Success@1"] = list(np.array([1.0] * 5 + [0.0] * 35))
    flipped = mcnemar_rows(entries, ("en-sw",), ["mdpr", "optical"], OPTIONS, "Success@1")[0]
    assert flipped["difference"] < 0 and flipped["reference_only"] == 7


def test_classification_files_rebuild_from_saved_predictions(tmp_path):
    path = classification.predictions_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(classification_document(90)))
    written = classification.render_study(tmp_path, OPTIONS)
    assert {p.suffix for p in written} == {".md", ".csv", ".json", ".png"}
    assert "McNemar" in (tmp_path / "studies" / "classification.md").read_text()
