"""Where a student's training step goes: forward, backward and AdamW, and the top operators.

One method (``cal`` by default) of the small profile, e5-small teacher and student, word
embeddings frozen, batch 16, max_length 64, the same batches as bench_train_step.py.  The
teacher's passes are made first and kept (as a run does after the first method), so the times
are the student's alone: its forward pass(es) and loss, backward, gradient clipping with the
AdamW step.  Medians of 10 steps after 10 warm-up steps, then torch.profiler over 3 steps,
ordered by self CPU time.  ``--fused`` uses ``AdamW(fused=True)``, which the harness does not.

Run:  HARNESS_DATA_MIRROR=../shared/data/mirror python benchmarks/bench_train_profile.py \
          [--method cal] [--precision bf16] [--fused]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--method", default="cal", choices=("kd", "cal", "optical"))
    parser.add_argument("--precision", default="bf16", choices=("fp32", "bf16"))
    parser.add_argument("--fused", action="store_true")
    args = parser.parse_args()

    import torch
    from torch.profiler import profile

    from harness.encoding.precision import training_autocast
    from methods.training import batch_indices, encode_batch
    from student_setup import student_setup

    setup = student_setup(args.method, fused=args.fused)
    teacher, teacher_tok, student, student_tok = setup.teacher, setup.teacher_tok, setup.student, setup.student_tok
    objective, params, recipe, optimizer, bitext = setup.objective, setup.params, setup.recipe, setup.optimizer, setup.bitext
    trainable = setup.trainable
    teacher_passes = {}

    def step(i: int) -> tuple[float, float, float]:
        rows = batch_indices(i, 16, len(bitext), seed=13)
        english, target = [bitext[r][0] for r in rows], [bitext[r][1] for r in rows]
        with training_autocast(args.precision, "cpu"):
            if i not in teacher_passes:
                with torch.no_grad():
                    teacher_passes[i] = encode_batch(teacher, teacher_tok, english, recipe, 64, "cpu")
            start = time.perf_counter()
            student_target = encode_batch(student, student_tok, target, recipe, 64, "cpu")
            student_english = encode_batch(student, student_tok, english, recipe, 64, "cpu") \
                if getattr(objective, "uses_student_english", False) else None
            loss = objective(teacher_passes[i], student_target, student_english, params)
        forward = time.perf_counter()
        loss.backward()
        backward = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return forward - start, backward - forward, time.perf_counter() - backward

    for i in range(10):  # the teacher's passes, then warm-up
        step(i)
    times = [step(i) for i in range(10)]
    medians = [statistics.median(t[k] for t in times) for k in range(3)]
    print(f"{args.method} {args.precision}{' fused AdamW' if args.fused else ''}: forward + loss {medians[0]:.3f} s, "
          f"backward {medians[1]:.3f} s, clip + AdamW {medians[2]:.3f} s, total {sum(medians):.3f} s", flush=True)
    with profile() as profiler:
        for i in range(3):
            step(i)
    print(profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))


if __name__ == "__main__":
    main()
