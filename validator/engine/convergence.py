"""Fail closed on data planes that did not converge.

A non-converged data plane is whatever the last round held; a check that reads it can pass a
change that breaks everything. Every consumer of data planes (the gate, sweeps, what-if) calls
:func:`require_converged`; ``routes`` and ``trace`` only warn (they show the state as is).
"""

from __future__ import annotations

from validator.engine.types import DataPlane, Oscillation
from validator.errors import NotConverged


def oscillation_of(dp: DataPlane) -> Oscillation | None:
    """What did not converge on ``dp`` (None when it converged).

    The incremental engine records only the flag; the reference engine names the oscillating
    prefixes and speakers, so the names come from a from-scratch run of the same scenario (only
    on this error path).
    """
    if dp.converged:
        return None
    if dp.oscillation is not None:
        return dp.oscillation
    from validator.engine.dataplane import compute_dataplane

    try:
        ref = compute_dataplane(dp.snapshot, dp.failures)
    except Exception:  # the names are a courtesy; the error stands without them
        ref = None
    if ref is not None and ref.oscillation is not None:
        return ref.oscillation
    return Oscillation("bgp")


def describe(dp: DataPlane, what: str) -> str | None:
    osc = oscillation_of(dp)
    if osc is None:
        return None
    failed = sorted(dp.failures.nodes) + sorted(f"{n}[{i}]" for n, i in dp.failures.interfaces)
    scenario = f" with {', '.join(failed)} down" if failed else ""
    return f"{what}{scenario}: {osc.describe()}; the routes are not a fixed point, so nothing computed on them holds"


def require_converged(dp: DataPlane, what: str) -> None:
    """Raise :class:`NotConverged` naming the oscillating prefixes and speakers."""
    message = describe(dp, what)
    if message is not None:
        raise NotConverged(message)
