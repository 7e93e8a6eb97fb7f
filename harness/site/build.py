"""``python -m harness site``: the reproduction site, every file of ``results/site/``, from committed files.

Inputs, all under the results folder: ``leaderboard.json`` (the options and measures the board was
built with), ``scores/<collection>.json``, ``provenance/<collection>.json`` (sidecars and top 10s),
``plots/*.png``, ``claims.md``, ``studies/<name>.{md,png}`` and ``compare/*.json``; and the
collections themselves for query and passage texts (the mirror, as for a run).  The same inputs
give the same bytes; files of an earlier build that this one does not write are removed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from harness.board.build import build_boards
from harness.compare import ComparisonOptions
from harness.data.collections import COLLECTIONS, saved_collection
from harness.errors import HarnessError
from harness.evaluation.provenance import load_provenance, provenance_path
from harness.files.atomic import atomic_open
from harness.site.board_page import board_context, method_label
from harness.site.cells_page import cells_context
from harness.site.documents import claims_page, compare_pages, study_pages
from harness.site.query_data import data_path, data_script, pair_data

SITE = "site"
ASSETS = ("site.css", "site.js")
STATIC_FILES = {".nojekyll": b""}  # GitHub Pages: serve the files as they are, no Jekyll build


def board_options(out: Path) -> tuple[ComparisonOptions, dict[str, list[str]]]:
    """The options and, per collection, the measures ``leaderboard.json`` was written with."""
    path = out / "leaderboard.json"
    if not path.is_file():
        raise HarnessError(f"no {path}: the site shows the board as published; run `python -m harness leaderboard` first")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        options = ComparisonOptions(**{k: tuple(v) if isinstance(v, list) else v for k, v in document["options"].items()})
        measures = {c["collection"]: list(c["measures"]) for c in document["collections"]}
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise HarnessError(f"{path}: not a leaderboard document ({exc}); run `python -m harness leaderboard`") from None
    return options, measures


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("harness.site", "templates"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["text"] = text_node
    return env


def text_node(value) -> str:
    """Escaped for an element's text, not an attribute: quotes stay quotes (a sidecar's JSON is half quotes)."""
    from markupsafe import Markup

    return Markup(str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def build_site(out: Path) -> dict[str, bytes]:
    """Site path -> bytes of every file of the site (nothing is written)."""
    options, measures = board_options(out)
    env = _environment()
    files: dict[str, bytes] = dict(STATIC_FILES)
    for asset in ASSETS:
        files[f"assets/{asset}"] = (Path(__file__).parent / "static" / asset).read_bytes()
    boards = [b for name, m in measures.items() for b in build_boards(out, m, options) if b.name == name]
    if not boards:
        raise HarnessError(f"no scores under {out / 'scores'} for the collections of {out / 'leaderboard.json'}")
    plots_present = {str(p.relative_to(out)) for p in (out / "plots").glob("*.png")}
    studies = study_pages(out)
    compares = compare_pages(out)
    claims = claims_page(out)
    nav = {"claims": claims is not None, "studies": list(studies), "compares": [(c["file"], f"{c['method']} vs "
           f"{c['reference']} ({c['measure']})") for c in compares], "boards": [b.name for b in boards]}
    pairs_index = []
    contexts = []
    for board in boards:
        provenance = load_provenance(provenance_path(out, board.name))
        context = board_context(board, provenance, plots_present)
        contexts.append(context)
        for table in context["tables"]:
            for plot in table["plots"]:
                files[plot["src"]] = (out / plot["src"]).read_bytes()
        files[f"cells-{board.name}.html"] = _render(env, "cells.html", nav, "", cells_context(board, provenance))
        collection = COLLECTIONS.get(board.name) or saved_collection(board.name, board.entries)
        for pair in board.pairs:
            if not any(board.entry(pair, m) for m in board.methods):
                continue
            try:
                data = pair_data(board, collection, pair, provenance)
            except HarnessError as exc:
                raise HarnessError(f"site: the query pages of {board.name} {pair} need the collection: {exc}") from None
            files[data_path(board.name, pair)] = data_script(data).encode("utf-8")
            pairs_index.append({"collection": board.name, "pair": pair, "queries": len(data["queries"]),
                                "top": any(m["has_top"] for m in data["methods"])})
    labels = {m: method_label(m) for b in boards for m in b.methods}
    files["index.html"] = _render(env, "index.html", nav, "", {"boards": contexts, "pairs": pairs_index})
    files["pair.html"] = _render(env, "pair.html", nav, "", {"labels": labels})
    files["query.html"] = _render(env, "query.html", nav, "", {"labels": labels})
    if claims is not None:
        files["claims.html"] = _render(env, "document.html", nav, "", {"title": "Claims", "html": claims,
                                                                       "source": "claims.md"})
    for name, page in studies.items():
        files[f"studies/{name}.html"] = _render(env, "document.html", nav, "../", {
            "title": f"Study {name}", "html": page["html"], "source": f"studies/{name}.md"})
        if page["png"] is not None:
            files[f"studies/{page['png'].name}"] = page["png"].read_bytes()
    for page in compares:
        for pair in page["pairs"]:
            if pair["plot"]:
                files[pair["plot"]] = (out / pair["plot"]).read_bytes()
        files[page["file"]] = _render(env, "compare.html", nav, "", page | {"labels": labels})
    return files


def _render(env, template: str, nav: Mapping, root: str, context: Mapping) -> bytes:
    return env.get_template(template).render(nav=nav, root=root, **context).encode("utf-8")


def write_site(out: Path, dest: Path | None = None) -> tuple[Path, int]:
    """Build the site and write it under ``dest`` (default ``out/site``); returns the folder and its size in bytes.

    Unchanged files are not rewritten; files of an earlier build that this one does not make are removed.
    """
    dest = dest or out / SITE
    files = build_site(out)
    for relative, content in files.items():
        target = dest / relative
        if target.is_file() and target.read_bytes() == content:
            continue
        with atomic_open(target, "wb") as handle:
            handle.write(content)
    for stale in sorted(p for p in dest.rglob("*") if p.is_file() and str(p.relative_to(dest)) not in files):
        stale.unlink()
    for folder in sorted((p for p in dest.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return dest, sum(len(content) for content in files.values())
