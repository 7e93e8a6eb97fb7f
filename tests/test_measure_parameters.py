"""Every measure's parameters are checked before any work (case measure-bad-parameter).

``--measures nDCG@0`` used to be accepted; retrieval ran, then pytrec_eval's C code asserted
and the process died with SIGABRT (exit 134).  The rules the tests hold to come from
trec_eval's definitions, not from the harness: a cutoff is a rank depth (1 or more), a
relevance level marks what counts as relevant (a level of 0 would make judged non-relevant
documents relevant), a persistence is a probability strictly between 0 and 1 (Moffat &
Zobel 2008, RBP), a recall level lies in [0, 1].
"""

import os
import subprocess
import sys

import pytest

from harness.cli.main import main
from harness.errors import UsageError
from harness.evaluation.measures import evaluate, parse_measures

BAD = [
    ("nDCG@0", "cutoff=0"),
    ("P@0", "cutoff=0"),
    ("R@0", "cutoff=0"),
    ("AP@0", "cutoff=0"),
    ("RR@0", "cutoff=0"),
    ("P@1.5", "cutoff=1.5"),
    ("P@-1", "negative"),
    ("AP(rel=0)", "rel=0"),
    ("P(rel=1.5)@10", "rel=1.5"),
    ("IPrec@1.5", "recall=1.5"),
    ("Compat(p=1.5)", "p=1.5"),
    ("Compat(p=0)", "p=0"),
    ("nDCG(dcg='cubic')@10", "dcg='cubic'"),
    ("P(depth=3)@10", "no parameter 'depth'"),
]


@pytest.mark.parametrize("name, named", BAD)
def test_measure_bad_parameter_is_refused_at_parse_time(name, named):
    with pytest.raises(UsageError) as refused:
        parse_measures([name])
    assert name in str(refused.value) and named in str(refused.value)


@pytest.mark.parametrize("name", ["AP", "MAP", "nDCG@10", "nDCG@20", "R@100", "RR@10", "P@10", "P@1",
                                  "RR(rel=2)@10", "IPrec@0.5", "Compat(p=0.8)", "nDCG(dcg='exp-log2')@10"])
def test_sane_measures_still_parse(name):
    assert name in parse_measures([name])


def test_measure_bad_parameter_never_reaches_the_evaluator():
    """In the process itself: a refused measure raises before pytrec_eval sees it (no abort)."""
    qrels = {"q1": {"d1": 1, "d2": 0}}
    run = {"q1": {"d1": 2.0, "d2": 1.0}}
    with pytest.raises(UsageError):
        evaluate(run, qrels, ["AP", "nDCG@0"])
    assert evaluate(run, qrels, ["AP"]).per_query.loc["q1", "AP"] == 1.0  # one relevant document, ranked first


def test_measure_without_an_installed_evaluator_is_refused_before_work(monkeypatch):
    import ir_measures

    for provider in ir_measures.providers.registry.values():
        monkeypatch.setattr(provider, "is_available", lambda: False)
    with pytest.raises(UsageError, match="no evaluator installed here"):
        parse_measures(["P@7"])


@pytest.mark.parametrize("command", [["run", "--methods", "bm25-nmt", "--pairs", "en-sw"], ["leaderboard"], ["evaluate"]])
def test_measure_bad_parameter_exits_2_with_one_line_before_any_work(command, tmp_path, capsys):
    assert main([*command, "--measures", "AP,nDCG@0", "--out", str(tmp_path / "results")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nDCG@0" in err and "cutoff" in err
    assert not (tmp_path / "results").exists()  # nothing retrieved, nothing written


def test_measure_bad_parameter_in_a_fresh_process_is_not_an_abort(tmp_path):
    """The case as a user meets it: the process ends with exit 2 and one line, not SIGABRT (134)."""
    done = subprocess.run([sys.executable, "-m", "harness", "leaderboard", "--measures", "nDCG@0", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=os.environ | {"HF_HUB_OFFLINE": "1"}, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "nDCG@0" in done.stderr
