"""ARCHITECTURE.md's floor table is the law: every import runs to the same floor or one below.

The table is read from ARCHITECTURE.md itself and the imports from the code (``ast``; nothing is
run), so a new room must be placed on the page before its code can land.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("harness", "methods", "baselines")


def floors() -> dict[str, int]:
    """room (a module or package prefix) -> floor, from the table under "Floors, top to bottom"."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Floors, top to bottom", 1)[1].split("\n## ", 1)[0]
    rooms = {}
    for line in section.splitlines():
        match = re.match(r"\|\s*(\d+)\s*\|([^|]*)\|", line)
        if match:
            for room in re.findall(r"`([\w.]+)`", match.group(2)):
                rooms[room] = int(match.group(1))
    return rooms


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def room_of(module: str, rooms: dict[str, int]) -> str | None:
    candidates = [r for r in rooms if module == r or module.startswith(r + ".")]
    return max(candidates, key=len) if candidates else None


def imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Modules of the project that ``path`` imports, at module level or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skip = {n.lineno for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node) if hasattr(n, "lineno")}
    found = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            for k in range(len(parts), 0, -1):
                if ".".join(parts[:k]) in known:
                    found.add(".".join(parts[:k]))
                    break
    return found - {name}


def test_every_module_has_a_floor():
    rooms = floors()
    assert len(rooms) > 10, "the floor table of ARCHITECTURE.md was not found"
    homeless = [m for m in modules() if room_of(m, rooms) is None]
    assert not homeless, f"modules in no room of ARCHITECTURE.md: {homeless}"


def test_no_import_runs_upwards():
    rooms, found = floors(), modules()
    upward = []
    for name, path in found.items():
        here = rooms[room_of(name, rooms)]
        for target in imports(path, name, set(found)):
            if path.name == "__init__.py" and target.startswith(name + "."):
                continue  # a package's face re-exporting its own modules
            there = rooms[room_of(target, rooms)]
            if there > here:
                upward.append(f"{name} (floor {here}) imports {target} (floor {there})")
    assert not upward, "\n".join(upward)


@pytest.mark.parametrize("study", [p.name for p in (ROOT / "harness" / "studies").iterdir() if (p / "render.py").is_file()])
def test_a_study_renderer_never_imports_its_study(study):
    name = f"harness.studies.{study}.render"
    assert f"harness.studies.{study}.run" not in imports(ROOT / "harness" / "studies" / study / "render.py", name, set(modules()))


def test_the_encoder_knows_no_executor():
    found = modules()
    for name, path in found.items():
        if name.startswith("harness.encoding") or name in ("methods.training", "methods.passes"):
            assert not {t for t in imports(path, name, set(found)) if t.startswith("harness.executors")}, name
