"""mDPR: zero-shot multilingual dense retrieval.

English queries and target-language passages go through the same multilingual
bi-encoder; no translation, no training.  The model comes from the profile
(``small``: multilingual-e5-small; ``paper``: castorini/mdpr-tied-pft-msmarco)
unless the ``model`` parameter names one.
"""

from __future__ import annotations

from collections.abc import Mapping

from harness.data.collections import Topics
from harness.encode import Encoder, shared_encoder
from harness.errors import HarnessError
from harness.models import resolve_model
from harness.method import MethodSpec, Ranking, Retriever
from harness.profiles import get_profile
from harness.retrieval import dense


class DenseRetriever(Retriever):
    """Encode passages once, then answer queries by inner product."""

    def model_reference(self) -> str:
        return self.params.get("model") or get_profile(self.params["profile"]).retriever

    def unavailable_reason(self, topics: Topics) -> str | None:
        try:
            resolve_model(self.model_reference())
        except HarnessError as exc:
            return str(exc)
        return None

    def load_encoders(self) -> tuple[Encoder, Encoder]:
        """(query encoder, passage encoder); the same one for a zero-shot bi-encoder."""
        encoder = shared_encoder(self.model_reference(), int(self.params["batch_size"]))
        return encoder, encoder

    def prepare(self, topics: Topics) -> None:
        self.query_encoder, self.passage_encoder = self.load_encoders()
        docs = list(topics.docs())
        self.doc_ids = [doc_id for doc_id, _ in docs]
        self.passages = self.passage_encoder.encode([text for _, text in docs], "passage")

    def retrieve(self, queries: Mapping[str, str], depth: int) -> Ranking:
        vectors = self.query_encoder.encode(list(queries.values()), "query")
        return dense.search(list(queries), vectors, self.doc_ids, self.passages, depth, self.params["search"])

    def provenance(self) -> dict:
        return {"model": self.query_encoder.describe(), "profile": self.params["profile"]}


MDPR = MethodSpec(
    name="mdpr",
    family="dense, zero-shot",
    description="multilingual bi-encoder, English queries and target-language passages through the same encoder",
    reference="Zhang et al. 2021, Mr. TyDi (mDPR); model from the profile: intfloat/multilingual-e5-small (Wang et al. 2024) or castorini/mdpr-tied-pft-msmarco",
    needs=("encoder",),
    implementation=DenseRetriever,
    defaults={"profile": "small", "model": None, "batch_size": 32, "search": "auto"},
)
