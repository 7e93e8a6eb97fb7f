"""The reproduction site: every page and link is there, the numbers are the scores', the query data is
the runs' and the collection's, and a rebuild -- also from the committed files alone -- changes no byte.

The browser test is ``test_site_browser.py``.
"""

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import ir_datasets
import numpy as np
import pytest

from harness.cli.main import main
from harness.evaluation.scores import load_scores
from harness.reproduction.rerun import rerun_command
from harness.site.build import build_site

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--resamples", "200"]
# What a clone holds of a results folder: run files and sidecars (runs/) are not committed.
COMMITTED = ("scores", "provenance", "plots", "studies", "compare", "leaderboard.json", "claims.md")
SIZE_LIMIT = 5_000_000  # bytes: the committed site stays small enough to publish as it is


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    assert main(["run", "--methods", "bm25-nmt,bm25-ht", "--pairs", "en-sw,en-yo", "--out", str(out), *FAST]) == 0
    assert main(["compare", "bm25-ht", "bm25-nmt", "--pairs", "en-sw", "--out", str(out), *FAST]) == 0
    assert main(["claims", "--out", str(out), *FAST]) == 0
    (out / "studies").mkdir()
    for suffix in ("md", "png"):  # a study's committed page and plot
        shutil.copy(ROOT / "results" / "studies" / f"seeds.{suffix}", out / "studies")
    assert main(["site", "--out", str(out)]) == 0
    return out


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.targets, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("href", "src"):
            if attrs.get(key):
                self.targets.append(attrs[key])
        if attrs.get("id"):
            self.ids.add(attrs["id"])


def test_every_page_and_every_relative_link_is_there(results):
    site = results / "site"
    for page in ("index.html", "cells-ntrex.html", "pair.html", "query.html", "claims.html", "studies/seeds.html",
                 "compare-bm25-ht-vs-bm25-nmt-AP.html", "data/ntrex-en-sw.js", "data/ntrex-en-yo.js",
                 "assets/site.js", "assets/site.css", "studies/seeds.png", "plots/ntrex-AP-pairs.png"):
        assert (site / page).is_file(), page
    for page in site.rglob("*.html"):
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for target in parser.targets:
            if "://" in target:
                continue
            path, _, anchor = target.partition("#")
            resolved = (page.parent / path).resolve() if path else page
            assert resolved.is_file(), f"{page.name}: {target}"
            if path.endswith(("pair.html", "query.html")):  # drawn from data/<collection>-<pair>.js
                collection, pair = anchor.split("/")[:2]
                assert (site / "data" / f"{collection}-{pair}.js").is_file(), target
            elif anchor and path.startswith("cells-"):
                targets = Links()
                targets.feed(resolved.read_text(encoding="utf-8"))
                assert anchor in targets.ids, target


def test_board_cells_show_the_scores_and_the_skip_reasons(results):
    entries = load_scores(results / "scores" / "ntrex.json")
    index = (results / "site" / "index.html").read_text(encoding="utf-8")
    for (pair, method), entry in entries.items():
        cell = index.split(f'data-cell="{pair}/{method}"', 1)[1].split("</td>", 1)[0]
        if entry.status == "ok":
            assert f'<span class="value">{np.mean(entry.scores["AP"]):.4f}</span>' in cell
            assert "95% CI [" in cell
        else:
            assert ">skipped</span>" in cell and f"<summary " in cell and "no machine translation into Yoruba here" in cell
            assert "no translator for en-yo" in cell  # the long reason, behind the short one


def test_each_cell_page_gives_the_command_of_its_sidecar(results):
    page = (results / "site" / "cells-ntrex.html").read_text(encoding="utf-8")
    for sidecar_path in sorted((results / "runs" / "ntrex").glob("*/*.json")):
        sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
        section = page.split(f'id="{sidecar["pair"]}/{sidecar["method"]}"', 1)[1].split("</section>", 1)[0]
        assert f"<code>{rerun_command(sidecar)}</code>" in section
        if sidecar["status"] == "ok":
            assert sidecar["environment"]["git"] in section or sidecar["environment"]["git"] is None
            assert str(sidecar["wall_time_s"]) in section and sidecar["date"] in section
    assert "--set bm25-nmt.translator=precomputed:opus-mt-ntrex" in page  # the resolved translator, pinned


def test_query_data_is_the_runs_top_10_with_qrels_and_passages_of_the_collection(results):
    script = (results / "site" / "data" / "ntrex-en-sw.js").read_text(encoding="utf-8")
    assert script.startswith("CLIR.pairData(") and script.endswith(");\n")
    data = json.loads(script[len("CLIR.pairData("):-3])
    dataset = ir_datasets.load("harness/ntrex/sw")
    texts = {q.query_id: q.text for q in dataset.queries_iter()}
    qrels = {(q.query_id, q.doc_id): q.relevance for q in dataset.qrels_iter()}
    passages = {d.doc_id: d.text for d in dataset.docs_iter()}
    methods = [m["name"] for m in data["methods"]]
    run_lines = (results / "runs" / "ntrex" / "en-sw" / "bm25-nmt.run").read_text().splitlines()
    scores = load_scores(results / "scores" / "ntrex.json")[("en-sw", "bm25-nmt")]
    for position, query in enumerate(data["queries"][:20]):
        assert query["text"] == texts[query["id"]]
        top = query["top"][methods.index("bm25-nmt")]
        expected = [line.split()[2] for line in run_lines if line.split()[0] == query["id"]][:10]  # file order is rank order
        assert [data["docs"][n] for n in top] == expected
        for n in top:
            assert data["passages"][n] == passages[data["docs"][n]]
            assert query["labels"].get(str(n), 0) == qrels.get((query["id"], data["docs"][n]), 0)
        stored = query["scores"][methods.index("bm25-nmt")][data["measures"].index("AP")]
        assert stored == round(scores.scores["AP"][scores.query_ids.index(query["id"])] * data["scale"])
    assert len(set(data["docs"])) == len(data["docs"]) == len(data["passages"])  # each passage once


def test_compare_writes_its_table_with_the_query_texts_as_csv_latex_and_json(results, tmp_path):
    import csv
    import subprocess

    texts = {q.query_id: q.text for q in ir_datasets.load("harness/ntrex/sw").queries_iter()}
    stem = results / "compare" / "bm25-ht-vs-bm25-nmt-AP"
    rows = list(csv.DictReader(stem.with_suffix(".csv").open(encoding="utf-8")))
    assert len(rows) == len(texts) and all(row["text"] == texts[row["query"]] for row in rows)
    diffs = [float(row["diff"]) for row in rows]
    assert diffs == sorted(diffs, reverse=True)  # largest gain of bm25-ht first
    entries = load_scores(results / "scores" / "ntrex.json")
    a, b = entries[("en-sw", "bm25-ht")], entries[("en-sw", "bm25-nmt")]
    first = rows[0]["query"]
    expected = a.scores["AP"][a.query_ids.index(first)] - b.scores["AP"][b.query_ids.index(first)]
    assert abs(float(rows[0]["diff"]) - expected) < 2e-6
    document = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
    assert document["per_pair"][0]["queries"][0]["text"] == texts[first] and not document["texts_missing"]
    tex = stem.with_suffix(".tex").read_text(encoding="utf-8")
    assert tex.count(r"\begin{longtable}") == 1 and tex.count(r"\\" + "\n") >= len(texts)
    if shutil.which("pdflatex"):
        (tmp_path / "compare.tex").write_text("\\documentclass{article}\n\\usepackage{booktabs,longtable}\n"
                                              "\\begin{document}\n" + tex + "\\end{document}\n", encoding="utf-8")
        done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "compare.tex"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout[-2000:]


def committed_copy(out: Path, dest: Path) -> Path:
    dest.mkdir()
    for name in COMMITTED:
        source = out / name
        if source.is_dir():
            shutil.copytree(source, dest / name)
        elif source.is_file():
            shutil.copy(source, dest / name)
    return dest


def test_a_rebuild_changes_no_byte_even_from_the_committed_files_alone(results, tmp_path):
    site = results / "site"
    before = {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    (site / "stale.html").write_text("from an earlier build")
    assert main(["site", "--out", str(results)]) == 0
    after = {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before  # the stale page is gone, nothing else moved
    clone = committed_copy(results, tmp_path / "clone")
    assert not (clone / "runs").exists()
    assert build_site(clone) == before


def test_the_site_needs_the_board_it_shows(tmp_path, capsys):
    (tmp_path / "scores").mkdir()
    assert main(["site", "--out", str(tmp_path)]) == 1
    assert "run `python -m harness leaderboard` first" in capsys.readouterr().err


def test_the_committed_site_is_the_one_its_committed_results_give(tmp_path):
    # `python -m harness site` after any change of the committed results; this fails until it has run.
    site = ROOT / "results" / "site"
    built = build_site(committed_copy(ROOT / "results", tmp_path / "clone"))
    committed = {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    stale = sorted(set(committed) ^ set(built)) + sorted(k for k in built if k in committed and built[k] != committed[k])
    assert not stale, f"results/site/ is not what the committed results give ({stale[:5]}); run: python -m harness site"
    assert sum(len(b) for b in built.values()) < SIZE_LIMIT
