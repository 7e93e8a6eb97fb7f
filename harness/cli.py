"""Command line: ``python -m harness run|list|evaluate|leaderboard``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.data.collections import COLLECTIONS, DEFAULT_COLLECTION, load_topics
from harness.data.pairs import PAIRS
from harness.errors import HarnessError, UsageError
from harness.evaluate import DEFAULT_MEASURES, parse_measures
from harness.leaderboard import SignificanceOptions, main_table, render
from harness.paths import MIRROR_ENV, data_mirror
from harness.profiles import DEFAULT_PROFILE, PROFILES, get_profile
from harness.pipeline import evaluate_saved, run_all
from harness.registry import METHODS, select
from harness.scores import load_scores, scores_path
from harness.stats import CORRECTIONS, TESTS

LEADERBOARD = "leaderboard.md"


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


def _significance(args) -> SignificanceOptions:
    if args.test not in TESTS:
        raise UsageError(f"unknown test {args.test}; valid: {', '.join(TESTS)}")
    if args.correction not in CORRECTIONS:
        raise UsageError(f"unknown correction {args.correction}; valid: {', '.join(CORRECTIONS)}")
    return SignificanceOptions(baseline=args.baseline, test=args.test, correction=args.correction, alpha=args.alpha)


def _add_board_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("results"), help="results folder (default: results)")
    parser.add_argument("--measures", type=_measures, default=list(DEFAULT_MEASURES), help="comma list of ir_measures names (default: %(default)s)")
    parser.add_argument("--baseline", default="bm25-nmt", help="method every other is tested against (default: bm25-nmt)")
    parser.add_argument("--test", default="t-test", help=f"paired test over queries: {', '.join(TESTS)} (default: t-test)")
    parser.add_argument("--correction", default="holm", help=f"multiple-testing correction: {', '.join(CORRECTIONS)} (default: holm)")
    parser.add_argument("--alpha", type=float, default=0.05, help="significance level (default: 0.05)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m harness", description="Cross-lingual retrieval benchmark: English queries, documents in seven languages.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="retrieve (or reuse) runs, score them, rebuild the leaderboard")
    run.add_argument("--methods", default="all", help=f"all, or a comma list of: {', '.join(METHODS)}")
    run.add_argument("--pairs", default="all", help=f"all, or a comma list of: {', '.join(PAIRS)}")
    run.add_argument("--collection", default=DEFAULT_COLLECTION, help=f"one of: {', '.join(COLLECTIONS)} (default: {DEFAULT_COLLECTION})")
    run.add_argument("--depth", type=int, default=1000, help="documents retrieved per query (default: 1000)")
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

    board = commands.add_parser("leaderboard", help="rebuild results/leaderboard.md from saved runs and scores (no retrieval)")
    _add_board_options(board)
    return parser


def cmd_run(args) -> int:
    methods = select(args.methods, METHODS, "method")
    pairs = select(args.pairs, PAIRS, "pair")
    collection = _collection(args.collection)
    overrides = _overrides(args.settings)
    profile = get_profile(args.profile).name
    for spec in methods:  # --profile sets every method's profile unless --set names one
        if "profile" in spec.defaults:
            overrides.setdefault(spec.name, {}).setdefault("profile", profile)
    options = _significance(args)
    outcomes = run_all(methods, pairs, collection, args.depth, args.out, args.force, overrides, report=lambda line: print(line, flush=True))
    entries = evaluate_saved(collection, pairs, args.out, args.measures)
    write_leaderboard(args.out, args.measures, options)
    skipped = [o for o in outcomes if o.status == "skipped"]
    print(f"\n{len(outcomes) - len(skipped)} runs ready, {len(skipped)} skipped; leaderboard: {args.out / LEADERBOARD}\n")
    if skipped:
        print("Skipped:")
        for o in skipped:
            print(f"- {o.method} on {o.pair}: {o.reason}")
        print()
    if "AP" in args.measures:
        print(f"MAP on {collection.name}:\n")
        print(main_table(entries, _ordered_methods(entries), options))
    return 0


def _ordered_methods(entries) -> list[str]:
    present = {method for _, method in entries}
    return [m for m in METHODS if m in present] + sorted(present - set(METHODS))


def write_leaderboard(out: Path, measures, options: SignificanceOptions) -> Path:
    from harness.atomic import atomic_write_text

    sections = ["# Leaderboard", (
        "English queries, documents in Swahili, Somali, Yoruba, Marathi (low-resource) and Finnish, German, French "
        "(high-resource). Scores are means over queries; per-query scores are in `scores/`."
    )]
    for name, collection in COLLECTIONS.items():
        path = scores_path(out, name)
        entries = load_scores(path)
        if not entries:
            continue
        title = f"Collection `{name}`: {collection.description}"
        sections.append(render(title, entries, _ordered_methods(entries), measures, options, source=str(path.relative_to(out))))
    target = out / LEADERBOARD
    atomic_write_text(target, "\n\n".join(sections) + "\n")
    return target


def cmd_leaderboard(args) -> int:
    options = _significance(args)
    for collection in COLLECTIONS.values():
        if (args.out / "runs" / collection.name).is_dir():
            evaluate_saved(collection, list(PAIRS.values()), args.out, args.measures)
    print(write_leaderboard(args.out, args.measures, options))
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
    for spec in METHODS.values():
        print(f"  {spec.name}  [{spec.family}; needs {', '.join(spec.needs) or 'nothing'}]  {spec.description}")
        for pair_name, pair_topics in topics.items():
            if isinstance(pair_topics, HarnessError):
                print(f"    {pair_name}: not usable: {pair_topics}")
                continue
            retriever = spec.implementation(spec, spec.parameters(), Path("."))
            reason = retriever.unavailable_reason(pair_topics)
            print(f"    {pair_name}: {'usable' if reason is None else 'not usable: ' + reason}")
    print("\nLanguage pairs:")
    for pair in PAIRS.values():
        real = ", ".join(pair.real_collections) or "none in ir_datasets"
        print(f"  {pair.name}  {pair.language} ({pair.resource}-resource); real collections: {real}")
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


COMMANDS = {"run": cmd_run, "list": cmd_list, "evaluate": cmd_evaluate, "leaderboard": cmd_leaderboard}


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
