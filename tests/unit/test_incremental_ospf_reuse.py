"""Scenario OSPF routes (``_ospf_view._built``): when a failure narrows an ECMP set at an unchanged
metric, the routes of the hops that stay are the base's own objects (fewer allocations per
scenario); everything else is built afresh, and every result equals what building would give."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from test_incremental import assert_same, triangle

from validator.engine.dataplane import compute_dataplane_python
from validator.engine.incremental import fast_dataplane, scenario_with_stats
from validator.engine.incremental._ospf_view import _built
from validator.engine.ospf import Hop
from validator.engine.rib import hop
from validator.engine.types import FailureSet
from validator.model.dataplane import Route

P = IPv4Network("10.9.0.0/24")
H: list[Hop] = [
    ("Ethernet1", IPv4Address("10.0.0.1")),
    ("Ethernet2", IPv4Address("10.0.0.3")),
    ("Ethernet3", IPv4Address("10.0.0.5")),
]


def _route(h: Hop, metric: int = 20, proto: str = "ospf") -> Route:
    return Route("r1", "default", P, proto, hop("interface", h[0], h[1]), 110, metric)


def test_narrowed_ecmp_keeps_the_remaining_routes() -> None:
    old = [_route(h) for h in H]
    got = _built("r1", "default", P, "ospf", 20, {H[0], H[2]}, old)
    assert got == [_route(H[0]), _route(H[2])]
    assert got[0] is old[0] and got[1] is old[2]


def test_other_metrics_protocols_or_attributes_are_built() -> None:
    old = [_route(h) for h in H]
    got = _built("r1", "default", P, "ospf", 30, {H[0]}, old)
    assert got == [_route(H[0], 30)] and got[0] is not old[0]
    got = _built("r1", "default", P, "ospfE2", 20, {H[0]}, old)
    assert got == [_route(H[0], proto="ospfE2")] and got[0] is not old[0]
    tagged = [Route("r1", "default", P, "ospf", hop("interface", *H[0]), 110, 20, tag=7)]
    got = _built("r1", "default", P, "ospf", 20, {H[0], H[1]}, tagged)
    assert got == [_route(H[0]), _route(H[1])] and got[0] is not tagged[0]
    assert _built("r1", "default", P, "ospf", 20, set(H), old) is old  # unchanged: the list itself


def test_scenarios_with_narrowed_ecmp_equal_the_reference() -> None:
    snap = triangle()
    base = fast_dataplane(snap)
    for node in sorted(snap.nodes):
        fs = FailureSet(nodes=frozenset({node}))
        got, _ = scenario_with_stats(base, fs)
        assert_same(got, compute_dataplane_python(snap, fs))
