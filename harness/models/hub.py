"""Whether the Hugging Face hub can be used now: ``HF_HUB_OFFLINE``, one probe per process, and the
status that a failed download leaves for later references (so an unreachable hub costs seconds once)."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Seconds that hub_status() waits for the hub to answer at all (DNS included).
HUB_PROBE_TIMEOUT_S = 2.0


def _is_true(value: str) -> bool:
    return value.strip().upper() in {"1", "ON", "YES", "TRUE"}


def hub_offline() -> bool:
    """HF_HUB_OFFLINE as the environment says now (huggingface_hub reads it only at import)."""
    value = os.environ.get("HF_HUB_OFFLINE")
    if value is not None:
        return _is_true(value)
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE)


@dataclass(frozen=True)
class HubStatus:
    online: bool
    reason: str  # "HF_HUB_OFFLINE set", "not reachable" or "reachable"
    detail: str = ""  # the endpoint and, when it did not answer, how it failed

    def line(self) -> str:
        """One line for the top of `python -m harness list`."""
        if self.online:
            return f"Hugging Face hub: online ({self.detail}); models not cached here download on first use"
        why = self.reason + (f": {self.detail}" if self.detail else "")
        return f"Hugging Face hub: offline ({why}); models resolve from the local cache and packaged weights"


# Per endpoint, what the probe (or a failed download) found; an endpoint is asked at most once per process.
_HUB_STATUS: dict[str, HubStatus] = {}


def hub_endpoint() -> str:
    from huggingface_hub import constants

    return constants.ENDPOINT


def hub_status() -> HubStatus:
    """Offline without any network call when HF_HUB_OFFLINE is set; else probe the hub once per process."""
    if hub_offline():
        return HubStatus(False, "HF_HUB_OFFLINE set")
    endpoint = hub_endpoint()
    if endpoint not in _HUB_STATUS:
        _HUB_STATUS[endpoint] = probe_hub(endpoint)
    return _HUB_STATUS[endpoint]


def hub_reachable() -> bool:
    return hub_status().online


def probe_hub(endpoint: str, timeout: float = HUB_PROBE_TIMEOUT_S) -> HubStatus:
    """One HEAD request to ``endpoint``; any HTTP answer means reachable. Never waits much over ``timeout``.

    The request runs in a daemon thread so that a hanging DNS lookup (which
    socket timeouts do not cover) cannot hold the caller.
    """
    from huggingface_hub.utils import get_session

    session = get_session()
    outcome: list[BaseException | None] = []

    def ask() -> None:
        try:
            session.head(endpoint, timeout=timeout)
        except Exception as error:  # any failure to get an answer
            outcome.append(error)
        else:
            outcome.append(None)

    thread = threading.Thread(target=ask, name="harness-hub-probe", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    if not outcome:
        return HubStatus(False, "not reachable", f"{endpoint} did not answer within {timeout:g} s")
    error = outcome[0]
    if error is None or not is_connection_failure(error):  # an HTTP error status is still an answer
        return HubStatus(True, "reachable", endpoint)
    return HubStatus(False, "not reachable", f"{endpoint}: {type(error).__name__}")


@contextmanager
def offline_unless_reachable() -> Iterator[HubStatus]:
    """Probe the hub once; while inside, an unreachable hub counts as ``HF_HUB_OFFLINE=1``.

    So a command that checks many models (``list``) asks the network at most
    once, and code that only looks at the environment variable skips the hub
    too. The variable is restored on exit.
    """
    status = hub_status()
    set_here = not status.online and not hub_offline()
    previous = os.environ.get("HF_HUB_OFFLINE")
    if set_here:
        os.environ["HF_HUB_OFFLINE"] = "1"
        status = HubStatus(False, status.reason, f"{status.detail}; checked from here on as if HF_HUB_OFFLINE=1")
    try:
        yield status
    finally:
        if set_here:
            if previous is None:
                os.environ.pop("HF_HUB_OFFLINE", None)
            else:
                os.environ["HF_HUB_OFFLINE"] = previous


def hf_hub_cache() -> Path:
    """The Hugging Face hub cache folder as the environment says now."""
    for variable in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(variable):
            return Path(os.environ[variable]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def known_status() -> HubStatus | None:
    """What this process already knows of the hub (a probe, or a failed download); None: nothing yet."""
    return _HUB_STATUS.get(hub_endpoint())


def mark_unreachable(error: BaseException) -> None:
    """A download failed without an answer: later references skip the hub instead of waiting on it again."""
    _HUB_STATUS[hub_endpoint()] = HubStatus(False, "not reachable", f"{hub_endpoint()}: {type(error).__name__}")


def is_connection_failure(error: BaseException) -> bool:
    """True if the hub gave no answer at all (DNS, refused, no route, timeout), not an HTTP error status."""
    for module_name in ("httpx2", "httpx"):
        module = sys.modules.get(module_name)
        transport_error = getattr(module, "TransportError", None) if module is not None else None
        if transport_error is not None and isinstance(error, transport_error):
            return True
        http_error = getattr(module, "HTTPError", None) if module is not None else None
        if http_error is not None and isinstance(error, http_error):
            return False  # an answer with an error status
    return isinstance(error, OSError)


def network_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "the hub could not be used", not a bug in the harness."""
    errors: list[type[BaseException]] = [OSError]
    for module_name in ("httpx2", "httpx"):  # huggingface_hub's HTTP client (name differs across versions)
        try:
            errors.append(__import__(module_name).HTTPError)
        except (ImportError, AttributeError):
            continue
    return tuple(errors)
