"""Output formats: CSV and JSON contents, LaTeX structure, PNG validity, byte-identical reruns."""

import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ttest_rel

from harness.data.pairs import PAIRS
from harness.board.outputs import FORMATS, render_outputs
from harness.evaluation.scores import ScoreEntry
from test_compare import two_measures
from test_leaderboard import METHODS, QIDS, board

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MEASURES = ("AP", "nDCG@10")


def entries_with_an_underscore_method():
    entries = two_measures()
    rng = np.random.default_rng(5)
    for pair in PAIRS:
        base = entries[(pair, "base")]
        scores = {m: list(np.clip(base.values(m) + rng.normal(0.05, 0.05, len(QIDS)), 0, 1)) for m in MEASURES}
        entries[(pair, "my_method")] = ScoreEntry(pair, "my_method", "ok", query_ids=QIDS, scores=scores)
    return entries


def render(**options):
    result = board(entries_with_an_underscore_method(), [*METHODS, "my_method"], MEASURES, **options)
    return result, render_outputs([result], result.options)


@pytest.fixture(scope="module")
def rendered():
    return render(baselines=("base", "strong"))


def test_every_format_is_byte_identical_when_rebuilt(rendered):
    _, files = rendered
    _, again = render(baselines=("base", "strong"))
    assert files.keys() == again.keys()
    assert {"leaderboard.md", "leaderboard.csv", "comparisons.csv", "leaderboard.json", "leaderboard.tex"} <= files.keys()
    for path, content in files.items():
        assert content == again[path], path


def test_plots_are_valid_png_and_linked_relatively_from_the_markdown(rendered):
    _, files = rendered
    plots = sorted(path for path in files if path.endswith(".png"))
    assert plots == sorted(f"plots/x-{m}-{kind}.png" for m in ("AP", "nDCG-10") for kind in ("pairs", "gap"))
    for path in plots:
        assert files[path].startswith(PNG_MAGIC) and b"Matplotlib" not in files[path]  # no version stamp
        assert f"]({path})" in files["leaderboard.md"]


def test_comparisons_csv_holds_every_comparison_of_every_measure(rendered):
    result, files = rendered
    table = pd.read_csv(io.StringIO(files["comparisons.csv"]))
    assert len(table) == len(result.comparisons.comparisons) and set(table["measure"]) == set(MEASURES)
    row = table[(table.measure == "nDCG@10") & (table.column == "en-sw") & (table.method == "strong") & (table.reference == "base")].iloc[0]
    entries = result.entries
    assert np.isclose(row.p_value, ttest_rel(entries[("en-sw", "strong")].values("nDCG@10"), entries[("en-sw", "base")].values("nDCG@10")).pvalue, rtol=1e-5)
    assert row.significant and row.family == "nDCG@10 · pairs · vs base" and row.family_size == 22
    assert row.ci_low < row.mean_diff < row.ci_high and row.wins + row.ties + row.losses == len(QIDS)
    group = table[(table.column == "low-resource mean") & (table.method == "strong") & (table.reference == "base")]
    assert set(group.test) == {"stratified-permutation"} and group.ci_low.isna().all()


def test_scores_csv_names_the_baselines_each_mean_beats(rendered):
    result, files = rendered
    table = pd.read_csv(io.StringIO(files["leaderboard.csv"]), keep_default_na=False)
    assert len(table) == len(MEASURES) * len(result.methods) * len(result.columns)
    cell = table[(table.measure == "AP") & (table.method == "strong") & (table.column == "en-sw")].iloc[0]
    assert cell.better_than == "base" and cell.worse_than == "" and cell.best
    assert float(cell["mean"]) == round(result.entries[("en-sw", "strong")].mean("AP"), 6)
    same = table[(table.measure == "AP") & (table.method == "same") & (table.column == "en-sw")].iloc[0]
    assert same.worse_than == "strong"
    skipped = table[(table.method == "weak") & (table.column == "en-yo")].iloc[0]
    assert skipped.status == "skipped" and skipped.reason == "no translator for en-yo" and skipped["mean"] == ""


def test_json_carries_options_families_and_comparisons(rendered):
    result, files = rendered
    document = json.loads(files["leaderboard.json"])
    assert document["options"]["baselines"] == ["base", "strong"] and document["options"]["family"] == "table"
    (collection,) = document["collections"]
    assert len(collection["comparisons"]) == len(result.comparisons.comparisons)
    assert {f["label"]: f["size"] for f in collection["families"]} == result.comparisons.families
    first = collection["comparisons"][0]
    assert first["ci_low"] is not None and 0 <= first["p_corrected"] <= 1
    assert all(c["ci_low"] is None for c in collection["comparisons"] if c["test"] == "stratified-permutation")


def test_all_pairs_json_lists_top_groups():
    result, files = render(comparisons="all-pairs")
    groups = json.loads(files["leaderboard.json"])["collections"][0]["tie_groups"]
    assert len(groups) == len(MEASURES) * len(result.columns)
    assert all(g["best"] == "strong" and "same" in g["worse"] for g in groups)


def test_latex_is_structurally_sound(rendered):
    _, files = rendered
    tex = files["leaderboard.tex"]
    stack = []
    for kind, name in re.findall(r"\\(begin|end)\{(\w+)\}", tex):
        if kind == "begin":
            stack.append(name)
        else:
            assert stack.pop() == name
    assert stack == []
    assert tex.count(r"\begin{table*}") == len(MEASURES) and tex.count(r"\toprule") == len(MEASURES)
    assert "\nmy\\_method & " in tex and not re.search(r"(?<!\\)_", tex.replace(r"\_", ""))
    assert tex.isascii()  # marks and Greek letters are LaTeX commands, not unicode
    assert r"$^{\blacktriangle}$" in tex and r"\label{tab:x-ndcg-10}" in tex
    assert tex.count("{") == tex.count("}")
    assert "0.5" in tex and "\n.5" not in tex  # four decimals with the leading zero, as on the board


def test_formats_choose_the_outputs_and_the_markdown_links_only_what_exists():
    result = board()
    files = render_outputs([result], result.options, ["md"])
    assert list(files) == ["leaderboard.md"]
    assert "](plots/" not in files["leaderboard.md"] and "comparisons.csv" not in files["leaderboard.md"]
    assert set(render_outputs([result], result.options, FORMATS)) > {"leaderboard.md", "leaderboard.json"}
