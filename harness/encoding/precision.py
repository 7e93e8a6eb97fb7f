"""Numeric precision of encoding and training: fp32, bf16 or int8, chosen per profile and device.

* ``fp32``: the weights as loaded.
* ``bf16``: encoding casts the weights to bfloat16 (``model.to(torch.bfloat16)``;
  pooling and the stored vectors stay float32); training runs the forward
  passes under ``torch.autocast(dtype=torch.bfloat16)`` with float32 master
  weights and optimizer state.  On CPU it needs the AVX-512-BF16 or AMX
  instructions (oneDNN's bf16 kernels); elsewhere it is refused, never
  emulated silently.
* ``int8`` (encoding only, CPU only): dynamic quantisation of every linear
  layer through torchao (``Int8DynamicActivationInt8WeightConfig``: int8
  weights per output channel, activations quantised per token at run time),
  the maintained successor of ``torch.ao.quantization.quantize_dynamic``.
  Needs the ``int8`` extra (``pip install -e '.[int8]'``).

Which precision a run uses by default is data: ``Profile.encode_precision``
and ``Profile.train_precision`` (CPU preference lists: the first this CPU runs
natively) and ``GPU_ENCODE_PRECISION``/``GPU_TRAIN_PRECISION``; BENCHMARKS.md ("Encoding precision") gives
the measurements behind the CPU default: the fastest precision whose vectors
keep a mean cosine >= 0.999 to fp32 on every passage set and every MAP cell
within 0.003 of fp32.  The precision used is recorded in each run's sidecar
and in the leaderboard's footnotes.
"""

from __future__ import annotations

import contextlib
from functools import cache
from typing import TYPE_CHECKING

from harness.errors import UsageError

if TYPE_CHECKING:
    import torch

ENCODE_PRECISIONS = ("fp32", "bf16", "int8")
TRAIN_PRECISIONS = ("fp32", "bf16")
GPU_ENCODE_PRECISION = "bf16"
GPU_TRAIN_PRECISION = "bf16"

# What each precision puts into the embedding cache's fingerprint.  fp32 and bf16 keep the
# labels the cache used before precisions were an option, so existing vectors stay valid.
CACHE_LABELS = {"fp32": "torch.float32", "bf16": "torch.bfloat16", "int8": "int8:torchao-dynamic-a8w8"}


@cache
def cpu_has_bf16() -> bool:
    """Whether this CPU has native bf16 matrix kernels (oneDNN: AVX-512-BF16 or AMX)."""
    import torch

    check = getattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", None)
    return bool(check and check())


def runs_natively(precision: str, device: str) -> bool:
    """Whether ``device`` runs ``precision`` with native kernels (int8: CPU only; bf16 on CPU: AVX-512-BF16/AMX)."""
    if precision == "int8":
        return device == "cpu"
    if precision == "bf16" and device == "cpu":
        return cpu_has_bf16()
    return True


def resolve(requested: str | None, device: str, *, training: bool, profile_default: str | tuple[str, ...]) -> str:
    """The precision a run uses: ``requested``, or the default for ``device``.

    ``profile_default`` is the profile's CPU preference list: the first precision this CPU runs
    natively (fp32 always does).  A requested precision the device cannot run natively raises
    UsageError (one line, with the fix); it is never emulated.
    """
    choices = TRAIN_PRECISIONS if training else ENCODE_PRECISIONS
    what = "train_precision" if training else "precision"
    if requested is None:
        if device == "cuda":
            return GPU_TRAIN_PRECISION if training else GPU_ENCODE_PRECISION
        preferences = (profile_default,) if isinstance(profile_default, str) else tuple(profile_default)
        return next((p for p in preferences if p in choices and runs_natively(p, device)), "fp32")
    if requested not in choices:
        raise UsageError(f"{what} must be one of {', '.join(choices)}, not {requested!r}")
    if requested == "int8" and device != "cpu":
        raise UsageError(f"precision=int8 is a CPU path (torchao dynamic quantisation); on {device} use bf16 or fp32")
    if not runs_natively(requested, device):
        raise UsageError(f"{what}=bf16: this CPU has no native bf16 kernels (AVX-512-BF16/AMX); use --set <method>.{what}=fp32")
    return requested


def prepare_for_inference(model: torch.nn.Module, precision: str, device: str) -> torch.nn.Module:
    """``model`` on ``device`` in eval mode at ``precision`` (a new quantised module for int8)."""
    import torch

    if precision == "bf16":
        return model.to(device, dtype=torch.bfloat16).eval()
    model = model.to(device, dtype=torch.float32).eval()
    if precision == "int8":
        quantize = _torchao_int8()
        quantize(model)
    return model


def _torchao_int8():
    from harness.models.resolve import quiet_optional_kernel_logs

    quiet_optional_kernel_logs()
    try:
        from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_
    except ImportError as exc:
        raise UsageError(f"precision=int8 needs torchao ({exc}); install it: pip install -e '.[int8]'") from None
    return lambda model: quantize_(model, Int8DynamicActivationInt8WeightConfig())


def training_autocast(precision: str, device: str) -> contextlib.AbstractContextManager:
    """The autocast context of a training step: bf16 forward passes, fp32 master weights."""
    import torch

    if precision == "bf16":
        return torch.autocast(device, dtype=torch.bfloat16)
    return torch.autocast(device, enabled=False)
