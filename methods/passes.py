"""Forward passes of distillation training: a batch through a model, and the frozen teacher's passes.

The teacher's passes over a step's English side run on torch (under the step's autocast) or, on
CPU, on OpenVINO at the training precision (``TrainingPlan.teacher_runtime``): the teacher is
frozen, so only its outputs matter, and OpenVINO runs the same weights with fused kernels
(``harness/encoding/runtime.py``).  :class:`TeacherPasses` keeps them in memory, so the second and
third method trained in one run on the same batches do not run the teacher again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch loads when a student is trained, not on import
    import torch

    from harness.encoding.recipe import Recipe


@dataclass(frozen=True)
class EncodedBatch:
    pooled: torch.Tensor  # [B, d] sentence vectors (the recipe's pooling)
    tokens: torch.Tensor  # [B, T, d] last-layer token vectors
    content_mask: torch.Tensor  # [B, T] 1 for real tokens, 0 for special and padding tokens


def _tokenize(tokenizer, texts: Sequence[str], recipe: Recipe, max_length: int, tensors: str = "pt"):
    """(batch without token_type_ids, special_tokens_mask): the texts with the recipe's passage prefix."""
    batch = tokenizer(
        [recipe.passage_prefix + t for t in texts], padding=True, truncation=True, max_length=max_length,
        return_tensors=tensors, return_special_tokens_mask=True,
    )
    special = batch.pop("special_tokens_mask")
    batch.pop("token_type_ids", None)
    return batch, special


def encode_batch(model, tokenizer, texts: Sequence[str], recipe: Recipe, max_length: int, device: str) -> EncodedBatch:
    """``texts`` through a transformers ``model`` on ``device`` (torch): pooled [B, d], tokens [B, T, d], mask [B, T]."""
    from harness.encoding.recipe import pool

    batch, special = _tokenize(tokenizer, texts, recipe, max_length)
    batch = {k: v.to(device) for k, v in batch.items()}
    hidden = model(**batch).last_hidden_state
    content = batch["attention_mask"] * (1 - special.to(device))
    return EncodedBatch(pool(hidden, batch["attention_mask"], recipe), hidden, content)


class Teacher:
    """The frozen teacher's passes: call it with a step's English texts for an :class:`EncodedBatch`.

    ``runtime`` "torch" runs ``model`` itself (the caller holds no_grad and the autocast);
    "openvino" compiles it once for the CPU at ``precision`` (fp32 or bf16) and the token vectors
    come back as float32, pooled here as on torch.  Raises HarnessError where OpenVINO would run
    another precision.
    """

    def __init__(self, model, tokenizer, recipe: Recipe, max_length: int, device: str, runtime: str, precision: str):
        self.model, self.tokenizer, self.recipe, self.max_length, self.device = model, tokenizer, recipe, max_length, device
        self.compiled = None
        if runtime == "openvino":
            import torch

            from harness.encoding.runtime import OpenVINOEncoder

            self.compiled = OpenVINOEncoder(model, None, precision, torch.get_num_threads())

    def __call__(self, texts: Sequence[str]) -> EncodedBatch:
        import torch

        if self.compiled is None:
            with torch.no_grad():
                return encode_batch(self.model, self.tokenizer, texts, self.recipe, self.max_length, self.device)
        import numpy as np

        from harness.encoding.recipe import pool

        batch, special = _tokenize(self.tokenizer, texts, self.recipe, self.max_length, tensors="np")
        ids, mask = (np.asarray(batch[k], dtype=np.int64) for k in ("input_ids", "attention_mask"))
        hidden = torch.from_numpy(self.compiled(ids, mask))
        attention = torch.from_numpy(mask)
        return EncodedBatch(pool(hidden, attention, self.recipe), hidden, attention * (1 - torch.from_numpy(special)))


class TeacherPasses:
    """The frozen teacher's outputs per training step, kept in memory for the next method.

    KD, CAL and OPTICAL trained in one process on the same bitext, seed and batch size see the
    same batches, and the teacher is frozen (no dropout, no gradient): its forward pass on a
    step's English side is the same for all three, so it runs once.  One set of passes is kept
    (the last key asked for), up to ``limit_bytes``; past that, steps are computed as before.
    """

    def __init__(self, limit_bytes: int = 1 << 30):
        self.limit_bytes = limit_bytes
        self.key: tuple | None = None
        self.passes: dict[int, EncodedBatch] = {}
        self.bytes = 0
        self.hits = 0

    def entry(self, key: tuple) -> TeacherPasses:
        if key != self.key:
            self.key, self.passes, self.bytes = key, {}, 0
        return self

    def missing(self, steps: range) -> bool:
        """Whether some of ``steps`` has no kept pass (the teacher must then be loaded to run)."""
        return any(step not in self.passes for step in steps)

    def get(self, step: int) -> EncodedBatch | None:
        found = self.passes.get(step)
        self.hits += found is not None
        return found

    def put(self, step: int, passes: EncodedBatch) -> None:
        size = sum(t.element_size() * t.nelement() for t in (passes.pooled, passes.tokens, passes.content_mask))
        if self.bytes + size <= self.limit_bytes:
            self.passes[step] = passes
            self.bytes += size


TEACHER_PASSES = TeacherPasses()
