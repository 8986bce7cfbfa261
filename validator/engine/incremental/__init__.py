"""Failure scenarios computed from a base data plane instead of from scratch.

A sweep asks for thousands of data planes that differ from the no-failure one by a link or two.
Batfish forks a snapshot per scenario and recomputes everything; here a scenario recomputes only
what the failed elements can reach, and keeps the rest of the base:

- topology: active interfaces and layer-3 edges lose the failed ends (both are monotone in the set
  of active interfaces); connected routes change only on nodes that lost an interface;
- IGP: the IGP-only RIBs are recomputed and compared with the base's, prefix by prefix;
- BGP sessions: a session's TCP traces are reused when every data-plane read they made (FIB
  lookups, acceptance, neighbours, ARP answers) answers the same in the scenario, or, over the
  scenario's full FIBs, as in its own IGP-only view that traced it (``_sessions``);
- BGP routes: when the IGP never reads BGP routes and BGP's own next-hop lookups are answered by
  the IGP (checked; otherwise the reference engine runs), BGP decomposes by prefix (see ``_bgp``).
  Only (speaker, prefix) pairs whose selection function changed (a lost session into them, a next
  hop whose IGP answer changed, an origination from a changed IGP route) or whose inputs differ
  from the base's are evaluated, in the reference's own rounds, replayed against the base run's
  recorded trajectory (``_delta``: delta BGP); a pair whose changed input provably keeps its
  selections (a lost session or a worse next hop whose routes it never selected) is left out
  (``_scenario_bgp``: narrowing); where an aggregate group is involved, the affected prefixes are
  re-run from round one on every speaker instead;
- main RIBs and FIBs: patched at the changed prefixes and at the routes that resolved through
  them; FIBs lazily: a single lookup resolves only the prefix it matches, the table is patched
  when something needs more of it.

Anything outside these rules (OSPF redistributing BGP, a BGP route resolving a BGP next hop, ...)
falls back to :func:`validator.engine.dataplane.compute_dataplane`, so the result is always equal
to it.
"""

from __future__ import annotations

from validator.engine.collector import collector_paused
from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental._bgp import Unsupported
from validator.engine.incremental._core import State, Stats, build_state, scenario_dataplane_from_state, state_dataplane
from validator.engine.types import DataPlane, FailureSet
from validator.model.snapshot import Snapshot

__all__ = [
    "Stats",
    "base_state",
    "collector_paused",
    "parallel_scenarios",
    "scenario_dataplane",
    "scenario_with_stats",
]

_ATTR = "_validator_incremental"
_NONE = FailureSet()


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


def state_ready(base: DataPlane) -> bool:
    """Whether ``base`` already carries the incremental engine's reusable state (the relevance
    closure of a sweep builds it), so its scenarios cost no from-scratch Python run any more."""
    return isinstance(base.__dict__.get(_ATTR), State)


def scenario_with_stats(base: DataPlane, failures: FailureSet) -> tuple[DataPlane, Stats | None]:
    """:func:`scenario_dataplane` and what it reused (None: computed from scratch).

    The cyclic collector is paused while the scenario is computed (as ``native_scenario`` does): a
    scenario allocates tens of thousands of short-lived objects and makes no reference cycles of
    its own (its data plane is freed by reference counting, ``tests/unit/test_sweep_memory.py``),
    yet each allocation burst triggered collections that walk the sweep's whole live heap (the
    base run's trajectory and the memos that grow across scenarios): 28 % of a 150-router sweep's
    CPU. Collections resume afterwards, so whatever garbage a scenario leaves is still collected."""
    with collector_paused():
        return _scenario_with_stats(base, failures)


def _scenario_with_stats(base: DataPlane, failures: FailureSet) -> tuple[DataPlane, Stats | None]:
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


def fast_dataplane(snapshot: Snapshot, failures: FailureSet = _NONE) -> DataPlane:
    """``compute_dataplane`` through the incremental engine's own from-scratch path (prefix-wise
    BGP), with the reusable state already attached; the reference engine when the rules do not
    apply. Equal to ``compute_dataplane(snapshot, failures)``."""
    try:
        st = build_state(snapshot, failures)
    except Unsupported:
        return compute_dataplane(snapshot, failures)
    dp = state_dataplane(st)
    dp.__dict__[_ATTR] = st
    return dp
