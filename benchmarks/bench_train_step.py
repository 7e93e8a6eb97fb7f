"""Training step time and peak memory of kd, cal and optical on the same batches, at fp32 and bf16.

A full step of the real small profile (multilingual-e5-small teacher and
student, word embeddings frozen as on CPU by default): teacher forward on the
English side, student forward(s), the loss, backward and the AdamW step.  Every
method sees the same batches of the default bitext (all seven languages).
Each method runs in its own process, so that its peak memory is its own:
peak memory is the process's peak resident set (VmHWM) minus the resident set
after loading the two models, i.e. what the steps themselves add.  ``bf16``
is the harness's training precision option: forward passes under
``torch.autocast(dtype=bfloat16)``, fp32 master weights (harness/encoding/precision.py).
The teacher's forward pass is also timed on its own: it is what a method
saves when an earlier method of the same run already ran it (the teacher
passes are kept in memory, methods/distillation.py).

Run:  HARNESS_DATA_MIRROR=../shared/data/mirror python benchmarks/bench_train_step.py [--steps 8] [--precisions fp32,bf16]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def one_method(method: str, steps: int, batch: int, precision: str) -> dict:
    import torch

    from harness.encoding.precision import training_autocast
    from methods.training import batch_indices, encode_batch
    from student_setup import student_setup

    setup = student_setup(method)
    teacher, teacher_tok, student, student_tok = setup.teacher, setup.teacher_tok, setup.student, setup.student_tok
    objective, params, recipe, optimizer, bitext = setup.objective, setup.params, setup.recipe, setup.optimizer, setup.bitext
    baseline = rss_kib("VmRSS")
    times, teacher_times = [], []
    for step in range(steps + 2):  # two warm-up steps
        rows = batch_indices(step, batch, len(bitext), seed=13)
        english, target = [bitext[i][0] for i in rows], [bitext[i][1] for i in rows]
        start = time.perf_counter()
        with training_autocast(precision, "cpu"):
            with torch.no_grad():
                t = encode_batch(teacher, teacher_tok, english, recipe, 64, "cpu")
            teacher_done = time.perf_counter()
            s = encode_batch(student, student_tok, target, recipe, 64, "cpu")
            e = encode_batch(student, student_tok, english, recipe, 64, "cpu") if getattr(objective, "uses_student_english", False) else None
            loss = objective(t, s, e, params)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step >= 2:
            times.append(time.perf_counter() - start)
            teacher_times.append(teacher_done - start)
    return {"method": method, "precision": precision, "median_s": statistics.median(times),
            "teacher_s": statistics.median(teacher_times), "peak_mib": (rss_kib("VmHWM") - baseline) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--precisions", default="fp32,bf16")
    parser.add_argument("--method")
    args = parser.parse_args()
    if args.method:  # child process
        print(json.dumps(one_method(args.method, args.steps, args.batch, args.precisions)))
        return
    results = []
    for precision in args.precisions.split(","):
        for method in ("kd", "cal", "optical"):
            out = subprocess.run([sys.executable, __file__, "--method", method, "--steps", str(args.steps), "--batch", str(args.batch),
                                  "--precisions", precision],
                                 capture_output=True, text=True, check=True, env=os.environ | {"TOKENIZERS_PARALLELISM": "false"})
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores; batch {args.batch}, median of {args.steps} steps after 2 warm-up")
    print("| method | precision | step time (s) | × kd (same precision) | × fp32 (same method) | teacher pass (s) | step peak memory (MiB) | × kd |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        kd = next(k for k in results if k["method"] == "kd" and k["precision"] == r["precision"])
        fp32 = next((f for f in results if f["method"] == r["method"] and f["precision"] == "fp32"), r)
        print(f"| {r['method']} | {r['precision']} | {r['median_s']:.3f} | {r['median_s'] / kd['median_s']:.2f} | "
              f"{fp32['median_s'] / r['median_s']:.2f} | {r['teacher_s']:.3f} | {r['peak_mib']:.0f} | {r['peak_mib'] / max(kd['peak_mib'], 1e-9):.2f} |")


if __name__ == "__main__":
    main()
