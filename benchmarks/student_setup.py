"""The models, optimiser and bitext of one student's training steps, shared by the training benchmarks.

What bench_train_step.py and bench_train_profile.py both time: the small profile's
multilingual-e5-small teacher and student (word embeddings frozen, as on CPU by default),
AdamW at 5e-5 over the student's trainable weights, and the default bitext of all seven
languages as (English, target) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class StudentSetup:
    objective: Any  # the method's loss: objective(teacher, student_target, student_english, params)
    params: Any
    teacher: Any
    teacher_tok: Any
    student: Any
    student_tok: Any
    recipe: Any
    trainable: list
    optimizer: Any
    bitext: list[tuple[str, str]]


def student_setup(method: str, fused: bool = False) -> StudentSetup:
    """Load everything one method's steps need; ``fused`` asks for ``AdamW(fused=True)``."""
    import torch

    from harness.bitext import default_bitext
    from harness.data.pairs import PAIRS
    from harness.encoding.recipe import recipe_for
    from harness.models import load_model
    from harness.registry import METHODS

    spec = METHODS[method]
    retriever = spec.implementation(spec, spec.parameters(), Path("."))
    torch.manual_seed(0)
    teacher, teacher_tok, resolved = load_model("intfloat/multilingual-e5-small")
    student, student_tok, _ = load_model("intfloat/multilingual-e5-small")
    teacher.eval().requires_grad_(False)
    student.train().get_input_embeddings().weight.requires_grad_(False)
    trainable = [p for p in student.parameters() if p.requires_grad]
    return StudentSetup(
        objective=type(retriever).objective, params=retriever.params, teacher=teacher, teacher_tok=teacher_tok,
        student=student, student_tok=student_tok, recipe=recipe_for(resolved), trainable=trainable,
        optimizer=torch.optim.AdamW(trainable, lr=5e-5, fused=fused),
        bitext=[(p.english, p.target) for pair in PAIRS.values() for p in default_bitext(pair.lang)])
