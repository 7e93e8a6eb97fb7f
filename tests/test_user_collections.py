"""A collection of one's own: a folder on disk (tests/data/tiny-collection, the README's example) and an
ir_datasets id, run through the command line like the built-in ones."""

import json
import shutil
from pathlib import Path

import ir_datasets
import pytest
from ir_datasets.datasets.base import Dataset
from ir_datasets.formats import GenericDoc, GenericQuery, TrecQrel

from harness.cli.main import main
from harness.data.local import register_folder
from harness.data.pairs import get_pair
from harness.errors import HarnessError

DATA = Path(__file__).resolve().parent / "data"
TINY = DATA / "tiny-collection"


def test_local_folder_registers_each_language_into_ir_datasets():
    name, langs = register_folder(TINY)
    assert (name, langs) == ("tiny-collection", ["fa", "sw"])
    sw = ir_datasets.load("local/tiny-collection/sw")
    assert sw.docs_count() == 4 and [d.doc_id for d in sw.docs_iter()][0] == "sw-1"
    assert list(sw.queries_iter())[-1] == ("q3", "Fuel prices rise again in Kenya")
    assert [tuple(q)[:3] for q in sw.qrels_iter()] == [("q1", "sw-1", 1), ("q2", "sw-2", 1), ("q3", "sw-3", 2)]
    assert sw.docs_lang() == "sw" and sw.queries_lang() == "en"
    fa = ir_datasets.load("local/tiny-collection/fa")
    assert [d.doc_id for d in fa.docs_iter()] == ["fa-1", "fa-2", "fa-3", "fa-4"]


def test_a_pair_outside_the_seven_is_made_from_its_code():
    pair = get_pair("en-fa")
    assert (pair.lang, pair.language, pair.resource, pair.nllb, pair.trained) == ("fa", "Persian", "unknown", "pes_Arab", False)
    assert get_pair("en-xq").language == "xq"
    with pytest.raises(KeyError):
        get_pair("fa")


@pytest.mark.parametrize("file, content, message", [
    ("sw/qrels.txt", "q1 0 sw-1 1\nq1 0 sw-9 1\n", r"qrels.txt:2: document 'sw-9' is not in"),
    ("sw/qrels.txt", "q1 0 sw-1 high\n", r"qrels.txt:1: relevance 'high' is not an integer"),
    ("sw/qrels.txt", "q7 0 sw-1 1\n", r"qrels.txt:1: query 'q7' is not in"),
    ("sw/queries.tsv", "q1\tone\nq1\ttwo\n", r"queries.tsv:2: query id 'q1' appears twice"),
    ("sw/docs.jsonl", '{"doc_id": "sw-1", "text": "x"}\n{"id": "sw-2"}\n', r"docs.jsonl:2: expected"),
    ("fa/docs.tsv", "fa-1 no tab here\n", r"docs.tsv:1: expected doc_id<TAB>text"),
])
def test_malformed_files_are_one_line_with_file_and_line_and_nothing_is_registered(tmp_path, file, content, message, capsys):
    root = tmp_path / "broken-collection"
    shutil.copytree(TINY, root)
    (root / file).write_text(content, encoding="utf-8")
    with pytest.raises(HarnessError, match=message):
        register_folder(root)
    assert "local/broken-collection/fa" not in ir_datasets.registry  # nothing half-registered
    assert main(["run", "--collection", str(root), "--methods", "mdpr", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and file.split("/")[1] in err


def test_local_collection_through_the_cli_gives_a_leaderboard(tiny_bert, tmp_path):
    argv = ["run", "--collection", str(TINY), "--methods", "bm25-nmt,mdpr",
            "--set", f"bm25-nmt.translator=tsv:{DATA / 'tiny-translations'}/{{lang}}.tsv",
            "--set", f"mdpr.model={tiny_bert}", "--resamples", "50", "--out", str(tmp_path)]
    assert main(argv) == 0
    for pair in ("en-fa", "en-sw"):
        sidecar = json.loads((tmp_path / "runs" / "tiny-collection" / pair / "bm25-nmt.json").read_text())
        assert sidecar["status"] == "ok" and sidecar["dataset_id"] == f"local/tiny-collection/{pair[3:]}"
    board = (tmp_path / "leaderboard.md").read_text()
    assert "Collection `tiny-collection`" in board
    header = next(line for line in board.splitlines() if line.startswith("| method"))
    assert [c.strip() for c in header.strip("|").split("|")] == ["method", "en-fa", "en-sw", "mean"]
    scores = json.loads((tmp_path / "scores" / "tiny-collection.json").read_text())["entries"]
    bm25 = {e["pair"]: e["scores"]["AP"] for e in scores if e["method"] == "bm25-nmt"}
    assert bm25["en-sw"] == [1.0, 1.0, 1.0]  # each translated query finds its own passage first (by hand)
    # The board rebuilds from the scores alone, in a process that never saw the folder.
    assert main(["leaderboard", "--out", str(tmp_path)]) == 0


def test_an_ir_datasets_id_with_a_language_pattern(tiny_bert, tmp_path):
    for lang in ("sw", "ha"):
        name = f"harness-test/{lang}"
        if name not in ir_datasets.registry:
            docs = [GenericDoc(f"{lang}-{i}", f"habari {i} {lang}") for i in range(5)]
            queries = [GenericQuery(f"q{i}", f"news {i}") for i in range(3)]
            qrels = [TrecQrel(f"q{i}", f"{lang}-{i}", 1, "0") for i in range(3)]
            ir_datasets.registry.register(name, Dataset(_Docs(docs), _Queries(queries), _Qrels(qrels)))
    argv = ["run", "--collection", "irds:harness-test/{lang}", "--pairs", "en-sw,en-ha", "--methods", "mdpr",
            "--set", f"mdpr.model={tiny_bert}", "--resamples", "50", "--out", str(tmp_path)]
    assert main(argv) == 0
    sidecar = json.loads((tmp_path / "runs" / "irds-harness-test-lang" / "en-ha" / "mdpr.json").read_text())
    assert sidecar["status"] == "ok" and sidecar["dataset_id"] == "harness-test/ha"
    assert "Collection `irds-harness-test-lang`" in (tmp_path / "leaderboard.md").read_text()
    assert main(["run", "--collection", "irds:harness-test/{lang}", "--methods", "mdpr", "--out", str(tmp_path)]) == 2


class _Docs:
    def __init__(self, docs):
        self._docs = docs

    def docs_iter(self):
        return iter(self._docs)

    def docs_count(self):
        return len(self._docs)

    def docs_cls(self):
        return GenericDoc

    def docs_lang(self):
        return None


class _Queries:
    def __init__(self, queries):
        self._queries = queries

    def queries_iter(self):
        return iter(self._queries)

    def queries_cls(self):
        return GenericQuery


class _Qrels:
    def __init__(self, qrels):
        self._qrels = qrels

    def qrels_iter(self):
        return iter(self._qrels)

    def qrels_cls(self):
        return TrecQrel

    def qrels_defs(self):
        return {}


def test_queries_without_a_relevant_judgement_are_named_in_one_line_with_their_count(tmp_path, capsys):
    """trec_eval scores only the queries its qrels judge; the harness does the same and says so."""
    root = tmp_path / "partly-judged"
    shutil.copytree(TINY, root)
    shutil.rmtree(root / "fa")
    with open(root / "sw" / "queries.tsv", "a", encoding="utf-8") as handle:
        handle.write("q4\tSchools reopen after the holiday\nq5\tElection results announced\n")
    with open(root / "sw" / "qrels.txt", "a", encoding="utf-8") as handle:
        handle.write("q5 0 sw-4 0\n")  # judged, but nothing relevant: no AP to give either
    translations = tmp_path / "translations"
    translations.mkdir()
    (translations / "sw.tsv").write_text((DATA / "tiny-translations" / "sw.tsv").read_text(encoding="utf-8")
                                         + "Schools reopen after the holiday\tWanafunzi wamerudi shuleni\n"
                                         + "Election results announced\tlikizo ndefu\n", encoding="utf-8")
    argv = ["run", "--collection", str(root), "--methods", "bm25-nmt", "--resamples", "50",
            "--set", f"bm25-nmt.translator=tsv:{translations}/{{lang}}.tsv", "--out", str(tmp_path / "out")]
    assert main(argv) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "no relevant judgement" in line]
    assert lines == ["en-sw: 2 of 5 queries have no relevant judgement in the qrels (q4, q5); "
                     "they are retrieved but left out of every mean, as trec_eval does"]
    run = (tmp_path / "out" / "runs" / "partly-judged" / "en-sw" / "bm25-nmt.run").read_text()
    assert {line.split()[0] for line in run.splitlines()} == {"q1", "q2", "q3", "q4", "q5"}  # all retrieved
    scores = json.loads((tmp_path / "out" / "scores" / "partly-judged.json").read_text())
    assert scores["query_ids"]["en-sw"] == ["q1", "q2", "q3"]  # the means are over the judged three
    assert main(["evaluate", "--collection", str(root), "--out", str(tmp_path / "out")]) == 0
    assert "2 of 5 queries have no relevant judgement" in capsys.readouterr().out
