"""Every method parameter, declared once as data: its type, its allowed values, one line of help.

``MethodSpec`` refuses a default that is not declared here, and ``MethodSpec.parameters``
checks every override against its declaration when the command line is parsed, before any
work: a bad value is one line naming the method, the parameter, the value and what is allowed.
A single string given for a list parameter becomes a one-element list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from harness.errors import UsageError


@dataclass(frozen=True)
class Param:
    kind: str  # "int", "float", "bool", "str", "choice", "str-list"
    help: str
    minimum: float | None = None  # inclusive
    maximum: float | None = None  # inclusive
    exclusive_minimum: bool = False
    choices: tuple[str, ...] = ()
    nullable: bool = False  # None means "the default of the profile/device", documented in help

    def allowed(self) -> str:
        if self.kind == "choice":
            text = "one of " + ", ".join(self.choices)
        elif self.kind in ("int", "float"):
            low = "" if self.minimum is None else f"{'>' if self.exclusive_minimum else '>='} {self.minimum:g}"
            high = "" if self.maximum is None else f"<= {self.maximum:g}"
            kind = "an integer" if self.kind == "int" else "a number"
            text = " ".join(p for p in (kind, low, "and" if low and high else "", high) if p)
        elif self.kind == "bool":
            text = "true or false"
        elif self.kind == "str-list":
            text = "one value or a comma list"
        else:
            text = "a string"
        return text + (", or null" if self.nullable else "")

    def check(self, value: Any) -> Any:
        """The value, normalised; raises ValueError with what is allowed."""
        if value is None and self.nullable:
            return None
        if self.kind == "str-list":
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, (list, tuple)) or not values or not all(isinstance(v, str) and v for v in values):
                raise ValueError(self.allowed())
            return list(values)
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(self.allowed())
            return value
        if self.kind == "str":
            if not isinstance(value, str) or not value:
                raise ValueError(self.allowed())
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(self.allowed())
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(self.allowed())
        if self.kind == "int" and (not float(value).is_integer()):
            raise ValueError(self.allowed())
        number = int(value) if self.kind == "int" else float(value)
        if not math.isfinite(number):
            raise ValueError(self.allowed())
        if self.minimum is not None and (number < self.minimum or (self.exclusive_minimum and number == self.minimum)):
            raise ValueError(self.allowed())
        if self.maximum is not None and number > self.maximum:
            raise ValueError(self.allowed())
        return number


def _profiles() -> tuple[str, ...]:
    from harness.method.profiles import PROFILES

    return tuple(PROFILES)


PARAMETERS: dict[str, Param] = {
    # shared
    "profile": Param("choice", "models and translator list (harness/method/profiles.py)", choices=("small", "paper")),
    # BM25
    "k1": Param("float", "BM25 term-frequency saturation", minimum=0),
    "b": Param("float", "BM25 length normalisation", minimum=0, maximum=1),
    "translator": Param("str-list", "translator preference list (specs such as precomputed:nllb); null: the profile's", nullable=True),
    "translator_choice": Param("choice", "how the preference list picks per pair", choices=("most-pairs", "first")),
    # dense encoding and search
    "model": Param("str", "the bi-encoder (hub id or local path); null: the profile's retriever", nullable=True),
    "batch_size": Param("int", "encoding batch size", minimum=1),
    "search": Param("choice", "top-k search backend", choices=("auto", "exact", "faiss")),
    "passage_windows": Param("choice", "passages over the encoder's limit: truncate (default), or maxp: overlapping windows, a document scores its best (Dai & Callan 2019)", choices=("truncate", "maxp")),
    "precision": Param("choice", "encoding precision; null: the profile's on CPU, bf16 on GPU (harness/encoding/precision.py)",
                       choices=("fp32", "bf16", "int8"), nullable=True),
    "runtime": Param("choice", "encoders' inference runtime; null: the profile's on CPU, torch on GPU and for int8 (harness/encoding/runtime.py)",
                     choices=("torch", "openvino"), nullable=True),
    "window_stride": Param("int", "maxp: text tokens between window starts; null (default): half a window", minimum=1, nullable=True),
    # distillation
    "teacher": Param("str", "frozen teacher; null: the profile's", nullable=True),
    "student": Param("str", "student initialisation; null: the profile's", nullable=True),
    "languages": Param("choice", "one student for all pairs, or one per pair", choices=("all", "per-language")),
    "bitext": Param("choice", "training bitext: every source, or one domain",
                    choices=("all", "tico19", "flores+sib200", "tatoeba")),
    "bitext_pairs": Param("int", "train on a sample of this many bitext pairs (at the seed); null: all", minimum=1,
                          nullable=True),
    "held_out": Param("choice", "sentences kept out of training besides NTREX", choices=("ntrex", "ntrex+sib200-test")),
    "steps": Param("int", "training steps; null: 150 on CPU, 2000 on GPU", minimum=1, nullable=True),
    "train_batch_size": Param("int", "bitext pairs per step; null: 16 on CPU, 64 on GPU", minimum=2, nullable=True),
    "learning_rate": Param("float", "AdamW learning rate", minimum=0, exclusive_minimum=True),
    "warmup_steps": Param("int", "linear warm-up steps", minimum=0),
    "max_length": Param("int", "tokens per bitext sentence in training", minimum=2),
    "seed": Param("int", "training seed", minimum=0),
    "freeze_word_embeddings": Param("bool", "freeze the word embeddings; null: frozen on CPU", nullable=True),
    "train_precision": Param("choice", "training forward passes: fp32, or bf16 autocast with fp32 weights; null: the profile's on CPU, bf16 on GPU",
                             choices=("fp32", "bf16"), nullable=True),
    "teacher_runtime": Param("choice", "the frozen teacher's passes in training: torch, or openvino (CPU) at the training precision; "
                             "null: the profile's with bf16 training on CPU, torch otherwise", choices=("torch", "openvino"), nullable=True),
    "checkpoint_every": Param("int", "steps between checkpoints", minimum=1),
    # fusion
    "members": Param("str-list", "fusion: the registered methods whose saved runs are fused"),
    "fusion": Param("choice", "fusion: reciprocal-rank fusion or CombSUM of normalised scores", choices=("rrf", "combsum")),
    "rrf_k": Param("int", "fusion: RRF's k (score 1 / (k + rank))", minimum=1),
    "normalisation": Param("choice", "fusion (combsum): per-query score normalisation (ranx)",
                           choices=("min-max", "max", "sum", "zmuv")),
    # objectives
    "temperature": Param("float", "CAL: InfoNCE temperature", minimum=0, exclusive_minimum=True),
    "direction": Param("choice", "CAL: which side is the InfoNCE anchor",
                       choices=("teacher-to-student", "student-to-teacher", "symmetric")),
    "ot_reg": Param("float", "OPTICAL: entropic regularisation of the transport plan", minimum=0, exclusive_minimum=True),
    "ot_iterations": Param("int", "OPTICAL: Sinkhorn iterations", minimum=1),
    "ot_tolerance": Param("float", "OPTICAL: Sinkhorn stopping tolerance", minimum=0, exclusive_minimum=True),
    "sentence_kd_weight": Param("float", "OPTICAL: weight of an added sentence-level KD term", minimum=0),
}


def undeclared(names) -> list[str]:
    return sorted(set(names) - set(PARAMETERS))


def check_value(method: str, name: str, value: Any) -> Any:
    """``value`` normalised, or UsageError naming the method, parameter, value and what is allowed."""
    declared = PARAMETERS[name]
    if name == "profile":
        declared = Param("choice", declared.help, choices=_profiles())
    try:
        return declared.check(value)
    except ValueError as exc:
        raise UsageError(f"{method}.{name}={value!r}: expected {exc}") from None
