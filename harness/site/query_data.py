"""Per language pair, the data the query pages load: queries, each method's per-query scores, its top 10
documents with their relevance label, and the text of every document shown, once.

One ``data/<collection>-<pair>.js`` per pair: a JavaScript file that hands compact JSON to the page
(``CLIR.pairData(...)``).  A page opened from disk (``file://``) may load a script but not fetch
a JSON file, so the JSON travels as a script.  Documents are numbered within the file and every
top-10 list names them by number: a passage's text is stored once however many methods rank it.

Sources: the scores file (scores), the provenance file (top 10 ids, from the runs), and the
collection (query texts, qrels, passage texts), whose qrels must be the ones the scores were
computed against (sha256), else the labels shown would not be the ones scored.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping

from harness.board.board import CollectionBoard
from harness.board.cells import skip_reason
from harness.data.collections import CollectionSpec, load_topics
from harness.data.pairs import get_pair
from harness.errors import HarnessError

SCALE = 10_000  # per-query scores as whole numbers of 1e-4 (the board's four decimals), the smallest JSON for them


def data_path(collection: str, pair: str) -> str:
    return f"data/{collection}-{pair}.js"


def pair_data(board: CollectionBoard, collection: CollectionSpec, pair: str, provenance: Mapping) -> dict:
    """Everything the pair and query pages of one pair show (see the module docstring).

    Raises HarnessError when the collection cannot be read, or its qrels are not those scored.
    """
    topics = load_topics(collection, get_pair(pair))
    methods = [m for m in board.methods if board.entry(pair, m) is not None]
    scored = {m: board.entry(pair, m) for m in methods if board.entry(pair, m).status == "ok"}
    for method, entry in scored.items():
        if entry.qrels_sha256 is not None and entry.qrels_sha256 != topics.qrels_sha256:
            raise HarnessError(
                f"{board.source}: {method} on {pair} was scored against other qrels than {topics.dataset_id} has here "
                f"(sha256 {entry.qrels_sha256[:12]}… vs {topics.qrels_sha256[:12]}…); rescore: python -m harness evaluate"
            )
    query_ids = next((e.query_ids for e in scored.values()), list(topics.queries))
    unknown = [q for q in query_ids if q not in topics.queries]
    if unknown:
        raise HarnessError(f"{board.source}: {len(unknown)} query ids of {pair} are not in {topics.dataset_id} (e.g. {unknown[0]})")
    tops = {m: (provenance.get((pair, m)) or {}).get("top") for m in scored}
    positions = {m: {q: i for i, q in enumerate(e.query_ids)} for m, e in scored.items()}
    numbers: dict[str, int] = {}
    queries = []
    for query in query_ids:
        # scores and top: one item per method of "methods", in its order (null: none), not keyed by name
        record = {"id": query, "text": topics.queries[query], "relevant": sum(1 for r in topics.qrels.get(query, {}).values() if r > 0),
                  "scores": [], "top": [], "labels": {}}
        shown: set[str] = set()
        for method in methods:
            entry = scored.get(method)
            position = positions[method].get(query) if entry is not None else None
            record["scores"].append(None if position is None else
                                    [_rounded(entry.scores[m][position]) if m in entry.scores else None for m in board.measures])
            top = (tops.get(method) or {}).get(query)
            record["top"].append(None if top is None else [numbers.setdefault(doc, len(numbers)) for doc in top])
            shown.update(top or ())
        judged = topics.qrels.get(query, {})  # a shown document absent from the qrels is unjudged: label 0
        record["labels"] = {str(numbers[doc]): judged[doc] for doc in sorted(shown) if doc in judged}
        queries.append(record)
    wanted = set(numbers)
    texts = {doc: text for doc, text in topics.docs() if doc in wanted}
    missing = wanted - set(texts)
    if missing:
        raise HarnessError(f"{topics.dataset_id}: {len(missing)} documents of the saved top 10 are not in the collection "
                           f"(e.g. {sorted(missing)[0]}); rebuild the runs")
    order = sorted(numbers, key=numbers.get)
    return {
        "collection": board.name,
        "pair": pair,
        "dataset": topics.dataset_id,
        "measures": list(board.measures),
        "scale": SCALE,  # a score s is stored as round(s * scale)
        "methods": [{"name": m, "status": board.entry(pair, m).status,
                     "reason": skip_reason(board.entry(pair, m)) if board.entry(pair, m).status == "skipped" else None,
                     "has_top": tops.get(m) is not None} for m in methods],
        "queries": queries,
        "docs": order,
        "passages": [texts[doc] for doc in order],
    }


def _rounded(value: float) -> int | None:
    return None if not math.isfinite(value) else round(float(value) * SCALE)


def data_script(data: Mapping) -> str:
    """The JavaScript file of one pair: compact JSON, handed to the page that loaded it."""
    return "CLIR.pairData(" + json.dumps(data, ensure_ascii=False, separators=(",", ":")) + ");\n"
