"""BM25+NMT: translate the English query into the document language, then BM25.

The translator is the first of an ordered preference list that can serve the
pair (see ``harness.translate``); the run records which one it was, because
different MT systems make different baselines.
"""

from __future__ import annotations

from collections.abc import Mapping

from harness.data.collections import Topics
from harness.method import MethodSpec, Ranking, Retriever, Unavailable
from harness.paths import cache_dir
from harness.profiles import get_profile
from harness.retrieval import lucene
from harness.retrieval.analysis import analysis_for
from harness.translate import choose_translator
from harness.translate.store import TranslationStore



class BM25WithTranslatedQueries(Retriever):
    def preferences(self) -> list[str]:
        """The translator preference list: the ``translator`` parameter, else the profile's."""
        return list(self.params["translator"] or get_profile(self.params["profile"]).translators)

    def _choice(self, topics: Topics):
        return choose_translator(self.preferences(), topics.pair, list(topics.queries.values()))

    def unavailable_reason(self, topics: Topics) -> str | None:
        choice = self._choice(topics)
        if choice.translator is not None:
            return None
        return (
            f"no translator for {topics.pair.name}: {choice.explain()}. Fix: go online once for the model, "
            f"or --set {self.spec.name}.translator=hf:/local/model or tsv:/path/{{lang}}.tsv"
        )

    def prepare(self, topics: Topics) -> None:
        choice = self._choice(topics)
        if choice.translator is None:
            raise Unavailable(self.unavailable_reason(topics))
        self.pair = topics.pair
        self.translator = choice.translator
        self.rejected = choice.rejected
        self.analysis = analysis_for(topics.pair.lang)
        self.index_dir = cache_dir("indexes", topics.dataset_id.replace("/", "__")) / self.analysis.key
        if not self.index_dir.is_dir():
            lucene.build_index(self.index_dir, topics.docs(), self.analysis, total=topics.docs_count())

    def retrieve(self, queries: Mapping[str, str], depth: int) -> Ranking:
        store = TranslationStore()
        try:
            translated, self.newly_translated = store.translate(self.translator, self.pair, list(queries.values()))
        finally:
            store.close()
        params = lucene.BM25Params(k1=float(self.params["k1"]), b=float(self.params["b"]))
        return lucene.search(self.index_dir, dict(zip(queries, translated)), self.analysis, params, depth)

    def provenance(self) -> dict:
        return {
            "translator": self.translator.describe(self.pair),
            "translators_passed_over": [{"spec": s, "reason": r} for s, r in self.rejected],
            "queries_newly_translated": self.newly_translated,
            "analysis": self.analysis.description,
            "index": str(self.index_dir),
        }


BM25_NMT = MethodSpec(
    name="bm25-nmt",
    family="lexical + machine translation",
    description="English query machine-translated into the document language, then BM25 (Pyserini/Lucene)",
    reference="Robertson & Zaragoza 2009 (BM25); Lin et al. 2021 (Pyserini); NLLB Team 2022 (NLLB-200)",
    needs=("translator",),
    implementation=BM25WithTranslatedQueries,
    defaults={"profile": "small", "k1": 0.9, "b": 0.4, "translator": None},  # translator None: the profile's list
)
