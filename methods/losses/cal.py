"""Contrastive cross-lingual alignment loss (CAL), as we reconstruct it.

This is our reconstruction following the common contrastive-alignment recipe (InfoNCE over
in-batch negatives on cosine similarities, as in SimCSE/CLIP-style sentence alignment), not a
transcription of the CAL paper's equations; see methods/losses/README.md.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def cal_loss(student_target: Tensor, teacher_english: Tensor, temperature: float = 0.05) -> Tensor:
    """InfoNCE aligning each target-language sentence with its own English teacher embedding.

    With s_b = student(t_b) / ||student(t_b)|| and h_c = teacher(e_c) / ||teacher(e_c)||:

        logits[b, c] = <s_b, h_c> / temperature
        loss = mean_b  -log softmax_c(logits[b, :])[b]

    i.e. cross-entropy where row b's correct class is its own translation e_b and the other
    B - 1 English sentences of the batch are the negatives. Only the student-to-teacher
    direction is used: the teacher is frozen, so the rows are the trainable side.

    Args:
        student_target: [B, d] student's pooled embeddings of the target-language sentences.
        teacher_english: [B, d] teacher's pooled embeddings of their English sides; detached
            here because the teacher is frozen.
        temperature: divides the cosine similarities; smaller values sharpen the softmax.

    Returns:
        A scalar tensor.
    """
    if student_target.dim() != 2 or student_target.shape != teacher_english.shape:
        raise ValueError(
            "expected [batch, dim] tensors of one shape, got "
            f"{tuple(student_target.shape)} and {tuple(teacher_english.shape)}"
        )
    if student_target.shape[0] == 0:
        raise ValueError("empty batch")
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    student = F.normalize(student_target, dim=-1)
    teacher = F.normalize(teacher_english.detach(), dim=-1)
    logits = student @ teacher.T / temperature
    own_translation = torch.arange(logits.shape[0], device=logits.device)
    return F.cross_entropy(logits, own_translation)
