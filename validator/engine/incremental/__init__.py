"""Failure scenarios computed from a base data plane instead of from scratch.

A sweep asks for thousands of data planes that differ from the no-failure one by a link or two.
Batfish forks a snapshot per scenario and recomputes everything; here a scenario recomputes only
what the failed elements can reach, and keeps the rest of the base:

- topology: active interfaces and layer-3 edges lose the failed ends (both are monotone in the set
  of active interfaces); connected routes change only on nodes that lost an interface;
- IGP: the IGP-only RIBs are recomputed and compared with the base's, prefix by prefix;
- BGP sessions: a session's TCP traces are reused when every data-plane read they made (FIB
  lookups, acceptance, neighbours, ARP answers) answers the same in the scenario;
- BGP routes: when the IGP never reads BGP routes and BGP's own next-hop lookups are answered by
  the IGP (checked; otherwise the reference engine runs), BGP decomposes by prefix (see ``_bgp``).
  Only prefixes that crossed a lost session, used a next hop whose IGP answer changed, or are
  originated from a changed IGP route are re-run, from round one, exactly as the reference would;
- main RIBs and FIBs: patched at the changed prefixes and at the routes that resolved through
  them; FIBs lazily, on first lookup.

Anything outside these rules (OSPF redistributing BGP, a BGP route resolving a BGP next hop, ...)
falls back to :func:`validator.engine.dataplane.compute_dataplane`, so the result is always equal
to it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental._bgp import Unsupported
from validator.engine.incremental._core import State, Stats, build_state, scenario_dataplane_from_state
from validator.engine.types import DataPlane, FailureSet

__all__ = ["Stats", "base_state", "parallel_scenarios", "scenario_dataplane", "scenario_with_stats"]

_ATTR = "_validator_incremental"


def base_state(base: DataPlane) -> State | None:
    """The reusable state of ``base`` (built on first use, kept on the object); None when the
    incremental rules do not apply to this snapshot."""
    cached = base.__dict__.get(_ATTR)
    if cached is None:
        try:
            cached = build_state(base.snapshot, base.failures, fibs=base.fibs)
        except Unsupported as exc:
            cached = exc
        base.__dict__[_ATTR] = cached
    return cached if isinstance(cached, State) else None


def scenario_with_stats(base: DataPlane, failures: FailureSet) -> tuple[DataPlane, Stats | None]:
    """:func:`scenario_dataplane` and what it reused (None: computed from scratch)."""
    if not (base.failures.nodes <= failures.nodes and base.failures.interfaces <= failures.interfaces):
        return compute_dataplane(base.snapshot, failures), None
    st = base_state(base)
    if st is None:
        return compute_dataplane(base.snapshot, failures), None
    try:
        return scenario_dataplane_from_state(st, base, failures)
    except Unsupported:
        return compute_dataplane(base.snapshot, failures), None


def scenario_dataplane(base: DataPlane, failures: FailureSet) -> DataPlane:
    """The data plane of ``base.snapshot`` with ``failures`` down; equal to
    ``compute_dataplane(base.snapshot, failures)``, computed from ``base``'s reusable state."""
    return scenario_with_stats(base, failures)[0]


# --- process pool -----------------------------------------------------------------------------------

_POOL_BASE: DataPlane | None = None


def _pool_run(failures: FailureSet) -> DataPlane:
    assert _POOL_BASE is not None
    dp = scenario_dataplane(_POOL_BASE, failures)
    for vrfs in dp.fibs.values():  # lazily patched FIBs must travel materialised
        for fib in vrfs.values():
            fib.entries()
    dp.__dict__.pop("_validator_incremental", None)
    return dp


def parallel_scenarios(
    base: DataPlane, failure_sets: Iterable[FailureSet], workers: int | None = None
) -> Iterator[DataPlane]:
    """Scenario data planes in the order of ``failure_sets``, computed by ``workers`` forked
    processes sharing ``base``'s state (copy-on-write). Falls back to serial where fork is missing."""
    global _POOL_BASE
    sets: Sequence[FailureSet] = list(failure_sets)
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(sets) < 2 or "fork" not in _start_methods():
        for fs in sets:
            yield scenario_dataplane(base, fs)
        return
    import multiprocessing as mp

    base_state(base)  # build once, before forking
    _POOL_BASE = base
    ctx = mp.get_context("fork")
    with ctx.Pool(workers) as pool:
        yield from pool.imap(_pool_run, sets, chunksize=max(1, len(sets) // (workers * 8)))
    _POOL_BASE = None


def _start_methods() -> list[str]:
    import multiprocessing as mp

    return mp.get_all_start_methods()
