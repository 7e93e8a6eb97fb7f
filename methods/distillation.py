"""Distillation on bitext: the retriever shared by KD, CAL and OPTICAL.

At retrieval time the teacher encodes the English queries and the student,
trained on bitext by ``methods/training.py`` (one loop for the three methods,
which differ only in their objective), encodes the target-language passages.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.data.collections import Topics
from harness.data.pairs import PAIRS, LanguagePair
from harness.errors import HarnessError
from harness.method import SkipReason, Unavailable
from harness.models import resolve_model
from harness.method.profiles import get_profile
from methods.mdpr import ENCODER_DEFAULTS, PASSAGE_DEFAULTS, DenseRetriever
from methods.training import EncodedBatch, Objective, TrainedStudent, TrainingPlan, train_student

if TYPE_CHECKING:  # the encoders load when a student is used, not on import
    from harness.encoding.encoder import Encoder

__all__ = ["TRAINING_DEFAULTS", "DistilledRetriever", "EncodedBatch", "distillation_defaults"]


TRAINING_DEFAULTS = {
    "profile": "small",
    "teacher": None,  # None: the profile's teacher
    "student": None,  # None: the profile's student
    "languages": "all",  # "all": one student for the seven languages; "per-language": one per pair
    "bitext": "all",  # "all" or one domain: tico19, flores+sib200, tatoeba (harness/bitext/selection.py)
    "bitext_pairs": None,  # None: every pair; else a sample of this many at the seed (equal-size domains)
    "held_out": "ntrex",  # or "ntrex+sib200-test": no SIB-200 test sentence in training (classification study)
    "steps": None,  # None: 150 on CPU, 2000 on GPU
    "train_batch_size": None,  # None: 16 on CPU, 64 on GPU
    "learning_rate": 5e-5,
    "warmup_steps": 10,
    "max_length": 64,
    "seed": 13,
    "freeze_word_embeddings": None,  # None: frozen on CPU, trained on GPU
    "checkpoint_every": 50,
    "train_precision": None,  # None: the profile's on CPU (fp32), bf16 on GPU
    "teacher_runtime": None,  # None: the profile's with bf16 training on CPU, torch otherwise
    "batch_size": 32,  # encoding batch at retrieval time
    "search": "auto",
    **PASSAGE_DEFAULTS,  # passage_windows, window_stride: long passages at retrieval time
    **ENCODER_DEFAULTS,  # precision: encoding precision at retrieval time
}


class DistilledRetriever(DenseRetriever):
    """Teacher encodes queries, the distilled student encodes passages."""

    objective: Objective  # set by each method's subclass
    objective_keys: tuple[str, ...] = ()  # parameters of the objective, part of the student's cache key

    def references(self) -> tuple[str, str]:
        profile = get_profile(self.params["profile"])
        return self.params["teacher"] or profile.teacher, self.params["student"] or profile.student

    def _models_unavailable(self) -> SkipReason | None:
        for reference in self.references():
            try:
                resolve_model(reference)
            except HarnessError as exc:
                return SkipReason(f"model {reference} not available here", str(exc))
        return None

    def training_bitext(self, pair: LanguagePair) -> list[tuple[str, str]]:
        from harness.bitext.selection import training_pairs

        langs = [pair.lang] if self.params["languages"] == "per-language" else [p.lang for p in PAIRS.values()]
        return training_pairs(
            langs, self.params["bitext"], self.params["bitext_pairs"], self.params["held_out"], int(self.params["seed"])
        )

    def unavailable_reason(self, topics: Topics) -> SkipReason | None:
        if self.params["languages"] == "per-language" and not topics.pair.trained:
            return SkipReason(f"no training bitext for {topics.pair.language}",
                              f"languages=per-language: no training bitext for {topics.pair.lang} (only the seven "
                              "pairs have some)")
        return self._models_unavailable()

    def train(self) -> TrainedStudent:
        """The student for the chosen bitext: trained now, or the cached one."""
        teacher_ref, student_ref = self.references()
        self.plan = TrainingPlan.from_params(self.params)
        objective_params = {k: self.params[k] for k in self.objective_keys}
        self.student = train_student(
            self.spec.name, type(self).objective, objective_params, teacher_ref, student_ref,
            self.bitext, self.plan, {"languages": self.languages},
        )
        return self.student

    def shared_work(self, topics: Topics) -> str | None:
        """One student per (method, parameters, languages): every pair of a languages=all run shares it."""
        if self.unavailable_reason(topics) is not None:
            return None
        scope = topics.pair.lang if self.params["languages"] == "per-language" else "all"
        return f"student:{self.spec.name}:{scope}:" + hashlib.sha256(json.dumps(self.params, sort_keys=True).encode()).hexdigest()[:16]

    def do_shared_work(self, topics: Topics) -> None:
        self._choose_bitext(topics.pair)
        self.train()

    def load_encoders(self) -> tuple[Encoder, Encoder]:
        from harness.encoding.encoder import shared_encoder

        teacher_ref, student_ref = self.references()
        self.train()
        batch_size, precision, runtime = int(self.params["batch_size"]), self.precision(), self.runtime()
        teacher = shared_encoder(teacher_ref, batch_size, precision=precision, runtime=runtime)
        # The student answers in the teacher's space: same pooling and prefixes.
        student = shared_encoder(str(self.student.folder), batch_size, teacher.recipe, self.student.fingerprint, precision,
                                 runtime)
        return teacher, student

    def resolved(self, topics: Topics) -> dict[str, Any]:
        plan = TrainingPlan.from_params(self.params)
        return super().resolved(topics) | {"train_precision": plan.precision, "teacher_runtime": plan.teacher_runtime}

    def prepare(self, topics: Topics) -> None:
        self._choose_bitext(topics.pair)
        super().prepare(topics)

    def _choose_bitext(self, pair: LanguagePair) -> None:
        self.bitext = self.training_bitext(pair)
        if not self.bitext:
            raise Unavailable(f"no training bitext for {pair.lang}")
        self.languages = pair.lang if self.params["languages"] == "per-language" else "all"

    def encoders(self, pair: LanguagePair) -> tuple[Encoder, Encoder]:
        """(teacher, student) for ``pair``: the student trained (or taken from the cache) as a run would."""
        self._choose_bitext(pair)
        return self.load_encoders()

    def provenance(self) -> dict:
        return {
            "model": self.query_encoder.describe(),
            "student": {"folder": str(self.student.folder), "fingerprint": self.student.fingerprint},
            "profile": self.params["profile"],
            "passages": self.passage_report,
            "training": asdict(self.plan) | {"bitext_pairs": len(self.bitext), "languages": self.languages,
                                             "cpu_threads": self.student.cpu_threads,
                                             "final_loss": self.student.losses[-1] if self.student.losses else None},
        }

    def artifacts(self) -> dict[str, Path]:
        folder = self.student.folder.parent
        return {"loss.tsv": folder / "losses.tsv", "loss.png": folder / "losses.png"}


def distillation_defaults(**objective_defaults: Any) -> dict[str, Any]:
    return TRAINING_DEFAULTS | objective_defaults
