"""The checks every argument of ``run`` gets before any work; each bad value is one ``UsageError`` line (exit 2).

``--out`` must be a writable folder, translation files named with ``--set`` must exist and be well
formed, a named precision or runtime must run here, fusion members must be fusable methods.
"""

from __future__ import annotations

from pathlib import Path

from harness.errors import HarnessError, UsageError
from harness.registry import METHODS


def check_out(path: Path) -> Path:
    """``--out``, checked before any work: a folder that exists or can be made, and can be written."""
    import tempfile

    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {path}: is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise UsageError(f"--out {path}: cannot write there ({exc.strerror or exc})") from None
    return path


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
    """Every dense method's encoding runtime, named or the profile's, must run here (OpenVINO: installed, CPU, fp32/bf16)."""
    from harness.method.profiles import get_profile

    for spec in methods:
        params = spec.parameters(overrides.get(spec.name))
        if "runtime" not in params or (params["runtime"] or get_profile(params["profile"]).encode_runtime) == "torch":
            continue  # torch always runs: no need to import it here
        from methods.mdpr import encoding_choice

        try:
            encoding_choice(params)
        except UsageError as exc:
            raise UsageError(f"{spec.name}.runtime: {exc}") from None


def check_members(methods, overrides) -> None:
    """Fusion members (the default or named with --set) must be registered methods other than the fusion."""
    for spec in methods:
        members = spec.parameters(overrides.get(spec.name)).get("members")
        for member in members or []:
            if member not in METHODS or member == spec.name or METHODS[member].family == "fusion":
                valid = ", ".join(m for m, s in METHODS.items() if s.family != "fusion")
                raise UsageError(f"{spec.name}.members: {member!r} is not a method it can fuse; valid: {valid}")
