"""The checks every argument of ``run`` gets before any work; each bad value is one ``UsageError`` line (exit 2).

``--out`` must be a writable folder apart from the cache, translation files named with ``--set`` must exist and be well
formed, a named precision or runtime must run here, fusion members must be fusable methods.
"""

from __future__ import annotations

from pathlib import Path

from harness.errors import HarnessError, UsageError
from harness.registry import METHODS


def check_out(path: Path, flag: str = "--out") -> Path:
    """A results folder, checked before any work, then tidied (``harness.files.results.tidy``).

    It must be a folder that exists or can be made, outside the cache and not holding it, and it
    and its existing sub-folders (runs/<collection>/<pair>, scores, plots, studies) must be writable.
    """
    from harness.files.results import overlap_with_cache, tidy

    if path.exists() and not path.is_dir():
        raise UsageError(f"{flag} {path}: is a file, not a folder")
    overlap = overlap_with_cache(path)
    if overlap:
        raise UsageError(f"{flag} {path}: {overlap}; choose a results folder outside the cache")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write there: cannot make the folder ({exc.strerror or exc})") from None
    for folder in _written_folders(path):
        _check_writable(folder, f"{flag} {path}" if folder == path else f"{flag} {path}: its sub-folder {folder}")
    tidy(path)
    return path


def _written_folders(out: Path) -> list[Path]:
    """``out`` and those of its existing sub-folders a command writes into (``RESULT_FOLDERS``, runs/<collection>/<pair>)."""
    from harness.files.results import RESULT_FOLDERS

    found = [out]
    for name in RESULT_FOLDERS:
        level = [out / name] if (out / name).is_dir() else []
        for _ in range(3 if name == "runs" else 1):
            found += level
            level = [p for folder in level for p in sorted(folder.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    return found


def _check_writable(folder: Path, where: str) -> None:
    import tempfile

    try:  # a real write: root passes every permission test, yet not an immutable or read-only folder
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise UsageError(f"{where}: cannot write there ({exc.strerror or exc})") from None


def check_named_files(methods, pairs, overrides) -> None:
    """Translation files named with --set must exist and hold lines for every pair of the run (exit 2)."""
    from harness.translate import parse_translator

    for spec in methods:
        named = spec.parameters(overrides.get(spec.name)).get("translator") if spec.name in overrides else None
        for translator in map(parse_translator, named or []):
            if hasattr(translator, "check_named"):
                for pair in pairs:
                    try:
                        translator.check_named(pair)
                    except UsageError:
                        raise
                    except HarnessError as exc:  # a malformed file the user named: bad input, exit 2
                        raise UsageError(str(exc)) from None


def check_precisions(methods, overrides) -> None:
    """A precision named with --set must run natively here (bf16 needs AVX-512-BF16/AMX on CPU; int8 is CPU only)."""
    named = [(spec.name, key, value) for spec in methods for key, value in overrides.get(spec.name, {}).items()
             if key in ("precision", "train_precision") and value is not None]
    if named:  # torch only when a precision is named: the defaults always resolve
        import torch

        from harness.encoding import precision

        device = "cuda" if torch.cuda.is_available() else "cpu"
        for method, key, value in named:
            try:
                precision.resolve(value, device, training=key == "train_precision", profile_default="fp32")
            except UsageError as exc:
                raise UsageError(f"{method}.{key}: {exc}") from None


def check_runtimes(methods, overrides) -> None:
    """Every dense method's encoding runtime, named or the profile's, must run here (OpenVINO: installed, CPU, fp32/bf16),
    and so must a teacher runtime named with --set (checked with the training plan it belongs to)."""
    from harness.method.profiles import get_profile

    for spec in methods:
        params = spec.parameters(overrides.get(spec.name))
        if "runtime" in params and (params["runtime"] or get_profile(params["profile"]).encode_runtime) != "torch":
            from methods.mdpr import encoding_choice  # torch always runs: no need to import it otherwise

            try:
                encoding_choice(params)
            except UsageError as exc:
                raise UsageError(f"{spec.name}.runtime: {exc}") from None
        if params.get("teacher_runtime") is not None:
            from methods.training import TrainingPlan

            try:
                TrainingPlan.from_params(params)
            except UsageError as exc:
                raise UsageError(f"{spec.name}.teacher_runtime: {exc}") from None


def check_members(methods, overrides) -> None:
    """Fusion members (the default or named with --set) must be registered methods other than the fusion."""
    for spec in methods:
        members = spec.parameters(overrides.get(spec.name)).get("members")
        for member in members or []:
            if member not in METHODS or member == spec.name or METHODS[member].family == "fusion":
                valid = ", ".join(m for m, s in METHODS.items() if s.family != "fusion")
                raise UsageError(f"{spec.name}.members: {member!r} is not a method it can fuse; valid: {valid}")
