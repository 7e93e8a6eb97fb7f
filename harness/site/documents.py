"""The claims page, one page per study, and one page per saved ``compare A B``, from committed files.

``claims.md`` and ``studies/<name>.md`` are rendered as they are (markdown-it); a study page sits
in ``studies/`` beside its PNG, so the markdown's relative image link holds.  A compare page comes
from ``compare/<A>-vs-<B>-<measure>.json`` (``harness.compare.tables``) and its plots.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.errors import HarnessError
from harness.render import text
from harness.render.plots import compare_plot_path
from harness.site.markup import markdown_html
from harness.stats import CORRECTIONS, TESTS


def claims_page(out: Path) -> str | None:
    """``claims.md`` as HTML; None when there is none."""
    path = out / "claims.md"
    return markdown_html(path.read_text(encoding="utf-8"), keep=lambda href: False) if path.is_file() else None


def study_pages(out: Path) -> dict[str, dict]:
    """name -> {"html", "png"}: every ``studies/<name>.md`` and the PNG beside it (its only kept link)."""
    pages = {}
    for path in sorted((out / "studies").glob("*.md")):
        png = path.with_suffix(".png")
        own = {png.name} if png.is_file() else set()
        html = markdown_html(path.read_text(encoding="utf-8"), keep=lambda href, own=own: href in own)
        pages[path.stem] = {"html": html, "png": png if png.is_file() else None}
    return pages


def _line(comparison: dict, options: dict, a: str, b: str) -> str:
    """The summary of one comparison, as ``compare`` prints it."""
    diff = text.difference(comparison["mean_diff"] if comparison["mean_diff"] is not None else float("nan"))
    p = text.p_value(comparison["p_value"] if comparison["p_value"] is not None else float("nan"))
    corrected = text.p_value(comparison["p_corrected"] if comparison["p_corrected"] is not None else float("nan"))
    test = TESTS[comparison["test"]].label if comparison["test"] in TESTS else "stratified permutation test over pairs"
    interval = ""
    if comparison["ci_low"] is not None:
        interval = f", {round(options['confidence'] * 100)}% CI {text.interval(comparison['ci_low'], comparison['ci_high'])}"
    return (f"mean {a} − {b} = {diff}{interval}, p = {p} ({test}), {CORRECTIONS[options['correction']].label} over "
            f"{comparison['family_size']} tests: {corrected}; W/T/L {comparison['wins']}/{comparison['ties']}/{comparison['losses']} "
            f"of {comparison['queries']} queries")


def compare_pages(out: Path) -> list[dict]:
    """Every saved ``compare`` result: its summary lines, per-query tables and the plots that exist."""
    pages = []
    for path in sorted((out / "compare").glob("*.json")):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            a, b, measure = document["method"], document["reference"], document["measure"]
            pairs = []
            for entry in document["per_pair"]:
                plot = compare_plot_path(a, b, entry["pair"], measure)
                pairs.append({
                    "pair": entry["pair"],
                    "summary": _line(entry["comparison"], document["options"], a, b),
                    "queries": entry["queries"],
                    "plot": plot if (out / plot).is_file() else None,
                })
            over = [{"column": c["column"], "pairs": ", ".join(c["pairs"]), "summary": _line(c, document["options"], a, b)}
                    for c in document["over_pairs"]]
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise HarnessError(f"{path}: not a compare result ({exc}); write it again: python -m harness compare A B") from None
        pages.append({"file": f"compare-{path.stem}.html", "source": str(path.relative_to(out)), "collection": document["collection"],
                      "method": a, "reference": b, "measure": measure, "pairs": pairs, "over": over,
                      "left_out": document["left_out"], "texts_missing": document["texts_missing"]})
    return pages
