"""BGP session reachability on the native core (core/src/session.rs): the Rust walk over the core's
FIBs decides a session only where it models everything on the way, and then exactly as the Python
tracer (dataplane._session_reachable) does; anything else (an ACL, a zone, unparsed lines) is left
to the tracer. Every test here compares with the Python engine, and an audit compares each of the
walk's answers with the tracer's over the same FIBs, so a session wrongly considered up (or down)
by the walk fails even where the final topology happened to agree.

Fixture: fixtures/native/bgp-sessions (each config's first line says which case it is).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from ipaddress import IPv4Address
from typing import Any

import pytest
from native_helpers import FIXTURES, assert_equal_dataplanes, first_difference, generated, require_core

import validator.engine.native as native
import validator.engine.native_bgp as native_bgp
from validator.engine import dataplane
from validator.engine.dataplane import compute_dataplane_python
from validator.engine.native import compute_native
from validator.engine.traceroute import Tracer
from validator.engine.types import DataPlane, FailureSet
from validator.model.snapshot import Snapshot
from validator.snapshot.folder import load_snapshot

pytestmark = pytest.mark.usefixtures("core")

SESSIONS = FIXTURES / "native" / "bgp-sessions"


@pytest.fixture(scope="module")
def core() -> object:
    return require_core()


@dataclasses.dataclass
class Query:
    node: str
    dst: str
    single_hop: bool
    walk: bool | None  # the walk's answer (None: left to the tracer)
    tracer: bool  # the Python tracer's answer over the same FIBs


class Audit(list[Query]):
    """The queries, and how many topologies the native loop asked for."""

    rounds = 0


@pytest.fixture
def audit(monkeypatch: pytest.MonkeyPatch) -> Audit:
    """Every session query the native topology loop makes, with the walk's and the tracer's answers."""
    queries = Audit()
    original: Callable[..., Any] = native.session_topology

    def audited(engine: Any, ctx: Any, failures: FailureSet, node_index: dict[str, int], intern: Any) -> Any:
        names = {i: n for n, i in node_index.items()}
        vrfs = {i: n for n, i in intern.ids.items()}
        tracer: list[Tracer] = []

        class Proxy:
            def set_session_net(self, *args: Any) -> None:
                engine.set_session_net(*args)

            def session_reachable(self, node: int, vrf: int, src: int, dst: int, single_hop: bool) -> bool | None:
                got: bool | None = engine.session_reachable(node, vrf, src, dst, single_hop)
                want = dataplane._session_reachable(
                    tracer[-1], names[node], vrfs[vrf], IPv4Address(src), IPv4Address(dst), single_hop
                )
                queries.append(Query(names[node], str(IPv4Address(dst)), single_hop, got, want))
                return got

        topology_of = original(Proxy(), ctx, failures, node_index, intern)

        def wrapped(fibs: Any) -> Any:
            dp = DataPlane(ctx.snapshot, failures, ctx.active, ctx.edges, {}, fibs, ip_owners=ctx.ip_owners)
            tracer.append(Tracer(dp))
            queries.rounds += 1
            return topology_of(fibs)

        return wrapped

    monkeypatch.setattr(native, "session_topology", audited)
    return queries


def _assert_walk_agrees(queries: Audit) -> None:
    wrong = [q for q in queries if q.walk is not None and q.walk != q.tracer]
    assert not wrong, f"the walk disagrees with the tracer: {wrong[:3]}"


def _status(dp: DataPlane, node: str, remote_ip: str) -> str:
    return next(s.status for s in dp.bgp_sessions if s.node == node and str(s.remote_ip) == remote_ip)


def test_sessions_fixture_equal_and_each_case_decided_as_designed(audit: Audit) -> None:
    dp = assert_equal_dataplanes(load_snapshot(SESSIONS))
    _assert_walk_agrees(audit)
    # the ACL dropping TCP/179 into r3: down, and never decided by the walk (it models no filter)
    assert _status(dp, "r1", "10.255.0.3") == "NOT_ESTABLISHED"
    assert {q.walk for q in audit if q.dst == "10.255.0.3" or q.node == "r3"} == {None}
    # one-way route to r4 (proxy ARP at r2 on the way there): down, decided by the walk
    assert _status(dp, "r1", "10.255.0.4") == "NOT_ESTABLISHED"
    assert any(q.dst == "10.255.0.4" and q.walk is False for q in audit)
    # asymmetric r1 <-> r5 and the proxy-ARP interface route to r6: up, decided by the walk
    for peer in ("10.255.0.5", "10.255.0.6"):
        assert _status(dp, "r1", peer) == "ESTABLISHED"
        assert any(q.dst == peer and q.walk is True for q in audit)
    # multihop eBGP r6 <-> x1: down over the IGP's FIBs, up once r1's iBGP route to x1 is installed
    assert _status(dp, "r6", "10.255.0.11") == "ESTABLISHED"
    # single-hop eBGP: two hops to x1's loopback is up, three hops from r2 is down (walk: False)
    assert _status(dp, "r1", "10.255.0.11") == "ESTABLISHED"
    assert _status(dp, "r2", "10.255.0.11") == "NOT_ESTABLISHED"
    assert any(q.node == "r2" and q.single_hop and q.walk is False for q in audit)
    # x1's egress ACL (permit all) sends its own sessions to the tracer, which brings them up
    assert _status(dp, "x1", "10.0.111.0") == "ESTABLISHED"
    assert {q.walk for q in audit if q.node == "x1"} == {None}


def test_failed_interface_on_the_return_path_only(audit: Audit) -> None:
    """r1 -> r5 goes through r2, r5 -> r1 through r6: failing r6's link to r1 leaves the forward
    trace ACCEPTED, and only the reply fails."""
    failures = FailureSet(interfaces=frozenset({("r6", "GigabitEthernet0/0")}))
    dp = assert_equal_dataplanes(load_snapshot(SESSIONS), failures)
    _assert_walk_agrees(audit)
    assert _status(dp, "r1", "10.255.0.5") == "NOT_ESTABLISHED"
    assert any(q.node == "r1" and q.dst == "10.255.0.5" and q.walk is False for q in audit)


def _with_acl_on_r2(snapshot: Snapshot, direction: str) -> Snapshot:
    """r2's interface towards r5 gets the ACL dropping TCP/179 (r3's NO-BGP) in one direction."""
    r2 = snapshot.nodes["r2"]
    acl = snapshot.nodes["r3"].acls["NO-BGP"]
    iface = dataclasses.replace(r2.interfaces["GigabitEthernet0/2"], **{f"acl_{direction}": "NO-BGP"})
    node = dataclasses.replace(r2, interfaces={**r2.interfaces, iface.name: iface}, acls={**r2.acls, "NO-BGP": acl})
    return dataclasses.replace(snapshot, nodes={**snapshot.nodes, "r2": node})


@pytest.mark.parametrize("direction", ["in", "out"])
def test_acl_on_the_path_is_never_crossed_by_the_walk(direction: str, audit: Audit) -> None:
    """The r1 <-> r5 session the walk brings up in the fixture crosses r2's interface to r5 outbound:
    an outbound ACL dropping TCP/179 there takes it down. An interface with an ACL in either
    direction is not plain, so the walk leaves every session crossing it to the tracer (the inbound
    ACL is off this session's path, and the tracer then brings it up)."""
    snapshot = _with_acl_on_r2(load_snapshot(SESSIONS), direction)
    dp = assert_equal_dataplanes(snapshot)
    _assert_walk_agrees(audit)
    r1_r5 = [q for q in audit if q.node == "r1" and q.dst == "10.255.0.5"]
    assert r1_r5 and all(q.walk is None for q in r1_r5)
    assert _status(dp, "r1", "10.255.0.5") == ("NOT_ESTABLISHED" if direction == "out" else "ESTABLISHED")


SMALL = {"azs": 3, "pods": 2, "leaves": 4, "spines": 2, "cores": 2}  # 42 routers


def test_generated_network_walk_decides_and_agrees(audit: Audit) -> None:
    """On the generated fabric (ACLs only on host LANs, off every session path) the walk decides
    every session, and each answer is the tracer's, with a spine and a core link down too."""
    snapshot = generated(**SMALL)
    assert_equal_dataplanes(snapshot)
    assert audit and all(q.walk is not None for q in audit)
    _assert_walk_agrees(audit)
    spine = next(n for n in sorted(snapshot.nodes) if "spine" in n)
    core = next(n for n in sorted(snapshot.nodes) if "core" in n)
    link = next(i for i in sorted(snapshot.nodes[core].interfaces) if i.startswith("GigabitEthernet"))
    audit.clear()
    assert_equal_dataplanes(snapshot, FailureSet(nodes=frozenset({spine}), interfaces=frozenset({(core, link)})))
    assert audit
    _assert_walk_agrees(audit)


@pytest.mark.parametrize("limit", [1, 2])
def test_igp_cut_short_between_bgp_rounds_equal(limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The core's IGP fixed point keeps its IGP-only RIBs between BGP rounds and materialises only
    the RIBs it returns; cut short on a BGP network without redistribution (the path that never
    assembles intermediate RIBs), it still returns the round Python returns."""
    monkeypatch.setattr(dataplane, "IGP_MAX_ITERATIONS", limit)
    snapshot = load_snapshot(SESSIONS)
    assert all(not p.redistributions for n in snapshot.nodes.values() for p in n.ospf)
    py = compute_dataplane_python(snapshot)
    nat = compute_native(snapshot, FailureSet(), igp_max_iterations=limit)
    if nat is None:
        assert not py.converged
    else:
        assert first_difference(py, nat) is None, first_difference(py, nat)


def test_topology_recomputed_when_an_answer_changes_replayed_when_none_does(
    audit: Audit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between topology rounds the native loop replays the previous round's session queries and
    reuses its topology only when every answer is the same; r6 <-> x1 comes up in the second round
    (over a BGP-learned route), so that round must be computed, and only the third replays."""
    computed: list[int] = []
    original = native_bgp.compute_bgp_topology

    def counting(*args: Any) -> Any:
        computed.append(1)
        return original(*args)

    monkeypatch.setattr(native_bgp, "compute_bgp_topology", counting)
    assert_equal_dataplanes(load_snapshot(SESSIONS))
    r6_x1 = [q.tracer for q in audit if q.node == "r6" and q.dst == "10.255.0.11"]
    assert r6_x1[0] is False and r6_x1[-1] is True
    assert audit.rounds == 3 and len(computed) == 2
