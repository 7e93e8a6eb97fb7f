"""Training checkpoints as data only: tensors in safetensors, everything else in JSON; never a pickle.

A checkpoint is the folder ``<student folder>/checkpoint/``:

* ``tensors.safetensors``: the trainable weights (``student/<name>``), the optimizer's per-parameter
  state (``optimizer/<index>/<key>``, e.g. AdamW's ``exp_avg``) and torch's RNG state
  (``rng/torch``, a uint8 tensor; ``rng/cuda/<device>`` on GPU);
* ``state.json``: the step, the losses so far, the scheduler's and the optimizer's plain settings
  (learning rates, betas, ...), and the RNG states of Python's ``random`` and numpy's global
  generator (both plain lists of integers);
* ``.harness-manifest.json``: size and sha256 of both (``harness.cache.integrity``), written last.

It is built in a temporary folder and renamed into place.  Reading it can run no code: safetensors
holds only a JSON header and raw tensor bytes, and ``state.json`` is parsed by ``json``.  The sha256
manifest catches damage, not forgery (whoever can write the checkpoint can write its manifest):
what protects a shared cache is who may write it, see "What a shared cache trusts" in
``harness/CACHE.md``.  :func:`load` checks every field against the training it resumes (names,
shapes and dtypes of the tensors, the step against the plan, the optimizer's parameter groups)
and returns None, with one line, for anything else; training then restarts from step 0.

``checkpoint.pt`` (a pickle, the format before this one) is never loaded: it is renamed to
``checkpoint.pt.refused`` with one line, and training restarts from step 0.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from harness.cache import integrity as cache_integrity
from harness.files.atomic import atomic_open, atomic_write_text, current_umask, write_failure

if TYPE_CHECKING:
    import torch

FOLDER = "checkpoint"
TENSORS = "tensors.safetensors"
STATE = "state.json"
FORMAT, VERSION = "harness-training-checkpoint", 1
LEGACY = "checkpoint.pt"
REFUSED_SUFFIX = ".refused"


@dataclass
class Resumed:
    step: int
    losses: list[float]


def save(folder: Path, step: int, losses: list[float], student, trainable_names: set[str], optimizer, scheduler) -> Path:
    """Write the checkpoint of ``step`` into ``folder/checkpoint`` (replacing the previous one); returns it."""
    import torch
    from safetensors.torch import save as safetensors_bytes

    tensors: dict[str, torch.Tensor] = {}
    for name, value in student.state_dict().items():
        if name in trainable_names:  # only what training changes: the frozen word embeddings alone are 384 MB
            tensors[f"student/{name}"] = value.detach().to("cpu").clone().contiguous()
    optimizer_state = optimizer.state_dict()
    plain_state: dict[str, dict[str, Any]] = {}
    for index, entries in optimizer_state["state"].items():
        for key, value in entries.items():
            if isinstance(value, torch.Tensor):
                tensors[f"optimizer/{index}/{key}"] = value.detach().to("cpu").clone().contiguous()
            else:
                plain_state.setdefault(str(index), {})[key] = value
    tensors["rng/torch"] = torch.get_rng_state()
    if torch.cuda.is_available():
        for device, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng/cuda/{device}"] = state
    python_state = random.getstate()
    numpy_state = np.random.get_state()
    state = {
        "format": FORMAT, "version": VERSION, "step": step, "losses": list(losses),
        "scheduler": scheduler.state_dict(),
        "optimizer": {"param_groups": optimizer_state["param_groups"], "plain_state": plain_state},
        "rng": {
            "python": [python_state[0], list(python_state[1]), python_state[2]],
            "numpy": [numpy_state[0], numpy_state[1].tolist(), *(v.item() if hasattr(v, "item") else v for v in numpy_state[2:])],
        },
    }
    target = folder / FOLDER
    staging = Path(tempfile.mkdtemp(prefix=cache_integrity.temporary_prefix(FOLDER), suffix=".tmp", dir=folder))
    try:
        with atomic_open(staging / TENSORS, "wb") as handle:
            handle.write(safetensors_bytes(tensors, metadata={"format": "pt"}))
        atomic_write_text(staging / STATE, json.dumps(state, sort_keys=True) + "\n")
        cache_integrity.write_manifest(staging)
        os.chmod(staging, 0o777 & ~current_umask())  # mkdtemp makes it private; a shared cache stays readable
        cache_integrity.remove_own(target, _own, "training checkpoint")  # the previous step's: only its own files
        os.replace(staging, target)
    except OSError as error:
        raise write_failure(getattr(error, "filename", None) or staging, error) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _own(name: str) -> bool:
    return name in (TENSORS, STATE)


def discard(folder: Path) -> None:
    """Remove the checkpoint of a finished training (only the files a checkpoint is made of)."""
    target = folder / FOLDER
    if target.is_dir():
        cache_integrity.remove_own(target, _own, "training checkpoint")


def load(folder: Path, plan_steps: int, student, trainable_names: set[str], optimizer, scheduler) -> Resumed | None:
    """Restore the checkpoint in ``folder`` into the student, optimizer, scheduler and RNGs.

    Returns the step and losses to resume from, or None (train from step 0): no checkpoint, or one
    that fails its manifest or does not fit this training (reported in one line and removed).  A
    ``checkpoint.pt`` (pickle) is never read: it is set aside with one line.
    """
    refuse_legacy(folder)
    cache_integrity.remove_leftovers(folder, FOLDER)
    target = folder / FOLDER
    if not target.exists():
        return None
    why = cache_integrity.verify_manifest(target, strict=True) if target.is_dir() else "it is not a folder"
    if why is None:
        try:
            return _restore(target, plan_steps, student, trainable_names, optimizer, scheduler)
        except _Unfit as unfit:
            why = str(unfit)
    cache_integrity.remove_own(target, _own, "training checkpoint", why)  # raises, naming a file it did not write
    cache_integrity.report(f"training checkpoint {target}: {why}; training from step 0")
    return None


def refuse_legacy(folder: Path) -> None:
    """Set a pickled ``checkpoint.pt`` (and its ``.sha256``) aside unread, with one line."""
    legacy = folder / LEGACY
    if legacy.exists() or legacy.is_symlink():
        aside = _free_name(legacy.with_name(LEGACY + REFUSED_SUFFIX))  # never over an earlier one: it is evidence
        os.rename(legacy, aside)
        digest = legacy.with_name(LEGACY + ".sha256")
        if digest.exists():
            os.rename(digest, _free_name(aside.with_name(aside.name + ".sha256")))
        cache_integrity.report(
            f"training checkpoint {legacy} is a pickle (the format of older harnesses), which is never loaded "
            f"since unpickling can run code: moved unread to {aside.name}; training from step 0"
        )


def _free_name(path: Path) -> Path:
    """``path``, or ``path.1``, ``path.2``, ... whichever does not exist yet."""
    candidate, n = path, 0
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = path.with_name(f"{path.name}.{n}")
    return candidate


class _Unfit(Exception):
    """The checkpoint does not belong to this training (the message says why)."""


def _restore(target: Path, plan_steps: int, student, trainable_names: set[str], optimizer, scheduler) -> Resumed:
    import torch
    from safetensors import SafetensorError
    from safetensors.torch import load as safetensors_load

    try:
        state = json.loads((target / STATE).read_text(encoding="utf-8"))
        tensors = safetensors_load((target / TENSORS).read_bytes())
    except (OSError, ValueError, SafetensorError) as error:
        raise _Unfit(f"unreadable ({error})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT or state.get("version") != VERSION:
        raise _Unfit(f"{STATE} is not a version {VERSION} {FORMAT}")
    step, losses = state.get("step"), state.get("losses")
    if type(step) is not int or not 0 < step < plan_steps:
        raise _Unfit(f"step {step!r} is not between 1 and {plan_steps - 1}")
    if not isinstance(losses, list) or len(losses) != step or not all(
        type(v) is float and math.isfinite(v) for v in losses
    ):
        raise _Unfit(f"its losses are not {step} finite numbers")
    weights = {k.removeprefix("student/"): v for k, v in tensors.items() if k.startswith("student/")}
    current = {k: v for k, v in student.state_dict().items() if k in trainable_names}
    if weights.keys() != current.keys():
        raise _Unfit(f"its weights are not this student's trainable weights ({len(weights)} vs {len(current)})")
    for name, value in weights.items():
        if value.shape != current[name].shape or value.dtype != current[name].dtype:
            raise _Unfit(f"weight {name} is {tuple(value.shape)} {value.dtype}, expected "
                         f"{tuple(current[name].shape)} {current[name].dtype}")
    rng = tensors.get("rng/torch")
    if rng is None or rng.dtype != torch.uint8 or rng.shape != torch.get_rng_state().shape:
        raise _Unfit("its torch RNG state is missing or malformed")
    try:
        optimizer_state = _optimizer_state(state["optimizer"], tensors)
        python_rng, numpy_rng = state["rng"]["python"], state["rng"]["numpy"]
        python_rng = (python_rng[0], tuple(python_rng[1]), python_rng[2])
        numpy_rng = (numpy_rng[0], np.asarray(numpy_rng[1], dtype=np.uint32), *numpy_rng[2:])
        # Load into copies first: a state that does not fit must leave the training untouched.
        scheduler_state = dict(state["scheduler"])
        snapshot = (optimizer.state_dict(), scheduler.state_dict())
        try:
            optimizer.load_state_dict(optimizer_state)
            scheduler.load_state_dict(scheduler_state)
        except (ValueError, KeyError, TypeError, RuntimeError):
            optimizer.load_state_dict(snapshot[0])
            scheduler.load_state_dict(snapshot[1])
            raise
        random.setstate(python_rng)
        np.random.set_state(numpy_rng)
    except (ValueError, KeyError, TypeError, IndexError, RuntimeError) as error:
        raise _Unfit(f"its optimizer, scheduler or RNG state does not fit this training ({type(error).__name__}: {error})") from None
    student.load_state_dict(weights, strict=False)  # frozen weights are the initial ones
    torch.set_rng_state(rng)
    if torch.cuda.is_available():
        states = [tensors[f"rng/cuda/{d}"] for d in range(torch.cuda.device_count()) if f"rng/cuda/{d}" in tensors]
        if len(states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(states)
    return Resumed(step, [float(v) for v in losses])


def _optimizer_state(saved: dict, tensors: dict) -> dict:
    """The optimizer's state_dict from the JSON part and the ``optimizer/<index>/<key>`` tensors."""
    groups = []
    for group in saved["param_groups"]:
        group = dict(group)
        if isinstance(group.get("betas"), list):
            group["betas"] = tuple(group["betas"])  # JSON has no tuples; AdamW keeps betas as one
        groups.append(group)
    per_param: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        if name.startswith("optimizer/"):
            _, index, key = name.split("/", 2)
            per_param.setdefault(int(index), {})[key] = value
    for index, entries in saved.get("plain_state", {}).items():
        per_param.setdefault(int(index), {}).update(entries)
    return {"state": per_param, "param_groups": groups}
