"""The commands of ``python -m harness``, one function each: parse nothing, check, then work."""

from __future__ import annotations

from pathlib import Path

from harness.board.build import LEADERBOARD, ordered_methods, write_leaderboard
from harness.cli.args import collection_arg, comparison_options, overrides_arg, pairs_arg
from harness.cli.checks import check_members, check_named_files, check_out, check_precisions, check_runtimes
from harness.compare import duel
from harness.compare.plot import differences_png
from harness.compare.report import duel_report
from harness.data.collections import COLLECTIONS, saved_collection
from harness.data.pairs import ALL_PAIRS, PAIRS
from harness.errors import HarnessError, UsageError
from harness.board.markdown import console_table
from harness.evaluation.saved import evaluate_saved
from harness.evaluation.scores import load_scores, scores_path
from harness.executors.local import run_all
from harness.files.atomic import atomic_open
from harness.files.fileset import write_file_set
from harness.files.lock import results_lock
from harness.method.profiles import get_profile
from harness.registry import METHODS, select
from harness.render.plots import compare_plot_path


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
    methods = ordered_methods(entries)
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
    check_out(args.out)  # the plots go there
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
    from harness.claims.report import claims_json, claims_markdown

    options = comparison_options(args)
    path, entries = _saved_scores(args.out, args.collection)
    results = evaluate_claims(entries, options)
    source = str(path.relative_to(args.out))
    used = {p: e.used for p in PAIRS if (e := entries.get((p, "bm25-nmt"))) and e.status == "ok" and e.used}
    files = {"claims.md": claims_markdown(results, options, source, used), "claims.json": claims_json(results, options, source)}
    with results_lock(args.out):  # the two as one set: never a new claims.md beside an old claims.json
        write_file_set(args.out, {name: content.encode("utf-8") for name, content in files.items()}, "claims")
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
    check_out(args.out)
    entries = evaluate_saved(collection, pairs_arg(args.pairs, collection), args.out, args.measures)
    print(f"{len(entries)} entries in {scores_path(args.out, collection.name)}")
    return 0


def cmd_export(args) -> int:
    from harness.interop.export import export

    collection = collection_arg(args.collection, args.pairs)
    pairs = pairs_arg(args.pairs, collection)
    check_out(args.dest, "--dest")
    for path in export(args.out, collection, pairs, args.format, args.dest):
        print(path)
    return 0


def cmd_check(args) -> int:
    from harness.reproduction.check import check, write_expected

    check_out(args.out)
    if args.write_expected:
        print(write_expected(args.out))
        return 0
    return 0 if check(args.out, args.rerun, lambda line: print(line, flush=True)) else 1
