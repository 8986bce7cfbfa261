"""validator: a gate that every automated network change must pass before it reaches devices.

Library entry points (the CLI and CI use the same core)::

    import validator
    verdict = validator.check(head="snapshots/proposed", base="snapshots/live", policies="policies/")
    verdict.raise_for_block()
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from validator.checks.budget import DEFAULT_MAX_SCENARIOS
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

if TYPE_CHECKING:
    from validator.executors import Executor


def _version() -> str:
    """The installed distribution's version (one source of truth: pyproject.toml)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("netchange-validator")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+unknown"


__version__ = _version()

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
    "whatif",
]


def check(
    *,
    head: str | Path | Any | None = None,
    base: str | Path | Any | None = None,
    policies: str | Path | Any = "policies",
    engine: str = "builtin",
    intent: str | Path | None = None,
    ignore_paths: Sequence[str] = (),
    repo: str | Path | None = None,
    head_rev: str | None = None,
    base_rev: str | None = None,
    snapshot_path: str = ".",
    batfish_host: str | None = None,
    allow_empty: bool = False,
    max_scenarios: int | None = DEFAULT_MAX_SCENARIOS,
    timeout: float | None = None,
    strict: bool = False,
    executor: str | Executor | None = None,
) -> Verdict:
    """Run the gate; see :func:`validator.api.check` for the parameters.

    Keyword-only and fully typed (not ``*args, **kwargs``) so that a type checker catches a
    misspelt parameter in a deployment script before the gate runs (tests/unit/test_public_api.py).
    ``head``/``base`` are snapshot folders or loaded ``Snapshot`` objects; ``policies`` a path or a
    loaded policy set.
    """
    from validator.api import check as _check

    return _check(
        head,
        base,
        policies,
        engine,
        intent=intent,
        ignore_paths=ignore_paths,
        repo=repo,
        head_rev=head_rev,
        base_rev=base_rev,
        snapshot_path=snapshot_path,
        batfish_host=batfish_host,
        allow_empty=allow_empty,
        max_scenarios=max_scenarios,
        timeout=timeout,
        strict=strict,
        executor=executor,
    )


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


def whatif(
    snapshot: str | Path | Any,
    *,
    fail: Sequence[str] = (),
    drain: Sequence[str] = (),
    policies: str | Path | Any = "policies",
    engine: str = "builtin",
    batfish_host: str | None = None,
    allow_empty: bool = False,
    max_scenarios: int | None = DEFAULT_MAX_SCENARIOS,
    timeout: float | None = None,
    strict: bool = False,
    executor: str | Executor | None = None,
) -> Verdict:
    """Before maintenance: is it safe to take these elements down? See :func:`validator.api.whatif`."""
    from validator.api import whatif as _whatif

    return _whatif(
        snapshot,
        fail=fail,
        drain=drain,
        policies=policies,
        engine=engine,
        batfish_host=batfish_host,
        allow_empty=allow_empty,
        max_scenarios=max_scenarios,
        timeout=timeout,
        strict=strict,
        executor=executor,
    )
