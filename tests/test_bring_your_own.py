"""README's "Bring your own method, runs or notebook", run as written: a plugin file, the example
package's entry points, an imported run and the Python API all reach one board, with the same
numbers through the command line and through Python."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## Bring your own method, runs or notebook", 1)[1].split("\n## ", 1)[0]


def blocks(kind: str, text: str = SECTION) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", text, re.S)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A user's folder: the README's method file, then every command of the section, in order."""
    work = tmp_path_factory.mktemp("byo")
    method_file = re.search(r"```python\n# methods/bm25_untranslated\.py\n(.*?)```", README, re.S).group(1)
    (work / "my_methods.py").write_text(method_file, encoding="utf-8")
    outputs = []
    for line in (line for block in blocks("bash") for line in block.splitlines() if line.strip()):
        words = shlex.split(line, comments=True)
        if words[:2] == ["pip", "install"]:
            assert metadata.version("clir-harness-example") == "0.1.0", "the test command installs the example package"
            continue
        if "import-run" in words:  # "my-system.run": another system's run file, here a copy of one made above
            shutil.copy(work / "my-results/runs/ntrex/en-sw/bm25-nmt-classic.run", work / "my-system.run")
        assert words[:3] == ["python", "-m", "harness"], line
        done = subprocess.run([sys.executable, *words[1:]], cwd=work, capture_output=True, text=True,
                              env=os.environ | {"PYTHONPATH": str(ROOT)})
        assert done.returncode == 0, f"{line}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        outputs.append(done.stdout)
    return work, outputs


def test_every_command_of_the_section_puts_its_row_on_the_board(workdir):
    work, outputs = workdir
    board = (work / "my-results" / "leaderboard.md").read_text(encoding="utf-8")
    for row in ("`bm25-untranslated`", "`bm25-nmt-classic`", "`my-system`"):
        assert row in board
    assert "plugin my_methods.py: method bm25-untranslated" in outputs[0]
    sidecars = work / "my-results" / "runs" / "ntrex" / "en-sw"
    origin = json.loads((sidecars / "bm25-nmt-classic.json").read_text())["origin"]
    assert (origin["kind"], origin["name"], origin["version"]) == ("distribution", "clir-harness-example", "0.1.0")
    assert json.loads((sidecars / "bm25-untranslated.json").read_text())["origin"]["kind"] == "file"
    external = json.loads((sidecars / "my-system.json").read_text())["used"]["external"]
    assert external["description"] == "my BM25 + RM3"
    assert external["sha256"] == __import__("hashlib").sha256((work / "my-system.run").read_bytes()).hexdigest()


def test_the_notebook_code_runs_and_gives_the_command_lines_numbers(workdir, monkeypatch, capsys):
    work, _ = workdir
    monkeypatch.chdir(work)
    namespace: dict = {}
    exec(compile(blocks("python")[0], "README.md", "exec"), namespace)
    result = namespace["result"]
    assert list(result.table("AP").index) == ["bm25-nmt", "bm25-nmt-classic", "my-system"]
    assert set(result.board.measures) == {"AP", "nDCG@10"}  # ndcg_cut_10, shown in ir_measures' form
    # The board the command line rebuilds from the same folder, restricted to the experiment's rows.
    subprocess.run([sys.executable, "-m", "harness", "leaderboard", "--out", "my-results", "--measures", "AP,nDCG@10",
                    "--baseline", "bm25-nmt"], cwd=work, check=True, capture_output=True,
                   env=os.environ | {"PYTHONPATH": str(ROOT)})
    csv = pd.read_csv(work / "my-results" / "leaderboard.csv")
    rows = csv[csv["method"].isin(["bm25-nmt", "bm25-nmt-classic", "my-system"]) & (csv["column"] == "en-sw")]
    api = result.means[result.means["column"] == "en-sw"]
    merged = rows.merge(api, on=["measure", "method"], suffixes=("_cli", "_api"))
    assert len(merged) == 6
    assert (merged["mean_cli"] - merged["mean_api"]).abs().max() < 1e-12
    for side in ("better_than", "worse_than"):  # the same marks
        assert merged[f"{side}_cli"].fillna("").tolist() == merged[f"{side}_api"].fillna("").tolist()
    # Each row outside the built-ins is in a family of its own, so the CLI board (with more rows) and
    # the API board (three rows) correct its comparison alike.
    cli = pd.read_csv(work / "my-results" / "comparisons.csv")
    mine = cli[(cli["method"] == "my-system") & (cli["column"] == "en-sw") & (cli["reference"] == "bm25-nmt")]
    ours = result.comparisons[(result.comparisons["method"] == "my-system") & (result.comparisons["column"] == "en-sw")
                              & (result.comparisons["reference"] == "bm25-nmt")]
    assert len(mine) == len(ours) == 2
    for measure in ("AP", "nDCG@10"):
        a, b = mine[mine["measure"] == measure].iloc[0], ours[ours["measure"] == measure].iloc[0]
        assert a["p_corrected"] == pytest.approx(b["p_corrected"], rel=1e-6, nan_ok=True)
        assert (a["wins"], a["ties"], a["losses"]) == (b["wins"], b["ties"], b["losses"])
    assert list(namespace["board"].table().index)[-1] == "my-system"


def test_the_paper_table_corrects_outside_rows_in_their_own_families_as_the_board_does(workdir, monkeypatch):
    from harness.board import board
    from harness.cli.main import main
    from harness.data.collections import COLLECTIONS

    work, _ = workdir
    seen = {}
    real = board.build_board

    def spy(*args, **kwargs):
        seen["board"] = real(*args, **kwargs)
        return seen["board"]

    monkeypatch.setattr(board, "build_board", spy)
    monkeypatch.chdir(work)
    assert main(["paper-table", "--out", "my-results", "--measures", "AP", "--dest", "table.tex"]) == 0
    assert {"bm25-untranslated", "bm25-nmt-classic", "my-system"} <= set(seen["board"].own)
    assert "bm25-nmt" not in seen["board"].own
    assert seen["board"].complete_judgements == COLLECTIONS["ntrex"].complete_judgements
