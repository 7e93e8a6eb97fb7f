"""Command line: ``python -m harness run|list|evaluate|leaderboard|compare``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.atomic import atomic_open
from harness.compare import COMPARISON_MODES, FAMILIES, ComparisonOptions, duel
from harness.data.collections import COLLECTIONS, DEFAULT_COLLECTION, load_topics
from harness.data.pairs import PAIRS
from harness.errors import HarnessError, UsageError
from harness.evaluate import DEFAULT_MEASURES, parse_measures, same_measure_names
from harness.leaderboard import build_board
from harness.paths import MIRROR_ENV, data_mirror
from harness.profiles import DEFAULT_PROFILE, PROFILES, get_profile
from harness.pipeline import evaluate_saved, run_all
from harness.registry import METHODS, select
from harness.render import FORMATS, render_outputs
from harness.render.compare_report import duel_report
from harness.render.differences_plot import differences_png
from harness.render.markdown import console_table
from harness.render.plots import compare_plot_path
from harness.render.text import BASELINE_MARKS
from harness.scores import load_scores, scores_path
from harness.stats import CORRECTIONS, TESTS

LEADERBOARD = "leaderboard.md"
DEFAULT_BASELINES = "bm25-nmt,mdpr"  # translation-based and zero-shot dense: what distillation must beat


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like an unknown name
        raise UsageError(message)


def _collection(name: str):
    if name not in COLLECTIONS:
        raise UsageError(f"unknown collection {name}; valid: {', '.join(COLLECTIONS)}")
    return COLLECTIONS[name]


def _measures(text: str) -> list[str]:
    names = [m.strip() for m in text.split(",") if m.strip()]
    parse_measures(names)
    for canonical, group in same_measure_names(names).items():
        raise UsageError(f"--measures: {' and '.join(group)} are the same measure ({canonical}); give it once")
    if not names:
        raise UsageError("--measures: give at least one measure")
    return names


def _overrides(settings: list[str]) -> dict[str, dict]:
    """``--set METHOD.PARAM=VALUE``: VALUE is JSON if it parses, a comma list for lists, else a string."""
    overrides: dict[str, dict] = {}
    for setting in settings:
        target, eq, raw = setting.partition("=")
        method, dot, param = target.partition(".")
        if not eq or not dot:
            raise UsageError(f"--set {setting!r}: expected METHOD.PARAM=VALUE")
        if method not in METHODS:
            raise UsageError(f"--set {setting!r}: unknown method {method}; valid: {', '.join(METHODS)}")
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


def _depth(text: str) -> int:
    try:
        depth = int(text)
    except ValueError:
        raise UsageError(f"--depth {text!r}: expected a whole number of documents, at least 1") from None
    if depth < 1:
        raise UsageError(f"--depth {depth}: expected at least 1 document per query")
    return depth


def _out(path: Path) -> Path:
    """``--out``, checked before any work: a folder that exists or can be made, and can be written."""
    import tempfile

    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {path}: is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise UsageError(f"--out {path}: cannot write there ({exc.strerror or exc})") from None
    return path


def _check_named_files(methods, pairs, overrides) -> None:
    """Translation files named with --set must exist and hold lines for every pair of the run (exit 2)."""
    from harness.translate import parse_translator

    for spec in methods:
        named = spec.parameters(overrides.get(spec.name)).get("translator") if spec.name in overrides else None
        for translator in map(parse_translator, named or []):
            if hasattr(translator, "check_named"):
                for pair in pairs:
                    try:
                        translator.check_named(pair)
                    except UsageError:
                        raise
                    except HarnessError as exc:  # a malformed file the user named: bad input, exit 2
                        raise UsageError(str(exc)) from None


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _formats(text: str) -> tuple[str, ...]:
    chosen = _names(text)
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise UsageError(f"unknown format {', '.join(unknown) or repr(text)}; valid: {', '.join(FORMATS)}")
    return chosen


def _comparison_options(args) -> ComparisonOptions:
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
        seed=args.seed,
        resamples=args.resamples,
    )


def _add_statistics_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--test", default="t-test", help=f"paired test over queries: {', '.join(TESTS)} (default: t-test)")
    parser.add_argument("--correction", default="holm", help=f"multiple-testing correction: {', '.join(CORRECTIONS)} (default: holm)")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default: 0.05)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the randomization tests and bootstrap intervals (default: 0)")
    parser.add_argument("--resamples", type=int, default=10_000, help="resamples of the randomization tests and bootstrap intervals (default: 10000)")


def _add_board_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("results"), help="results folder (default: results)")
    parser.add_argument("--measures", type=_measures, default=list(DEFAULT_MEASURES), help="comma list of ir_measures names; the first is the main one (default: %(default)s)")
    parser.add_argument("--baseline", default=DEFAULT_BASELINES, help=f"method, or comma list of up to {len(BASELINE_MARKS)}, every other is tested against, each with its own marks (default: {DEFAULT_BASELINES})")
    _add_statistics_options(parser)
    parser.add_argument("--family", default="table", help="multiple-testing family: " + "; ".join(f"{k}: {v}" for k, v in FAMILIES.items()) + " (default: table)")
    parser.add_argument("--comparisons", default="baseline", help="; ".join(f"{k}: {v}" for k, v in COMPARISON_MODES.items()) + " (default: baseline)")
    parser.add_argument("--formats", type=_formats, default=FORMATS, help=f"comma list of outputs to write: {', '.join(FORMATS)} (default: all)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m harness", description="Cross-lingual retrieval benchmark: English queries, documents in seven languages.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="retrieve (or reuse) runs, score them, rebuild the leaderboard")
    run.add_argument("--methods", default="all", help=f"all, or a comma list of: {', '.join(METHODS)}")
    run.add_argument("--pairs", default="all", help=f"all, or a comma list of: {', '.join(PAIRS)}")
    run.add_argument("--collection", default=DEFAULT_COLLECTION, help=f"one of: {', '.join(COLLECTIONS)} (default: {DEFAULT_COLLECTION})")
    run.add_argument("--depth", type=_depth, default=1000, help="documents retrieved per query, at least 1 (default: 1000)")
    run.add_argument("--profile", default=DEFAULT_PROFILE, help=f"models and translator: {', '.join(PROFILES)} (default: {DEFAULT_PROFILE})")
    run.add_argument("--force", action="store_true", help="retrieve again even where a saved run exists")
    run.add_argument("--set", dest="settings", action="append", default=[], metavar="METHOD.PARAM=VALUE", help="override a method parameter (repeatable), e.g. bm25-nmt.k1=1.2")
    _add_board_options(run)

    commands.add_parser("list", help="methods, pairs and collections, and which are usable here now")

    evaluate = commands.add_parser("evaluate", help="score saved runs into results/scores/<collection>.json")
    evaluate.add_argument("--collection", default=DEFAULT_COLLECTION, help=f"one of: {', '.join(COLLECTIONS)}")
    evaluate.add_argument("--pairs", default="all", help=f"all, or a comma list of: {', '.join(PAIRS)}")
    evaluate.add_argument("--out", type=Path, default=Path("results"), help="results folder (default: results)")
    evaluate.add_argument("--measures", type=_measures, default=list(DEFAULT_MEASURES), help="comma list of ir_measures names")

    board = commands.add_parser("leaderboard", help="rebuild results/leaderboard.md (and CSV, JSON, LaTeX, plots) from saved runs and scores (no retrieval)")
    _add_board_options(board)

    claims = commands.add_parser("claims", help="verdicts on the OPTICAL paper's claims from saved scores: results/claims.md and claims.json")
    claims.add_argument("--collection", default=DEFAULT_COLLECTION, help=f"one of: {', '.join(COLLECTIONS)} (default: {DEFAULT_COLLECTION})")
    claims.add_argument("--out", type=Path, default=Path("results"), help="results folder: scores are read from it, claims.md written to it (default: results)")
    _add_statistics_options(claims)

    study = commands.add_parser("study", help="research questions as runnable studies: `study list`, `study run NAME`")
    study_commands = study.add_subparsers(dest="study_command", required=True, parser_class=_Parser)
    study_commands.add_parser("list", help="the registered studies and what each answers")
    study_run = study_commands.add_parser("run", help="run one study (reusing saved runs) and write results/studies/NAME.md")
    study_run.add_argument("name", help="a registered study (see `study list`)")
    study_run.add_argument("--pairs", default="all", help=f"all, or a comma list of: {', '.join(PAIRS)}")
    study_run.add_argument("--out", type=Path, default=Path("results"), help="results folder (default: results)")
    study_run.add_argument("--force", action="store_true", help="retrieve again even where a saved run exists")
    _add_statistics_options(study_run)

    compare = commands.add_parser("compare", help="per-query differences of method A against method B: a table, tests and a plot")
    compare.add_argument("method_a", metavar="A", help="a method in the scores file")
    compare.add_argument("method_b", metavar="B", help="the method A is compared with")
    compare.add_argument("--pairs", default="all", help=f"all (every pair where both have scores), or a comma list of: {', '.join(PAIRS)}")
    compare.add_argument("--measure", default="AP", help="one ir_measures name (default: AP)")
    compare.add_argument("--collection", default=DEFAULT_COLLECTION, help=f"one of: {', '.join(COLLECTIONS)} (default: {DEFAULT_COLLECTION})")
    compare.add_argument("--out", type=Path, default=Path("results"), help="results folder: scores are read from it, plots written to its plots/ (default: results)")
    _add_statistics_options(compare)
    return parser


def cmd_run(args) -> int:
    methods = select(args.methods, METHODS, "method")
    pairs = select(args.pairs, PAIRS, "pair")
    collection = _collection(args.collection)
    overrides = _overrides(args.settings)
    _out(args.out)
    _check_named_files(methods, pairs, overrides)
    profile = get_profile(args.profile).name
    for spec in methods:  # --profile sets every method's profile unless --set names one
        if "profile" in spec.defaults:
            overrides.setdefault(spec.name, {}).setdefault("profile", profile)
    options = _comparison_options(args)
    outcomes = run_all(methods, pairs, collection, args.depth, args.out, args.force, overrides, report=lambda line: print(line, flush=True))
    evaluate_saved(collection, pairs, args.out, args.measures)
    boards = write_leaderboard(args.out, args.measures, options, args.formats)
    skipped = [o for o in outcomes if o.status == "skipped"]
    print(f"\n{len(outcomes) - len(skipped)} runs ready, {len(skipped)} skipped; leaderboard: {args.out / LEADERBOARD}\n")
    if skipped:
        print("Skipped:")
        for o in skipped:
            print(f"- {o.method} on {o.pair}: {o.reason}")
        print()
    board = next((b for b in boards if b.name == collection.name), None)
    if "AP" in args.measures and board is not None:
        print(f"MAP on {collection.name}:\n")
        print(console_table(board, "AP"))
    return 0


def _ordered_methods(entries) -> list[str]:
    present = {method for _, method in entries}
    return [m for m in METHODS if m in present] + sorted(present - set(METHODS))


def build_boards(out: Path, measures, options: ComparisonOptions) -> list:
    """One board per collection that has a scores file under ``out``."""
    boards = []
    for name, collection in COLLECTIONS.items():
        path = scores_path(out, name)
        entries = load_scores(path)
        if entries:
            title = f"Collection `{name}`: {collection.description}"
            source = str(path.relative_to(out))
            oracles = [m for m in _ordered_methods(entries) if m in METHODS and METHODS[m].oracle]
            boards.append(build_board(name, title, source, entries, _ordered_methods(entries), measures, options, oracles))
    return boards


def write_leaderboard(out: Path, measures, options: ComparisonOptions, formats=FORMATS) -> list:
    """Rebuild every requested output under ``out`` from the scores files alone; returns the boards."""
    boards = build_boards(out, measures, options)
    for relative, content in render_outputs(boards, options, formats).items():
        with atomic_open(out / relative, "wb") as handle:  # bytes: "\n" line ends on every platform
            handle.write(content if isinstance(content, bytes) else content.encode("utf-8"))
    return boards


def cmd_leaderboard(args) -> int:
    _out(args.out)
    options = _comparison_options(args)
    for collection in COLLECTIONS.values():
        if (args.out / "runs" / collection.name).is_dir():
            evaluate_saved(collection, list(PAIRS.values()), args.out, args.measures)
    write_leaderboard(args.out, args.measures, options, args.formats)
    print(args.out / LEADERBOARD if "md" in args.formats else args.out)
    return 0


def _saved_scores(out: Path, collection_name: str):
    """The scores file of a collection and its entries; an error when there are none."""
    path = scores_path(out, _collection(collection_name).name)
    entries = load_scores(path)
    if not entries:
        raise HarnessError(f"no scores in {path}; run `python -m harness run` or `evaluate` first")
    return path, entries


def cmd_compare(args) -> int:
    options = _comparison_options(args)
    path, entries = _saved_scores(args.out, args.collection)
    methods = _ordered_methods(entries)
    for name in (args.method_a, args.method_b):
        if name not in methods:
            raise UsageError(f"unknown method {name}; valid: {', '.join(methods)}")
    if args.method_a == args.method_b:
        raise UsageError(f"compare needs two different methods, got {args.method_a} twice")
    measures = sorted({m for e in entries.values() for m in e.scores})
    if args.measure not in measures:
        raise UsageError(f"unknown measure {args.measure}; valid: {', '.join(measures)}")
    pairs = None if args.pairs == "all" else list(dict.fromkeys(p.name for p in select(args.pairs, PAIRS, "pair")))
    result = duel(entries, args.method_a, args.method_b, args.measure, pairs, options)
    plots = {}
    for differences in result.per_pair:
        target = args.out / compare_plot_path(args.method_a, args.method_b, differences.pair, args.measure)
        with atomic_open(target, "wb") as handle:
            handle.write(differences_png(differences, args.method_a, args.method_b, args.measure))
        plots[differences.pair] = str(target)
    print(duel_report(result, options, plots))
    return 0


def cmd_claims(args) -> int:
    _out(args.out)
    from harness.claims import evaluate_claims
    from harness.render.claims_report import claims_json, claims_markdown

    options = _comparison_options(args)
    path, entries = _saved_scores(args.out, args.collection)
    results = evaluate_claims(entries, options)
    source = str(path.relative_to(args.out))
    used = {pair: e.used for (pair, method), e in sorted(entries.items(), key=lambda kv: list(PAIRS).index(kv[0][0]) if kv[0][0] in PAIRS else 99)
            if method == "bm25-nmt" and e.status == "ok" and e.used}
    for name, content in (("claims.md", claims_markdown(results, options, source, used)), ("claims.json", claims_json(results, options, source))):
        with atomic_open(args.out / name, "wb") as handle:
            handle.write(content.encode("utf-8"))
    for result in results:
        print(f"{result.verdict:20}  {result.claim.id}")
    print(args.out / "claims.md")
    return 0


def cmd_study(args) -> int:
    from harness.studies import STUDIES, get_study

    if args.study_command == "list":
        for study in STUDIES.values():
            print(f"{study.name}  {study.question}")
            print(f"    collections: {', '.join(study.collections)}; pairs: {study.pairs}")
            print(f"    measures: {', '.join(study.measures)}; applies to: {study.methods}; needs: {study.needs}")
        return 0
    study = get_study(args.name)
    options = _comparison_options(args)
    _out(args.out)
    pairs = select(args.pairs, PAIRS, "pair")
    for path in study.load()(args.out, pairs, options, args.force, lambda line: print(line, flush=True)):
        print(path)
    return 0


def cmd_evaluate(args) -> int:
    collection = _collection(args.collection)
    entries = evaluate_saved(collection, select(args.pairs, PAIRS, "pair"), args.out, args.measures)
    print(f"{len(entries)} entries in {scores_path(args.out, collection.name)}")
    return 0


def cmd_list(args) -> int:
    print("Methods (usability on the built-in collection):")
    collection = COLLECTIONS[DEFAULT_COLLECTION]
    topics = {}
    for pair in PAIRS.values():
        try:
            topics[pair.name] = load_topics(collection, pair)
        except HarnessError as exc:
            topics[pair.name] = exc
    run = [t for t in topics.values() if not isinstance(t, HarnessError)]
    for spec in METHODS.values():
        oracle = " (oracle: a ceiling, not a competitor)" if spec.oracle else ""
        print(f"  {spec.name}  [{spec.family}; needs {', '.join(spec.needs) or 'nothing'}]{oracle}  {spec.description}")
        for pair_name, pair_topics in topics.items():
            if isinstance(pair_topics, HarnessError):
                print(f"    {pair_name}: not usable: {pair_topics}")
                continue
            retriever = spec.implementation(spec, spec.parameters(), Path("."))
            retriever.plan(run)  # as in `run --pairs all`: run-wide choices see every pair
            reason = retriever.unavailable_reason(pair_topics)
            used = retriever.resolved(pair_topics).get("translator") if reason is None else None
            status = "usable" + (f" with {used}" if used else "") if reason is None else "not usable: " + reason
            print(f"    {pair_name}: {status}")
    print("\nLanguage pairs (precomputed MT of NTREX's English: `--set bm25-nmt.translator=precomputed:SYSTEM`):")
    from harness.translate.precomputed import available_systems

    for pair in PAIRS.values():
        real = ", ".join(pair.real_collections) or "none in ir_datasets"
        systems = ", ".join(available_systems(pair.lang)) or "none"
        print(f"  {pair.name}  {pair.language} ({pair.resource}-resource); real collections: {real}")
        print(f"    precomputed MT systems pinned: {systems}")
    print("\nTraining bitext (pairs after NTREX exclusion and de-duplication):")
    try:
        from harness.bitext import bitext_counts

        for lang, counts in bitext_counts().items():
            detail = ", ".join(f"{source} {n}" for source, n in counts.items())
            print(f"  {lang}: {sum(counts.values())} ({detail})")
    except HarnessError as exc:
        print(f"  not available: {exc}")
    print("\nCollections:")
    mirror = data_mirror()
    for collection in COLLECTIONS.values():
        if collection.builtin:
            where = f"from the mirror {mirror}" if mirror else f"downloads pinned files on first use (or set {MIRROR_ENV})"
        else:
            import ir_datasets

            where = f"ir_datasets downloads it into {ir_datasets.util.home_path()} on first use (needs the network once)"
        print(f"  {collection.name}  {collection.description}; {where}")
    return 0


COMMANDS = {
    "run": cmd_run,
    "list": cmd_list,
    "evaluate": cmd_evaluate,
    "leaderboard": cmd_leaderboard,
    "compare": cmd_compare,
    "claims": cmd_claims,
    "study": cmd_study,
}


INTERRUPTED = "interrupted: every file is written whole or not at all; finished runs are kept and reused on the next run"


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit status 0, 1 (a HarnessError), 2 (a usage error) or 130 (Ctrl-C)."""
    interrupted = _SigintFlag()
    try:
        with interrupted:
            args = build_parser().parse_args(argv)
            return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BaseException:
        # A Ctrl-C can surface as another exception from inside a C extension (matplotlib raised
        # IndexError once): after SIGINT, any exception is the interruption, reported in one line.
        if not interrupted.seen:
            raise
        print(INTERRUPTED, file=sys.stderr)
        return 130


class _SigintFlag:
    """Within the block, SIGINT sets ``seen`` and raises KeyboardInterrupt (on the main thread only)."""

    def __init__(self):
        self.seen = False
        self._previous = None

    def _handle(self, signum, frame):
        self.seen = True
        raise KeyboardInterrupt

    def __enter__(self):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        import signal

        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False
