"""`harness check`: the committed scores against results/expected.tsv, and the BM25 cells re-run."""

import json
import shutil
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.errors import HarnessError
from harness.reproduction.check import read_expected

RESULTS = Path(__file__).resolve().parent.parent / "results"


@pytest.fixture
def committed(tmp_path):
    """A copy of the committed scores and expected values."""
    shutil.copytree(RESULTS / "scores", tmp_path / "scores")
    shutil.copy(RESULTS / "expected.tsv", tmp_path / "expected.tsv")
    return tmp_path


def test_expected_values_cover_every_committed_cell():
    scores = json.loads((RESULTS / "scores" / "ntrex.json").read_text())["entries"]
    cells = {(e["pair"], e["method"], m) for e in scores if e["status"] == "ok" for m in e["scores"]}
    expected = {(e.pair, e.method, e.measure) for e in read_expected(RESULTS) if e.collection == "ntrex"}
    assert expected == cells
    by_cell = {(e.pair, e.method, e.measure): e for e in read_expected(RESULTS)}
    entry = next(e for e in scores if e["method"] == "bm25-nmt" and e["pair"] == "en-sw")
    ap = entry["scores"]["AP"]
    assert by_cell[("en-sw", "bm25-nmt", "AP")].value == pytest.approx(sum(ap) / len(ap), abs=1e-12)
    assert by_cell[("en-sw", "bm25-nmt", "AP")].tolerance == 1e-4 and by_cell[("en-sw", "optical", "AP")].tolerance == 2e-3


def test_check_passes_on_the_committed_scores_and_fails_when_one_is_edited(committed, capsys):
    assert main(["check", "--rerun", "none", "--out", str(committed)]) == 0
    assert "0 FAIL" in capsys.readouterr().out
    path = committed / "scores" / "ntrex.json"
    lines = path.read_text().splitlines()
    row = next(i for i, line in enumerate(lines) if '"method":"optical"' in line and '"pair":"en-so"' in line)
    entry = json.loads(lines[row].rstrip(","))
    entry["scores"]["AP"][0] = round(entry["scores"]["AP"][0] + 1e-6, 6)
    lines[row] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + ("," if lines[row].endswith(",") else "")
    path.write_text("\n".join(lines) + "\n")
    assert main(["check", "--rerun", "none", "--out", str(committed)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  ntrex/en-so/optical/AP" in out and "1 FAIL" in out


def test_check_reruns_the_bm25_cells_within_tolerance(committed, capsys):
    # The cheap part CI runs: Lucene over the pinned translations, all pairs (about half a minute).
    assert main(["check", "--out", str(committed)]) == 0
    out = capsys.readouterr().out
    assert "re-run: bm25-ht, bm25-nmt" in out and "0 FAIL" in out
    assert "OK    ntrex/en-sw/bm25-nmt/AP" in out


def test_malformed_expected_file_names_the_line(tmp_path):
    (tmp_path / "expected.tsv").write_text("collection\tpair\tmethod\tmeasure\tvalue\ttolerance\nntrex\ten-sw\tmdpr\tAP\tabc\t0.1\n")
    with pytest.raises(HarnessError, match=r"expected.tsv:2: value .abc. is not a finite number"):
        read_expected(tmp_path)
