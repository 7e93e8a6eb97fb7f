"""A transformers sequence-to-sequence translator (NLLB-200 by default).

The spec is ``hf:<hub id or local path>``.  NLLB-style tokenizers get the
source language ``eng_Latn`` and the target language's NLLB code as the forced
first token; a model without language tokens simply translates.  Batched,
sorted by length, on GPU (fp16) when there is one.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache, cached_property
from pathlib import Path

from harness.data.pairs import LanguagePair
from harness.translate.base import Translator

SOURCE_LANG = "eng_Latn"


@cache
def model_unavailable_reason(reference: str) -> str | None:
    """None if ``reference`` loads here (local folder, HF cache, or reachable hub), else why not."""
    if Path(reference).expanduser().is_dir():
        return None
    if reference.startswith(("/", ".", "~")) or reference.count("/") > 1:
        return f"no model folder at {reference}"
    from huggingface_hub import try_to_load_from_cache

    if isinstance(try_to_load_from_cache(reference, "config.json"), str):
        return None
    if os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0", "false", "False"):
        return "not in the Hugging Face cache and HF_HUB_OFFLINE is set"
    from huggingface_hub import HfApi

    try:
        HfApi().model_info(reference, timeout=10)
    except Exception as exc:  # any failure means: cannot fetch it now
        return f"not in the Hugging Face cache, and the hub is unreachable ({type(exc).__name__})"
    return None


class Seq2SeqTranslator(Translator):
    scheme = "hf"
    batch_size = 16
    num_beams = 4
    max_new_tokens = 128

    def system_key(self, pair: LanguagePair) -> str:
        return f"hf:{self.argument}|beams={self.num_beams}|max_new_tokens={self.max_new_tokens}"

    def unavailable_reason(self, pair: LanguagePair, texts: Sequence[str]) -> str | None:
        return model_unavailable_reason(self.argument)

    @cached_property
    def _model(self):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        from harness.models.resolve import quiet_transformers

        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.float16 if device == "cuda" else torch.float32
        # No per-load "Loading weights" bar; download bars and the LOAD REPORT (if any) still show.
        with quiet_transformers(drop_load_report=False):
            tokenizer = AutoTokenizer.from_pretrained(self.argument)
            model = AutoModelForSeq2SeqLM.from_pretrained(self.argument, dtype=dtype, weights_only=True).to(device).eval()  # never unpickle code
        return tokenizer, model, device

    def target_token_id(self, pair: LanguagePair) -> int | None:
        """The forced first token for multilingual models that have language tokens."""
        tokenizer, _, _ = self._model
        token_id = tokenizer.convert_tokens_to_ids(pair.nllb)
        return None if token_id in (None, tokenizer.unk_token_id) else token_id

    def translate(self, texts: Sequence[str], pair: LanguagePair) -> list[str]:
        import torch

        tokenizer, model, device = self._model
        if hasattr(tokenizer, "src_lang"):
            tokenizer.src_lang = SOURCE_LANG
        forced = self.target_token_id(pair)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[str] = [""] * len(texts)
        for start in range(0, len(order), self.batch_size):
            index = order[start : start + self.batch_size]
            batch = tokenizer([texts[i] for i in index], return_tensors="pt", padding=True, truncation=True).to(device)
            batch.pop("token_type_ids", None)
            with torch.inference_mode():
                generated = model.generate(
                    **batch,
                    forced_bos_token_id=forced,
                    num_beams=self.num_beams,
                    max_new_tokens=self.max_new_tokens,
                )
            for i, text in zip(index, tokenizer.batch_decode(generated, skip_special_tokens=True)):
                out[i] = text.strip()
        return out

    def describe(self, pair: LanguagePair) -> dict:
        return {
            "spec": self.spec,
            "system": self.system_key(pair),
            "model": self.argument,
            "forced_target_token": pair.nllb if self.target_token_id(pair) is not None else None,
        }
