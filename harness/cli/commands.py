"""The commands of ``python -m harness``, one function each: parse nothing, check, then work."""

from __future__ import annotations

from pathlib import Path

from harness.board.build import LEADERBOARD, ordered_methods, outside_methods, write_leaderboard
from harness.cli.args import collection_arg, comparison_options, overrides_arg, pairs_arg
from harness.cli.checks import check_members, check_named_files, check_out, check_precisions, check_runtimes
from harness.compare import duel
from harness.compare.plot import differences_png
from harness.compare.report import duel_report
from harness.compare.tables import compare_stem, duel_csv, duel_json, duel_latex
from harness.data.collections import COLLECTIONS, saved_collection
from harness.data.pairs import ALL_PAIRS, PAIRS
from harness.errors import HarnessError, UsageError
from harness.board.markdown import console_table
from harness.evaluation.saved import evaluate_saved, runs_without_sidecar
from harness.evaluation.scores import load_scores, scores_path
from harness.executors.local import run_all
from harness.files.atomic import atomic_open
from harness.files.fileset import write_file_set
from harness.files.lock import results_lock
from harness.method.profiles import get_profile
from harness.evaluation.measure_names import measure_name
from harness.names import select, suggestions, unknown_message
from harness.registry import METHODS, builtin_names
from harness.render.plots import compare_plot_path


def score_saved(collection, pairs, out: Path, measures) -> dict:
    """Score the saved runs into the scores file; a run file without a sidecar is one line, never silently skipped."""
    entries = evaluate_saved(collection, pairs, out, measures, report=print)
    for run in runs_without_sidecar(out, collection.name, pairs):
        print(f"{run}: a run file with no sidecar is not scored; to put it on the board: python -m harness import-run "
              f"{run} --name {run.stem}-imported --collection {collection.name} --pair {run.parent.name} --out {out}",
              flush=True)
    return entries


def cmd_run(args) -> int:
    methods = select(args.methods, METHODS, "method", builtin_names())
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
    score_saved(collection, pairs, args.out, args.measures)
    boards = write_leaderboard(args.out, args.measures, options, args.formats)
    skipped = [o for o in outcomes if o.status == "skipped"]
    ready = len(outcomes) - len(skipped)
    print(f"\n{ready} run{'' if ready == 1 else 's'} ready, {len(skipped)} skipped; leaderboard: {args.out / LEADERBOARD}\n")
    if skipped:
        print("Skipped (the sources tried and the fix: python -m harness list --why METHOD PAIR):")
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
            score_saved(collection, collection.language_pairs(), args.out, args.measures)
    write_leaderboard(args.out, args.measures, options, args.formats)
    print(args.out / LEADERBOARD if "md" in args.formats else args.out)
    return 0


def cmd_paper_table(args) -> int:
    from harness.board.board import build_board
    from harness.board.paper_table import PaperTableOptions, load_names, paper_table, select_columns

    check_out(args.out)
    options = comparison_options(args)
    path, entries = _saved_scores(args.out, args.collection)
    scored = sorted({m for e in entries.values() for m in e.scores})
    if set(args.measures) - set(scored):
        raise UsageError(f"--measures: {', '.join(sorted(set(args.measures) - set(scored)))} not in {path}; it has: {', '.join(scored)}")
    collection = COLLECTIONS.get(args.collection) or saved_collection(args.collection, entries)
    methods = ordered_methods(entries)
    oracles = [m for m in methods if m in METHODS and METHODS[m].oracle]
    board = build_board(collection.name, collection.description, str(path.relative_to(args.out)), entries, methods,
                        args.measures, options, oracles, collection.pairs,
                        own=outside_methods(methods, entries), complete_judgements=collection.complete_judgements)
    names = load_names(args.names) if args.names else {}
    unknown = [m for m in names if m not in methods]
    if unknown:
        raise UsageError(f"--names {args.names}: {', '.join(unknown)} not on the board; its methods: {', '.join(methods)}")
    table = paper_table(board, PaperTableOptions(
        measures=tuple(args.measures), columns=select_columns(board, args.columns), names=names, decimals=args.decimals,
        leading_zero=args.leading_zero, marks=args.marks, layout=args.layout, caption=args.caption, label=args.label,
    ))
    dest = args.dest or args.out / "paper-table.tex"
    with atomic_open(dest, "wb") as handle:
        handle.write(table.encode("utf-8") + b"\n")
    print(dest)
    return 0


def cmd_site(args) -> int:
    from harness.site.build import write_site

    check_out(args.out)
    dest, size = write_site(args.out, args.dest)
    print(f"{dest} ({size / 1e6:.2f} MB); open {dest / 'index.html'}")
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
    unknown = [name for name in (args.method_a, args.method_b) if name not in methods]
    if unknown:
        raise UsageError(unknown_message("method", unknown, methods))
    if args.method_a == args.method_b:
        raise UsageError(f"compare needs two different methods, got {args.method_a} twice")
    measures = sorted({m for e in entries.values() for m in e.scores})
    measure = measure_name(args.measure)
    if measure not in measures:
        close = suggestions(args.measure, measures)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        raise UsageError(f"{path} has no {measure} scores{hint}; valid: {', '.join(measures)}")
    args.measure = measure
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
    texts, missing = query_texts(collection, result)
    stem = args.out / compare_stem(args.method_a, args.method_b, args.measure)
    files = {".csv": duel_csv(result, texts), ".tex": duel_latex(result, options, texts),
             ".json": duel_json(result, options, collection.name, texts, missing)}
    for suffix, content in files.items():
        with atomic_open(stem.with_name(stem.name + suffix), "wb") as handle:
            handle.write(content.encode("utf-8"))
    print(duel_report(result, options, plots))
    for why in dict.fromkeys(missing.values()):
        print(f"no query text for {', '.join(p for p, w in missing.items() if w == why)}: {why}")
    print(f"tables: {', '.join(str(stem.with_name(stem.name + suffix)) for suffix in files)}")
    return 0


def query_texts(collection, result) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """pair -> query id -> text for the compared queries, and pair -> why there is none (said, never guessed)."""
    from harness.data.collections import load_topics
    from harness.data.pairs import get_pair

    texts, missing = {}, {}
    for differences in result.per_pair:
        try:
            queries = load_topics(collection, get_pair(differences.pair)).queries
        except (HarnessError, KeyError) as exc:
            missing[differences.pair] = f"the collection cannot be read here ({exc})"
            continue
        unknown = [q for q in differences.table["query"] if q not in queries]
        if unknown:
            missing[differences.pair] = f"{len(unknown)} scored query ids are not the collection's (e.g. {min(unknown)})"
            continue
        texts[differences.pair] = {q: queries[q] for q in differences.table["query"]}
    return texts, missing


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
    if args.study_command == "render":
        options = comparison_options(args)
        check_out(args.out)
        for study in (STUDIES.values() if args.name == "all" else [get_study(args.name)]):
            for path in study.load_renderer()(args.out, options):
                print(path)
        return 0
    study = get_study(args.name)
    options = comparison_options(args)
    check_out(args.out)
    pairs = None if args.pairs == "all" else [p.name for p in select(args.pairs, ALL_PAIRS, "pair")]
    methods = None if args.methods == "all" else [m.name for m in select(args.methods, METHODS, "method", builtin_names())]
    settings = overrides_arg(args.settings)
    for path in study.load()(args.out, pairs, methods, options, args.force, lambda line: print(line, flush=True), settings):
        print(path)
    return 0


def cmd_evaluate(args) -> int:
    collection = collection_arg(args.collection, args.pairs)
    check_out(args.out)
    entries = score_saved(collection, pairs_arg(args.pairs, collection), args.out, args.measures)
    print(f"{len(entries)} entries in {scores_path(args.out, collection.name)}")
    return 0


def cmd_import_run(args) -> int:
    from harness.interop.import_run import import_run

    collection = collection_arg(args.collection, args.pair)
    pairs = pairs_arg(args.pair, collection)
    check_out(args.out)
    options = comparison_options(args)
    done = import_run(args.file, args.name, collection, pairs[0].name, args.out, args.description, args.drop_unknown,
                      args.force)
    dropped = done.dropped_queries + done.dropped_documents
    print(f"imported {args.file} as {args.name} on {collection.name}/{pairs[0].name}: {done.lines} lines for "
          f"{done.queries} queries" + (f"; dropped {done.dropped_queries} line(s) of unknown queries and "
                                       f"{done.dropped_documents} of unknown documents" if dropped else "")
          + (f"; {done.judged_without_run} judged queries have no line (they score 0)" if done.judged_without_run else ""))
    score_saved(collection, collection.language_pairs(), args.out, args.measures)
    write_leaderboard(args.out, args.measures, options, args.formats)
    print(args.out / LEADERBOARD if "md" in args.formats else args.out)
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
