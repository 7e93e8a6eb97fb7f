"""Sentence-level knowledge-distillation loss (methods/losses/kd.py)."""

from __future__ import annotations

import pytest
import torch

from methods.losses import kd_loss


def test_equals_hand_computed_mse():
    student_target = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    student_english = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    teacher_english = torch.tensor([[1.0, 1.0], [2.0, 2.0]])
    # target side:  differences (0, 1, 1, 2)     -> (0 + 1 + 1 + 4) / 4 = 1.5
    # English side: differences (-1, -1, -1, -1) -> (1 + 1 + 1 + 1) / 4 = 1.0
    assert kd_loss(student_target, student_english, teacher_english).item() == pytest.approx(2.5)


def test_zero_when_student_equals_teacher():
    teacher_english = torch.randn(5, 16)
    loss = kd_loss(teacher_english.clone(), teacher_english.clone(), teacher_english)
    assert loss.item() == 0.0


def test_gradient_reaches_student_not_teacher():
    torch.manual_seed(0)
    student_target = torch.randn(4, 8, requires_grad=True)
    student_english = torch.randn(4, 8, requires_grad=True)
    teacher_english = torch.randn(4, 8, requires_grad=True)  # as if someone forgot to freeze it

    kd_loss(student_target, student_english, teacher_english).backward()

    assert teacher_english.grad is None
    # d/ds mean((s - t)^2) = 2 (s - t) / (B * d)
    elements = student_target.numel()
    torch.testing.assert_close(student_target.grad, 2 * (student_target - teacher_english).detach() / elements)
    torch.testing.assert_close(student_english.grad, 2 * (student_english - teacher_english).detach() / elements)


def test_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one shape"):
        kd_loss(torch.randn(4, 8), torch.randn(4, 8), torch.randn(4, 9))
    with pytest.raises(ValueError, match="one shape"):
        kd_loss(torch.randn(4, 8, 2), torch.randn(4, 8, 2), torch.randn(4, 8, 2))
