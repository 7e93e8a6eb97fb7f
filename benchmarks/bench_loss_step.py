"""Micro-benchmark: one training step's loss forward + backward for KD, CAL and OPTICAL.

Only the losses are timed, not the encoders: every variant sees the same random batches of
token embeddings (teacher English tokens, student English and target tokens, with masks), and
the sentence-level losses get masked-mean-pooled embeddings made from those same tokens before
timing starts. Reports per-step time and peak memory, both also as ratios to KD.

Peak memory is measured with the torch profiler (profile_memory=True): we replay its
allocation/free events for one step and take the maximum of the running total, i.e. the peak
number of bytes the step had allocated on top of what existed before it. tracemalloc would be
useless here: it only sees Python's own allocator, and torch's CPU tensors bypass it.

Random Gaussian token embeddings at d=384 are nearly orthogonal (costs ~1 +- 0.05), so Sinkhorn
stops after ~10-20 iterations; real encoders' token cosines spread wider and need more. The
"all 100 iterations" row is the upper bound at the default num_iter.

Run:  python benchmarks/bench_loss_step.py [--threads 1] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import ot
import torch
import torch.nn.functional as F
from torch.autograd import DeviceType
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere in the checkout

from methods.losses import cal_loss, kd_loss, optical_loss  # noqa: E402


@dataclass
class Batch:
    """Encoder outputs for one batch; the student's tensors are leaves that require grad,
    standing in for the encoder's outputs (the backward stops there)."""

    teacher_tokens: torch.Tensor  # [B, n, d] English, teacher
    teacher_mask: torch.Tensor  # [B, n]
    student_target_tokens: torch.Tensor  # [B, m, d] target language, student
    student_mask: torch.Tensor  # [B, m]
    teacher_english: torch.Tensor  # [B, d] pooled from teacher_tokens
    student_english: torch.Tensor  # [B, d] pooled from the student's English tokens
    student_target: torch.Tensor  # [B, d] pooled from student_target_tokens

    def clear_grads(self) -> None:
        for leaf in (self.student_target_tokens, self.student_english, self.student_target):
            leaf.grad = None


def random_mask(batch: int, max_tokens: int, generator: torch.Generator) -> torch.Tensor:
    """1 for real tokens; position 0 ([CLS]), the last real position ([SEP]) and padding are 0."""
    lengths = torch.randint(4, max_tokens + 1, (batch,), generator=generator)  # including specials
    positions = torch.arange(max_tokens)[None, :]
    return ((positions >= 1) & (positions < lengths[:, None] - 1)).long()


def masked_mean(tokens: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.to(tokens.dtype)[..., None]
    return (tokens * weights).sum(dim=1) / weights.sum(dim=1)


def random_batches(count: int, batch: int, max_tokens: int, dim: int, seed: int) -> list[Batch]:
    generator = torch.Generator().manual_seed(seed)
    batches = []
    for _ in range(count):
        teacher_mask = random_mask(batch, max_tokens, generator)
        student_mask = random_mask(batch, max_tokens, generator)
        teacher_tokens = torch.randn(batch, max_tokens, dim, generator=generator)
        student_english_tokens = torch.randn(batch, max_tokens, dim, generator=generator)
        student_target_tokens = torch.randn(batch, max_tokens, dim, generator=generator)
        batches.append(
            Batch(
                teacher_tokens=teacher_tokens,
                teacher_mask=teacher_mask,
                student_target_tokens=student_target_tokens.requires_grad_(True),
                student_mask=student_mask,
                teacher_english=masked_mean(teacher_tokens, teacher_mask),
                student_english=masked_mean(student_english_tokens, teacher_mask).requires_grad_(True),
                student_target=masked_mean(student_target_tokens, student_mask).detach().requires_grad_(True),
            )
        )
    return batches


# One loss forward + backward on a batch; grads of the student leaves are cleared untimed.
Step = Callable[[Batch], None]


def kd_step(batch: Batch) -> None:
    kd_loss(batch.student_target, batch.student_english, batch.teacher_english).backward()


def cal_step(batch: Batch) -> None:
    cal_loss(batch.student_target, batch.teacher_english).backward()


def optical_step(**solver_options) -> Step:
    def step(batch: Batch) -> None:
        out = optical_loss(
            batch.teacher_tokens, batch.teacher_mask, batch.student_target_tokens, batch.student_mask, **solver_options
        )
        out.loss.backward()

    return step


def optical_pot_envelope_step(tol: float) -> Step:
    """The alternative optical_loss does not use: ot.solve_batch(grad='envelope') on the live
    cost, which records autograd through every Sinkhorn iteration. Kept to justify the choice."""
    return lambda batch: _optical_pot_envelope(batch, tol)


def _optical_pot_envelope(batch: Batch, tol: float) -> None:
    cost, a, b = cost_and_marginals(batch)
    result = ot.solve_batch(cost, reg=0.05, a=a, b=b, max_iter=100, tol=tol, method="log_sinkhorn", grad="envelope")
    result.value_linear.mean().backward()


def cost_and_marginals(batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The cost matrices and uniform marginals optical_loss builds, for direct solver calls."""
    teacher_real, student_real = batch.teacher_mask.bool(), batch.student_mask.bool()
    teacher = F.normalize(batch.teacher_tokens, dim=-1)
    student = F.normalize(batch.student_target_tokens, dim=-1)
    cost = (1.0 - teacher @ student.transpose(1, 2)).masked_fill(
        ~(teacher_real[:, :, None] & student_real[:, None, :]), 0.0
    )
    a = teacher_real.float() / teacher_real.sum(dim=1, keepdim=True)
    b = student_real.float() / student_real.sum(dim=1, keepdim=True)
    return cost, a, b


def time_per_step(steps: list[Step], batches: list[Batch], rounds: int, warmup: int) -> list[list[float]]:
    """Seconds per call of each step, warm: in each round every step runs `warmup` untimed calls,
    then one timed call per batch. Rounds alternate between the steps so that bursts of load from
    other processes on a shared machine are spread over all of them and the ratios stay fair
    (interleaving single calls instead would time every loss with caches the previous, larger
    loss had just evicted)."""
    seconds: list[list[float]] = [[] for _ in steps]
    for _ in range(rounds):
        for step, times in zip(steps, seconds):
            for i in range(warmup):
                batches[i % len(batches)].clear_grads()
                step(batches[i % len(batches)])
            for batch in batches:
                batch.clear_grads()
                start = time.perf_counter()
                step(batch)
                times.append(time.perf_counter() - start)
    return seconds


def peak_bytes(step: Step, batch: Batch) -> int:
    """Peak of allocated-minus-freed CPU bytes during one step, from the profiler's events."""
    batch.clear_grads()
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step(batch)
    events = [
        (event.start_ns(), event.nbytes())
        for event in prof.profiler.kineto_results.events()
        if event.name() == "[memory]" and event.device_type() == DeviceType.CPU
    ]
    live = peak = 0
    for _, nbytes in sorted(events):
        live += nbytes
        peak = max(peak, live)
    return peak


def sinkhorn_iterations(batches: list[Batch], tol: float, num_iter: int) -> list[int]:
    """Iterations the batched solver ran per batch (POT counts from 0, checks every 10)."""
    counts = []
    for batch in batches:
        with torch.no_grad():
            cost, a, b = cost_and_marginals(batch)
        result = ot.solve_batch(cost, reg=0.05, a=a, b=b, max_iter=num_iter, tol=tol, method="log_sinkhorn")
        counts.append(int(result.log["n_iter"]) + 1)
    return counts


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--max-tokens", type=int, default=32, help="n and m, including [CLS]/[SEP]/padding")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of 8 timed steps (one per batch) per loss")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps per loss at the start of each round")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1: stable on shared CPUs)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    batches = random_batches(8, args.batch, args.max_tokens, args.dim, args.seed)

    print(
        f"python {platform.python_version()}, torch {torch.__version__}, POT {ot.__version__}, "
        f"numpy {np.__version__}"
    )
    print(
        f"{platform.platform()}; CPU: {cpu_model()}; {os.cpu_count()} logical CPUs; "
        f"torch threads: {torch.get_num_threads()}"
    )
    print(
        f"B={args.batch}, n,m <= {args.max_tokens} tokens (real tokens per sentence 2..{args.max_tokens - 2}), "
        f"d={args.dim}, float32, CPU; {args.rounds} rounds x (8 distinct batches timed "
        f"after {args.warmup} warm-up steps) per loss, rounds alternating between losses"
    )
    early = sinkhorn_iterations(batches, tol=1e-6, num_iter=100)
    print(f"Sinkhorn iterations with tol=1e-6 (cap 100) on these batches: {early}")
    print("peak memory: torch profiler (profile_memory=True), peak allocated-minus-freed bytes within one step\n")

    variants: list[tuple[str, Step]] = [
        ("kd", kd_step),
        ("cal", cal_step),
        ("optical (defaults: reg=0.05, num_iter=100, tol=1e-6)", optical_step()),
        ("optical (all 100 iterations: tol=0)", optical_step(tol=0.0)),
        ("  [not used] POT grad='envelope' on live cost, tol=1e-6", optical_pot_envelope_step(1e-6)),
        ("  [not used] POT grad='envelope' on live cost, tol=0", optical_pot_envelope_step(0.0)),
    ]
    timings = time_per_step([step for _, step in variants], batches, args.rounds, args.warmup)
    rows = [
        (name, statistics.median(seconds), min(seconds), peak_bytes(step, batches[0]))
        for (name, step), seconds in zip(variants, timings)
    ]

    _, kd_median, kd_min, kd_peak = rows[0]
    print(f"{'loss':56s} {'median ms':>10s} {'x kd':>7s} {'min ms':>8s} {'x kd':>7s} {'peak MiB':>9s} {'x kd':>6s}")
    for name, median, fastest, peak in rows:
        print(
            f"{name:56s} {median * 1e3:10.3f} {median / kd_median:7.1f} {fastest * 1e3:8.3f} {fastest / kd_min:7.1f}"
            f" {peak / 2**20:9.2f} {peak / kd_peak:6.1f}"
        )


if __name__ == "__main__":
    main()
