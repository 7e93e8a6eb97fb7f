"""Batches of tokenized texts sorted by length, so that a batch carries little padding."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def length_sorted_batches(tokenizer, texts: Sequence[str], batch_size: int, max_length: int, tensors: str = "pt"):
    """Yield ``(index, batch)``: the texts' positions, and their padded ``input_ids`` and ``attention_mask``
    ([len(index), T], torch tensors, or int64 arrays for ``tensors="np"``), tokenized once and sorted by length
    (stable) so that batches carry little padding.  The encoder and the benchmarks batch through this."""
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length,
                        return_attention_mask=False, return_token_type_ids=False)["input_ids"]
    order = np.argsort([len(ids) for ids in encoded], kind="stable")
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        batch = tokenizer.pad({"input_ids": [encoded[i] for i in index]}, return_tensors=tensors)
        if tensors == "np":  # OpenVINO's graph takes int64; some tokenizers pad to int32
            batch = {k: batch[k].astype(np.int64) for k in ("input_ids", "attention_mask")}
        yield index, batch
