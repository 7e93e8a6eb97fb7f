"""The command line's parser, and the parsing of its values into what the commands take.

A bad value is one ``UsageError`` line (exit 2): unknown names list the valid ones, and ``--set``
values are checked against ``harness/method/params.py``.  The checks made before any work are in
``checks.py``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from harness.compare import COMPARISON_MODES, FAMILIES, ComparisonOptions
from harness.data.collections import COLLECTIONS, DEFAULT_COLLECTION
from harness.data.pairs import PAIRS
from harness.errors import UsageError
from harness.evaluation.measure_names import measure_names
from harness.evaluation.measures import DEFAULT_MEASURES, parse_measures, same_measure_names
from harness.method.profiles import DEFAULT_PROFILE, PROFILES
from harness.names import select, unknown_message
from harness.registry import METHODS
from harness.board.outputs import FORMATS
from harness.render.text import BASELINE_MARKS
from harness.stats import CORRECTIONS, TESTS

DEFAULT_BASELINES = "bm25-nmt,mdpr"  # translation-based and zero-shot dense: what distillation must beat


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like an unknown name
        raise UsageError(message)


def collection_arg(name: str, pairs: str = "all"):
    """A registered collection, ``irds:<ir_datasets id>`` (pairs from --pairs) or a local folder."""
    from harness.data.user_collections import resolve_collection

    return resolve_collection(name, pairs)


def pairs_arg(names: str, collection) -> list:
    """The pairs named by ``all`` or a comma list, among those ``collection`` declares (``sw`` suggests ``en-sw``)."""
    return select(names, {p.name: p for p in collection.language_pairs()}, f"pair of collection {collection.name}")


def _measures(text: str) -> list[str]:
    """ir_measures or trec_eval names (``map`` becomes ``AP``), each checked before any work."""
    names = measure_names([m.strip() for m in text.split(",") if m.strip()])
    parse_measures(names)
    for canonical, group in same_measure_names(names).items():
        raise UsageError(f"--measures: {' and '.join(group)} are the same measure ({canonical}); give it once")
    if not names:
        raise UsageError("--measures: give at least one measure")
    return names


def overrides_arg(settings: list[str]) -> dict[str, dict]:
    """``--set METHOD.PARAM=VALUE``: VALUE is JSON if it parses, a comma list for lists, else a string."""
    overrides: dict[str, dict] = {}
    for setting in settings:
        target, eq, raw = setting.partition("=")
        method, dot, param = target.partition(".")
        if not eq or not dot:
            raise UsageError(f"--set {setting!r}: expected METHOD.PARAM=VALUE")
        if method not in METHODS:
            raise UsageError(f"--set {setting!r}: " + unknown_message("method", [method], METHODS))
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        if isinstance(value, str) and "," in value:
            value = [v.strip() for v in value.split(",") if v.strip()]
        overrides.setdefault(method, {})[param] = value
    for method, params in overrides.items():
        METHODS[method].parameters(params)  # unknown parameter -> one clear line
    return overrides


def _at_least_one(flag: str, units: str, at_least: str):
    """An argparse type: a whole number >= 1, else a UsageError naming ``flag`` and the value."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise UsageError(f"{flag} {text!r}: expected a whole number of {units}, at least 1") from None
        if value < 1:
            raise UsageError(f"{flag} {value}: expected {at_least}")
        return value

    return parse


_depth = _at_least_one("--depth", "documents", "at least 1 document per query")
_shard_passages = _at_least_one("--shard-passages", "passages", "at least 1 passage per shard")


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _formats(text: str) -> tuple[str, ...]:
    chosen = _names(text)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UsageError(f"unknown format {', '.join(unknown) or repr(text)}; valid: {', '.join(FORMATS)}")
    return chosen


def comparison_options(args) -> ComparisonOptions:
    """Board and compare options, checked: an unknown name exits 2 with the valid ones."""
    baselines = _names(getattr(args, "baseline", "") or "") or _names(DEFAULT_BASELINES)
    if len(baselines) > len(BASELINE_MARKS):
        raise UsageError(f"--baseline: at most {len(BASELINE_MARKS)} baselines can be marked, got {len(baselines)}")
    return ComparisonOptions(
        baselines=baselines,
        test=args.test,
        correction=args.correction,
        alpha=args.alpha,
        family=getattr(args, "family", "table"),
        comparisons=getattr(args, "comparisons", "baseline"),
        joint_family=getattr(args, "joint_family", False),
        seed=args.seed,
        resamples=args.resamples,
    )


def _add_statistics_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--test", default="t-test", help=f"paired test over queries: {', '.join(TESTS)} (default: t-test)")
    parser.add_argument("--correction", default="holm", help=f"multiple-testing correction: {', '.join(CORRECTIONS)} (default: holm)")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default: 0.05)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the randomization tests and bootstrap intervals (default: 0)")
    parser.add_argument("--resamples", type=int, default=10_000, help="resamples of the randomization tests and bootstrap intervals (default: 10000)")


def _add_board_options(parser: argparse.ArgumentParser, formats: bool = True) -> None:
    parser.add_argument("--out", type=Path, default=Path("results"), help="results folder (default: results)")
    parser.add_argument("--measures", type=_measures, default=list(DEFAULT_MEASURES), help="comma list of ir_measures names; the first is the main one (default: %(default)s)")
    parser.add_argument("--baseline", default=DEFAULT_BASELINES, help=f"method, or comma list of up to {len(BASELINE_MARKS)}, every other is tested against, each with its own marks (default: {DEFAULT_BASELINES})")
    _add_statistics_options(parser)
    parser.add_argument("--family", default="table", help="multiple-testing family: " + "; ".join(f"{k}: {v}" for k, v in FAMILIES.items()) + " (default: table)")
    parser.add_argument("--comparisons", default="baseline", help="; ".join(f"{k}: {v}" for k, v in COMPARISON_MODES.items()) + " (default: baseline)")
    parser.add_argument("--joint-family", action="store_true",
                        help="correct methods from outside the built-in registry (plugins, imported runs) in the built-ins' "
                             "families; by default each is corrected in a family of its own, so adding it moves no other mark")
    if formats:
        parser.add_argument("--formats", type=_formats, default=FORMATS, help=f"comma list of outputs to write: {', '.join(FORMATS)} (default: all)")


def _plugin_parent() -> argparse.ArgumentParser:
    """``--plugin``, which every command takes (harness/registry/plugins.py)."""
    parent = _Parser(add_help=False)
    parent.add_argument("--plugin", dest="plugins", action="append", default=[], metavar="MODULE_OR_FILE",
                        help="load methods (collections, translators) from a module or .py file, [:OBJECT] to name one "
                             "(repeatable); installed plugins (entry points clir_harness.*) load by themselves")
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m harness", description="Cross-lingual retrieval benchmark: English queries, documents in seven languages.")
    plugins = _plugin_parent()
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", parents=[plugins], help="retrieve (or reuse) runs, score them, rebuild the leaderboard")
    run.add_argument("--methods", default="all", help=f"all (the built-in methods: {', '.join(METHODS)}), or a comma list, "
                     "which may add registered ones, e.g. all,my-method (`list` shows every registered method)")
    run.add_argument("--pairs", default="all", help=f"all (the collection's pairs), or a comma list, e.g. {','.join(PAIRS)}")
    run.add_argument("--collection", default=DEFAULT_COLLECTION, help=f"one of: {', '.join(COLLECTIONS)} (default: {DEFAULT_COLLECTION})")
    run.add_argument("--depth", type=_depth, default=1000, help="documents retrieved per query, at least 1 (default: 1000)")
    run.add_argument("--profile", default=DEFAULT_PROFILE, help=f"models and translator: {', '.join(PROFILES)} (default: {DEFAULT_PROFILE})")
    run.add_argument("--force", action="store_true", help="retrieve again even where a saved run exists")
    run.add_argument("--set", dest="settings", action="append", default=[], metavar="METHOD.PARAM=VALUE", help="override a method parameter (repeatable), e.g. bm25-nmt.k1=1.2")
    run.add_argument("--executor", default="local", help="local (default: every cell here, in turn) or ray (each cell a Ray task; pip install -e '.[ray]')")
    run.add_argument("--ray-address", default=None, help="with --executor ray: a running cluster (auto, ray://HOST:10001); default: start a local Ray instance")
    run.add_argument("--shard-passages", type=_shard_passages, default=None, metavar="N",
                     help="with --executor ray: encode more than N passages in shards of N on Ray Data actors (default: 50000)")
    _add_board_options(run)

    listing = commands.add_parser("list", parents=[plugins], help="methods, pairs and collections, and which are usable here now")
    listing.add_argument("--why", nargs=2, metavar=("METHOD", "PAIR"), default=None,
                         help="why METHOD is skipped on PAIR: every source tried and the fix, now and in its saved sidecar")
    listing.add_argument("--collection", default=DEFAULT_COLLECTION, help=f"with --why: the collection (default: {DEFAULT_COLLECTION})")
    listing.add_argument("--out", type=Path, default=Path("results"), help="with --why: the results folder of the saved sidecar (default: results)")

    evaluate = commands.add_parser("evaluate", parents=[plugins], help="score saved runs into results/scores/<collection>.json")
    evaluate.add_argument("--collection", default=DEFAULT_COLLECTION, help=f"one of: {', '.join(COLLECTIONS)}")
    evaluate.add_argument("--pairs", default="all", help="all (the collection's pairs), or a comma list of them")
    evaluate.add_argument("--out", type=Path, default=Path("results"), help="results folder (default: results)")
    evaluate.add_argument("--measures", type=_measures, default=list(DEFAULT_MEASURES), help="comma list of ir_measures names")

    board = commands.add_parser("leaderboard", parents=[plugins], help="rebuild results/leaderboard.md (and CSV, JSON, LaTeX, plots) from saved runs and scores (no retrieval)")
    _add_board_options(board)

    paper = commands.add_parser("paper-table", parents=[plugins], help="one LaTeX table for a paper: measures side by side, chosen columns, names for print")
    paper.add_argument("--collection", default=DEFAULT_COLLECTION, help=f"the collection whose scores to read (default: {DEFAULT_COLLECTION})")
    paper.add_argument("--columns", default="pairs,means", help="comma list: pairs, means, pair names (en-sw or sw), mean columns (low, low*, high, all) (default: pairs,means)")
    paper.add_argument("--names", type=Path, default=None, help="TOML file of method = \"name in print\" (default: the registry's labels, e.g. mDPR)")
    paper.add_argument("--decimals", type=int, default=3, help="decimals of every score, 0 to 6 (default: 3)")
    paper.add_argument("--leading-zero", action="store_true", help="print 0.629, not .629")
    paper.add_argument("--marks", default="symbols", help="significance as symbols (amssymb triangles, as on the board) or letters (a, b: better; subscript: worse) (default: symbols)")
    paper.add_argument("--layout", default="side", help="side: measures side by side, a table* scaled to the text width only if wider; stacked: one block of rows per measure, one column wide (default: side)")
    paper.add_argument("--caption", default="", help="the caption (default: a short one naming the measures and the collection)")
    paper.add_argument("--label", default="", help="the \\label (default: tab:<collection>-<measures>)")
    paper.add_argument("--dest", type=Path, default=None, help="the .tex file to write (default: OUT/paper-table.tex)")
    _add_board_options(paper, formats=False)
    paper.set_defaults(measures=["AP", "nDCG@10"])

    site = commands.add_parser("site", parents=[plugins], help="write the reproduction site, results/site/, from the committed results (static HTML, opens from disk)")
    site.add_argument("--out", type=Path, default=Path("results"), help="results folder it is built from (default: results)")
    site.add_argument("--dest", type=Path, default=None, help="folder to write the site into (default: OUT/site)")

    claims = commands.add_parser("claims", parents=[plugins], help="verdicts on the OPTICAL paper's claims from saved scores: results/claims.md and claims.json")
    claims.add_argument("--collection", default=DEFAULT_COLLECTION, help=f"one of: {', '.join(COLLECTIONS)} (default: {DEFAULT_COLLECTION})")
    claims.add_argument("--out", type=Path, default=Path("results"), help="results folder: scores are read from it, claims.md written to it (default: results)")
    _add_statistics_options(claims)

    study = commands.add_parser("study", help="research questions as runnable studies: `study list`, `study run NAME`, `study render NAME`")
    study_commands = study.add_subparsers(dest="study_command", required=True, parser_class=_Parser)
    study_commands.add_parser("list", parents=[plugins], help="the registered studies and what each answers")
    study_run = study_commands.add_parser("run", parents=[plugins], help="run one study (reusing saved runs) and write results/studies/NAME.md")
    study_run.add_argument("name", help="a registered study (see `study list`)")
    study_run.add_argument("--pairs", default="all", help="all (the study's own), or a comma list of pairs, e.g. en-sw,en-de")
    study_run.add_argument("--methods", default="all", help="all (the study's own), or a comma list of registered methods")
    study_run.add_argument("--set", dest="settings", action="append", default=[], metavar="METHOD.PARAM=VALUE",
                           help="override a method parameter (repeatable); a study's own settings (seed, bitext) win")
    study_run.add_argument("--out", type=Path, default=Path("results"), help="results folder (default: results)")
    study_run.add_argument("--force", action="store_true", help="retrieve again even where a saved run exists")
    _add_statistics_options(study_run)

    study_render = study_commands.add_parser("render", parents=[plugins], help="rebuild results/studies/NAME.* from the committed scores alone (no run)")
    study_render.add_argument("name", help="a registered study, or all")
    study_render.add_argument("--out", type=Path, default=Path("results"), help="results folder (default: results)")
    _add_statistics_options(study_render)

    check = commands.add_parser("check", parents=[plugins], help="reproduction check: committed scores against results/expected.tsv, one OK/FAIL line per cell")
    check.add_argument("--rerun", choices=("none", "bm25", "all"), default="bm25",
                       help="also re-run these cells in a temporary folder: none, bm25 (default, about a minute) or all (trains cold)")
    check.add_argument("--write-expected", action="store_true", help="write results/expected.tsv from the committed scores, then stop")
    check.add_argument("--out", type=Path, default=Path("results"), help="results folder (default: results)")

    export = commands.add_parser("export", parents=[plugins], help="write a collection's saved runs and qrels for other tools: ranx JSON, TREC, or PyTerrier-ready Parquet")
    export.add_argument("--format", required=True, choices=("ranx", "trec", "pyterrier"), help="ranx | trec | pyterrier")
    export.add_argument("--collection", default=DEFAULT_COLLECTION, help=f"one of: {', '.join(COLLECTIONS)} (default: {DEFAULT_COLLECTION})")
    export.add_argument("--pairs", default="all", help="all (the collection's pairs), or a comma list of them")
    export.add_argument("--out", type=Path, default=Path("results"), help="results folder the runs are read from (default: results)")
    export.add_argument("--dest", type=Path, default=Path("export"), help="folder to write into (default: export)")

    imported = commands.add_parser("import-run", parents=[plugins],
                                   help="put a TREC run from another system on the board: checked, scored, with significance")
    imported.add_argument("file", type=Path, help="a TREC run file (qid Q0 docid rank score tag)")
    imported.add_argument("--name", required=True, help="the row's name on the board (letters, digits, . _ + -)")
    imported.add_argument("--pair", required=True, help="the language pair it retrieved for, e.g. en-sw")
    imported.add_argument("--collection", default=DEFAULT_COLLECTION, help=f"one of: {', '.join(COLLECTIONS)}, irds:ID or a folder (default: {DEFAULT_COLLECTION})")
    imported.add_argument("--description", default="", help="one line on what produced the run (kept in its sidecar)")
    imported.add_argument("--drop-unknown", action="store_true",
                          help="drop lines whose query or document id the collection does not have (counted in the sidecar); "
                               "default: refuse the file, naming the first such line")
    imported.add_argument("--force", action="store_true", help="replace an imported run of the same name")
    _add_board_options(imported)

    compare = commands.add_parser("compare", parents=[plugins], help="per-query differences of method A against method B: a table, tests and a plot")
    compare.add_argument("method_a", metavar="A", help="a method in the scores file")
    compare.add_argument("method_b", metavar="B", help="the method A is compared with")
    compare.add_argument("--pairs", default="all", help="all (every pair of the collection where both have scores), or a comma list of them")
    compare.add_argument("--measure", default="AP", help="one ir_measures name (default: AP)")
    compare.add_argument("--collection", default=DEFAULT_COLLECTION, help=f"one of: {', '.join(COLLECTIONS)} (default: {DEFAULT_COLLECTION})")
    compare.add_argument("--out", type=Path, default=Path("results"), help="results folder: scores are read from it, plots written to its plots/ (default: results)")
    _add_statistics_options(compare)
    return parser
