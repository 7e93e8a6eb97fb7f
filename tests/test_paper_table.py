"""The paper table: values, bold, marks and notes checked against the scores; it compiles with a LaTeX engine.

The compile tests run where ``pdflatex`` is installed (CI installs Debian's texlive-latex-base and
texlive-latex-recommended, see ``.ci/run``); elsewhere they are skipped and the structural checks remain.
"""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from harness.board.build import build_boards
from harness.board.paper_table import PREAMBLE, PaperTableOptions, load_names, paper_table, select_columns
from harness.cli.main import main
from harness.compare import ComparisonOptions
from harness.data.pairs import LOW_RESOURCE, PAIRS
from harness.errors import UsageError
from harness.evaluation.scores import save_scores
from test_compare import two_measures
from test_leaderboard import board

ROOT = Path(__file__).resolve().parents[1]
PDFLATEX = shutil.which("pdflatex")
needs_latex = pytest.mark.skipif(
    PDFLATEX is None,
    reason="no LaTeX engine: apt-get install -y --no-install-recommends texlive-latex-base texlive-latex-recommended",
)
# Scaled below this, a table is too small to read in print: the side-by-side table must stay above it.
SMALLEST_SCALE = 0.5


def table_rows(tex: str) -> dict[str, list[str]]:
    """Method -> its cells, from the tabular between \\midrule and \\bottomrule (side layout)."""
    body = tex.split("\\midrule\n", 1)[1].split("\\bottomrule", 1)[0]
    rows = {}
    for line in body.strip().splitlines():
        cells = [c.strip() for c in line.removesuffix(r" \\").split(" & ")]
        rows[cells[0]] = cells[1:]
    return rows


@pytest.fixture(scope="module")
def synthetic_board():
    return board(two_measures(), ["base", "strong", "same", "weak"], ("AP", "nDCG@10"), baselines=("base", "strong"))


def test_side_by_side_values_bold_and_marks_follow_the_scores(synthetic_board):
    entries = two_measures()
    tex = paper_table(synthetic_board, PaperTableOptions(measures=("AP", "nDCG@10"), decimals=3))
    rows = table_rows(tex)
    columns = [*PAIRS, "low-resource mean", "high-resource mean", "mean"]
    assert len(rows["same"]) == 2 * len(columns)
    for k, measure in enumerate(("AP", "nDCG@10")):
        for i, pair in enumerate(PAIRS):
            cell = rows["same"][k * len(columns) + i]
            expected = f"{np.mean(entries[(pair, 'same')].values(measure)):.3f}".replace("0.", ".", 1)
            assert re.sub(r"\\textbf\{(.*?)\}", r"\1", cell).split("$")[0] == expected
        # bold: the best printed value of the column; "strong" is best everywhere (it is base + 0.2)
        assert all(c.startswith(r"\textbf{") for c in rows["strong"][k * len(columns):(k + 1) * len(columns)])
    low = np.mean([np.mean(entries[(p, "same")].values("AP")) for p in LOW_RESOURCE])
    assert rows["same"][len(PAIRS)].split("$")[0] == f"{low:.3f}".replace("0.", ".", 1)
    # strong is significantly better than base on every pair: ▲ as \blacktriangle
    assert all(r"\blacktriangle" in c for c in rows["strong"][: len(PAIRS)])
    assert rows["weak"][list(PAIRS).index("en-yo")] == "--"
    assert r"\multicolumn{10}{c}{MAP} & \multicolumn{10}{c}{nDCG@10}" in tex
    assert r"\cmidrule(lr){2-11} \cmidrule(lr){12-21}" in tex
    assert "weak on yo: no translator for en-yo" in tex  # the missing cell and its one-line reason, under the table


def test_letters_name_the_baselines_and_put_worse_in_a_subscript(synthetic_board):
    tex = paper_table(synthetic_board, PaperTableOptions(measures=("AP",), marks="letters", columns=("en-so",)))
    rows = table_rows(tex)
    assert "base (a)" in rows and "strong (b)" in rows
    assert rows["weak"][0].endswith("$_{ab}$")  # weak is significantly worse than both on en-so
    assert rows["strong (b)"][0].endswith("$^{a}$")
    assert "Superscript a/b: significantly better than base (a)/strong (b); subscript: significantly worse" in tex


def test_columns_names_decimals_and_escaping(tmp_path, synthetic_board):
    assert select_columns(synthetic_board, "sw,en-de,high") == ("en-sw", "en-de", "high-resource mean")
    assert select_columns(synthetic_board, "pairs")[:2] == ("en-sw", "en-so")
    with pytest.raises(UsageError, match="unknown column 'xx' on x; valid: pairs, means"):
        select_columns(synthetic_board, "sw,xx")
    names = tmp_path / "names.toml"
    names.write_text('[names]\nsame = "Same_&_100%"\n', encoding="utf-8")
    options = PaperTableOptions(measures=("AP",), columns=("en-sw",), names=load_names(names), decimals=2, leading_zero=True)
    tex = paper_table(synthetic_board, options)
    assert r"Same\_\&\_100\% & 0." in tex and tex.isascii()
    names.write_text("same = 3\n", encoding="utf-8")
    with pytest.raises(UsageError, match="same: expected method"):
        load_names(names)
    with pytest.raises(UsageError, match="--decimals 9"):
        PaperTableOptions(decimals=9)


def compile_tex(folder: Path, body: str, twocolumn: bool = True) -> str:
    """pdflatex a document holding ``body`` (fails the test if it does not compile); returns the log."""
    document = "\n".join([
        rf"\documentclass[{'twocolumn' if twocolumn else 'onecolumn'}]{{article}}",
        PREAMBLE,
        r"\begin{document}",
        body,
        r"\end{document}",
    ])
    (folder / "paper.tex").write_text(document, encoding="utf-8")
    result = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "paper.tex"], cwd=folder,
                            capture_output=True, text=True, timeout=120)
    log = (folder / "paper.log").read_text(encoding="latin-1")
    assert result.returncode == 0, log[-3000:]
    return log


@needs_latex
def test_the_paper_table_of_the_committed_scores_compiles_and_fits_one_page_width(tmp_path):
    # MAP and nDCG@10 on the seven pairs and every mean column: the table the issue asks for.
    out = tmp_path / "results"
    (out / "scores").mkdir(parents=True)
    (out / "scores" / "ntrex.json").write_bytes((ROOT / "results" / "scores" / "ntrex.json").read_bytes())
    ntrex = build_boards(out, ["AP", "nDCG@10"], ComparisonOptions(baselines=("bm25-nmt", "mdpr"), resamples=1000))[0]
    table = paper_table(ntrex, PaperTableOptions(measures=("AP", "nDCG@10")))
    assert table.startswith(r"\begin{table*}[t]") and len(table_rows(table)) == len(ntrex.methods)
    tabular = table.split("{!}{%\n", 1)[1].split(r"\end{tabular}", 1)[0] + r"\end{tabular}"
    measure = (r"\newsavebox\naturalbox\sbox\naturalbox{\footnotesize\setlength{\tabcolsep}{2.5pt}" + tabular + "}"
               r"\typeout{NATURAL=\the\wd\naturalbox;TEXT=\the\textwidth}")
    log = compile_tex(tmp_path, measure + "\n" + table)  # twocolumn: the table* spans the page
    stacked = paper_table(ntrex, PaperTableOptions(measures=("AP", "nDCG@10"), layout="stacked"))
    rows = stacked.split("{!}{%\n", 1)[1].split(r"\end{tabular}", 1)[0] + r"\end{tabular}"
    fits = (r"\newsavebox\stackedbox\sbox\stackedbox{\footnotesize\setlength{\tabcolsep}{2.5pt}" + rows + "}"
            r"\typeout{STACKED=\the\wd\stackedbox}")
    compile_tex(tmp_path, fits + "\n" + stacked)
    stacked_width = float(re.search(r"STACKED=([\d.]+)pt", (tmp_path / "paper.log").read_text(encoding="latin-1")).group(1))
    assert "Overfull \\hbox" not in log and "Float too large" not in log and "Output written on paper.pdf" in log
    natural, text = (float(x) for x in re.search(r"NATURAL=([\d.]+)pt;TEXT=([\d.]+)pt", log).groups())
    assert text / natural >= SMALLEST_SCALE, f"scaled to {text / natural:.2f} of its size to fit"
    assert stacked_width <= text  # stacked, the same table needs no scaling


@needs_latex
def test_every_layout_and_mark_style_compiles_one_column(tmp_path, synthetic_board):
    tables = [paper_table(synthetic_board, PaperTableOptions(measures=("AP", "nDCG@10"), layout=layout, marks=marks))
              for layout in ("side", "stacked") for marks in ("symbols", "letters")]
    log = compile_tex(tmp_path, "\n\\clearpage\n".join(tables), twocolumn=False)
    assert "Overfull \\hbox" not in log


def test_paper_table_command_writes_the_file_and_checks_its_options(tmp_path, capsys):
    save_scores(tmp_path / "scores" / "ntrex.json", "ntrex", two_measures())
    argv = ["paper-table", "--out", str(tmp_path), "--resamples", "500", "--columns", "sw,so,low,all", "--decimals", "2"]
    assert main(argv) == 0
    tex = (tmp_path / "paper-table.tex").read_text()
    assert tex.startswith(r"\begin{table*}[t]") and "sw & so & low & all & sw & so & low & all" in tex
    names = tmp_path / "names.toml"
    names.write_text('nobody = "X"\n', encoding="utf-8")
    assert main([*argv, "--names", str(names)]) == 2
    assert "nobody not on the board" in capsys.readouterr().err
    assert main([*argv, "--marks", "stars"]) == 2
    assert main([*argv, "--measures", "P@5"]) == 2
