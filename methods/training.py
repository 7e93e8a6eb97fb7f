"""The distillation training loop shared by KD, CAL and OPTICAL: plan, batches, student cache.

A frozen teacher (English) and a trainable student (initialised from the
profile's student) see the same bitext batches in the same order; the three
methods differ only in their objective, so the comparison is fair by
construction.

Trained students are cached under ``$HARNESS_CACHE/students/<method>/<key>``,
keyed by everything that determines them (objective parameters, training
plan, teacher and student weights, bitext), and trained once for all pairs;
one process trains a given student at a time (``harness/cache/lock.py``), a
second waits and reuses it.  Training checkpoints every ``checkpoint_every``
steps and resumes from the last checkpoint after an interruption; a checkpoint is safetensors
and JSON, never a pickle (``methods/checkpoint.py``).

``train_precision`` runs the forward passes in fp32 or under bf16 autocast
(fp32 master weights; ``harness/encoding/precision.py``).  The frozen teacher's passes
over a step's English side run on torch or, on CPU, on OpenVINO (``teacher_runtime``) and
are kept in memory (``methods/passes.py``), so the second and third method trained in one
run on the same batches do not run the teacher again; the students are bit-identical
either way.

On CPU the number of torch threads changes the float sums of the backward pass,
so a student trained with another thread count is a (slightly) different
student: training uses :func:`training_threads` threads, the student's
``training.json`` records how many, and the run's sidecar reports them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from harness.cache import integrity as cache_integrity
from harness.cache.integrity import is_saved_model_file
from harness.files.atomic import atomic_open, atomic_write_text, write_failure
from harness.files.leftovers import sweep
from harness.cache.lock import artifact_lock
from harness.errors import HarnessError, UsageError
from harness.models import resolve_model
from harness.files.paths import cache_dir
from harness.method.profiles import get_profile
from methods import checkpoint
from methods.passes import TEACHER_PASSES, EncodedBatch, Teacher, encode_batch

if TYPE_CHECKING:  # torch and the encoders load when a student is trained, not on import
    import torch

CPU_DEFAULTS = {"steps": 150, "batch_size": 16}
GPU_DEFAULTS = {"steps": 2000, "batch_size": 64}


# An objective maps (teacher on English, student on target, student on English or None) to a scalar loss.
Objective = Callable[[EncodedBatch, EncodedBatch, EncodedBatch | None, Mapping[str, Any]], "torch.Tensor"]


@dataclass(frozen=True)
class TrainingPlan:
    steps: int
    batch_size: int
    learning_rate: float
    warmup_steps: int
    max_length: int
    seed: int
    freeze_word_embeddings: bool
    checkpoint_every: int
    device: str
    precision: str = "fp32"  # forward passes: fp32, or bf16 autocast with fp32 master weights
    teacher_runtime: str = "torch"  # the frozen teacher's passes: torch, or openvino (CPU) at ``precision``

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> TrainingPlan:
        import torch

        from harness.encoding import precision, runtime

        device = "cuda" if torch.cuda.is_available() else "cpu"
        profile = get_profile(params["profile"])
        train_precision = precision.resolve(params["train_precision"], device, training=True,
                                            profile_default=profile.train_precision)
        defaults = GPU_DEFAULTS if device == "cuda" else CPU_DEFAULTS
        freeze = params["freeze_word_embeddings"]
        return cls(
            steps=int(params["steps"] or defaults["steps"]),
            batch_size=int(params["train_batch_size"] or defaults["batch_size"]),
            learning_rate=float(params["learning_rate"]),
            warmup_steps=int(params["warmup_steps"]),
            max_length=int(params["max_length"]),
            seed=int(params["seed"]),
            # The 96M-parameter word-embedding matrix is most of e5-small: frozen by default on CPU.
            freeze_word_embeddings=(device == "cpu") if freeze is None else bool(freeze),
            checkpoint_every=int(params["checkpoint_every"]),
            device=device,
            precision=train_precision,
            teacher_runtime=runtime.resolve_teacher(params["teacher_runtime"], device, train_precision, profile.teacher_runtime),
        )

    def key(self) -> dict[str, Any]:
        """The plan as part of a student's cache key; students trained before precisions and teacher runtimes
        existed (fp32, teacher on torch) keep theirs."""
        material = asdict(self)
        if self.precision == "fp32":
            del material["precision"]
        if self.teacher_runtime == "torch":
            del material["teacher_runtime"]
        return material


def batch_indices(step: int, size: int, total: int, seed: int) -> np.ndarray:
    """Bitext rows of one step: a fresh seeded permutation per epoch, so resuming needs no RNG state."""
    per_epoch = max(total // size, 1)
    epoch, k = divmod(step, per_epoch)
    order = np.random.default_rng([seed, epoch]).permutation(total)
    return order[k * size : (k + 1) * size]


def plot_losses(losses: Sequence[float], title: str) -> bytes:
    """The loss curve as PNG bytes (written by the caller, atomically)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 3.2), dpi=100)
    axis.plot(range(1, len(losses) + 1), losses, linewidth=1)
    axis.set_xlabel("step")
    axis.set_ylabel("training loss")
    axis.set_title(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


@dataclass(frozen=True)
class TrainedStudent:
    folder: Path  # save_pretrained folder of the student
    losses: tuple[float, ...]
    fingerprint: str  # what its weights are: the training key
    cpu_threads: int | None = None  # torch threads it was trained with on CPU (None: GPU, or not recorded)


TRAIN_THREADS_ENV = "HARNESS_TRAIN_THREADS"


def training_threads() -> int:
    """torch threads for training on CPU: ``$HARNESS_TRAIN_THREADS``, else torch's current setting.

    ``--executor ray`` sets the variable to the driver's count for its training tasks, so a student
    trained on a worker is the one a local run would train (the thread count changes the float
    sums of the backward pass).  Raises UsageError for a value that is not a whole number >= 1.
    """
    import torch

    value = os.environ.get(TRAIN_THREADS_ENV)
    if not value:
        return torch.get_num_threads()
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"{TRAIN_THREADS_ENV}={value!r}: expected a whole number of threads, at least 1")
    return int(value)


def train_student(
    name: str, objective: Objective, objective_params: Mapping[str, Any], teacher_ref: str, student_ref: str,
    bitext: Sequence[tuple[str, str]], plan: TrainingPlan, description: Mapping[str, Any],
    observe: Callable[[int, Any, Any], None] | None = None,
) -> TrainedStudent:
    """Train (or load the cached) student for ``objective`` on ``bitext``; deterministic for a seed on CPU.

    ``observe(step, student, tokenizer)``, if given, is called at every checkpoint step and at the
    end (the learning-curve benchmark evaluates the student there); it must not change the student.
    """
    from harness.encoding.recipe import weights_fingerprint

    key_material = {
        "method": name, "objective": dict(objective_params), "plan": plan.key(), "description": dict(description),
        "teacher": weights_fingerprint(resolve_model(teacher_ref)), "student": weights_fingerprint(resolve_model(student_ref)),
        "bitext": hashlib.sha256("\n".join(f"{e}\t{t}" for e, t in bitext).encode()).hexdigest(),
    }
    key = hashlib.sha256(json.dumps(key_material, sort_keys=True).encode()).hexdigest()[:20]
    folder = cache_dir("students", name, key)
    cached = _cached_student(folder, f"student:{name}:{key}")
    if cached is not None:
        return cached
    # One trainer per student across processes (--executor ray): a second one waits, then reuses.
    with artifact_lock(folder, f"student {name} {key}"):
        cached = _cached_student(folder, f"student:{name}:{key}")
        if cached is not None:
            return cached
        return _train(name, objective, objective_params, teacher_ref, student_ref, bitext, plan, folder, key, key_material, observe)


def _cached_student(folder: Path, fingerprint: str) -> TrainedStudent | None:
    """The finished student in ``folder`` if it passes its manifest; a failing one is removed, with one line."""
    final = folder / "final"
    if (final / "config.json").is_file() and (folder / "losses.tsv").is_file():
        why = cache_integrity.verify_manifest(folder)  # final/* and losses.tsv, against their sha256
        if why is None:
            losses = tuple(float(line.split("\t")[1]) for line in (folder / "losses.tsv").read_text().splitlines()[1:])
            try:
                threads = json.loads((folder / "training.json").read_text()).get("cpu_threads")
            except (OSError, ValueError):
                threads = None  # recorded only since the thread count is; the weights were checked above
            return TrainedStudent(final, losses, fingerprint, threads)
        cache_integrity.remove_own(final, is_saved_model_file, "trained student", why)  # only files it wrote
        cache_integrity.report(f"trained student {folder}: {why}; training it again")
        (folder / "losses.tsv").unlink(missing_ok=True)
    return None


def _train(name, objective, objective_params, teacher_ref, student_ref, bitext, plan, folder, key, key_material, observe):
    import torch

    final = folder / "final"
    threads = training_threads() if plan.device == "cpu" else None
    # The thread count is recorded, not keyed: students made before it was recorded stay valid.
    record = key_material | ({"cpu_threads": threads} if threads else {})
    sweep(folder, recursive=False)  # temporary files a killed trainer left (harness/files/leftovers.py)
    atomic_write_text(folder / "training.json", json.dumps(record, indent=2, sort_keys=True) + "\n")
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        losses = _steps(name, objective, objective_params, teacher_ref, student_ref, bitext, plan, folder, key_material, observe)
    finally:
        torch.set_num_threads(previous)
    return TrainedStudent(final, tuple(losses), f"student:{name}:{key}", threads)


def _steps(name, objective, objective_params, teacher_ref, student_ref, bitext, plan, folder, key_material, observe) -> list[float]:
    """Train, checkpoint, save the student into ``folder/final``; returns the losses."""
    import torch
    from tqdm.auto import tqdm

    from harness.encoding.recipe import recipe_for
    from harness.models import load_model
    from harness.models.resolve import quiet_transformers
    from harness.encoding.precision import training_autocast
    from safetensors import SafetensorError

    final = folder / "final"
    torch.manual_seed(plan.seed)
    teacher, teacher_tokenizer, teacher_resolved = load_model(teacher_ref)
    student, student_tokenizer, _ = load_model(student_ref)
    recipe = recipe_for(teacher_resolved)  # the student learns to answer in the teacher's space
    teacher.to(plan.device).eval().requires_grad_(False)
    student.to(plan.device).train()
    if plan.freeze_word_embeddings:
        student.get_input_embeddings().weight.requires_grad_(False)
    trainable = [p for p in student.parameters() if p.requires_grad]
    trainable_names = {name for name, p in student.named_parameters() if p.requires_grad}
    optimizer = torch.optim.AdamW(trainable, lr=plan.learning_rate, weight_decay=0.01)
    from transformers import get_linear_schedule_with_warmup

    scheduler = get_linear_schedule_with_warmup(optimizer, plan.warmup_steps, plan.steps)
    # Resume where an interrupted run stopped: safetensors and JSON, never a pickle (methods/checkpoint.py).
    resumed = checkpoint.load(folder, plan.steps, student, trainable_names, optimizer, scheduler)
    start, losses = (resumed.step, resumed.losses) if resumed is not None else (0, [])

    english = [e for e, _ in bitext]
    target = [t for _, t in bitext]
    needs_student_english = getattr(objective, "uses_student_english", False)
    teacher_passes = TEACHER_PASSES.entry(
        (key_material["teacher"], json.dumps(asdict(recipe), sort_keys=True), key_material["bitext"], plan.batch_size,
         plan.seed, plan.max_length, plan.device, plan.precision, plan.teacher_runtime)
    )
    # Built (for OpenVINO: converted and compiled) outside the autocast, and only when a pass is not kept.
    run_teacher = (Teacher(teacher, teacher_tokenizer, recipe, plan.max_length, plan.device, plan.teacher_runtime, plan.precision)
                   if teacher_passes.missing(range(start, plan.steps)) else None)
    for step in tqdm(range(start, plan.steps), initial=start, total=plan.steps, desc=f"train {name}", unit="step", leave=False, disable=None):
        rows = batch_indices(step, plan.batch_size, len(bitext), plan.seed)
        with training_autocast(plan.precision, plan.device):
            teacher_side = teacher_passes.get(step)
            if teacher_side is None:
                teacher_side = run_teacher([english[i] for i in rows])
                teacher_passes.put(step, teacher_side)
            student_target = encode_batch(student, student_tokenizer, [target[i] for i in rows], recipe, plan.max_length, plan.device)
            student_english = (
                encode_batch(student, student_tokenizer, [english[i] for i in rows], recipe, plan.max_length, plan.device)
                if needs_student_english else None
            )
            loss = objective(teacher_side, student_target, student_english, objective_params)
        if not torch.isfinite(loss):
            raise HarnessError(f"{name}: training loss is {loss.item()} at step {step + 1}; lower learning_rate or check the bitext")
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        if observe is not None and ((step + 1) % plan.checkpoint_every == 0 or step + 1 == plan.steps):
            student.eval()
            observe(step + 1, student, student_tokenizer)
            student.train()
        if (step + 1) % plan.checkpoint_every == 0 and step + 1 < plan.steps:
            checkpoint.save(folder, step + 1, losses, student, trainable_names, optimizer, scheduler)

    partial = folder / "final.partial"
    cache_integrity.remove_own(partial, is_saved_model_file, "unfinished student")
    try:
        with quiet_transformers():  # no "Writing model shards" bar for a one-second save
            student.eval().save_pretrained(partial)
            student_tokenizer.save_pretrained(partial)
        cache_integrity.remove_own(final, is_saved_model_file, "trained student")
        partial.rename(final)
        atomic_write_text(folder / "losses.tsv", "step\tloss\n" + "".join(f"{i}\t{v!r}\n" for i, v in enumerate(losses, 1)))
        with atomic_open(folder / "losses.png", "wb") as handle:
            handle.write(plot_losses(losses, f"{name}: {plan.steps} steps, batch {plan.batch_size}"))
        # Last: the checksums that every later reuse verifies.
        cache_integrity.write_manifest(folder, [f"final/{p.name}" for p in final.iterdir() if p.is_file()] + ["losses.tsv"])
    except OSError as error:
        raise write_failure(error.filename or partial, error) from None
    except SafetensorError as error:  # safetensors' own error around an OSError (a full disk)
        raise write_failure(partial / "model.safetensors", error) from None
    checkpoint.discard(folder)
    return losses
