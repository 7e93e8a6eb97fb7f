"""``leaderboard.json``: options, means, comparisons, families and top groups of every collection."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict

from harness.board.board import CollectionBoard
from harness.board.records import comparison_records, score_records


def plain(value):
    """JSON has no NaN or infinity: nothing to report is null; d_z = ±inf is written as a string."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def collection_document(board: CollectionBoard) -> dict:
    results = board.comparisons
    return {
        "collection": board.name,
        "title": board.title,
        "source": board.source,
        "methods": board.methods,
        "oracles": sorted(board.oracles),
        "mean_columns": {column: list(pairs) for column, pairs in board.groups.items()},
        "measures": board.measures,
        "missing_baselines": list(results.missing_baselines),
        "families": [{"label": label, "size": size} for label, size in results.families.items()],
        "scores": score_records(board),
        "comparisons": comparison_records(board),
        "tie_groups": [asdict(group) for group in results.tie_groups],
        "unpaired": [asdict(u) for u in results.unpaired],
    }


def leaderboard_json(boards: Sequence[CollectionBoard], options) -> str:
    document = {
        "generated_by": "python -m harness leaderboard",
        "options": asdict(options),
        "collections": [collection_document(board) for board in boards],
    }
    return json.dumps(plain(document), ensure_ascii=False, indent=1, allow_nan=False) + "\n"
