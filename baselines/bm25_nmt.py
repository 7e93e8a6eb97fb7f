"""BM25+NMT: translate the English query into the document language, then BM25.

The translator comes from an ordered preference list (see ``harness.translate``).
By default (``translator_choice="most-pairs"``) the system that serves the most
pairs of the board (every pair of the collection, whichever pairs this run
makes) is used on every pair it serves, so that the cells of one board come
from one MT family, also when one cell is rerun; a pair it cannot serve falls back to the next
preference that can.  The run records which one it was, because different MT
systems make different baselines.

``bm25-ht`` is the same retriever with the human translation of each query
(``reference:ntrex`` on NTREX, ``reference:ciral`` on CIRAL: each collection's own): an oracle
ceiling for query translation, not a competitor.
"""

from __future__ import annotations

from collections.abc import Mapping

from harness.cache.lock import artifact_lock
from harness.data.collections import Topics
from harness.method import MethodSpec, Ranking, Retriever, SkipReason, Unavailable
from harness.files.paths import cache_dir
from harness.method.profiles import get_profile
from harness.retrieval import lucene
from harness.retrieval.analysis import analysis_for
from harness.translate import CHOICE_RULES, choose_translator
from harness.translate.store import TranslationStore


class BM25WithTranslatedQueries(Retriever):
    def preferences(self) -> list[str]:
        """The translator preference list: the ``translator`` parameter, else the profile's."""
        chosen = self.params["translator"] or get_profile(self.params["profile"]).translators
        return [chosen] if isinstance(chosen, str) else list(chosen)  # one spec given on its own stays whole

    def _choice(self, topics: Topics):
        if not hasattr(self, "_choices"):
            self._choices = {}
        # Keyed on the queries too: perturbed queries of the same pair need their own translations.
        key = (topics.pair.name, topics.queries_sha256, tuple(t.queries_sha256 for t in self.run))
        if key not in self._choices:
            run = [(t.pair, list(t.queries.values())) for t in self.run]
            self._choices[key] = choose_translator(
                self.preferences(), topics.pair, list(topics.queries.values()), self.params["translator_choice"], run
            )
        return self._choices[key]

    def resolved(self, topics: Topics) -> dict:
        choice = self._choice(topics)
        # The analysis decides the terms as much as the translator does: a run made with another
        # tokenizer is never reused (the sidecar's used.analysis records the same description).
        return {"translator": None if choice.translator is None else choice.translator.system_key(topics.pair),
                "analysis": analysis_for(topics.pair.lang).description}

    def unavailable_reason(self, topics: Topics) -> SkipReason | None:
        choice = self._choice(topics)
        if choice.translator is not None:
            return None
        return SkipReason(
            f"no machine translation into {topics.pair.language} here",
            f"no translator for {topics.pair.name}: {choice.explain()}. Fix: go online once for the model, "
            f"or --set {self.spec.name}.translator=hf:/local/model or tsv:/path/{{lang}}.tsv",
        )

    def prepare(self, topics: Topics) -> None:
        choice = self._choice(topics)
        if choice.translator is None:
            raise Unavailable(self.unavailable_reason(topics))
        self.pair = topics.pair
        self.choice = choice
        self.translator = choice.translator
        self.rejected = choice.rejected
        self.analysis = analysis_for(topics.pair.lang)
        self.index_dir = cache_dir("indexes", topics.dataset_id.replace("/", "__")) / self.analysis.key
        if not lucene.index_ready(self.index_dir):  # verified against its checksum manifest; rebuilt if it fails
            with artifact_lock(self.index_dir, f"Lucene index of {topics.dataset_id}"):  # one builder (--executor ray)
                if not lucene.index_ready(self.index_dir):
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
        choice = self.choice
        return {
            "translator": self.translator.describe(self.pair),
            "translator_choice": {
                "rule": choice.rule,
                "preferences": self.preferences(),
                "pairs_served": {spec: list(pairs) for spec, pairs in choice.served},
            },
            "translators_passed_over": [{"spec": s, "reason": r} for s, r in self.rejected],
            "queries_newly_translated": self.newly_translated,
            "analysis": self.analysis.description,
            "index": str(self.index_dir),
        }


BM25_NMT = MethodSpec(
    name="bm25-nmt",
    label="BM25+NMT",
    family="lexical + machine translation",
    description="English query machine-translated into the document language, then BM25 (Pyserini/Lucene)",
    reference="Robertson & Zaragoza 2009 (BM25); Lin et al. 2021 (Pyserini); NLLB Team 2022 (NLLB-200)",
    needs=("translator",),
    implementation=BM25WithTranslatedQueries,
    # translator None: the profile's preference list; translator_choice: a key of harness.translate.CHOICE_RULES
    defaults={"profile": "small", "k1": 0.9, "b": 0.4, "translator": None, "translator_choice": "most-pairs"},
)
assert BM25_NMT.defaults["translator_choice"] in CHOICE_RULES

BM25_HT = MethodSpec(
    name="bm25-ht",
    label="BM25+HT",
    family="lexical + human translation (oracle)",
    description="BM25 over the human translation of each English query (the collection's own: NTREX's, CIRAL's): "
    "a ceiling for query translation",
    reference="Federmann et al. 2022 (NTREX-128 human translations); Adeyemi et al. 2024 (CIRAL native topics); "
    "Robertson & Zaragoza 2009 (BM25)",
    needs=("translator",),
    implementation=BM25WithTranslatedQueries,
    # "first": each collection's queries are served by the one source that has them.
    defaults={"profile": "small", "k1": 0.9, "b": 0.4, "translator": ["reference:ntrex", "reference:ciral"],
              "translator_choice": "first"},
    oracle=True,
)
