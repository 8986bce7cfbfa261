"""Equivalent failure scenarios (``checks/equivalence.py``): element sets that fail exactly the same
network are computed once, and the sweep's findings stay those of computing every set.

Fixture ``fixtures/fidelity/subif``: r1 and r2 joined by one cable (Gi0/1) carrying a primary VLAN
(.100) and a backup VLAN (.200); failing the cable interface takes both VLANs down (BIND)."""

from __future__ import annotations

import sys
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_incremental_delta import _Zone

from validator.checks import donors as donors_mod
from validator.checks.equivalence import Effects
from validator.checks.headerspace import HeaderConstraints
from validator.checks.sweep import (
    Element,
    Sweeper,
    default_scenario_fn,
    enumerate_elements,
    from_scratch,
    judge_redundancy,
    pair_baseline,
)
from validator.engine.dataplane import compute_dataplane_python
from validator.engine.incremental import fast_dataplane
from validator.engine.topology import compute_active_interfaces
from validator.engine.types import DataPlane, FailureSet
from validator.snapshot.folder import load_snapshot

SUBIF = Path(__file__).resolve().parents[2] / "fixtures" / "fidelity" / "subif" / "base"


@pytest.fixture(scope="module")
def base() -> DataPlane:
    return fast_dataplane(load_snapshot(str(SUBIF)))


def _pairs(base: DataPlane) -> list[Any]:
    servers = _Zone("servers", interfaces=("r1[GigabitEthernet0/0]",))
    users = _Zone("users", prefixes=(IPv4Network("10.2.0.0/24"),))
    hc = HeaderConstraints()
    return [pair_baseline(base, servers, users, hc), pair_baseline(base, users, servers, hc)]


def _sweep(
    base: DataPlane, fn: Any, elements: list[Element], k: int, equivalence: bool, prune: bool = True
) -> tuple[Any, Sweeper]:
    sw = Sweeper(base, fn, prune=prune)
    sw.equivalence = equivalence
    found = sw.sweep(_pairs(base), elements, k, judge_redundancy)
    return [(v.pair.label, tuple(e.spec for e in v.elements), v.kind, v.count, str(v.result.flow)) for v in found], sw


def test_same_effect_means_same_active_interfaces(base: DataPlane) -> None:
    """The key is exact: two failure sets with one effect give the engine the same input."""
    snap = base.snapshot
    eff = Effects(snap)
    parent = ("r1", "GigabitEthernet0/1")
    vlan = ("r1", "GigabitEthernet0/1.100")
    link = FailureSet(interfaces=frozenset({vlan, ("r2", "GigabitEthernet0/1.100")}))
    same = [
        (FailureSet(interfaces=frozenset({parent})), FailureSet(interfaces=frozenset({parent, vlan}))),
        (FailureSet(nodes=frozenset({"r1"})), FailureSet(nodes=frozenset({"r1"}), interfaces=frozenset({vlan}))),
        (link, link.union(FailureSet(interfaces=frozenset({("r1", "Loopback99")})))),  # no such interface
    ]
    for a, b in same:
        assert eff.of(a) == eff.of(b)
        assert compute_active_interfaces(snap, a) == compute_active_interfaces(snap, b)
        assert a.nodes == b.nodes
    different = [
        (FailureSet(interfaces=frozenset({vlan})), FailureSet(interfaces=frozenset({parent}))),
        (
            FailureSet(nodes=frozenset({"r1"})),
            FailureSet(interfaces=frozenset(("r1", n) for n in snap.nodes["r1"].interfaces)),
        ),
        (link, FailureSet(interfaces=frozenset({vlan}))),
    ]
    for a, b in different:
        assert eff.of(a) != eff.of(b)


def test_equivalent_sets_are_computed_once_with_the_same_findings(base: DataPlane, monkeypatch: Any) -> None:
    """Links, interfaces and nodes, k <= 2: {VLAN link} = {both VLAN interfaces}, {cable} = {cable,
    its VLAN}, {node} = {node, an interface on it}. Fewer data planes, the same minimal failing sets
    in the same order, and the same as recomputing every set from scratch."""
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    elements = enumerate_elements(base, ["link", "interface", "node"])
    fn = default_scenario_fn(None)
    with_eq, sw = _sweep(base, fn, elements, 2, equivalence=True)
    without, sw_off = _sweep(base, fn, elements, 2, equivalence=False)
    assert with_eq == without
    assert sw_off.stats.equivalent == 0
    assert sw.stats.equivalent >= 3, sw.stats
    assert sw.stats.dataplanes + sw.stats.equivalent == sw_off.stats.dataplanes
    # the cable interface alone breaks both directions: a minimal failing set, found either way
    assert any(specs == ("interface:r1[GigabitEthernet0/1]",) for _, specs, *_ in with_eq), with_eq
    # the reference takes no shortcut at all: no pruning, no equivalence, no traces lent or groups
    # settled by single failures (a bug in any of those would otherwise be on both sides)
    real_start = donors_mod.start
    monkeypatch.setattr(donors_mod, "start", lambda b, keep: real_start(b, keep=False))
    ref, sw_ref = _sweep(base, from_scratch(compute_dataplane_python), elements, 2, equivalence=False, prune=False)
    assert (sw_ref.stats.pruned, sw_ref.stats.equivalent, sw_ref.stats.donated, sw_ref.stats.settled) == (0, 0, 0, 0)
    assert sw.stats.pruned > 0  # pruning did work on the compared side
    assert with_eq == ref


def test_an_equivalent_set_asks_only_what_was_computed(base: DataPlane, monkeypatch: Any) -> None:
    """A set whose effect was computed for fewer pairs than it asks about is computed again (never
    answered from a pair that was not evaluated)."""
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    sw = Sweeper(base, default_scenario_fn(None))
    pairs = _pairs(base)
    vlan = {e.spec: e for e in enumerate_elements(base, ["link", "interface"])}
    link = vlan["link:r1[GigabitEthernet0/1.100]"]
    ends = (vlan["interface:r1[GigabitEthernet0/1.100]"], vlan["interface:r2[GigabitEthernet0/1.100]"])
    known: dict[Any, Any] = {}
    effects = Effects(base.snapshot)
    first = sw._run_equivalent(pairs, [((link,), [0])], judge_redundancy, "t", 0, 2, effects, known)
    assert sw.stats.dataplanes == 1 and sw.stats.equivalent == 0 and first[0][1] == []
    again = sw._run_equivalent(pairs, [(ends, [0, 1])], judge_redundancy, "t", 0, 2, effects, known)
    assert sw.stats.dataplanes == 2 and sw.stats.equivalent == 0 and again[0][1] == []
    third = sw._run_equivalent(pairs, [(ends, [1]), ((link,), [0, 1])], judge_redundancy, "t", 0, 2, effects, known)
    assert sw.stats.dataplanes == 2 and sw.stats.equivalent == 2 and [h for _, h in third] == [[], []]
