"""Encoding (and training) precision against fp32 on the real board: cosine per passage set, MAP per cell.

For every dense method of the board (mdpr, kd, cal, optical; the small profile's students, from
the cache or trained as a run would) and every pair of harness/ntrex, the 669 passages and 123
queries are encoded at each precision; the table gives, per method and pair, the mean cosine of
each passage vector to its fp32 vector, and MAP at that precision minus MAP at fp32.  The rule
for the CPU default (issue 12): the fastest precision with mean cosine >= 0.999 on every passage
set and every MAP cell within 0.003 of fp32.

``--train-precision bf16`` instead trains kd, cal and optical with bf16 autocast (fp32 master
weights), encodes at fp32, and gives MAP against the fp32-trained students, beside the
training-seed spread of each cell (sample standard deviation over seeds 13-15, from
results/studies/seeds.csv).

A variant is a precision, on torch, or precision@runtime (``bf16@openvino``); the first is the
reference (fp32 on torch by default).

Run:  HARNESS_DATA_MIRROR=../shared/data/mirror python benchmarks/bench_precision_map.py [--precisions fp32,bf16,int8,bf16@openvino]
      HARNESS_DATA_MIRROR=../shared/data/mirror python benchmarks/bench_precision_map.py --train-precision bf16
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.data.collections import COLLECTIONS, load_topics  # noqa: E402
from harness.data.pairs import PAIRS  # noqa: E402
from harness.evaluation.measures import evaluate  # noqa: E402
from harness.registry import METHODS  # noqa: E402
from harness.retrieval import dense  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from board_delta import seed_spread  # noqa: E402  the spread the MAP rule of training defaults uses


def encode_cell(method: str, overrides: dict, pair, topics) -> tuple[np.ndarray, float]:
    """(passage vectors, MAP) of ``method`` on ``pair`` with ``overrides``."""
    spec = METHODS[method]
    retriever = spec.implementation(spec, spec.parameters(overrides), Path("/tmp"))
    query_encoder, passage_encoder = retriever.encoders(pair)
    docs = list(topics.docs())
    passages = passage_encoder.encode([t for _, t in docs], "passage")
    queries = query_encoder.encode(list(topics.queries.values()), "query")
    ranking = dense.search(list(topics.queries), queries, [d for d, _ in docs], passages, 1000)
    run = {q: dict(ranked) for q, ranked in ranking.items()}
    return passages, float(evaluate(run, topics.qrels, ["AP"]).per_query["AP"].mean())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--precisions", default="fp32,bf16,int8,bf16@openvino")
    parser.add_argument("--methods", default="mdpr,kd,cal,optical")
    parser.add_argument("--train-precision", choices=("bf16",))
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args()
    methods = args.methods.split(",")
    pairs = list(PAIRS.values())
    topics = {pair.name: load_topics(COLLECTIONS["ntrex"], pair) for pair in pairs}
    if args.train_precision:
        methods = [m for m in methods if m != "mdpr"]
        variants = {"fp32": {"train_precision": "fp32"}, args.train_precision: {"train_precision": args.train_precision}}
    else:
        # "bf16@openvino": a precision on a named runtime (harness/encoding/runtime.py); a bare precision runs on torch.
        variants = {v: dict(zip(("precision", "runtime"), (v.split("@") + ["torch"])[:2])) for v in args.precisions.split(",")}
    figures = []
    for method in methods:
        for pair in pairs:
            reference = None
            for name, overrides in variants.items():
                start = time.perf_counter()
                vectors, ap = encode_cell(method, overrides, pair, topics[pair.name])
                if reference is None:
                    reference = (vectors, ap)
                cosine = np.sum(vectors * reference[0], axis=1)  # L2-normalised vectors
                figures.append({"method": method, "pair": pair.name, "variant": name, "MAP": ap,
                                "MAP_minus_fp32": ap - reference[1], "mean_cosine": float(cosine.mean()),
                                "min_cosine": float(cosine.min()), "seconds": time.perf_counter() - start})
                print(json.dumps(figures[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    spread = seed_spread(ROOT / "results" / "studies" / "seeds.csv") if args.train_precision else {}
    others = [v for v in variants if v != "fp32"]
    print("\n| method | pair | " + " | ".join(
        f"{v}: mean cos | {v}: ΔMAP" + (" | seed sd" if spread else "") for v in others) + " |")
    print("|---|---|" + "---:|---:|" * len(others) + ("---:|" if spread else ""))
    for method in methods:
        for pair in pairs:
            cells = {f["variant"]: f for f in figures if f["method"] == method and f["pair"] == pair.name}
            values = " | ".join(f"{cells[v]['mean_cosine']:.5f} | {cells[v]['MAP_minus_fp32']:+.4f}" for v in others)
            extra = f" | {spread.get((method, pair.name), float('nan')):.4f}" if spread else ""
            print(f"| {method} | {pair.name} | {values}{extra} |")
    for v in others:
        rows = [f for f in figures if f["variant"] == v]
        print(f"{v}: lowest mean cosine {min(f['mean_cosine'] for f in rows):.5f}; "
              f"largest |ΔMAP| {max(abs(f['MAP_minus_fp32']) for f in rows):.4f}")


if __name__ == "__main__":
    main()
