"""Which inference runtime runs an encoder's forward pass: torch or OpenVINO.

* ``torch``: the transformers model in eager mode at the run's precision
  (``harness/encoding/precision.py``).  Every device, every precision.
* ``openvino`` (CPU, fp32 or bf16): the same weights converted once per
  process with ``openvino.convert_model`` (the model, then the recipe's
  pooling and normalisation, as one graph) and compiled for the CPU with
  ``INFERENCE_PRECISION_HINT`` f32 or bf16, the ``LATENCY`` hint and as many
  threads as torch uses.  OpenVINO fuses attention, LayerNorm and GELU, which
  eager torch runs as separate kernels; on the 2-core Zen 4 CPU of
  BENCHMARKS.md ("Encoding precision") it ran 1.28x torch at bf16 (2.49x sentence-transformers).

Which one a run uses by default is data: ``Profile.encode_runtime`` on CPU,
torch on GPU.  int8 is torchao's, so it runs on torch.  The runtime is
recorded in the sidecar, named in the leaderboard's footnotes and part of
the embedding cache's key (other kernels, other float sums).
"""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING

from harness.errors import HarnessError, UsageError

if TYPE_CHECKING:
    import numpy as np
    import openvino
    import torch

RUNTIMES = ("torch", "openvino")
_OPENVINO_PRECISIONS = {"fp32": "f32", "bf16": "bf16"}


def resolve(requested: str | None, device: str, precision: str, profile_default: str, name: str = "runtime") -> str:
    """The runtime an encoder uses: ``requested``, else the profile's on CPU (torch on GPU and for int8).

    Raises UsageError (one line, with the fix, naming the parameter ``name``) for an unknown runtime,
    OpenVINO off the CPU or at int8, and OpenVINO when the package is missing; never falls back silently.
    """
    if requested is not None and requested not in RUNTIMES:
        raise UsageError(f"{name} must be one of {', '.join(RUNTIMES)}, not {requested!r}")
    if requested is None:
        requested = profile_default if device == "cpu" and precision in _OPENVINO_PRECISIONS else "torch"
    if requested == "openvino":
        if device != "cpu":
            raise UsageError(f"{name}=openvino is a CPU path; on {device} use --set <method>.{name}=torch")
        if precision not in _OPENVINO_PRECISIONS:
            raise UsageError(f"{name}=openvino runs fp32 or bf16, not {precision}; use --set <method>.{name}=torch for {precision}")
        openvino_version(name)  # refuses a missing package before any work
    return requested


def resolve_teacher(requested: str | None, device: str, train_precision: str, profile_default: str) -> str:
    """The runtime of a frozen teacher's passes in training: ``requested``, else the profile's where training
    runs bf16 on CPU, torch otherwise (fp32 training keeps the teacher on torch, so ``train_precision=fp32``
    reproduces the older students).  OpenVINO runs at the training precision.  Raises UsageError as
    :func:`resolve` does, naming ``teacher_runtime``.
    """
    if requested is None:
        return profile_default if device == "cpu" and train_precision == "bf16" else "torch"
    return resolve(requested, device, train_precision, profile_default, name="teacher_runtime")


def openvino_version(name: str = "runtime") -> str:
    try:
        import openvino
    except ImportError as exc:
        raise UsageError(f"{name}=openvino needs the openvino package ({exc}): pip install -e . "
                         f"or --set <method>.{name}=torch") from None
    return openvino.get_version().split("-")[0]


def convert(model: torch.nn.Module, pool=None) -> openvino.Model:
    """``model`` and ``pool`` (``harness.encoding.recipe.pool`` with the recipe bound) as one OpenVINO graph.

    The graph takes ``input_ids`` and ``attention_mask`` ([B, T] int64, any B and T) and returns the
    pooled vectors [B, d] in float32, or with ``pool=None`` the last layer's token vectors [B, T, d]
    (a frozen teacher's passes in training, ``methods/passes.py``); its weights are the model's,
    unchanged (fp32).  The benchmarks convert through this function too, so they measure what the
    harness runs.
    """
    import openvino as ov
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return hidden.float() if pool is None else pool(hidden.float(), attention_mask)

    example = {"input_ids": torch.ones((2, 8), dtype=torch.int64),
               "attention_mask": torch.ones((2, 8), dtype=torch.int64)}
    # Tracing touches every attribute, and transformers warns of a loss no encoder uses; the tracer notes
    # transformers' shape checks.  Both are noise, never news.
    logger = logging.getLogger("transformers")
    level = logger.level
    try:
        logger.setLevel(logging.ERROR)
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            return ov.convert_model(Pooled().eval(), example_input=example)
    finally:
        logger.setLevel(level)


class OpenVINOEncoder:
    """A transformers encoder with its pooling, compiled by OpenVINO for the CPU.

    Call it with ``input_ids`` and ``attention_mask`` ([B, T] int64 arrays) to get the pooled
    vectors [B, d] (float32).  ``pool`` is ``harness.encoding.recipe.pool`` with the recipe bound;
    ``pool=None`` returns the token vectors [B, T, d] (float32) instead.  Raises HarnessError where
    OpenVINO would run another precision than ``precision`` (fp32 or bf16).
    """

    def __init__(self, model: torch.nn.Module, pool, precision: str, threads: int):
        import openvino as ov

        converted = convert(model, pool)
        config = {"INFERENCE_PRECISION_HINT": _OPENVINO_PRECISIONS[precision], "PERFORMANCE_HINT": "LATENCY",
                  "INFERENCE_NUM_THREADS": threads}
        self.compiled = ov.Core().compile_model(converted, "CPU", config)
        # OpenVINO may run another precision than the hint asks (bf16 without the CPU's bf16 kernels): refuse that.
        used = self.compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()
        if used != config["INFERENCE_PRECISION_HINT"]:
            raise HarnessError(f"OpenVINO runs {used} on this CPU where {precision} was asked; "
                               "use --set <method>.runtime=torch")
        self.request = self.compiled.create_infer_request()
        self.version = openvino_version()

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        import numpy as np

        result = self.request.infer({"input_ids": input_ids, "attention_mask": attention_mask})
        return np.array(result[self.compiled.outputs[0]], dtype=np.float32)
