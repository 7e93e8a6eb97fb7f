"""Per-query scores of every (pair, method), one compact JSON file per collection.

``results/scores/<collection>.json`` is committed: the leaderboard is rebuilt
from it alone, so a fresh clone can check the board without retrieving.  The query ids of a
pair are stored once (``"query_ids": {pair: [...]}``); an entry scored on exactly those names
its pair instead of repeating the list.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from harness.files.atomic import atomic_write_text
from harness.errors import HarnessError
from harness.files.textfile import read_json

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
    """The entries of a scores file, each checked like a user's file before anything is computed from it.

    Raises ``HarnessError`` naming the file and the entry for: a file that is not UTF-8 JSON
    (or repeats a key, or holds NaN), a field of the wrong type, an unknown status, a
    (pair, method) given twice, a query id repeated within an entry, a measure whose list of
    scores is not as long as the entry's query ids, a score that is not a finite number, and
    ``query_ids`` naming a pair whose list is missing.  A paired test pairs scores by position,
    so any of these would give a wrong statistic rather than an error.
    """
    if not path.is_file():
        return {}
    data = read_json(path, "scores file")
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise HarnessError(f"{path}: not a harness scores file (expected an object with a list of entries)")
    shared = data.get("query_ids", {})
    if not isinstance(shared, dict):
        raise HarnessError(f"{path}: \"query_ids\" must map each pair to its list of query ids")
    for pair, ids in shared.items():
        check_per_query(f"{path}: query_ids of {pair}", ids, {})
    entries: dict[tuple[str, str], ScoreEntry] = {}
    for number, raw in enumerate(data["entries"], start=1):
        entry = _entry(path, number, raw, shared)
        key = (entry.pair, entry.method)
        if key in entries:
            raise HarnessError(f"{path}: entry {number} ({entry.pair}/{entry.method}) is given twice; keep one")
        entries[key] = entry
    return entries


_TEXT_OR_NONE = ("reason", "used", "dataset_id", "qrels_sha256", "run_sha256", "scored_by")


def _entry(path: Path, number: int, raw, shared: dict) -> ScoreEntry:
    where = f"{path}: entry {number}"
    if not isinstance(raw, dict):
        raise HarnessError(f"{where}: expected an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(ScoreEntry.__dataclass_fields__))
    if unknown:
        raise HarnessError(f"{where}: unknown field {unknown[0]!r}")
    for name in ("pair", "method", "status"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise HarnessError(f"{where}: {name!r} must be a non-empty string")
    where = f"{where} ({raw['pair']}/{raw['method']})"
    if raw["status"] not in ("ok", "skipped"):
        raise HarnessError(f"{where}: status {raw['status']!r} must be 'ok' or 'skipped'")
    for name in _TEXT_OR_NONE:
        if raw.get(name) is not None and not isinstance(raw[name], str):
            raise HarnessError(f"{where}: {name!r} must be a string")
    query_ids = raw.get("query_ids", [])
    if isinstance(query_ids, str):  # the entry names the pair whose list it shares
        if query_ids not in shared:
            raise HarnessError(f"{where}: its query ids are those of pair {query_ids!r}, which the file does not list")
        query_ids = shared[query_ids]
    scores = raw.get("scores", {})
    check_per_query(where, query_ids, scores)
    empty = raw.get("empty_queries", 0)
    if not isinstance(empty, int) or isinstance(empty, bool) or not 0 <= empty <= len(query_ids):
        raise HarnessError(f"{where}: empty_queries {empty!r} must be a count between 0 and {len(query_ids)}")
    return ScoreEntry(**(raw | {"query_ids": list(query_ids), "scores": {m: list(v) for m, v in scores.items()}}))


def check_per_query(where: str, query_ids, scores) -> None:
    """Per-query scores as a paired test needs them: unique string ids, and for each measure one
    finite number per id, in the ids' order.  Raises ``HarnessError`` starting with ``where``."""
    if not isinstance(query_ids, list) or not all(isinstance(q, str) and q for q in query_ids):
        raise HarnessError(f"{where}: query_ids must be a list of non-empty strings")
    seen: dict[str, int] = {}
    for position, qid in enumerate(query_ids):
        if qid in seen:
            raise HarnessError(f"{where}: query id {qid!r} is listed twice (positions {seen[qid] + 1} and {position + 1})")
        seen[qid] = position
    if not isinstance(scores, dict):
        raise HarnessError(f"{where}: scores must map each measure to a list of numbers")
    for measure, values in scores.items():
        if not isinstance(values, list) or len(values) != len(query_ids):
            count = len(values) if isinstance(values, list) else type(values).__name__
            raise HarnessError(f"{where}: {measure} has {count} scores for {len(query_ids)} query ids")
        for qid, value in zip(query_ids, values):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise HarnessError(f"{where}: {measure} of query {qid!r} is {value!r}, not a finite number")


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
