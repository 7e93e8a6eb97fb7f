"""Methods, collections and translators from outside the harness, without a fork.

Two ways in, both loaded when a command (or the Python API) first needs the registry, never when
``harness`` is imported, so ``--help`` stays fast:

* **Entry points** of an installed distribution, in the groups ``clir_harness.methods``,
  ``clir_harness.collections`` and ``clir_harness.translators``.  Each names an object: a
  ``MethodSpec`` (a ``CollectionSpec``, a ``Translator`` subclass with its ``scheme``) or a list of
  them.  In the distribution's ``pyproject.toml``::

      [project.entry-points."clir_harness.methods"]
      my-bm25 = "my_package.methods:MY_BM25"

* ``--plugin MODULE_OR_FILE`` (repeatable), for a quick experiment: a module name
  (``my_package.methods``), a ``.py`` file, either with ``:OBJECT`` to name one object; without
  it, every ``MethodSpec`` and ``CollectionSpec`` at the module's top level, and every
  ``Translator`` subclass defined there, that is not registered already.

Every entry records where it came from (``Origin``): ``list`` shows it and each run's sidecar
records it.  A plugin that cannot be imported, or that registers a name that exists, is one line
naming the plugin and the fault (exit 2); a built-in is never shadowed.  With ``--executor ray``,
a plugin must be importable on the workers (an installed distribution or module, not a file).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from harness.data.collections import COLLECTIONS, CollectionSpec
from harness.errors import UsageError
from harness.method import MethodSpec
from harness.registry.methods import METHODS, Origin, register
from harness.translate import BACKENDS
from harness.translate.base import Translator

GROUPS = {
    "clir_harness.methods": "method",
    "clir_harness.collections": "collection",
    "clir_harness.translators": "translator",
}
# Where each plugin collection and translator scheme came from (methods: harness.registry.ORIGINS).
COLLECTION_ORIGINS: dict[str, Origin] = {}
TRANSLATOR_ORIGINS: dict[str, Origin] = {}
_LOADED: set[str] = set()  # entry points and --plugin values already loaded in this process


class PluginError(UsageError):
    """A plugin that cannot be imported or that clashes with a registered name (exit 2)."""


def load_plugins(named: Sequence[str] = ()) -> list[str]:
    """Load every entry point (once per process, silently: ``list`` shows their origins), then each
    ``--plugin`` value in ``named``.

    Returns a line per ``--plugin`` value loaded now, saying what it registered.  Raises PluginError.
    """
    from importlib.metadata import entry_points

    lines = []
    for group in GROUPS:
        for point in sorted(entry_points(group=group), key=lambda p: (p.dist.name if p.dist else "", p.name)):
            key = f"{group}:{point.name}={point.value}"
            if key in _LOADED:
                continue
            dist = point.dist
            origin = Origin("distribution", dist.name if dist else point.module, dist.version if dist else "",
                            f"entry point {point.name}")
            label = f"{origin.name} (entry point {point.name!r} in {group})"
            try:
                loaded = point.load()
            except Exception as exc:  # whatever the plugin's import raises: one line, no traceback
                raise PluginError(f"plugin {label}: cannot load {point.value} ({_first_line(exc)})") from None
            _register_all(_as_list(loaded), origin, label, strict=True)
            _LOADED.add(key)
    for value in named:
        if value in _LOADED:
            continue
        module, objects, origin = _load_named(value)
        found = objects if objects is not None else _top_level(module)
        lines.append(f"{value}: {_register_all(found, origin, value, strict=objects is not None)}")
        _LOADED.add(value)  # only once it loaded: a fixed plugin can be tried again in the same process
    return lines


def _load_named(value: str):
    """``MODULE[:OBJECT]`` or ``FILE.py[:OBJECT]``: the module, the named objects (None: not named), the origin."""
    target, _, attribute = value.partition(":")
    path = Path(target).expanduser()
    try:
        if target.endswith(".py") or path.is_file():
            if not path.is_file():
                raise PluginError(f"plugin {value}: no such file {path}")
            resolved = path.resolve()
            name = f"harness_plugin_{resolved.stem}_{hashlib.sha256(str(resolved).encode()).hexdigest()[:8]}"
            spec = importlib.util.spec_from_file_location(name, resolved)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module  # dataclasses and pickling look modules up by name
            spec.loader.exec_module(module)
            origin = Origin("file", str(resolved))
        else:
            module = importlib.import_module(target)
            origin = Origin("module", target, _version_of(module))
    except PluginError:
        raise
    except Exception as exc:
        raise PluginError(f"plugin {value}: cannot import it ({_first_line(exc)})") from None
    if not attribute:
        return module, None, origin
    if not hasattr(module, attribute):
        raise PluginError(f"plugin {value}: {target} has no {attribute!r}")
    return module, _as_list(getattr(module, attribute)), origin


def _version_of(module) -> str:
    from importlib.metadata import PackageNotFoundError, packages_distributions, version

    top = module.__name__.split(".")[0]
    for dist in packages_distributions().get(top, []):
        try:
            return version(dist)
        except PackageNotFoundError:
            continue
    return ""


def _as_list(loaded) -> list:
    if isinstance(loaded, (MethodSpec, CollectionSpec)) or isinstance(loaded, type):
        return [loaded]
    if isinstance(loaded, dict):
        return list(loaded.values())
    if isinstance(loaded, Iterable) and not isinstance(loaded, (str, bytes)):
        return list(loaded)
    return [loaded]


def _top_level(module) -> list:
    """The module's own MethodSpec/CollectionSpec objects and the Translator subclasses it defines."""
    found = []
    for value in vars(module).values():
        if isinstance(value, (MethodSpec, CollectionSpec)):
            found.append(value)
        elif isinstance(value, type) and issubclass(value, Translator) and value is not Translator \
                and value.__module__ == module.__name__:
            found.append(value)
    return found


def _register_all(objects: list, origin: Origin, label: str, strict: bool) -> str:
    """Register each object, all or none: every clash is found before anything is registered.

    ``strict``: an object of another kind is a fault (it was named).
    """
    plan = []  # (kind, name, registry, object)
    for obj in objects:
        if isinstance(obj, MethodSpec):
            plan.append(("method", obj.name, METHODS, obj))
        elif isinstance(obj, CollectionSpec):
            plan.append(("collection", obj.name, COLLECTIONS, obj))
        elif isinstance(obj, type) and issubclass(obj, Translator) and obj is not Translator:
            if not getattr(obj, "scheme", None):
                raise PluginError(f"plugin {label}: translator {obj.__name__} has no scheme")
            plan.append(("translator scheme", obj.scheme, BACKENDS, obj))
        elif strict:
            raise PluginError(f"plugin {label}: {obj!r} is not a MethodSpec, CollectionSpec or Translator subclass")
    plan = [item for item in plan if item[2].get(item[1]) is not item[3]]  # already registered: imported, not new
    names = [(kind, name) for kind, name, _, _ in plan]
    for kind, name, registry, _ in plan:
        if name in registry or names.count((kind, name)) > 1:
            raise PluginError(f"plugin {label}: {kind} {name!r} is already registered; give it another name")
    if not plan and strict:
        raise PluginError(f"plugin {label}: registers nothing")
    for kind, name, _, obj in plan:
        if kind == "method":
            register(obj, origin)
        elif kind == "collection":
            try:
                obj.register()  # its ir_datasets ids
            except Exception as exc:
                raise PluginError(f"plugin {label}: collection {name} fails to register ({_first_line(exc)})") from None
            COLLECTIONS[name] = obj
            COLLECTION_ORIGINS[name] = origin
        else:
            BACKENDS[name] = obj
            TRANSLATOR_ORIGINS[name] = origin
    return ", ".join(f"{'translator' if kind.startswith('translator') else kind} {name}" for kind, name, _, _ in plan) \
        or "nothing new"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
