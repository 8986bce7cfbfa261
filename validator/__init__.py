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
]


def check(*args: Any, **kwargs: Any) -> Verdict:
    """Run the gate; see :func:`validator.api.check` for the parameters."""
    from validator.api import check as _check

    return _check(*args, **kwargs)
