"""CAL: cross-lingual alignment by contrastive learning on bitext.

InfoNCE between the student's vector of the target sentence and the teacher's
vector of its English side, with in-batch negatives.  Our reconstruction of
CAL from the common contrastive-alignment recipe, not a transcription of its
paper (see methods/losses/README.md).
"""

from __future__ import annotations

from harness.method import MethodSpec
from methods.distillation import DistilledRetriever, distillation_defaults
from methods.training import EncodedBatch


def cal_objective(teacher: EncodedBatch, student_target: EncodedBatch, student_english: EncodedBatch | None, params) -> object:
    from methods.losses import cal_loss  # here, not on import: listing methods must not load torch

    temperature, direction = float(params["temperature"]), str(params["direction"])
    return cal_loss(student_target.pooled, teacher.pooled, temperature=temperature, direction=direction)


class ContrastiveAlignment(DistilledRetriever):
    objective = cal_objective
    # Both are part of the trained student's cache key.  harness/method/params.py checks their values
    # when the command line is parsed; cal_loss checks them again.
    objective_keys = ("temperature", "direction")


CAL = MethodSpec(
    name="cal",
    label="CAL",
    family="distillation on bitext",
    description="contrastive (InfoNCE, in-batch negatives) alignment of student target vectors to teacher English vectors",
    reference="Contrastive cross-lingual alignment (our reconstruction of CAL; see BENCHMARKS.md)",
    needs=("encoder", "bitext", "teacher"),
    accelerated=("training", "encoding"),
    implementation=ContrastiveAlignment,
    # direction: "teacher-to-student" (the teacher's English vector ranks the batch's student
    # target vectors, as retrieval does), "student-to-teacher" or "symmetric".  Chosen on a
    # validation split of the training bitext: benchmarks/cal_validation.md.
    defaults=distillation_defaults(temperature=0.01, direction="teacher-to-student"),
)
