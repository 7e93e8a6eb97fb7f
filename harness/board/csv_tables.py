"""CSV for analysis: ``leaderboard.csv`` (every mean) and ``comparisons.csv`` (every comparison)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from harness.board.board import CollectionBoard
from harness.board.records import comparison_records, score_records


def _csv(rows: list[dict]) -> str:
    # "\n" whatever the platform, empty cells for "nothing to report": byte-stable files.
    return pd.DataFrame(rows).to_csv(index=False, lineterminator="\n", na_rep="")


def scores_csv(boards: Sequence[CollectionBoard]) -> str:
    return _csv([row for board in boards for row in score_records(board)])


def comparisons_csv(boards: Sequence[CollectionBoard]) -> str:
    return _csv([row for board in boards for row in comparison_records(board)])
