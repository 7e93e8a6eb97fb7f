"""Command line: ``python -m harness run|list|evaluate|leaderboard|compare|claims|study``; parsing in ``cli_args``."""

from __future__ import annotations

import sys
from pathlib import Path

from harness.atomic import atomic_open
from harness.cli_args import (
    build_parser,
    check_named_files,
    check_members,
    check_precisions,
    check_runtimes,
    check_out,
    collection_arg,
    comparison_options,
    overrides_arg,
    pairs_arg,
)
from harness.compare import ComparisonOptions, duel
from harness.data.collections import COLLECTIONS, DEFAULT_COLLECTION, load_topics, saved_collection
from harness.data.pairs import ALL_PAIRS, PAIRS
from harness.errors import HarnessError, UsageError
from harness.leaderboard import build_board
from harness.paths import MIRROR_ENV, data_mirror
from harness.profiles import get_profile
from harness.pipeline import evaluate_saved, run_all
from harness.registry import METHODS, select
from harness.render import FORMATS, render_outputs
from harness.render.compare_report import duel_report
from harness.render.differences_plot import differences_png
from harness.render.markdown import console_table
from harness.render.plots import compare_plot_path
from harness.scores import load_scores, scores_path

LEADERBOARD = "leaderboard.md"
def cmd_run(args) -> int:
    methods = select(args.methods, METHODS, "method")
    collection = collection_arg(args.collection, args.pairs)
    pairs = pairs_arg(args.pairs, collection)
    overrides = overrides_arg(args.settings)
    from harness.executors import check_executor, make_executor

    check_executor(args.executor, args.ray_address)
    if args.shard_passages is not None and args.executor != "ray":
        raise UsageError(f"--shard-passages {args.shard_passages} is for --executor ray, not --executor {args.executor}")
    check_out(args.out)
    check_named_files(methods, pairs, overrides)
    check_members(methods, overrides)
    check_precisions(methods, overrides)
    check_runtimes(methods, overrides)
    methods = sorted(methods, key=lambda spec: spec.family == "fusion")  # a fusion after its members
    profile = get_profile(args.profile).name
    for spec in methods:  # --profile sets every method's profile unless --set names one
        if "profile" in spec.defaults:
            overrides.setdefault(spec.name, {}).setdefault("profile", profile)
    options = comparison_options(args)
    executor = make_executor(args.executor, args.ray_address, args.shard_passages)
    outcomes = run_all(methods, pairs, collection, args.depth, args.out, args.force, overrides,
                       report=lambda line: print(line, flush=True), executor=executor)
    evaluate_saved(collection, pairs, args.out, args.measures)
    boards = write_leaderboard(args.out, args.measures, options, args.formats)
    skipped = [o for o in outcomes if o.status == "skipped"]
    ready = len(outcomes) - len(skipped)
    print(f"\n{ready} run{'' if ready == 1 else 's'} ready, {len(skipped)} skipped; leaderboard: {args.out / LEADERBOARD}\n")
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
    names = list(COLLECTIONS) + sorted(p.stem for p in (out / "scores").glob("*.json") if p.stem not in COLLECTIONS)
    for name in names:
        path = scores_path(out, name)
        entries = load_scores(path)
        collection = COLLECTIONS.get(name) or saved_collection(name, entries)
        if entries:
            title = f"Collection `{name}`: {collection.description}"
            source = str(path.relative_to(out))
            oracles = [m for m in _ordered_methods(entries) if m in METHODS and METHODS[m].oracle]
            boards.append(build_board(name, title, source, entries, _ordered_methods(entries), measures, options, oracles,
                                      collection.pairs))
    return boards


def write_leaderboard(out: Path, measures, options: ComparisonOptions, formats=FORMATS) -> list:
    """Rebuild every requested output under ``out`` from the scores files alone; returns the boards."""
    boards = build_boards(out, measures, options)
    for relative, content in render_outputs(boards, options, formats).items():
        with atomic_open(out / relative, "wb") as handle:  # bytes: "\n" line ends on every platform
            handle.write(content if isinstance(content, bytes) else content.encode("utf-8"))
    return boards


def cmd_leaderboard(args) -> int:
    check_out(args.out)
    options = comparison_options(args)
    for collection in COLLECTIONS.values():
        if (args.out / "runs" / collection.name).is_dir():
            evaluate_saved(collection, collection.language_pairs(), args.out, args.measures)
    write_leaderboard(args.out, args.measures, options, args.formats)
    print(args.out / LEADERBOARD if "md" in args.formats else args.out)
    return 0


def _saved_scores(out: Path, collection_name: str):
    """The scores file of a collection and its entries; an error when there are none."""
    from harness.data.user_collections import results_name

    path = scores_path(out, results_name(collection_name))
    entries = load_scores(path)
    if not entries:
        raise HarnessError(f"no scores in {path}; run `python -m harness run` or `evaluate` first")
    return path, entries


def cmd_compare(args) -> int:
    options = comparison_options(args)
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
    collection = collection_arg(args.collection, args.pairs) if args.pairs != "all" or args.collection in COLLECTIONS \
        else saved_collection(args.collection, entries)
    pairs = None if args.pairs == "all" else list(dict.fromkeys(p.name for p in pairs_arg(args.pairs, collection)))
    result = duel(entries, args.method_a, args.method_b, args.measure, pairs, options, collection.pairs)
    plots = {}
    for differences in result.per_pair:
        target = args.out / compare_plot_path(args.method_a, args.method_b, differences.pair, args.measure)
        with atomic_open(target, "wb") as handle:
            handle.write(differences_png(differences, args.method_a, args.method_b, args.measure))
        plots[differences.pair] = str(target)
    print(duel_report(result, options, plots))
    return 0


def cmd_claims(args) -> int:
    check_out(args.out)
    from harness.claims import evaluate_claims
    from harness.render.claims_report import claims_json, claims_markdown

    options = comparison_options(args)
    path, entries = _saved_scores(args.out, args.collection)
    results = evaluate_claims(entries, options)
    source = str(path.relative_to(args.out))
    used = {p: e.used for p in PAIRS if (e := entries.get((p, "bm25-nmt"))) and e.status == "ok" and e.used}
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
    options = comparison_options(args)
    check_out(args.out)
    pairs = None if args.pairs == "all" else [p.name for p in select(args.pairs, ALL_PAIRS, "pair")]
    methods = None if args.methods == "all" else [m.name for m in select(args.methods, METHODS, "method")]
    settings = overrides_arg(args.settings)
    for path in study.load()(args.out, pairs, methods, options, args.force, lambda line: print(line, flush=True), settings):
        print(path)
    return 0


def cmd_evaluate(args) -> int:
    collection = collection_arg(args.collection, args.pairs)
    entries = evaluate_saved(collection, pairs_arg(args.pairs, collection), args.out, args.measures)
    print(f"{len(entries)} entries in {scores_path(args.out, collection.name)}")
    return 0


def cmd_list(args) -> int:
    from harness.models.resolve import offline_unless_reachable

    # One look at the hub for the whole listing (none with HF_HUB_OFFLINE set): when it does not
    # answer, every check below treats it as HF_HUB_OFFLINE=1 instead of failing once per pair.
    with offline_unless_reachable() as hub:
        print(hub.line())
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
                retriever.out = Path("results")  # where a fusion finds its members' runs
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
            print(f"    pairs: {', '.join(collection.pairs) or 'none'}; ids: {collection.pattern}")
        return 0


def cmd_export(args) -> int:
    from harness.export import export

    collection = collection_arg(args.collection, args.pairs)
    pairs = pairs_arg(args.pairs, collection)
    check_out(args.dest)
    for path in export(args.out, collection, pairs, args.format, args.dest):
        print(path)
    return 0


def cmd_check(args) -> int:
    from harness.reproduce import check, write_expected

    check_out(args.out)
    if args.write_expected:
        print(write_expected(args.out))
        return 0
    return 0 if check(args.out, args.rerun, lambda line: print(line, flush=True)) else 1


COMMANDS = {
    "run": cmd_run,
    "list": cmd_list,
    "evaluate": cmd_evaluate,
    "leaderboard": cmd_leaderboard,
    "compare": cmd_compare,
    "claims": cmd_claims,
    "study": cmd_study,
    "check": cmd_check,
    "export": cmd_export,
}


INTERRUPTED = "interrupted: every file is written whole or not at all; finished runs are kept and reused on the next run"


def main(argv: list[str] | None = None) -> int:
    """Run one command; exit status 0, 1 (a HarnessError), 2 (a usage error) or 130 (Ctrl-C)."""
    from harness.precision import quiet_optional_kernel_logs

    quiet_optional_kernel_logs()  # whichever path first imports transformers (a cold cache converts the model)
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
