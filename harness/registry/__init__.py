"""Which methods exist: the built-in ones (``methods.py``, one line each) and plugins (``plugins.py``).

``from harness.registry import METHODS, register, load_plugins``.
"""

from __future__ import annotations

from harness.registry.methods import BUILT_IN, METHODS, ORIGINS, Origin, builtin_names, origin_of, register
from harness.registry.plugins import PluginError, load_plugins

__all__ = ["METHODS", "ORIGINS", "Origin", "BUILT_IN", "builtin_names", "origin_of", "register", "load_plugins",
           "PluginError"]
