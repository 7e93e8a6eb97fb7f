"""Optimal-transport token-level distillation loss (OPTICAL).

The teacher's English tokens and the student's target-language tokens of each bitext pair are
matched by an entropic optimal-transport plan, and the loss is the transport cost of that plan,
so the student learns to place its tokens where the teacher's translations of them sit. All
pairs of a batch are solved at once with POT's batched Sinkhorn solver (``ot.solve_batch``).
"""

from __future__ import annotations

from typing import NamedTuple

import ot
import torch
import torch.nn.functional as F
from torch import Tensor


class OpticalOutput(NamedTuple):
    loss: Tensor  # scalar: mean over the batch of <P_b, C_b>; differentiable w.r.t. the student
    plans: Tensor  # [B, n, m] transport plans P_b, detached; zero on padding rows and columns


def optical_loss(
    teacher_tokens: Tensor,
    teacher_mask: Tensor,
    student_tokens: Tensor,
    student_mask: Tensor,
    *,
    reg: float = 0.05,
    num_iter: int = 100,
    tol: float = 1e-6,
) -> OpticalOutput:
    """Entropic-OT transport cost between teacher and student token embeddings, batch mean.

    For pair b, with T = teacher tokens of the English sentence and S = student tokens of the
    target sentence (real tokens only):

        C[i, j] = 1 - cos(T_i, S_j)
        P = argmin_{P 1 = a, P^T 1 = c, P >= 0} <P, C> + reg * sum_ij P_ij log P_ij
        loss_b = <P, C> = sum_ij P_ij C_ij

    with uniform marginals over the real tokens, a_i = mask_i / sum(mask) (likewise c from the
    student mask), so special and padding tokens carry zero mass and get zero rows/columns in P.
    The returned loss is the mean of loss_b over the batch.

    Gradient: P is treated as a constant (envelope theorem), so d loss_b / d C = P. This is the
    exact gradient of the entropic OT value and is what POT calls ``grad='envelope'``; no
    gradient is propagated through the Sinkhorn iterations.

    Args:
        teacher_tokens: [B, n, d] teacher's last-layer token embeddings of the English sentences;
            detached here because the teacher is frozen.
        teacher_mask: [B, n], 1 (or True) for real tokens, 0 for special and padding tokens.
        student_tokens: [B, m, d] student's last-layer token embeddings of the target sentences.
        student_mask: [B, m], same convention as teacher_mask.
        reg: entropic regularisation strength (on costs in [0, 2]).
        num_iter: maximum number of Sinkhorn iterations (each updates both potentials).
        tol: stop once, for every pair of the batch, the L2 norm of the teacher-side marginal
            violation is below tol (POT checks this every 10 iterations).

    Returns:
        OpticalOutput(loss, plans).
    """
    teacher_real, student_real = _validate(teacher_tokens, teacher_mask, student_tokens, student_mask)
    if not reg > 0:
        raise ValueError(f"reg must be positive, got {reg}")

    # float16/bfloat16 resolve ~1e-3 relative to a marginal of 1/32, so tol=1e-6 could never be
    # met and the plan would be coarse: solve and accumulate in at least float32 even when the
    # encoder runs under autocast.
    dtype = torch.promote_types(student_tokens.dtype, torch.float32)
    teacher = F.normalize(teacher_tokens.detach().to(dtype), dim=-1)
    student = F.normalize(student_tokens.to(dtype), dim=-1)
    cost = 1.0 - teacher @ student.transpose(1, 2)  # [B, n, m]
    # Padding embeddings can be anything (even zero vectors); give their entries a finite
    # constant cost so nothing non-finite enters the solver. They carry no mass either way.
    real_entries = teacher_real[:, :, None] & student_real[:, None, :]
    cost = cost.masked_fill(~real_entries, 0.0)

    teacher_marginal = _uniform_over_real(teacher_real, dtype)
    student_marginal = _uniform_over_real(student_real, dtype)

    # Solve on the detached cost. POT 0.9.7's batched grad='envelope' leaves M attached while
    # it iterates, so autograd would record every Sinkhorn step and keep that graph alive
    # through res.potentials, only to detach the plan at the end (benchmarks/bench_loss_step.py:
    # ~1.25x the time and ~4x the peak memory at 100 iterations, B=32, 32x32 tokens). Detaching here and forming <P, C> ourselves gives the same value and the
    # same envelope gradient (tests/test_loss_optical.py checks this against grad='envelope').
    #
    # method='log_sinkhorn': the multiplicative kernel exp(-C/reg) is exp(-40) at C=2,
    # reg=0.05 -- fine in float32 but with no headroom: at reg=0.02 a row of large costs
    # underflows to zero and the plain solver returns NaN (0/0), and in float16 it fails even at
    # reg=0.05. The log-domain updates never form exp(-C/reg) alone. Zero-mass tokens are
    # exact there too: log(0) = -inf makes their potential -inf, so exp(...) gives exact zeros
    # in P, and logsumexp over a row/column with some -inf terms stays finite as long as each
    # sentence has at least one real token (checked in _validate).
    result = ot.solve_batch(
        cost.detach(),
        reg=reg,
        a=teacher_marginal,
        b=student_marginal,
        max_iter=num_iter,
        tol=tol,
        method="log_sinkhorn",
        reg_type="entropy",
        grad="detach",
    )
    plans = result.plan
    transport_cost_per_pair = (plans * cost).sum(dim=(1, 2))
    return OpticalOutput(loss=transport_cost_per_pair.mean(), plans=plans)


def _uniform_over_real(real: Tensor, dtype: torch.dtype) -> Tensor:
    weights = real.to(dtype)
    return weights / weights.sum(dim=1, keepdim=True)


def _validate(
    teacher_tokens: Tensor, teacher_mask: Tensor, student_tokens: Tensor, student_mask: Tensor
) -> tuple[Tensor, Tensor]:
    """Check shapes and return the masks as booleans."""
    if teacher_tokens.dim() != 3 or student_tokens.dim() != 3:
        raise ValueError(
            "token embeddings must be [batch, tokens, dim], got "
            f"{tuple(teacher_tokens.shape)} and {tuple(student_tokens.shape)}"
        )
    batch, _, dim = teacher_tokens.shape
    if student_tokens.shape[0] != batch or student_tokens.shape[2] != dim:
        raise ValueError(
            "teacher and student token embeddings must share batch size and dimension, got "
            f"{tuple(teacher_tokens.shape)} and {tuple(student_tokens.shape)}"
        )
    if batch == 0:
        raise ValueError("empty batch")
    if teacher_mask.shape != teacher_tokens.shape[:2] or student_mask.shape != student_tokens.shape[:2]:
        raise ValueError(
            "masks must be [batch, tokens] matching the embeddings, got "
            f"{tuple(teacher_mask.shape)} and {tuple(student_mask.shape)}"
        )
    teacher_real = teacher_mask.to(device=teacher_tokens.device) != 0
    student_real = student_mask.to(device=student_tokens.device) != 0
    for side, real in (("teacher", teacher_real), ("student", student_real)):
        empty = (~real.any(dim=1)).nonzero().flatten().tolist()
        if empty:
            # A sentence with no real token has no mass to transport: the marginal would be 0/0.
            raise ValueError(f"{side} mask has no real token in batch rows {empty}")
    return teacher_real, student_real
