"""mDPR: zero-shot multilingual dense retrieval.

English queries and target-language passages go through the same multilingual
bi-encoder; no translation, no training.  The model comes from the profile
(``small``: multilingual-e5-small; ``paper``: castorini/mdpr-tied-pft-msmarco)
unless the ``model`` parameter names one.

Passages longer than the encoder's ``max_length`` (512 tokens for both
profiles' models, counting the passage prefix, e5's ``passage: ``, and special tokens) are
handled as ``passage_windows`` says:

* ``"truncate"`` (the default, what the committed leaderboard used): the
  encoder keeps the first ``max_length`` tokens;
* ``"maxp"``: the passage is split into overlapping windows of real text
  (``window_stride`` text tokens apart; ``None``, the default, is half a
  window), each window is encoded as a passage, and the document scores the
  max over its windows (MaxP, Dai & Callan 2019).  The run lists it once.

Either way the run's sidecar (``used.passages``) and one console line say how
many passages were longer than ``max_length`` and what became of them.  The
distilled methods (kd, cal, optical) inherit both parameters and the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from harness.data.collections import Topics
from harness.errors import HarnessError
from harness.models import resolve_model
from harness.method import MethodSpec, Ranking, Retriever, SkipReason
from harness.method.profiles import get_profile

if TYPE_CHECKING:  # the encoder (torch, transformers) loads when a run needs it, not on import
    from harness.encoding.encoder import Encoder


# Shared by every dense method (mdpr here; kd, cal and optical through methods/distillation.py);
# their values are checked with every other parameter's (harness/method/params.py).
PASSAGE_DEFAULTS = {
    # Passages longer than the encoder's max_length tokens: "truncate" (default: keep the first
    # max_length tokens) or "maxp" (overlapping windows, a document scores its best window).
    "passage_windows": "truncate",
    # "maxp" only: text tokens between window starts; None (default): half a window (253 for e5's 507).
    "window_stride": None,
}
# Every dense encoder's numeric precision: fp32, bf16 or int8; None: the profile's CPU default
# (bf16 on GPU).  harness/encoding/precision.py; the run's sidecar records what was used.
# And its inference runtime: torch or openvino; None: the profile's on CPU (torch on GPU and for int8).
# harness/encoding/runtime.py.
ENCODER_DEFAULTS = {"precision": None, "runtime": None}


class DenseRetriever(Retriever):
    """Encode passages once, then answer queries by inner product."""

    def model_reference(self) -> str:
        return self.params.get("model") or get_profile(self.params["profile"]).retriever

    def unavailable_reason(self, topics: Topics) -> SkipReason | None:
        try:
            resolve_model(self.model_reference())
        except HarnessError as exc:
            return SkipReason(f"model {self.model_reference()} not available here", str(exc))
        return None

    def precision(self) -> str:
        """The encoding precision this run uses (UsageError if the device cannot run it)."""
        return encoding_choice(self.params)[0]

    def runtime(self) -> str:
        """The encoders' inference runtime this run uses (UsageError if it cannot run here)."""
        return encoding_choice(self.params)[1]

    def resolved(self, topics: Topics) -> dict[str, Any]:
        return {"precision": self.precision(), "runtime": self.runtime()}

    def load_encoders(self) -> tuple[Encoder, Encoder]:
        """(query encoder, passage encoder); the same one for a zero-shot bi-encoder."""
        from harness.encoding.encoder import shared_encoder

        encoder = shared_encoder(self.model_reference(), int(self.params["batch_size"]), precision=self.precision(),
                                 runtime=self.runtime())
        return encoder, encoder

    def encoders(self, pair) -> tuple[Encoder, Encoder]:
        """(query encoder, document encoder) as a run on ``pair`` would use them (studies encode other texts)."""
        return self.load_encoders()

    def prepare(self, topics: Topics) -> None:
        self.query_encoder, self.passage_encoder = self.load_encoders()
        docs = list(topics.docs())
        texts = [text for _, text in docs]
        self.passage_report = self.encode_passages([doc_id for doc_id, _ in docs], texts)
        print(f"{self.spec.name} on {topics.pair.name}: {describe_passages(self.passage_report)}", flush=True)

    def encode_passages(self, doc_ids: list[str], texts: list[str]) -> dict[str, Any]:
        """Set ``self.doc_ids``/``self.passages`` (one row per passage, or per window with MaxP); return the report."""
        encoder = self.passage_encoder
        lengths = encoder.length_report(texts, "passage")
        report = {
            "passage_windows": self.params["passage_windows"],
            "max_length": lengths.max_length,  # tokens, passage prefix and special tokens included
            "passages": lengths.texts,
            "longer_than_max_length": lengths.over,
            "longest_tokens": lengths.longest,
        }
        if self.params["passage_windows"] == "truncate":
            self.doc_ids = doc_ids
            self.passages = encoder.encode(texts, "passage")
            return report | {"truncated": lengths.over}
        windows = encoder.windows(texts, "passage", self.params["window_stride"])
        self.doc_ids = [doc_ids[i] for i in windows.owners]
        self.passages = encoder.encode(windows.texts, "passage", tag=windows.tag)
        return report | {
            "truncated": encoder.length_report(windows.texts, "passage").over,  # 0: every window fits
            "window_tokens": windows.window_tokens,  # text tokens per window, without prefix and special tokens
            "window_stride": windows.stride,
            "windows": len(windows.texts),
            "split": windows.split,
        }

    def retrieve(self, queries: Mapping[str, str], depth: int) -> Ranking:
        from harness.retrieval import dense

        vectors = self.query_encoder.encode(list(queries.values()), "query")
        return dense.search(list(queries), vectors, self.doc_ids, self.passages, depth, self.params["search"])

    def provenance(self) -> dict:
        return {"model": self.query_encoder.describe(), "profile": self.params["profile"], "passages": self.passage_report}


def encoding_choice(params: Mapping[str, Any]) -> tuple[str, str]:
    """(precision, runtime) of a dense method's encoders on this machine, from its parameters and profile.

    Raises UsageError (one line, with the fix) when this machine cannot run what is asked for.
    """
    import torch

    from harness.encoding import precision
    from harness.encoding import runtime

    device = "cuda" if torch.cuda.is_available() else "cpu"
    profile = get_profile(params["profile"])
    used = precision.resolve(params["precision"], device, training=False, profile_default=profile.encode_precision)
    return used, runtime.resolve(params["runtime"], device, used, profile.encode_runtime)


def describe_passages(report: Mapping[str, Any]) -> str:
    """The console line of a run: how many passages were too long, and what became of them."""
    over, total, limit = report["longer_than_max_length"], report["passages"], report["max_length"]
    counted = f"(prefix and special tokens counted; longest {report['longest_tokens']})"
    if report["passage_windows"] == "truncate":
        return f"{report['truncated']} of {total} passages truncated to {limit} tokens {counted}"
    return (f"{over} of {total} passages longer than {limit} tokens {counted} split into windows of "
            f"{report['window_tokens']} text tokens, stride {report['window_stride']}: {report['windows']} windows, "
            f"scored by the best (MaxP); {report['truncated']} truncated")


MDPR = MethodSpec(
    name="mdpr",
    label="mDPR",
    family="dense, zero-shot",
    description="multilingual bi-encoder, English queries and target-language passages through the same encoder",
    reference="Zhang et al. 2021, Mr. TyDi (mDPR); model from the profile: intfloat/multilingual-e5-small (Wang et al. 2024) or castorini/mdpr-tied-pft-msmarco",
    needs=("encoder",),
    accelerated=("encoding",),
    implementation=DenseRetriever,
    defaults={"profile": "small", "model": None, "batch_size": 32, "search": "auto", **PASSAGE_DEFAULTS, **ENCODER_DEFAULTS},
)
