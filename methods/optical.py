"""OPTICAL: optimal-transport distillation of token alignments on bitext.

The cross-lingual alignment between the teacher's English token vectors and
the student's target-language token vectors is an entropic optimal-transport
problem (cost 1 - cos, uniform marginals over real tokens); the loss is the
Frobenius inner product of the transport plan and the cost matrix, solved for
the whole batch at once (see methods/losses/optical.py).  An optional
sentence-level KD term (default weight 0: pure OPTICAL).
"""

from __future__ import annotations

from harness.method import MethodSpec
from methods.distillation import DistilledRetriever, distillation_defaults
from methods.training import EncodedBatch


def optical_objective(teacher: EncodedBatch, student_target: EncodedBatch, student_english: EncodedBatch | None, params) -> object:
    import torch  # here, not on import: listing methods must not load torch and POT

    from methods.losses import optical_loss

    loss = optical_loss(
        teacher.tokens, teacher.content_mask, student_target.tokens, student_target.content_mask,
        reg=float(params["ot_reg"]), num_iter=int(params["ot_iterations"]), tol=float(params["ot_tolerance"]),
    ).loss
    weight = float(params["sentence_kd_weight"])
    if weight:  # sentence-level term: the student's target vector towards the teacher's English vector
        loss = loss + weight * torch.nn.functional.mse_loss(student_target.pooled, teacher.pooled.detach())
    return loss


class OptimalTransportDistillation(DistilledRetriever):
    objective = optical_objective
    objective_keys = ("ot_reg", "ot_iterations", "ot_tolerance", "sentence_kd_weight")


OPTICAL = MethodSpec(
    name="optical",
    label="OPTICAL",
    family="distillation on bitext",
    description="optimal-transport token alignment between teacher (English) and student (target) token vectors, bitext only",
    reference="Huang et al. 2023, Improving Cross-lingual Information Retrieval on Low-Resource Languages via Optimal Transport Distillation (OPTICAL), WSDM",
    needs=("encoder", "bitext", "teacher"),
    accelerated=("training", "encoding"),
    implementation=OptimalTransportDistillation,
    defaults=distillation_defaults(ot_reg=0.05, ot_iterations=100, ot_tolerance=1e-6, sentence_kd_weight=0.0),
)
