"""Scenario BGP topologies from the plan (``engine/incremental/_topo.py``): only the session pairs
whose checks may answer differently, or whose peer address lost its interface, are evaluated; the
result equals ``compute_bgp_topology`` of the scenario."""

from __future__ import annotations

from typing import Any

from test_incremental import assert_same, link, triangle

from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import base_state, scenario_with_stats
from validator.engine.incremental._sessions import SessionIndex
from validator.engine.types import FailureSet


def _sessions_up(dp: Any) -> set[tuple[str, str]]:
    return {(s.node, str(s.remote_ip)) for s in dp.bgp_sessions if s.status == "ESTABLISHED"}


def test_plan_is_adopted_for_static_local_ips() -> None:
    base = compute_dataplane(triangle())
    st = base_state(base)
    assert st is not None and st.plan is not None
    assert len(st.plan.pairs) == 4  # r1<->r3 iBGP and r3<->r4 eBGP, each seen from both ends


def test_session_whose_path_breaks_is_rechecked() -> None:
    snap = triangle()
    base = compute_dataplane(snap)
    # r1 cut off from r3 (both of r1's links): the iBGP session's SYN no longer gets through
    fs = link(base, "r1", "GigabitEthernet0/0").union(link(base, "r1", "GigabitEthernet0/1"))
    got, stats = scenario_with_stats(base, fs)
    assert stats is not None and stats.sessions_traced > 0
    ref = compute_dataplane(snap, fs)
    assert_same(got, ref)
    assert ("r1", "10.255.0.3") in _sessions_up(base) and ("r1", "10.255.0.3") not in _sessions_up(got)


def test_skipping_the_recheck_would_give_a_wrong_data_plane(monkeypatch: Any) -> None:
    """The same scenario with the suspects forced empty keeps the session up: wrong. This is what
    the suspects (reads on the session's path that changed) protect against."""
    snap = triangle()
    base = compute_dataplane(snap)
    fs = link(base, "r1", "GigabitEthernet0/0").union(link(base, "r1", "GigabitEthernet0/1"))
    monkeypatch.setattr(SessionIndex, "suspects", lambda self, filt: set())
    got, _stats = scenario_with_stats(base, fs)
    assert ("r1", "10.255.0.3") in _sessions_up(got)
    assert ("r1", "10.255.0.3") not in _sessions_up(compute_dataplane(snap, fs))


def test_lost_peer_address_marks_its_pairs_inactive() -> None:
    snap = triangle()
    base = compute_dataplane(snap)
    # r4's only interface owns r3's eBGP peer address: the pair is gone, not merely down
    fs = FailureSet(interfaces=frozenset({("r4", "GigabitEthernet0/0")}))
    got, stats = scenario_with_stats(base, fs)
    assert stats is not None
    assert_same(got, compute_dataplane(snap, fs))
    rows = {(s.node, str(s.remote_ip)): s.status for s in got.bgp_sessions}
    assert rows[("r3", "172.16.34.2")] != "ESTABLISHED"


def test_plan_topology_equals_reference_on_every_double_failure() -> None:
    snap = triangle()
    base = compute_dataplane(snap)
    st = base_state(base)
    assert st is not None and st.plan is not None
    links = [link(base, e.node1, e.interface1) for e in base.edges]
    nodes = [FailureSet(nodes=frozenset({n})) for n in snap.nodes]
    for i, a in enumerate(links + nodes):
        for b in (links + nodes)[i:]:
            fs = a.union(b)
            got, _ = scenario_with_stats(base, fs)
            ref = compute_dataplane(snap, fs)
            assert_same(got, ref)


def _fib_sourced() -> Any:
    """r1 peers with r3's loopback without ``update-source``: its local IP is the address of the
    interface its FIB uses towards 10.255.0.3 (Gi0/0, 10.0.12.1, over r2); r3 expects exactly that."""
    from engine_helpers import snapshot
    from test_incremental import M30, OSPF, _router

    r1 = _router(
        "r1",
        "10.255.0.1",
        [("10.0.12.1", M30, 1), ("10.0.13.1", M30, 5)],
        OSPF + "router bgp 65000\n neighbor 10.255.0.3 remote-as 65000\n network 10.255.0.1 mask 255.255.255.255\n",
    )
    r2 = _router("r2", "10.255.0.2", [("10.0.12.2", M30, 1), ("10.0.23.2", M30, 1)], OSPF)
    r3 = _router(
        "r3",
        "10.255.0.3",
        [("10.0.23.3", M30, 1), ("10.0.13.3", M30, 5)],
        OSPF + "router bgp 65000\n neighbor 10.0.12.1 remote-as 65000\n neighbor 10.0.12.1 update-source Loopback0\n",
    )
    return snapshot(r1, r2, r3)


def test_local_ip_from_the_fib_is_re_evaluated_per_scenario() -> None:
    snap = _fib_sourced()
    base = compute_dataplane(snap)
    st = base_state(base)
    assert st is not None and st.plan is not None and st.plan.dynamic  # a FIB-sourced pair in the plan
    assert ("r1", "10.255.0.3") in _sessions_up(base)
    # r1-r2 down: r1's FIB now leaves by Gi0/1 (10.0.13.1), which r3 does not expect: no session
    for fs in (
        link(base, "r1", "GigabitEthernet0/0"),
        link(base, "r2", "GigabitEthernet0/1"),
        link(base, "r1", "GigabitEthernet0/1"),
        FailureSet(nodes=frozenset({"r2"})),
    ):
        got, stats = scenario_with_stats(base, fs)
        assert stats is not None
        assert_same(got, compute_dataplane(snap, fs))
    got = scenario_with_stats(base, link(base, "r1", "GigabitEthernet0/0"))[0]
    assert ("r1", "10.255.0.3") not in _sessions_up(got)


def test_plan_survives_pickling_of_the_base_state() -> None:
    """A Ray worker unpickles the base with its state: the plan's adopted topologies are keyed by
    object ids, re-keyed on unpickling (a KeyError before), and still used."""
    import pickle

    import pytest

    from validator.engine.incremental import fast_dataplane

    cloudpickle = pytest.importorskip("ray.cloudpickle")  # what Ray ships the base with

    snap = triangle()
    base = fast_dataplane(snap)  # the incremental engine's own data plane (plain picklable objects)
    st = base_state(base)
    assert st is not None and st.plan is not None
    copy = pickle.loads(cloudpickle.dumps(base))
    st2 = base_state(copy)
    assert st2 is not None and st2.plan is not None and st2 is not st
    assert all(v[0] is st2.topology or v[0] is st2.topology_first for v in st2.plan._known.values())
    fs = link(base, "r1", "GigabitEthernet0/0").union(link(base, "r1", "GigabitEthernet0/1"))
    got, stats = scenario_with_stats(copy, fs)
    assert stats is not None
    assert_same(got, compute_dataplane(snap, fs))


def _over_bgp() -> Any:
    """The triangle plus a multihop eBGP session r1 <-> r4 (r4's 203.0.113.1). r1's route to
    203.0.113.0/24 is the BGP route from r3; r2 runs no BGP. In the base r1 reaches r3 over r2,
    which drops the SYN: down. Over IGP-only FIBs r1 has only a default static towards r2: down.
    r4 sends r1 nothing (its routes would resolve a BGP next hop through BGP)."""
    return triangle(
        r1_bgp=" neighbor 203.0.113.1 remote-as 65004\n neighbor 203.0.113.1 ebgp-multihop 5\n"
        " neighbor 203.0.113.1 update-source Loopback0\n",
        r1_extra="ip route 0.0.0.0 0.0.0.0 10.0.12.2\n",
        r4_extra="ip route 10.255.0.0 255.255.0.0 172.16.34.1\nroute-map NONE deny 10\n",
        r4_bgp=" neighbor 10.255.0.1 remote-as 65000\n neighbor 10.255.0.1 ebgp-multihop 5\n"
        " neighbor 10.255.0.1 update-source Loopback1\n neighbor 10.255.0.1 route-map NONE out\n",
    )


def test_a_check_traced_over_the_igp_fibs_is_re_traced_when_the_full_fibs_answer_otherwise() -> None:
    """r1-r2 down: over the scenario's IGP-only FIBs r1's default static is gone, so the r1 <-> r4
    check is re-traced there (down); over its full FIBs r1's BGP route to 203.0.113.1 now leaves by
    the direct link to r3, which forwards to r4: re-traced again, and up. Checks whose reads answer
    alike in both views are taken over from the first (``sessions_carried``); taking this one over
    without comparing its reads would leave the session down."""
    snap = _over_bgp()
    base = compute_dataplane(snap)
    assert ("r1", "203.0.113.1") not in _sessions_up(base)
    fs = link(base, "r1", "GigabitEthernet0/0")
    got, stats = scenario_with_stats(base, fs)
    assert stats is not None and stats.sessions_carried > 0
    assert_same(got, compute_dataplane(snap, fs))
    assert ("r1", "203.0.113.1") in _sessions_up(got)


def test_checks_traced_in_the_first_view_are_carried_into_the_second() -> None:
    """r1 cut off from r3: both of the iBGP session's checks are re-traced over the IGP-only FIBs;
    the full FIBs answer their reads alike, so the second view takes them over instead of tracing."""
    snap = triangle()
    base = compute_dataplane(snap)
    fs = link(base, "r1", "GigabitEthernet0/0").union(link(base, "r1", "GigabitEthernet0/1"))
    got, stats = scenario_with_stats(base, fs)
    assert stats is not None and stats.sessions_carried > 0
    assert_same(got, compute_dataplane(snap, fs))


def test_the_base_topologies_edge_comparison_is_memoised_not_assumed() -> None:
    """``_same_edges`` answers the base's own two topologies from a memo computed once: equal edge
    sets when they are, unequal when the base needed another topology round."""
    from types import SimpleNamespace

    from validator.engine.bgp_sessions import BgpTopology
    from validator.engine.incremental._core import _same_edges

    st = base_state(compute_dataplane(triangle()))
    assert st is not None
    assert _same_edges(st, st.topology, st.topology_first)
    assert st.edge_memo[-2] is True
    fewer = BgpTopology(st.topology.edges[:-1], st.topology.sessions)
    other: Any = SimpleNamespace(topology=fewer, topology_first=st.topology_first, edge_memo={})
    assert not _same_edges(other, st.topology_first, fewer)
    assert not _same_edges(other, fewer, st.topology_first)  # from the memo
    assert _same_edges(other, fewer, fewer)


def test_a_scenario_view_shares_its_neighbour_table_only_over_the_same_edges() -> None:
    from validator.engine.incremental._sessions import RecordingTracer, interim

    base = compute_dataplane(triangle())
    st = base_state(base)
    assert st is not None
    template = st.sessions_last[1]
    fs = link(base, "r1", "GigabitEthernet0/0")
    scen, _ = scenario_with_stats(base, fs)
    first = RecordingTracer(interim(scen, scen.fibs), template)
    again = RecordingTracer(interim(scen, scen.fibs), template, first)
    assert again._neighbours is first._neighbours
    assert ("r1", "GigabitEthernet0/0") not in first._neighbours  # the scenario's edges, not the base's
    other = RecordingTracer(interim(base, base.fibs), template, first)  # other edges: not shared
    assert other._neighbours is not first._neighbours
    # derived from the template's table: only the lost edges' senders are rebuilt, same table
    assert template.dp.edges is st.edges
    lost = {(e.node1, e.interface1) for e in st.edges if e not in set(scen.edges)}
    assert ("r1", "GigabitEthernet0/0") in lost
    derived = RecordingTracer(interim(scen, scen.fibs), template, None, lost)
    assert derived._neighbours == first._neighbours and derived._neighbours is not template._neighbours
