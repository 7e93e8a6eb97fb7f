"""A paper-ready LaTeX table of one board: measures side by side, chosen columns, names for print.

``python -m harness paper-table --measures AP,nDCG@10`` (and ``leaderboard.tex``, one per measure).
The table has booktabs rules, the chosen decimals, the column's best in bold (among the printed
values: two results that print alike are both bold), significance as superscript symbols or
letters explained in one line, a short caption, and the notes under the table: the marks, the
mean columns, the oracle, and every cell without a score with its one-line reason.

Needs ``\\usepackage{booktabs,amssymb,graphicx}``.  The table is a ``table*`` (both columns of a
two-column paper); one wider than the text is scaled down to it (``\\resizebox`` only then; a
narrower one keeps its size).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from harness.board.board import CollectionBoard
from harness.board.cells import significance_marks, skip_reason
from harness.compare import GROUPS
from harness.data.pairs import get_pair
from harness.errors import UsageError
from harness.registry import METHODS
from harness.render.latex import MARKS, escape
from harness.render.text import BASELINE_MARKS, TIED_WITH_BEST, column_kind, slug
from harness.stats import CORRECTIONS, TESTS

MARK_STYLES = ("symbols", "letters")
LAYOUTS = ("side", "stacked")
PREAMBLE = r"\usepackage{booktabs,amssymb,graphicx}"
MEAN_HEADINGS = {"low-resource mean": "low", "high-resource mean": "high", "mean": "all"}
COVERED_HEADING = r"low$^{\ast}$"
MEASURE_NAMES = {"AP": "MAP"}  # the names papers print
FAMILY_WORDS = {"pair": "within each column", "table": "within each measure", "all": "over every measure of this table"}


@dataclass(frozen=True)
class PaperTableOptions:
    measures: tuple[str, ...] = ()  # side by side (or stacked); empty: the board's main measure
    columns: tuple[str, ...] = ()  # board columns, in order; empty: every pair, then every mean column
    names: Mapping[str, str] = field(default_factory=dict)  # method -> name in print; else its registry label
    decimals: int = 3
    leading_zero: bool = False  # ".629" as IR papers print scores in [0, 1]; True: "0.629"
    marks: str = "symbols"  # or "letters": a, b, ... for the baselines; superscript better, subscript worse
    layout: str = "side"  # or "stacked": one block of rows per measure
    caption: str = ""  # empty: a short one naming the measures and the collection
    label: str = ""  # empty: tab:<collection>-<measures>

    def __post_init__(self):
        if self.marks not in MARK_STYLES:
            raise UsageError(f"--marks {self.marks}: valid: {', '.join(MARK_STYLES)}")
        if self.layout not in LAYOUTS:
            raise UsageError(f"--layout {self.layout}: valid: {', '.join(LAYOUTS)}")
        if not 0 <= self.decimals <= 6:
            raise UsageError(f"--decimals {self.decimals}: expected 0 to 6")


def select_columns(board: CollectionBoard, spec: str) -> tuple[str, ...]:
    """``pairs``, ``means``, pair names (``en-sw`` or ``sw``) and mean names (low, low*, high, all) -> board columns."""
    short = {MEAN_HEADINGS.get(c, "low*"): c for c in board.groups} | {get_pair(p).lang: p for p in board.pairs}
    chosen: list[str] = []
    for word in (w.strip() for w in spec.split(",") if w.strip()):
        if word == "pairs":
            chosen += board.pairs
        elif word == "means":
            chosen += list(board.groups)
        elif word in board.columns or word in short:
            chosen.append(short.get(word, word))
        else:
            valid = ["pairs", "means", *board.pairs, *short]
            raise UsageError(f"--columns: unknown column {word!r} on {board.name}; valid: {', '.join(valid)}")
    if not chosen:
        raise UsageError("--columns: name at least one column")
    return tuple(dict.fromkeys(chosen))


def display_name(method: str, names: Mapping[str, str]) -> str:
    if method in names:
        return names[method]
    return METHODS[method].display_name if method in METHODS else method


def heading(board: CollectionBoard, column: str) -> str:
    if column_kind(column) == "pair":
        return escape(get_pair(column).lang)
    return MEAN_HEADINGS.get(column, COVERED_HEADING)


def measure_name(measure: str) -> str:
    return escape(MEASURE_NAMES.get(measure, measure))


def _marks_latex(marks: str, style: str) -> str:
    if not marks:
        return ""
    if style == "symbols" or marks == TIED_WITH_BEST:
        return "$^{" + "".join(MARKS[m] for m in marks) + "}$"
    up = "".join(chr(ord("a") + i) for i, (better, _) in enumerate(BASELINE_MARKS) if better in marks)
    down = "".join(chr(ord("a") + i) for i, (_, worse) in enumerate(BASELINE_MARKS) if worse in marks)
    return "$" + (f"^{{{up}}}" if up else "") + (f"_{{{down}}}" if down else "") + "$"


def number(value: float, options: PaperTableOptions) -> str:
    text = f"{value:.{options.decimals}f}"
    if not options.leading_zero and abs(value) < 1 and options.decimals > 0:
        text = text.replace("0.", ".", 1)
    return text


def measure_cells(board: CollectionBoard, measure: str, columns: Sequence[str], options: PaperTableOptions) -> dict:
    """(method, column) -> the cell's LaTeX: the value at ``decimals``, bold where it prints as the best, marks."""
    means = board.means(measure)
    cells = {}
    for column in columns:
        printed = {m: number(float(means.loc[m, column]), options) for m in board.methods
                   if not math.isnan(float(means.loc[m, column]))}
        competitors = [float(printed[m]) for m in printed if m not in board.oracles]
        best = max(competitors) if competitors else None
        for method in board.methods:
            if method not in printed:
                cells[(method, column)] = "--"
                continue
            value = printed[method]
            if best is not None and method not in board.oracles and float(value) == best:
                value = rf"\textbf{{{value}}}"
            cells[(method, column)] = value + _marks_latex(significance_marks(board, measure, method, column), options.marks)
    return cells


def _row_name(board: CollectionBoard, method: str, options: PaperTableOptions) -> str:
    name = escape(display_name(method, options.names))
    if method in board.oracles:
        name += r"$^{\dagger}$"
    if options.marks == "letters" and board.options.baseline_mode and method in board.options.baselines:
        name += f" ({chr(ord('a') + board.options.baselines.index(method))})"
    return name


def _rows(board, measure, columns, options) -> list[str]:
    cells = measure_cells(board, measure, columns, options)
    return [" & ".join([_row_name(board, m, options), *(cells[(m, c)] for c in columns)]) + r" \\" for m in board.methods]


def tabular(board: CollectionBoard, measures: Sequence[str], columns: Sequence[str], options: PaperTableOptions) -> str:
    width = len(columns)
    head = " & ".join(["Method", *(heading(board, c) for c in columns)])
    if options.layout == "stacked" or len(measures) == 1:
        lines = [rf"\begin{{tabular}}{{l{'r' * width}}}", r"\toprule", head + r" \\"]
        for measure in measures:
            lines.append(r"\midrule")
            if len(measures) > 1:
                lines.append(rf"\multicolumn{{{width + 1}}}{{l}}{{\textit{{{measure_name(measure)}}}}} \\")
            lines += _rows(board, measure, columns, options)
    else:
        spans = " & ".join(rf"\multicolumn{{{width}}}{{c}}{{{measure_name(m)}}}" for m in measures)
        rules = " ".join(rf"\cmidrule(lr){{{2 + i * width}-{1 + (i + 1) * width}}}" for i in range(len(measures)))
        heads = " & ".join(["Method", *(heading(board, c) for _ in measures for c in columns)])
        lines = [rf"\begin{{tabular}}{{l{'r' * width * len(measures)}}}", r"\toprule", f" & {spans} \\\\", rules,
                 heads + r" \\", r"\midrule"]
        per_measure = [_rows(board, m, columns, options) for m in measures]
        for i, _ in enumerate(board.methods):
            first, *rest = (rows[i].removesuffix(r" \\") for rows in per_measure)
            lines.append(" & ".join([first, *(r.split(" & ", 1)[1] for r in rest)]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines)


def _how(board_options) -> str:
    family = FAMILY_WORDS[board_options.family] + (" and baseline" if board_options.baseline_mode
                                                   and board_options.family != "all" else "")
    return (f"{escape(TESTS[board_options.test].label)} over queries per pair, stratified permutation test for the "
            f"means; {escape(CORRECTIONS[board_options.correction].label)} correction {family}; "
            rf"$\alpha = {board_options.alpha}$")


def significance_note(board: CollectionBoard, options: PaperTableOptions) -> str:
    """The one line that explains the marks: which baseline, which direction, test, correction, family, α."""
    board_options = board.options
    if not board_options.baseline_mode:
        return rf"$^{{\approx}}$: not significantly different from the column's best ({_how(board_options)})."
    present = [b for b in board_options.baselines if b not in board.comparisons.missing_baselines]
    if not present:
        return ""
    names = {b: escape(display_name(b, options.names)) for b in present}
    letter = {b: chr(ord("a") + board_options.baselines.index(b)) for b in present}
    if options.marks == "letters":
        who = "/".join(f"{names[b]} ({letter[b]})" for b in present)
        return (f"Superscript {'/'.join(letter.values())}: significantly better than {who}; subscript: significantly "
                f"worse ({_how(board_options)}).")
    parts = []
    for i, baseline in enumerate(board_options.baselines):
        if baseline in present:
            better, worse = BASELINE_MARKS[i]
            verb = "significantly better/worse than " if not parts else "than "
            parts.append(rf"$^{{{MARKS[better]}}}$/$^{{{MARKS[worse]}}}$: {verb}{names[baseline]}")
    return f"{', '.join(parts)} ({_how(board_options)})."


def column_note(board: CollectionBoard, columns: Sequence[str]) -> str:
    """What the mean columns shown are: the pairs each averages, every pair weighted equally."""
    parts = []
    for column in columns:
        if column_kind(column) == "pair":
            continue
        langs = ", ".join(get_pair(p).lang for p in board.groups[column])
        covered = " (the low-resource pairs every compared method covers)" if column not in GROUPS else ""
        parts.append(f"{heading(board, column)}: mean over {langs}{covered}")
    return "; ".join(parts) + ", each pair weighted equally. Bold: best in the column." if parts else \
        "Bold: best in the column."


def missing_note(board: CollectionBoard, columns: Sequence[str], options: PaperTableOptions) -> str:
    """Every shown pair cell without a score and why (the one-line reason), grouped by reason."""
    by_reason: dict[str, dict[str, list[str]]] = {}
    for method in board.methods:
        for pair in (c for c in columns if column_kind(c) == "pair"):
            entry = board.entry(pair, method)
            if entry is not None and entry.status == "ok":
                continue
            reason = skip_reason(entry) if entry is not None and entry.status == "skipped" else "not run"
            by_reason.setdefault(reason, {}).setdefault(display_name(method, options.names), []).append(get_pair(pair).lang)
    if not by_reason:
        return ""
    parts = []
    for reason, by_method in by_reason.items():
        spans: dict[str, list[str]] = {}  # methods missing the same pairs for the same reason share one phrase
        for method, langs in by_method.items():
            spans.setdefault(", ".join(langs), []).append(method)
        cells = "; ".join(f"{', '.join(escape(m) for m in methods)} on {escape(langs)}" for langs, methods in spans.items())
        parts.append(f"{cells}: {escape(reason)}")
    return "--: no score (a mean needs every pair of its group). " + "; ".join(parts) + "."


def oracle_note(board: CollectionBoard, options: PaperTableOptions) -> str:
    if not board.oracles:
        return ""
    names = ", ".join(escape(display_name(m, options.names)) for m in board.methods if m in board.oracles)
    return (rf"{names}$^{{\dagger}}$: an oracle (human query translations), a ceiling: never bold, never tested.")


def paper_table(board: CollectionBoard, options: PaperTableOptions = PaperTableOptions()) -> str:
    """One ``table`` environment: caption, the tabular (scaled to the line width only if wider), notes."""
    measures = list(options.measures) or [board.main_measure]
    unknown = [m for m in measures if m not in board.measures]
    if unknown:
        raise UsageError(f"--measures: {', '.join(unknown)} not on the board of {board.name}; it has: {', '.join(board.measures)}")
    columns = list(options.columns) or board.columns
    names = " and ".join(MEASURE_NAMES.get(m, m) for m in measures)
    caption = escape(options.caption) if options.caption else \
        f"{escape(names)} per language pair and over pairs on {escape(board.name)}."
    label = options.label or f"tab:{slug(board.name)}-{'-'.join(slug(m) for m in measures)}".lower()
    notes = [significance_note(board, options), column_note(board, columns), oracle_note(board, options),
             missing_note(board, columns, options)]
    # A board's table has a dozen columns or more: table* spans both columns of a two-column paper
    # (a one-column paper treats it as table).
    environment = "table*"
    return "\n".join([
        rf"\begin{{{environment}}}[t]",
        r"\centering",
        rf"\caption{{{caption}}}",
        rf"\label{{{escape(label)}}}",
        r"\footnotesize",
        r"\setlength{\tabcolsep}{2.5pt}",
        r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{%",
        tabular(board, measures, columns, options) + "}",
        r"\par\smallskip",
        r"\parbox{\linewidth}{\scriptsize " + " ".join(n for n in notes if n) + "}",
        rf"\end{{{environment}}}",
    ])


def load_names(path) -> dict[str, str]:
    """``--names FILE``: a TOML table of method = "name in print" (top level, or under ``[names]``)."""
    import tomllib
    from pathlib import Path

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--names {path}: cannot read it ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--names {path}: not TOML ({exc})") from None
    names = data.get("names", data)
    bad = [k for k, v in names.items() if not isinstance(v, str)]
    if bad:
        raise UsageError(f"--names {path}: {', '.join(bad)}: expected method = \"name in print\"")
    return dict(names)


def leaderboard_latex(boards: Sequence[CollectionBoard]) -> str:
    """``leaderboard.tex``: one paper table per collection and measure, every column, four decimals as on the board."""
    parts = [f"% Generated by `python -m harness leaderboard`; needs {PREAMBLE}."]
    parts += [paper_table(board, PaperTableOptions(measures=(measure,), decimals=4, leading_zero=True)) for board in boards
              for measure in board.measures]
    return "\n\n".join(parts) + "\n"
