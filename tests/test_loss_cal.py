"""Contrastive cross-lingual alignment loss (methods/losses/cal.py)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from methods.losses import cal_loss


def _hand_cross_entropy(cosines: list[list[float]], temperature: float) -> float:
    """Mean over rows of -log softmax(row / temperature)[own index], in plain floats."""
    total = 0.0
    for own, row in enumerate(cosines):
        logits = [c / temperature for c in row]
        total += -logits[own] + math.log(sum(math.exp(x) for x in logits))
    return total / len(cosines)


def test_equals_hand_computed_cross_entropy_3x3():
    # Norms differ on purpose: the loss must only see directions (cosine similarity).
    student_target = torch.tensor([[2.0, 0.0], [0.0, 3.0], [1.0, 1.0]])
    teacher_english = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 5.0]])
    r = 1 / math.sqrt(2)
    cosines = [
        [1.0, r, 0.0],  # (1, 0)   vs (1, 0), (r, r), (0, 1)
        [0.0, r, 1.0],  # (0, 1)   -- its own translation is not its nearest: a real error
        [r, 1.0, r],  # (r, r)
    ]
    for temperature in (0.5, 0.05):
        expected = _hand_cross_entropy(cosines, temperature)
        got = cal_loss(student_target, teacher_english, temperature=temperature).item()
        assert got == pytest.approx(expected, rel=1e-5)


def test_lower_when_aligned_than_shuffled():
    torch.manual_seed(0)
    teacher_english = torch.randn(16, 32)
    student_target = teacher_english + 0.1 * torch.randn(16, 32)
    aligned = cal_loss(student_target, teacher_english)
    shuffled = cal_loss(student_target.roll(1, dims=0), teacher_english)
    assert aligned < shuffled
    assert aligned.item() < 0.01  # every row picks its own translation with high confidence


def test_temperature_is_respected():
    torch.manual_seed(1)
    student_target = torch.randn(6, 8)
    teacher_english = torch.randn(6, 8)
    cosines = F.normalize(student_target, dim=-1) @ F.normalize(teacher_english, dim=-1).T
    own = torch.arange(6)
    for temperature in (1.0, 0.2, 0.05):
        expected = F.cross_entropy(cosines / temperature, own)
        torch.testing.assert_close(cal_loss(student_target, teacher_english, temperature=temperature), expected)
    # Default is 0.05, and a different temperature really gives a different loss.
    torch.testing.assert_close(cal_loss(student_target, teacher_english), F.cross_entropy(cosines / 0.05, own))
    assert cal_loss(student_target, teacher_english, temperature=1.0) != cal_loss(student_target, teacher_english)


def test_gradient_reaches_student_not_teacher():
    torch.manual_seed(2)
    student_target = torch.randn(4, 8, requires_grad=True)
    teacher_english = torch.randn(4, 8, requires_grad=True)
    cal_loss(student_target, teacher_english).backward()
    assert teacher_english.grad is None
    assert student_target.grad is not None and student_target.grad.abs().sum() > 0


def test_rejects_bad_inputs():
    with pytest.raises(ValueError, match="one shape"):
        cal_loss(torch.randn(4, 8), torch.randn(5, 8))
    with pytest.raises(ValueError, match="temperature"):
        cal_loss(torch.randn(4, 8), torch.randn(4, 8), temperature=0.0)
