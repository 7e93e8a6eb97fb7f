"""The translation study: chrF/BLEU from sacrebleu on the mirror's own lines, tests equal to scipy/statsmodels."""

from pathlib import Path

import numpy as np
import pytest
import sacrebleu
from scipy.stats import spearmanr, ttest_rel
from statsmodels.stats.multitest import multipletests

from harness.cli.main import main
from harness.compare import ComparisonOptions
from harness.data.pairs import PAIRS
from harness.studies.translation.run import HUMAN, SystemResult, analyse, render_study, run_systems

MIRROR = Path(__file__).resolve().parents[2] / "shared" / "data" / "mirror"


def ntrex_lines(name: str) -> list[str]:
    return (MIRROR / "MicrosoftTranslator/NTREX/NTREX-128" / name).read_text(encoding="utf-8").replace("\r", "").split("\n")


@pytest.fixture(scope="module")
def somali(tmp_path_factory):
    out = tmp_path_factory.mktemp("study")
    return out, run_systems([PAIRS["en-so"]], out, force=False, report=lambda line: None)


def test_somali_runs_opus_mt_and_the_human_ceiling(somali):
    out, results = somali
    assert [(r.system, r.status) for r in results] == [("precomputed:opus-mt-ntrex", "ok"), (HUMAN, "ok")]
    # chrF of the OPUS-MT headlines against the human ones, from the mirror files directly.
    somali_ref = ntrex_lines("newstest2019-ref.som.txt")
    [output_file] = (MIRROR / "Helsinki-NLP").rglob("ntrex128.eng-som.output")
    output = output_file.read_text(encoding="utf-8").split("\n")
    ids = (MIRROR / "MicrosoftTranslator/NTREX/DOCUMENT_IDS.tsv").read_text().replace("\r", "").split("\n")[:1997]
    firsts = [i for i in range(1997) if i == 0 or ids[i] != ids[i - 1]]  # each document's headline line
    assert len(firsts) == 123
    expected = sacrebleu.corpus_chrf([output[i] for i in firsts], [[somali_ref[i] for i in firsts]]).score
    assert results[0].chrf == pytest.approx(expected, abs=1e-9)
    assert results[1].chrf == pytest.approx(100.0) and len(results[1].scores["AP"]) == 123
    assert (out / "studies" / "translation" / "runs" / "ntrex" / "en-so" / "bm25+human.run").is_file()
    again = run_systems([PAIRS["en-so"]], out, force=False, report=lambda line: None)
    assert [r.scores for r in again] == [r.scores for r in results]  # reused runs, same scores


def test_study_outputs_rebuild_from_saved_scores(somali):
    out, _ = somali
    paths = render_study(out, ComparisonOptions(resamples=200))
    assert {p.name for p in paths} == {"translation.md", "translation.csv", "translation.json", "translation.png"}
    text = (out / "studies" / "translation.md").read_text()
    assert "human translation (ceiling)" in text and "`precomputed:opus-mt-ntrex`" in text


def synthetic_results():
    rng = np.random.default_rng(1)
    rows = []
    qids = [f"q{i}" for i in range(30)]
    for pair in ("en-fi", "en-de"):
        human = rng.uniform(0.4, 0.8, 30)
        rows.append(SystemResult(pair, HUMAN, "ok", chrf=100.0, bleu=100.0, query_ids=qids, scores={"AP": list(human), "nDCG@10": list(human)}))
        for k in range(4):
            ap = np.clip(human - 0.05 * (k + 1) + rng.normal(0, 0.05, 30), 0, 1)
            rows.append(SystemResult(pair, f"precomputed:s{k}", "ok", chrf=40.0 + 5 * k + rng.normal(), bleu=10.0 + k,
                                     query_ids=qids, scores={"AP": list(ap), "nDCG@10": list(ap)}))
    return rows


def test_tests_and_correlations_equal_scipy_and_statsmodels():
    results = synthetic_results()
    analysis = analyse(results, ComparisonOptions(resamples=200))
    human = {r.pair: r for r in results if r.system == HUMAN}
    mt = [r for r in results if r.system != HUMAN]
    p = [ttest_rel(r.scores["AP"], human[r.pair].scores["AP"]).pvalue for r in mt]
    holm = multipletests(p, method="holm")[1]
    tested = [row for row in analysis.rows if row.system != HUMAN]
    assert [row.p_corrected for row in tested] == pytest.approx(list(holm), rel=1e-9)
    rho = spearmanr([r.chrf for r in mt], [np.mean(r.scores["AP"]) for r in mt])
    assert analysis.spearman["chrF"][:2] == pytest.approx((rho.statistic, rho.pvalue))
    assert analysis.spearman["chrF, en-fi only"][2] == 4


def test_study_cli_lists_and_rejects_unknown(capsys):
    assert main(["study", "list"]) == 0
    assert "translation" in capsys.readouterr().out
    assert main(["study", "run", "nope"]) == 2
    assert "valid: translation" in capsys.readouterr().err
