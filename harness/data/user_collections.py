"""``--collection`` beyond the registered names: any ir_datasets id, or a folder on disk.

* ``irds:<id>``: an ir_datasets id, with ``{lang}`` standing for the target language, e.g.
  ``irds:clirmatrix/{lang}/bi139-base/en/test1 --pairs en-sw,en-fi`` or
  ``irds:hc4/fa/test --pairs en-fa`` (no ``{lang}``: exactly one pair).  The pairs come from
  ``--pairs``; a pair outside the seven (en-fa, en-ha, ...) is accepted and its code used for
  analyzers, translators and e5 prefixes (``harness.data.pairs.get_pair``).  The collection's
  name in results is ``irds-<id with / and {} replaced>``.
* a folder (``local:PATH`` or a path that exists): the layout of ``harness/data/local.py``,
  registered as ``local/<folder name>/<lang>``; its pairs are its language sub-folders.

The spec is added to ``COLLECTIONS`` for the process, so the leaderboard finds it.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.data.collections import COLLECTIONS, CollectionSpec
from harness.data.pairs import PAIR_NAME
from harness.errors import HarnessError, UsageError
from harness.names import suggestions, unknown_message

IRDS = "irds:"
LOCAL = "local:"


def _pair_names(pairs: str, value: str) -> tuple[str, ...]:
    if pairs == "all":
        raise UsageError(f"--collection {value}: name its language pairs with --pairs (e.g. --pairs en-sw,en-fa)")
    names = tuple(dict.fromkeys(p.strip() for p in pairs.split(",") if p.strip()))
    bad = [p for p in names if not PAIR_NAME.fullmatch(p)]
    if bad or not names:
        raise UsageError(f"--pairs {pairs!r}: expected en-<code> names, e.g. en-sw,en-fa")
    return names


def irds_collection(value: str, pairs: str) -> CollectionSpec:
    pattern = value[len(IRDS):].strip()
    if not pattern:
        raise UsageError(f"--collection {value!r}: expected irds:<ir_datasets id>, e.g. irds:hc4/fa/test")
    names = _pair_names(pairs, value)
    if "{lang}" not in pattern and len(names) != 1:
        raise UsageError(f"--collection {value}: an id without {{lang}} serves one pair; got {', '.join(names)}")
    for pair in names:
        check_irds_id(pattern.format(lang=pair.split("-", 1)[1]))
    name = results_name(value)
    return CollectionSpec(name, f"ir_datasets {pattern}", "ir_datasets (MacAvaney et al., SIGIR 2021)",
                          "see the dataset's ir_datasets page", False, pattern, names,
                          needs="whatever ir_datasets needs for it (often the network once)")


def check_irds_id(dataset_id: str) -> None:
    """UsageError (exit 2) when ir_datasets knows no such id, before anything is downloaded.

    An id is known when ir_datasets has registered it or one of its id patterns matches it
    (CLIRMatrix's are patterns).  A known id whose data is not here yet fails later, in
    ``load_topics``, with the command that downloads it (exit 1).
    """
    import ir_datasets

    registry = ir_datasets.registry
    registered = getattr(registry, "_registered", {})
    patterns = getattr(registry, "_patterns", ())
    if dataset_id in registered or any(pattern.match(dataset_id) for pattern, _ in patterns):
        return
    close = suggestions(dataset_id, sorted(registered))
    hint = f" (did you mean {' or '.join(close)}?)" if close else ""
    raise UsageError(f"no such ir_datasets id: {dataset_id}{hint}; see https://ir-datasets.com for the ids")


def results_name(value: str) -> str:
    """The name a collection's results go under (scores/<name>.json, runs/<name>/), without loading it."""
    if value.startswith(IRDS):
        return "irds-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", value[len(IRDS):].replace("{lang}", "lang")).strip("-")
    if value.startswith(LOCAL) or (value not in COLLECTIONS and Path(value).is_dir()):
        return Path(value[len(LOCAL):] if value.startswith(LOCAL) else value).expanduser().resolve().name
    if value not in COLLECTIONS:
        raise UsageError(unknown_message("collection", [value], [*COLLECTIONS, "irds:<ir_datasets id>", "a folder"]))
    return value


def local_collection(value: str) -> CollectionSpec:
    from harness.data.local import PREFIX, register_folder

    folder = Path(value[len(LOCAL):] if value.startswith(LOCAL) else value)
    try:
        name, langs = register_folder(folder)
    except HarnessError as exc:
        raise UsageError(str(exc)) from None  # the user's own files: bad input, exit 2
    if name in COLLECTIONS and COLLECTIONS[name].pattern != f"{PREFIX}/{name}/{{lang}}":
        raise UsageError(f"{folder}: its name {name!r} is a registered collection's; rename the folder")
    return CollectionSpec(name, f"local collection {folder.resolve()}", "the user's", "the user's", True,
                          f"{PREFIX}/{name}/{{lang}}", tuple(f"en-{lang}" for lang in langs))


def resolve_collection(value: str, pairs: str = "all") -> CollectionSpec:
    """A registered collection, an ``irds:`` id or a local folder; UsageError otherwise."""
    if value in COLLECTIONS and not value.startswith(IRDS):
        return COLLECTIONS[value]
    if value.startswith(IRDS):
        spec = irds_collection(value, pairs)
    elif value.startswith(LOCAL) or Path(value).is_dir():
        spec = local_collection(value)
    else:
        raise UsageError(unknown_message("collection", [value], [*COLLECTIONS, "irds:<ir_datasets id>",
                                                                  "a folder (see harness/data/local.py)"]))
    COLLECTIONS[spec.name] = spec
    return spec
