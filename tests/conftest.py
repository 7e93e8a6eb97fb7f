"""Test setup: data from the offline mirror, caches in a temporary folder.

The mirror is ``../shared/data/mirror`` beside the repository unless
``HARNESS_DATA_MIRROR`` is already set.  ``HARNESS_TEST_CACHE`` keeps the
harness cache (converted models, indexes) between test sessions when set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
os.environ.setdefault("HARNESS_DATA_MIRROR", str(REPO.parent / "shared" / "data" / "mirror"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach for the hub
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory):
    cache = os.environ.get("HARNESS_TEST_CACHE") or str(tmp_path_factory.mktemp("harness-cache"))
    os.environ["HARNESS_CACHE"] = cache
    os.environ["IR_DATASETS_HOME"] = str(tmp_path_factory.mktemp("ir_datasets"))
    yield Path(cache)


def build_tiny_bert(folder: Path, seed: int = 0, hidden: int = 32) -> Path:
    """A random 2-layer BERT with a WordPiece tokenizer trained here: loads offline in a second."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    corpus = [
        "habari za leo kutoka nairobi", "mvua kubwa imenyesha leo", "welsh members worried about looking like muppets",
        "query passage the news of the day", "die häuser sind alt", "uutiset tänään", "मराठी भाषा आज",
    ]
    tokenizer.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=300, special_tokens=specials))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]"
    )
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=tokenizer.get_vocab_size(), hidden_size=hidden, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=2 * hidden, max_position_embeddings=128, pad_token_id=0,
    )
    folder.mkdir(parents=True, exist_ok=True)
    BertModel(config, add_pooling_layer=False).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture
def fake_hub(tmp_path, monkeypatch):
    """The Hugging Face hub "online" for the corpora of CIRAL and AfriCLIRMatrix: a download writes
    ``files[path]``; yields (files, the downloads made)."""
    import huggingface_hub

    from harness.data import hub_collection
    from harness.models import hub

    monkeypatch.setenv("IR_DATASETS_HOME", str(tmp_path / "irds"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(hub, "hub_status", lambda: hub.HubStatus(True, "reachable", "test"))
    files: dict[str, bytes] = {}
    calls = []

    def download(repo, path, repo_type, revision, local_dir):
        calls.append((repo, path, repo_type, revision))
        target = Path(local_dir) / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[path])
        return str(target)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    hub_collection._count.cache_clear()
    yield files, calls
    hub_collection._count.cache_clear()
