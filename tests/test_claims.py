"""Claims report: each verdict flips when the fixture's numbers flip; the numbers come from hand computations."""

import itertools
import json

import numpy as np
import pytest
from scipy import stats

from harness.claims import CLAIMS, evaluate_claims
from harness.claims.verdicts import CONTRADICTED, NOT_SEPARABLE, NOT_TESTABLE, SUPPORTED, gap_difference_pvalue
from harness.cli.main import main
from harness.compare import ComparisonOptions
from harness.data.pairs import HIGH_RESOURCE, LOW_RESOURCE, PAIRS
from harness.evaluation.scores import ScoreEntry, save_scores
from harness.stats.stratified_bootstrap import stratified_bootstrap_ci

N = 40
QIDS = [f"q{i}" for i in range(N)]
OPTIONS = ComparisonOptions(baselines=("bm25-nmt",), resamples=2000)


def entry(pair, method, values):
    return ScoreEntry(pair, method, "ok", query_ids=QIDS, scores={"AP": [float(v) for v in values]})


def fixture(optical_shift=0.2, gain=None, mdpr_gap=0.2, optical_gap=0.05, yo_mt=False):
    rng = np.random.default_rng(3)
    entries = {}
    for pair in PAIRS:
        base = rng.uniform(0.3, 0.5, N)
        high = pair in HIGH_RESOURCE
        mdpr = np.clip(base + (mdpr_gap if high else 0.0) + rng.normal(0, 0.02, N), 0, 1)
        optical = np.clip(mdpr + optical_shift + (optical_gap - mdpr_gap if high else 0.0) + rng.normal(0, 0.02, N), 0, 1)
        if gain is not None:
            optical = base * (1 + gain)
        entries[(pair, "mdpr")] = entry(pair, "mdpr", mdpr)
        entries[(pair, "optical")] = entry(pair, "optical", optical)
        entries[(pair, "kd")] = entry(pair, "kd", np.clip(optical - 0.1 + rng.normal(0, 0.02, N), 0, 1))
        entries[(pair, "cal")] = entry(pair, "cal", np.clip(base - 0.1 + rng.normal(0, 0.02, N), 0, 1))
        if pair == "en-yo" and not yo_mt:
            entries[(pair, "bm25-nmt")] = ScoreEntry(pair, "bm25-nmt", "skipped", reason="no Yoruba MT")
        else:
            entries[(pair, "bm25-nmt")] = entry(pair, "bm25-nmt", base)
    return entries


def verdicts(entries):
    return {r.claim.id: r for r in evaluate_claims(entries, OPTIONS)}


def test_better_than_supported_then_contradicted_when_flipped():
    good = verdicts(fixture(optical_shift=0.2))["optical-beats-baselines"]
    assert good.verdict == SUPPORTED
    scopes = [f.scope for f in good.findings]
    assert "`optical` vs `bm25-nmt`, low-resource mean (sw, so, mr)" in scopes  # no Yoruba MT: covered pairs
    assert "`optical` vs `mdpr`, low-resource mean" in scopes
    per_pair = [f for f in good.findings if len(f.pairs) == 1]
    assert len(per_pair) == 3 + 4 + 4 + 4 and all(f.family_size == 15 for f in per_pair)
    bad = verdicts(fixture(optical_shift=-0.3))["optical-beats-baselines"]
    assert bad.verdict == CONTRADICTED


def test_relative_gain_is_the_ratio_of_macro_means_and_its_verdict_flips():
    entries = fixture(gain=0.137)
    result = verdicts(entries)["optical-gain-over-nmt"]
    [finding] = result.findings
    pairs = ("en-sw", "en-so", "en-mr")
    by_hand = np.mean([np.mean(entries[(p, "optical")].scores["AP"]) for p in pairs]) / np.mean(
        [np.mean(entries[(p, "bm25-nmt")].scores["AP"]) for p in pairs]
    ) - 1
    assert finding.pairs == pairs and finding.estimate == pytest.approx(by_hand, abs=1e-12)
    assert finding.estimate == pytest.approx(0.137, abs=1e-9) and result.verdict == SUPPORTED
    assert verdicts(fixture(gain=0.6))["optical-gain-over-nmt"].verdict == CONTRADICTED


def test_gap_supported_then_contradicted():
    assert verdicts(fixture(mdpr_gap=0.2))["resource-gap"].verdict == SUPPORTED
    assert verdicts(fixture(mdpr_gap=-0.2))["resource-gap"].verdict == CONTRADICTED
    [finding] = verdicts(fixture(mdpr_gap=0.2))["resource-gap"].findings
    entries = fixture(mdpr_gap=0.2)
    mean = {p: np.mean(entries[(p, "mdpr")].scores["AP"]) for p in PAIRS}
    by_hand = np.mean([mean[p] for p in HIGH_RESOURCE]) - np.mean([mean[p] for p in LOW_RESOURCE])
    assert finding.estimate == pytest.approx(by_hand, abs=1e-12) and finding.ci_low < by_hand < finding.ci_high


def test_gap_narrowing_flips_with_the_gaps():
    assert verdicts(fixture(mdpr_gap=0.2, optical_gap=0.0))["distillation-narrows-gap"].verdict == SUPPORTED
    assert verdicts(fixture(mdpr_gap=0.0, optical_gap=0.2))["distillation-narrows-gap"].verdict == CONTRADICTED
    assert verdicts(fixture(mdpr_gap=0.1, optical_gap=0.1))["distillation-narrows-gap"].verdict != SUPPORTED


def test_gap_difference_pvalue_matches_exact_enumeration():
    rng = np.random.default_rng(5)
    method = {p: rng.uniform(0, 1, 2) for p in PAIRS}
    reference = {p: rng.uniform(0, 1, 2) for p in PAIRS}
    # Exact: all 2^14 sign vectors of the weighted differences, by brute force.
    weights, diffs = [], []
    for pairs, sign in ((HIGH_RESOURCE, 1), (LOW_RESOURCE, -1)):
        for p in pairs:
            for d in method[p] - reference[p]:
                weights.append(sign / (len(pairs) * 2))
                diffs.append(d)
    w, d = np.array(weights), np.array(diffs)
    observed = abs(np.sum(w * d))
    signs = np.array(list(itertools.product([-1, 1], repeat=d.size)))
    exact = np.mean(np.abs(signs @ (w * d)) >= observed - 1e-12)
    assert gap_difference_pvalue(method, reference, n_resamples=20000, seed=1) == pytest.approx(exact, abs=0.015)


def test_stratified_bootstrap_agrees_with_scipy_on_one_stratum():
    values = np.random.default_rng(2).uniform(0, 1, 60)
    observed, low, high = stratified_bootstrap_ci({"m": {"en-sw": values}}, lambda means: means["m"]["en-sw"], n_resamples=20000, seed=0)
    reference = stats.bootstrap((values,), np.mean, method="percentile", n_resamples=20000, random_state=0).confidence_interval
    assert observed == pytest.approx(values.mean()) and low == pytest.approx(reference.low, abs=0.01)
    assert high == pytest.approx(reference.high, abs=0.01)


def test_missing_method_is_not_testable():
    entries = {k: v for k, v in fixture().items() if k[1] != "cal"}
    result = verdicts(entries)["cal-beats-nmt"]
    assert result.verdict == NOT_TESTABLE


def test_claims_command_writes_markdown_and_json(tmp_path, capsys):
    save_scores(tmp_path / "scores" / "ntrex.json", "ntrex", fixture())
    assert main(["claims", "--out", str(tmp_path), "--resamples", "500"]) == 0
    text = (tmp_path / "claims.md").read_text()
    assert "not a replication" in text and "## `optical-gain-over-nmt`" in text
    data = json.loads((tmp_path / "claims.json").read_text())
    assert [c["id"] for c in data["claims"]] == [c.id for c in CLAIMS]
    assert {c["verdict"] for c in data["claims"]} <= {SUPPORTED, CONTRADICTED, NOT_SEPARABLE, NOT_TESTABLE}
    assert main(["claims", "--out", str(tmp_path / "empty")]) == 1


# The OPTICAL paper's abstract as arXiv:2301.12566v1 gives it (checked against two copies of it), the
# text every quotation in the registry must come from word for word.
ABSTRACT = (
    "Benefiting from transformer-based pre-trained language models, neural ranking models have made significant "
    "progress. More recently, the advent of multilingual pre-trained language models provides great support for "
    "designing neural cross-lingual retrieval models. However, due to unbalanced pre-training data in different "
    "languages, multilingual language models have already shown a performance gap between high and low-resource "
    "languages in many downstream tasks. And cross-lingual retrieval models built on such pre-trained models can "
    "inherit language bias, leading to suboptimal result for low-resource languages. Moreover, unlike the "
    "English-to-English retrieval task, where large-scale training collections for document ranking such as MS MARCO "
    "are available, the lack of cross-lingual retrieval data for low-resource language makes it more challenging for "
    "training cross-lingual retrieval models. In this work, we propose OPTICAL: Optimal Transport distillation for "
    "low-resource Cross-lingual information retrieval. To transfer a model from high to low resource languages, "
    "OPTICAL forms the cross-lingual token alignment task as an optimal transport problem to learn from a "
    "well-trained monolingual retrieval model. By separating the cross-lingual knowledge from knowledge of query "
    "document matching, OPTICAL only needs bitext data for distillation training, which is more feasible for "
    "low-resource languages. Experimental results show that, with minimal training data, OPTICAL significantly "
    "outperforms strong baselines on low-resource languages, including neural machine translation."
)


def test_every_claim_quotes_its_source_verbatim_or_says_why_not():
    from harness.claims.registry import CLAIMS

    for claim in CLAIMS:
        assert "issue" not in claim.source.lower(), claim.id  # a source is a document, not this project's tracker
        if claim.quote:
            assert claim.quote in ABSTRACT and "abstract" in claim.source, claim.id
        else:
            assert claim.unquoted.startswith("No source sentence quoted"), claim.id
    gain = next(c for c in CLAIMS if c.id == "optical-gain-over-nmt")
    assert "13.7" not in gain.quote and "not in the abstract" in gain.unquoted  # the figure is not claimed as quoted
