"""validator: a gate that every automated network change must pass before it reaches devices.

Library entry points (the CLI and CI use the same core)::

    import validator
    verdict = validator.check(head="snapshots/proposed", base="snapshots/live", policies="policies/")
    verdict.raise_for_block()
"""

from __future__ import annotations

from typing import Any

from validator.errors import (
    BackendUnavailable,
    ChangeBlocked,
    ConfigParseError,
    EngineError,
    InputError,
    PolicyError,
    ValidatorError,
)
from validator.model.verdict import ChangeSet, Finding, Location, Verdict

__version__ = "0.1.0"

__all__ = [
    "BackendUnavailable",
    "ChangeBlocked",
    "ChangeSet",
    "ConfigParseError",
    "EngineError",
    "Finding",
    "InputError",
    "Location",
    "PolicyError",
    "ValidatorError",
    "Verdict",
    "__version__",
    "check",
    "lease",
    "record_apply",
    "verify_plan",
]


def check(*args: Any, **kwargs: Any) -> Verdict:
    """Run the gate; see :func:`validator.api.check` for the parameters."""
    from validator.api import check as _check

    return _check(*args, **kwargs)


def verify_plan(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """Refuse a stale or tampered plan token; see :func:`validator.coord.verify_plan`."""
    from validator.coord import verify_plan as _verify

    return _verify(*args, **kwargs)


def lease(*args: Any, **kwargs: Any) -> Any:
    """``with validator.lease(repo, devices, owner, ttl):``; see :func:`validator.coord.lease`."""
    from validator.coord import lease as _lease

    return _lease(*args, **kwargs)


def record_apply(*args: Any, **kwargs: Any) -> Any:
    """Record a monotonic apply generation; see :func:`validator.coord.record_apply`."""
    from validator.coord import record_apply as _record

    return _record(*args, **kwargs)
