"""``python -m harness list``: methods, pairs, bitext and collections, and which are usable here now."""

from __future__ import annotations

from pathlib import Path

from harness.data.collections import COLLECTIONS, DEFAULT_COLLECTION, load_topics
from harness.data.pairs import PAIRS, get_pair
from harness.errors import HarnessError
from harness.files.paths import MIRROR_ENV, data_mirror
from harness.method import SkipReason
from harness.registry import BUILT_IN, METHODS, origin_of
from harness.registry.plugins import COLLECTION_ORIGINS


def cmd_list(args) -> int:
    from harness.models.hub import offline_unless_reachable

    if getattr(args, "why", None):
        return why(*args.why, collection_name=args.collection, out=args.out)

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
            origin = (origin_of(spec.name) or BUILT_IN).describe()
            print(f"  {spec.name}  [{spec.family}; needs {', '.join(spec.needs) or 'nothing'}; {origin}]{oracle}  "
                  f"{spec.description}")
            for pair_name, pair_topics in topics.items():
                if isinstance(pair_topics, HarnessError):
                    print(f"    {pair_name}: not usable: {pair_topics}")
                    continue
                retriever = spec.implementation(spec, spec.parameters(), Path("."))
                retriever.out = Path("results")  # where a fusion finds its members' runs
                retriever.plan(run)  # as in `run`: choices across pairs see every pair of the board
                reason = retriever.unavailable_reason(pair_topics)
                used = retriever.resolved(pair_topics).get("translator") if reason is None else None
                short = SkipReason.of(reason).short if reason is not None else ""
                status = "usable" + (f" with {used}" if used else "") if reason is None else \
                    f"not usable: {short} (why: list --why {spec.name} {pair_name})"
                print(f"    {pair_name}: {status}")
        print("\nLanguage pairs (precomputed MT of NTREX's English: `--set bm25-nmt.translator=precomputed:SYSTEM`):")
        from harness.translate.precomputed import available_systems, output_for

        for pair in PAIRS.values():
            real = ", ".join(pair.real_collections) or "none in ir_datasets"
            # Each system with the model behind it on this language (OPUS-MT's differs per language).
            models = {s: output_for(pair.lang, s).model for s in available_systems(pair.lang)}
            systems = ", ".join(s if m.startswith(s) else f"{s} ({m})" for s, m in models.items()) or "none"
            print(f"  {pair.name}  {pair.language} ({pair.resource}-resource); real collections: {real}")
            print(f"    precomputed MT systems pinned: {systems}")
        others = sorted({p for c in COLLECTIONS.values() for p in c.pairs} - set(PAIRS))
        for name in others:
            pair = get_pair(name)
            served = ", ".join(c.name for c in COLLECTIONS.values() if name in c.pairs)
            print(f"  {pair.name}  {pair.language} ({pair.resource}-resource); only in: {served}")
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
            if collection.corpus is not None:
                where = where.replace("pinned files", "pinned topics and qrels").replace("from the mirror", "topics and qrels from the mirror")
            plugin = f" [{COLLECTION_ORIGINS[collection.name].describe()}]" if collection.name in COLLECTION_ORIGINS else ""
            print(f"  {collection.name}{plugin}  {collection.description}; {where}")
            print(f"    pairs: {', '.join(collection.pairs) or 'none'}; ids: {collection.pattern}")
            for pair in collection.language_pairs() if collection.corpus is not None else ():
                corpus = collection.corpus_of(pair)
                reason = corpus.unavailable_reason()
                state = f"downloaded ({corpus.local})" if corpus.cached() else "downloads on first use" if reason is None else reason
                print(f"    {pair.name} corpus {corpus.repo}/{corpus.path}@{corpus.revision[:7]}: {state}")
        return 0


def why(method: str, pair: str, collection_name: str = DEFAULT_COLLECTION, out: Path = Path("results")) -> int:
    """``list --why METHOD PAIR``: the long reason a cell is skipped, now and as its saved sidecar recorded it.

    The board and the console give the one-line reason; this gives every source tried and the fix.
    """
    from harness.cli.args import collection_arg, pairs_arg
    from harness.evaluation.runs import read_sidecar, run_paths
    from harness.method import SkipReason
    from harness.models.hub import offline_unless_reachable
    from harness.names import select

    spec = select(method, METHODS, "method")[0]
    collection = collection_arg(collection_name, pair)
    language_pair = pairs_arg(pair, collection)[0]
    _, sidecar_path = run_paths(out, collection.name, language_pair.name, spec.name)
    if sidecar_path.is_file():
        sidecar = read_sidecar(sidecar_path)
        if sidecar.get("status") == "skipped":
            detail = sidecar.get("reason_detail") or sidecar.get("reason")
            print(f"saved run {sidecar_path} ({sidecar.get('date', 'no date')}): skipped: {detail}")
        else:
            print(f"saved run {sidecar_path} ({sidecar.get('date', 'no date')}): {sidecar.get('status')}")
    else:
        print(f"no saved run of {spec.name} on {collection.name}/{language_pair.name} under {out}")
    with offline_unless_reachable():
        topics = load_topics(collection, language_pair)
        run = [load_topics(collection, p) for p in collection.language_pairs() if collection.dataset_id(p) is not None]
        retriever = spec.implementation(spec, spec.parameters(), Path("."))
        retriever.out = out  # where a fusion finds its members' runs
        retriever.plan(run)  # as in `run --pairs all`: run-wide choices see every pair
        reason = retriever.unavailable_reason(topics)
    print(f"here now: {'usable' if reason is None else 'not usable: ' + SkipReason.of(reason).detail}")
    return 0
