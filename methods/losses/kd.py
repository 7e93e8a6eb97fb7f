"""Multilingual knowledge distillation loss (Reimers & Gurevych, 2020)."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor


def kd_loss(student_target: Tensor, student_english: Tensor, teacher_english: Tensor) -> Tensor:
    """Mean squared error pulling the student's sentence embeddings onto the teacher's.

    For a batch of bitext pairs (English sentence e_b, target-language sentence t_b):

        loss = MSE(student(t), teacher(e)) + MSE(student(e), teacher(e))

    where each MSE averages the squared differences over all B * d entries. The first term
    maps target-language sentences onto the teacher's English space; the second keeps the
    student's own English embeddings where the teacher put them.

    Args:
        student_target: [B, d] student's pooled embeddings of the target-language sentences.
        student_english: [B, d] student's pooled embeddings of the English sentences.
        teacher_english: [B, d] teacher's pooled embeddings of the English sentences. The
            teacher is frozen, so this is detached here: no gradient ever reaches it.

    Returns:
        A scalar tensor.
    """
    _check_same_shape_2d(
        student_target=student_target, student_english=student_english, teacher_english=teacher_english
    )
    teacher_english = teacher_english.detach()
    return F.mse_loss(student_target, teacher_english) + F.mse_loss(student_english, teacher_english)


def _check_same_shape_2d(**tensors: Tensor) -> None:
    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    if any(len(shape) != 2 for shape in shapes.values()) or len(set(shapes.values())) != 1:
        raise ValueError(f"expected [batch, dim] tensors of one shape, got {shapes}")
    if next(iter(shapes.values()))[0] == 0:
        raise ValueError("empty batch")
