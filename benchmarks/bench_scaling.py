"""How a cold mdpr run grows with the number of passages: 1x, 4x and 16x NTREX's size.

A synthetic Swahili collection per size, written as a local collection folder (docs.tsv,
queries.tsv, qrels.txt): NTREX's 669 real passages of harness/ntrex/sw with their qrels, plus
distractor passages, each three NTREX Swahili sentences drawn at random (seed 0), so every text
is new to the embedding cache and as long as a real passage.  The 123 English queries are
NTREX's.  Each size runs ``python -m harness run --methods mdpr --collection <folder>`` in a
fresh HARNESS_CACHE (cold: tokenising, encoding every passage, searching, writing the run),
then once more with ``--force`` and ``search=faiss`` (vectors cached: search and writing only)
and ``search=exact`` likewise, so the search backends are timed apart from encoding.

Run:  HARNESS_DATA_MIRROR=../shared/data/mirror python benchmarks/bench_scaling.py [--sizes 1,4,16] [--precision bf16]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.data.collections import COLLECTIONS, load_topics  # noqa: E402
from harness.data.pairs import PAIRS  # noqa: E402


def write_collection(folder: Path, multiple: int) -> int:
    topics = load_topics(COLLECTIONS["ntrex"], PAIRS["en-sw"])
    docs = list(topics.docs())
    # A passage is three NTREX lines joined by spaces: split them back at sentence ends.
    sentences = [s for _, text in docs for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    rng = random.Random(0)
    extra = [(f"synthetic-{i}", " ".join(rng.sample(sentences, 3))) for i in range(len(docs) * (multiple - 1))]
    lang = folder / "sw"
    lang.mkdir(parents=True)
    with (lang / "docs.tsv").open("w") as handle:
        for doc_id, text in docs + extra:
            handle.write(f"{doc_id}\t{' '.join(text.split())}\n")
    with (lang / "queries.tsv").open("w") as handle:
        for query_id, text in topics.queries.items():
            handle.write(f"{query_id}\t{text}\n")
    with (lang / "qrels.txt").open("w") as handle:
        for query_id, judged in topics.qrels.items():
            for doc_id, relevance in judged.items():
                handle.write(f"{query_id} 0 {doc_id} {relevance}\n")
    return len(docs) + len(extra)


def timed(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "harness", *argv], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1,4,16")
    parser.add_argument("--precision", default=None, help="mdpr.precision (default: the profile's)")
    args = parser.parse_args()
    rows = []
    for multiple in (int(m) for m in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as work:
            work = Path(work)
            passages = write_collection(work / f"synthetic-{multiple}x", multiple)
            env = os.environ | {"HARNESS_CACHE": str(work / "cache"), "TOKENIZERS_PARALLELISM": "false"}
            # The model conversion is one-off per cache, not per passage: done before the clock starts.
            subprocess.run([sys.executable, "-c", "from harness.models import load_model; load_model('intfloat/multilingual-e5-small')"],
                           cwd=ROOT, env=env, check=True, capture_output=True)
            base = ["run", "--methods", "mdpr", "--collection", str(work / f"synthetic-{multiple}x"), "--pairs", "en-sw",
                    "--out", str(work / "out")] + (["--set", f"mdpr.precision={args.precision}"] if args.precision else [])
            cold = timed(base, env)
            faiss = timed(base + ["--force", "--set", "mdpr.search=faiss"], env)
            exact = timed(base + ["--force", "--set", "mdpr.search=exact"], env)
            rows.append((multiple, passages, cold, faiss, exact))
            print(rows[-1], flush=True)
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores; mdpr precision {args.precision or 'profile default'}")
    print("| size | passages | cold run (s) | s per 1,000 passages | warm, search=faiss (s) | warm, search=exact (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for multiple, passages, cold, faiss, exact in rows:
        print(f"| {multiple}× | {passages:,} | {cold:.1f} | {1000 * cold / passages:.1f} | {faiss:.1f} | {exact:.1f} |")


if __name__ == "__main__":
    main()
