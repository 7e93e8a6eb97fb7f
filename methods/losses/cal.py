"""Contrastive cross-lingual alignment loss (CAL), as we reconstruct it.

This is our reconstruction following the common contrastive-alignment recipe (InfoNCE over
in-batch negatives on cosine similarities, as in SimCSE/CLIP-style sentence alignment), not a
transcription of the CAL paper's equations; see methods/losses/README.md.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

TEACHER_TO_STUDENT = "teacher-to-student"
STUDENT_TO_TEACHER = "student-to-teacher"
SYMMETRIC = "symmetric"
DIRECTIONS = (TEACHER_TO_STUDENT, STUDENT_TO_TEACHER, SYMMETRIC)


def cal_loss(
    student_target: Tensor, teacher_english: Tensor, temperature: float = 0.01, direction: str = TEACHER_TO_STUDENT
) -> Tensor:
    """InfoNCE between the student's target-sentence vectors and the teacher's English vectors.

    With s_b = student(t_b) / ||student(t_b)|| and h_c = teacher(e_c) / ||teacher(e_c)||:

        logits[b, c] = <s_b, h_c> / temperature                     (B x B)

        "teacher-to-student" (anchor: the teacher's English vector; candidates: the batch's
        student target vectors; the direction retrieval uses, where the teacher's query ranks
        the student's passages):
            loss = mean_c  -log softmax_b(logits[:, c])[c]  =  cross_entropy(logits.T, arange(B))
        "student-to-teacher" (anchor: the student's target vector; candidates: the teacher's
        English vectors; the only direction before this parameter existed):
            loss = mean_b  -log softmax_c(logits[b, :])[b]  =  cross_entropy(logits, arange(B))
        "symmetric": the mean of the two (CLIP's loss).

    In every direction the positive of an anchor is its own translation and the other B - 1
    sentences of the batch are its negatives.

    Args:
        student_target: [B, d] student's pooled embeddings of the target-language sentences.
        teacher_english: [B, d] teacher's pooled embeddings of their English sides; detached
            here because the teacher is frozen.
        temperature: divides the cosine similarities; smaller values sharpen the softmax.
        direction: "teacher-to-student", "student-to-teacher" or "symmetric" (see above).

    Returns:
        A float32 scalar tensor: the cosines and logits are computed in float32, also under autocast.

    Raises:
        ValueError: if the inputs are not two [B, d] tensors of one shape, the batch is empty,
            the temperature is not positive, or ``direction`` is not one of the three names.

    Source: InfoNCE (van den Oord et al. 2018, "Representation Learning with Contrastive
    Predictive Coding") with in-batch negatives; the symmetric form is CLIP's (Radford et al.
    2021). Our reconstruction of CAL, not its paper's equations (methods/losses/README.md).
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; valid: {', '.join(DIRECTIONS)}")
    if student_target.dim() != 2 or student_target.shape != teacher_english.shape:
        raise ValueError(
            "expected [batch, dim] tensors of one shape, got "
            f"{tuple(student_target.shape)} and {tuple(teacher_english.shape)}"
        )
    if student_target.shape[0] == 0:
        raise ValueError("empty batch")
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    # In float32 even under autocast: a bf16 cosine is only good to about 0.004, which at
    # temperature 0.01 is 0.4 in the logits.
    with torch.autocast(device_type=student_target.device.type, enabled=False):
        student = F.normalize(student_target.float(), dim=-1)
        teacher = F.normalize(teacher_english.detach().float(), dim=-1)
        logits = student @ teacher.T / temperature  # rows: student target sentences; columns: teacher English
    own_translation = torch.arange(logits.shape[0], device=logits.device)
    if direction == STUDENT_TO_TEACHER:
        return F.cross_entropy(logits, own_translation)
    teacher_to_student = F.cross_entropy(logits.T, own_translation)
    if direction == TEACHER_TO_STUDENT:
        return teacher_to_student
    return (teacher_to_student + F.cross_entropy(logits, own_translation)) / 2
