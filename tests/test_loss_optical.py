"""Optimal-transport token distillation loss (methods/losses/optical.py)."""

from __future__ import annotations

import ot
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from methods.losses import optical_loss

# Settings for the comparisons against POT's per-pair solvers: tight enough that both the
# batched and the per-pair Sinkhorn have converged, since they update the two potentials in
# opposite orders and stop at different iterations, and only their fixed points must agree.
REG = 0.05
NUM_ITER = 10_000
TOL = 1e-10


def _cosine_cost(teacher: torch.Tensor, student: torch.Tensor) -> torch.Tensor:
    return 1.0 - F.normalize(teacher, dim=-1) @ F.normalize(student, dim=-1).T


def _per_pair_reference(teacher: torch.Tensor, student: torch.Tensor):
    """Plan and <P, C> for one pair of unpadded token sets, from ot.sinkhorn and ot.solve."""
    cost = _cosine_cost(teacher, student)
    a = torch.full((cost.shape[0],), 1.0 / cost.shape[0], dtype=cost.dtype)
    b = torch.full((cost.shape[1],), 1.0 / cost.shape[1], dtype=cost.dtype)
    plan, log = ot.sinkhorn(a, b, cost, REG, method="sinkhorn_log", numItermax=NUM_ITER, stopThr=TOL, log=True)
    assert log["niter"] < NUM_ITER - 1, "reference did not converge: comparison would be meaningless"
    solved = ot.solve(cost, a, b, reg=REG, reg_type="entropy", max_iter=NUM_ITER, tol=TOL)
    torch.testing.assert_close(solved.plan, plan, rtol=0, atol=1e-9)
    return plan, (plan * cost).sum()


def _run(teacher, teacher_mask, student, student_mask):
    return optical_loss(teacher, teacher_mask, student, student_mask, reg=REG, num_iter=NUM_ITER, tol=TOL)


def test_unpadded_batch_matches_per_pair_solves():
    torch.manual_seed(0)
    batch, tokens, dim = 4, 6, 16  # small dim: cosines spread widely, a non-trivial plan
    teacher = torch.randn(batch, tokens, dim, dtype=torch.float64)
    student = torch.randn(batch, tokens, dim, dtype=torch.float64)
    mask = torch.ones(batch, tokens)

    out = _run(teacher, mask, student, mask)

    per_pair_costs = []
    for b in range(batch):
        plan, transport_cost = _per_pair_reference(teacher[b], student[b])
        torch.testing.assert_close(out.plans[b], plan, rtol=0, atol=1e-5)
        per_pair_costs.append(transport_cost)
    torch.testing.assert_close(out.loss, torch.stack(per_pair_costs).mean(), rtol=0, atol=1e-5)
    # Entropic plans are dense, not a permutation: check the comparison was not trivial.
    assert (out.plans > 1e-4).sum() > batch * tokens


def _padded_batch(lengths_teacher, lengths_student, dim=16, dtype=torch.float64):
    """Sentences of given real lengths, each with a [CLS]-like special token at position 0
    and padding at the end, both masked out; padding embeddings are zero vectors."""
    batch = len(lengths_teacher)
    n, m = 1 + max(lengths_teacher), 1 + max(lengths_student)
    teacher = torch.randn(batch, n, dim, dtype=dtype)
    student = torch.randn(batch, m, dim, dtype=dtype)
    teacher_mask = torch.zeros(batch, n, dtype=torch.long)
    student_mask = torch.zeros(batch, m, dtype=torch.long)
    for b, (length_t, length_s) in enumerate(zip(lengths_teacher, lengths_student)):
        teacher_mask[b, 1 : 1 + length_t] = 1
        student_mask[b, 1 : 1 + length_s] = 1
        teacher[b, 1 + length_t :] = 0.0
        student[b, 1 + length_s :] = 0.0
    return teacher, teacher_mask, student, student_mask


def test_padded_batch_matches_unpadded_per_pair_solves():
    torch.manual_seed(1)
    teacher, teacher_mask, student, student_mask = _padded_batch([5, 2, 7, 4], [3, 7, 7, 1])

    out = _run(teacher, teacher_mask, student, student_mask)

    per_pair_costs = []
    for b in range(teacher.shape[0]):
        real_t, real_s = teacher_mask[b].bool(), student_mask[b].bool()
        plan, transport_cost = _per_pair_reference(teacher[b][real_t], student[b][real_s])
        torch.testing.assert_close(out.plans[b][real_t][:, real_s], plan, rtol=0, atol=1e-5)
        # Special and padding tokens carry no mass: their rows and columns are exactly 0.
        assert torch.all(out.plans[b][~real_t] == 0)
        assert torch.all(out.plans[b][:, ~real_s] == 0)
        per_pair_costs.append(transport_cost)
    torch.testing.assert_close(out.loss, torch.stack(per_pair_costs).mean(), rtol=0, atol=1e-5)


def test_plan_marginals_are_uniform_over_real_tokens():
    torch.manual_seed(2)
    teacher, teacher_mask, student, student_mask = _padded_batch([5, 2, 7], [3, 7, 1])

    plans = _run(teacher, teacher_mask, student, student_mask).plans

    expected_teacher = teacher_mask / teacher_mask.sum(dim=1, keepdim=True)
    expected_student = student_mask / student_mask.sum(dim=1, keepdim=True)
    torch.testing.assert_close(plans.sum(dim=2), expected_teacher.to(plans.dtype), rtol=0, atol=1e-8)
    torch.testing.assert_close(plans.sum(dim=1), expected_student.to(plans.dtype), rtol=0, atol=1e-8)


def test_gradient_reaches_student_tokens_not_teacher():
    torch.manual_seed(3)
    teacher, teacher_mask, student, student_mask = _padded_batch([5, 2, 7], [3, 7, 1], dtype=torch.float32)
    teacher.requires_grad_(True)  # as if someone forgot to freeze the teacher
    student.requires_grad_(True)

    out = optical_loss(teacher, teacher_mask, student, student_mask)
    out.loss.backward()

    assert teacher.grad is None
    assert torch.isfinite(student.grad).all()  # zero-vector padding must not produce NaNs
    real = student_mask.bool()
    assert (student.grad[real].abs().sum(dim=-1) > 0).all()
    assert torch.all(student.grad[~real] == 0)


def test_gradient_is_the_envelope_gradient_of_pot():
    """Our <P, C> with P held fixed has POT's grad='envelope' value and gradient, computed
    without recording autograd through the Sinkhorn loop."""
    torch.manual_seed(4)
    teacher, teacher_mask, student, student_mask = _padded_batch([5, 2, 7], [3, 7, 1])
    student.requires_grad_(True)

    ours = _run(teacher, teacher_mask, student, student_mask).loss
    (our_grad,) = torch.autograd.grad(ours, student)

    real_entries = teacher_mask.bool()[:, :, None] & student_mask.bool()[:, None, :]
    cost = (1.0 - F.normalize(teacher, dim=-1) @ F.normalize(student, dim=-1).transpose(1, 2)).masked_fill(
        ~real_entries, 0.0
    )
    a = teacher_mask.double() / teacher_mask.sum(dim=1, keepdim=True)
    b = student_mask.double() / student_mask.sum(dim=1, keepdim=True)
    pot = ot.solve_batch(cost, reg=REG, a=a, b=b, max_iter=NUM_ITER, tol=TOL, method="log_sinkhorn", grad="envelope")
    theirs = pot.value_linear.mean()
    (their_grad,) = torch.autograd.grad(theirs, student)

    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-10)
    torch.testing.assert_close(our_grad, their_grad, rtol=0, atol=1e-10)


def test_gradient_is_the_derivative_of_the_entropic_ot_value():
    """Envelope theorem: with P fixed, d<P, C> equals the derivative of the regularised optimum
    min_P <P, C> + reg * sum P log P. Checked by central finite differences along a random
    direction of the student embeddings."""
    torch.manual_seed(5)
    teacher, teacher_mask, student, student_mask = _padded_batch([4, 3], [3, 5])
    student.requires_grad_(True)
    (grad,) = torch.autograd.grad(_run(teacher, teacher_mask, student, student_mask).loss, student)

    def entropic_value(student_tokens):
        plans = _run(teacher, teacher_mask, student_tokens, student_mask).plans
        costs = 1.0 - F.normalize(teacher, dim=-1) @ F.normalize(student_tokens, dim=-1).transpose(1, 2)
        neg_entropy = torch.where(plans > 0, plans * plans.clamp_min(1e-300).log(), 0.0)
        return ((plans * costs).sum(dim=(1, 2)) + REG * neg_entropy.sum(dim=(1, 2))).mean()

    direction = torch.randn_like(student) * student_mask[..., None]
    step = 1e-5
    with torch.no_grad():
        finite_difference = (
            entropic_value(student + step * direction) - entropic_value(student - step * direction)
        ) / (2 * step)
    assert (grad * direction).sum().item() == pytest.approx(finite_difference.item(), rel=1e-5)


def test_log_domain_solver_is_stable_where_the_kernel_underflows():
    """At reg=0.01 a cost of 2 gives exp(-200), which is 0 in float32, so a multiplicative
    Sinkhorn divides 0 by 0 (POT's method='sinkhorn' returns NaN here); the log-domain solver
    must return a finite plan with the right marginals."""
    torch.manual_seed(6)
    teacher = torch.randn(2, 6, 16)
    student = teacher.clone()
    student[:, 0] = -teacher[:, 0]  # antipodal to its own translation: cost 2 to it
    mask = torch.ones(2, 6)
    out = optical_loss(teacher, mask, student, mask, reg=0.01, num_iter=1000, tol=1e-6)
    assert torch.isfinite(out.plans).all() and torch.isfinite(out.loss)
    torch.testing.assert_close(out.plans.sum(dim=2), torch.full((2, 6), 1 / 6), rtol=0, atol=1e-5)
    torch.testing.assert_close(out.plans.sum(dim=1), torch.full((2, 6), 1 / 6), rtol=0, atol=1e-5)


def test_rejects_sentence_without_real_tokens():
    teacher, teacher_mask, student, student_mask = _padded_batch([2, 3], [2, 3])
    teacher_mask[1] = 0
    with pytest.raises(ValueError, match=r"teacher mask has no real token in batch rows \[1\]"):
        optical_loss(teacher, teacher_mask, student, student_mask)


def test_loss_falls_on_toy_bitext():
    """A tiny student learns to put each target word where the teacher put its translation.

    English word i translates to target word perm[i]; target sentences are the word-for-word
    translation in a shuffled order (OT matching must not depend on word order)."""
    torch.manual_seed(7)
    vocab, dim, batch, max_len = 24, 16, 16, 8
    teacher_vocab = torch.randn(vocab, dim)
    translation = torch.randperm(vocab)
    student = nn.Sequential(nn.Embedding(vocab, dim), nn.Linear(dim, dim))
    optimiser = torch.optim.Adam(student.parameters(), lr=0.05)

    def sample_batch():
        lengths = torch.randint(3, max_len + 1, (batch,))
        mask = (torch.arange(max_len)[None, :] < lengths[:, None]).long()
        english = torch.randint(0, vocab, (batch, max_len))
        target = translation[english]
        for b, length in enumerate(lengths.tolist()):
            target[b, :length] = target[b, torch.randperm(length)]
        return teacher_vocab[english], mask, target, mask

    losses = []
    for _ in range(50):
        teacher_tokens, teacher_mask, target_ids, student_mask = sample_batch()
        loss = optical_loss(teacher_tokens, teacher_mask, student(target_ids), student_mask).loss
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())

    initial = sum(losses[:5]) / 5
    final = sum(losses[-5:]) / 5
    assert final < 0.5 * initial, losses
