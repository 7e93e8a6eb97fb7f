"""Per-query scores of every (pair, method), one compact JSON file per collection.

``results/scores/<collection>.json`` is committed: the leaderboard is rebuilt
from it alone, so a fresh clone can check the board without retrieving.  The query ids of a
pair are stored once (``"query_ids": {pair: [...]}``); an entry scored on exactly those names
its pair instead of repeating the list.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from harness.files.atomic import atomic_write_text
from harness.errors import HarnessError

DECIMALS = 6


@dataclass
class ScoreEntry:
    pair: str
    method: str
    status: str  # "ok" or "skipped"
    reason: str | None = None  # why skipped
    used: str | None = None  # what served it (translator, model), named in the leaderboard
    dataset_id: str | None = None
    qrels_sha256: str | None = None
    run_sha256: str | None = None  # the run file these scores were computed from
    scored_by: str | None = None  # the scoring rules (harness.evaluation.measures.SCORED_BY) that computed them
    empty_queries: int = 0
    judged_at_10: float | None = None  # mean Judged@10 over the scored queries (harness.evaluation.measures.JUDGED)
    query_ids: list[str] = field(default_factory=list)
    scores: dict[str, list[float]] = field(default_factory=dict)  # measure -> value per query id
    # Where the method came from when not built in ("distribution", "module", "file", "external": an
    # imported run): such a row is corrected in a family of its own (harness/compare/families.py).
    origin: str | None = None

    def values(self, measure: str) -> np.ndarray:
        return np.asarray(self.scores[measure], dtype=float)

    def mean(self, measure: str) -> float:
        return float(np.mean(self.scores[measure]))


def scores_path(out: Path, collection: str) -> Path:
    return out / "scores" / f"{collection}.json"


def load_scores(path: Path) -> dict[tuple[str, str], ScoreEntry]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        shared = data.get("query_ids", {})
        # An entry's "query_ids" may name its pair: the list is then stored once, under "query_ids".
        entries = [ScoreEntry(**(e | {"query_ids": shared[e["query_ids"]]} if isinstance(e["query_ids"], str) else e))
                   for e in data["entries"]]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise HarnessError(f"{path}: not a harness scores file ({exc})") from None
    return {(e.pair, e.method): e for e in entries}


def save_scores(path: Path, collection: str, entries: dict[tuple[str, str], ScoreEntry]) -> None:
    ordered = [entries[k] for k in sorted(entries)]
    for entry in ordered:
        entry.scores = {m: [round(float(v), DECIMALS) for v in vs] for m, vs in entry.scores.items()}
        if entry.judged_at_10 is not None:
            entry.judged_at_10 = round(float(entry.judged_at_10), DECIMALS)
    # Every method of a pair is scored on the same queries: their ids are written once per pair
    # (XQuAD's 1,190 SQuAD ids would otherwise be most of the file), and an entry names its pair.
    shared: dict[str, list[str]] = {}
    for entry in ordered:
        if entry.query_ids:
            shared.setdefault(entry.pair, entry.query_ids)
    rows = [_row(e) | ({"query_ids": e.pair} if e.query_ids and e.query_ids == shared[e.pair] else {}) for e in ordered]
    # One entry per line: compact, yet a diff shows which cells changed.
    ids = ",\n".join(f"{json.dumps(pair)}:{json.dumps(q, ensure_ascii=False, separators=(',', ':'))}" for pair, q in shared.items())
    body = ",\n".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in rows)
    atomic_write_text(path, f'{{"collection": {json.dumps(collection)}, "query_ids": {{\n{ids}\n}}, "entries": [\n{body}\n]}}\n')


def _row(entry: ScoreEntry) -> dict:
    """An entry as stored; ``origin`` only where it says something (a built-in's is left out)."""
    row = asdict(entry)
    if row["origin"] is None:
        del row["origin"]
    return row
