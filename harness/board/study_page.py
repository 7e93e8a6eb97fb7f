"""A study whose result is a board (alignment, xquad): its markdown, CSV, JSON and PNG.

The board's tables, marks, legends and details are the leaderboard's own (``markdown.collection_section``),
so family, test and correction are stated under every table exactly as on the leaderboard.  A McNemar
table (``mcnemar_rows``) can follow for a binary measure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping


from harness.board.board import CollectionBoard
from harness.board.csv_tables import scores_csv
from harness.board.json_document import leaderboard_json
from harness.board.markdown import collection_section
from harness.board.pair_plot import pair_bars_png


def study_files(
    name: str, question: str, preamble: str, board: CollectionBoard, png_measure: str,
    extra_sections: Mapping[str, str] = {}, extra_json: Mapping[str, object] = {},
) -> dict[str, str | bytes]:
    """suffix -> content of ``studies/<name>.{md,csv,json,png}``."""
    command = f"python -m harness study run {name}"
    png = pair_bars_png(board, png_measure)
    parts = [f"# Study `{name}`", f"**Question.** {question}", preamble,
             collection_section(board, {"png"} if png else set(), [f"{name}.csv", f"{name}.json"], command)]
    if png is not None:
        parts.append(f"![{png_measure} per pair]({name}.png)")
    for heading, body in extra_sections.items():
        if body:
            parts += [f"## {heading}", body]
    files: dict[str, str | bytes] = {
        "md": "\n\n".join(p for p in parts if p) + "\n",
        "csv": scores_csv([board]),
        "json": json.dumps({"study": name, "board": json.loads(leaderboard_json([board], board.options)), **extra_json},
                           indent=2, sort_keys=False) + "\n",
    }
    if png is not None:
        files["png"] = png
    return files
