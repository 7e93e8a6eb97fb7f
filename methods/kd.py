"""KD: multilingual knowledge distillation (Reimers & Gurevych 2020) on bitext.

MSE between the student's sentence vector of the target sentence and the
teacher's vector of its English side, plus the same for the student's vector
of the English side (so the student keeps the teacher's English space).
"""

from __future__ import annotations

from harness.method import MethodSpec
from methods.distillation import DistilledRetriever, distillation_defaults
from methods.training import EncodedBatch


def kd_objective(teacher: EncodedBatch, student_target: EncodedBatch, student_english: EncodedBatch | None, params) -> object:
    from methods.losses import kd_loss  # here, not on import: listing methods must not load torch

    return kd_loss(student_target.pooled, student_english.pooled, teacher.pooled)


kd_objective.uses_student_english = True


class KnowledgeDistillation(DistilledRetriever):
    objective = kd_objective


KD = MethodSpec(
    name="kd",
    label="KD",
    family="distillation on bitext",
    description="student mimics the frozen teacher's sentence vectors of the English side (MSE), trained on bitext only",
    reference="Reimers & Gurevych 2020, Making Monolingual Sentence Embeddings Multilingual using Knowledge Distillation",
    needs=("encoder", "bitext", "teacher"),
    accelerated=("training", "encoding"),
    implementation=KnowledgeDistillation,
    defaults=distillation_defaults(),
)
