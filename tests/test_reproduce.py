"""`harness check`: the committed scores against results/expected.tsv, and the BM25 cells re-run."""

import json
import shutil
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.errors import HarnessError
from harness.reproduction.check import read_expected
from test_ciral_collections import _ciral_passages, _jsonl

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


def test_pyserini_ciral_rows_are_the_published_ones_and_need_network_offline(committed, capsys, monkeypatch):
    from harness.reproduction.external import read_external

    rows = {(r.collection, r.pair, r.method, r.measure): r for r in read_external()}
    assert len(rows) == 48  # 3 splits x 4 languages x (bm25-qt, mdpr) x (nDCG@20, R@100)
    # Values as pyserini/2cr/ciral.yaml (castorini/pyserini @ 2bb342a) prints them.
    assert rows[("ciral", "en-ha", "bm25-ht", "nDCG@20")].value == 0.1656
    assert rows[("ciral-test-b", "en-yo", "bm25-ht", "R@100")].value == 0.6434
    assert rows[("ciral-test-a-pools", "en-sw", "mdpr", "nDCG@20")].value == 0.1556
    assert rows[("ciral", "en-so", "mdpr", "R@100")].profile == "paper"
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["check", "--rerun", "none", "--out", str(committed)]) == 0
    out = capsys.readouterr().out
    assert out.count("NEEDS NETWORK") == 48 and "CIRAL corpus needs network once" in out
    assert "48 Pyserini 2CR expectations: 0 OK, 0 FAIL, 48 not run" in out


def test_an_external_row_is_run_and_compared_where_the_corpus_is_here(fake_hub, tmp_path, monkeypatch, capsys):
    from harness.data import ciral
    from harness.reproduction import external

    files, _ = fake_hub
    rows = _ciral_passages("sw", "test-a")
    files[ciral.corpus("sw").path] = _jsonl(rows)
    out = tmp_path / "out"
    assert main(["run", "--collection", "ciral", "--pairs", "en-sw", "--methods", "bm25-ht", "--out", str(out)]) == 0
    capsys.readouterr()
    # R@100 by hand from the run file and the qrels: relevant retrieved / relevant judged, 0 for a query
    # nothing relevant was retrieved for, averaged over the queries with a relevant judgement.
    relevant: dict[str, set[str]] = {}
    for judged in ciral.qrels("sw", "test-a"):
        if judged.relevance > 0:
            relevant.setdefault(judged.query_id, set()).add(judged.doc_id)
    retrieved: dict[str, list[str]] = {}
    for line in (out / "runs" / "ciral" / "en-sw" / "bm25-ht.run").read_text().splitlines():
        query, _, doc, *_ = line.split()
        retrieved.setdefault(query, []).append(doc)
    recall = sum(len(relevant[q] & set(retrieved.get(q, [])[:100])) / len(relevant[q]) for q in relevant) / len(relevant)
    assert recall > 0
    table = tmp_path / "expected.tsv"
    table.write_text("collection\tpair\tmethod\tprofile\tmeasure\tvalue\ttolerance\tcondition\n"
                     f"ciral\ten-sw\tbm25-ht\tsmall\tR@100\t{recall!r}\t1e-6\tbm25-qt.sw\n"  # scores keep 6 decimals
                     f"ciral\ten-sw\tbm25-ht\tsmall\tnDCG@20\t{recall + 0.5!r}\t0.005\tbm25-qt.sw\n")
    monkeypatch.setattr(external, "TABLE", table)
    lines = []
    ok, failed, not_run = external.check_external(external.read_external(), {"bm25-ht"}, lines.append, tmp_path / "check")
    assert (ok, failed, not_run) == (1, 1, 0)
    assert lines[0].startswith("OK            ciral/en-sw/bm25-ht/R@100") and lines[1].startswith("FAIL          ciral/en-sw/bm25-ht/nDCG@20")
