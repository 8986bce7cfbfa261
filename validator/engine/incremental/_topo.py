"""The BGP topology of a scenario as a function of its session checks, not recomputed in full.

``engine.bgp.compute_bgp_topology`` depends on a scenario only through three things: which
interfaces owning a peer address are active, what the TCP reachability check answers for each
compatible pair, and, for the few neighbours without a statically known local IP, the source IPs
their FIB lookup towards the peer gives (those pairs are evaluated afresh in every scenario).
Everything else (router IDs, AS numbers, passwords, the pairing of neighbour statements, the
edges' ``PeerEnd`` values) is configuration. So a plan enumerates the compatible
pairs once per snapshot, in the reference's own order, and a scenario only evaluates their states:
the edges and session rows of pairs whose state is the base's are the base's, the rows of neighbour
statements touched by a changed pair are recomputed with the reference's ``session_rows``.

The plan is checked against ``compute_bgp_topology`` on the base itself when it is built (equal
edges in equal order, equal rows); on any difference it is not used and the reference runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import TYPE_CHECKING

from validator.engine.bgp_sessions import (
    BgpTopology,
    PeerEnd,
    SessionEdge,
    _fib_local_ips,
    _session_type,
    bgp_neighbors,
    bgp_router_id,
    static_local_ip,
)
from validator.engine.bgp_status import PeerInfo, PeerKey, SessionFacts, session_rows
from validator.engine.topology import IfaceKey
from validator.engine.types import Fib
from validator.model.config import BgpNeighbor
from validator.model.dataplane import BgpSession
from validator.model.snapshot import Snapshot

if TYPE_CHECKING:  # annotations only: _core imports this module
    from validator.engine.incremental._core import State

ReachFn = Callable[[str, str, IPv4Address, IPv4Address, bool], bool]
EdgeKey = tuple[str, IPv4Address, str, IPv4Address]
FibMap = dict[str, dict[str, Fib]]

# states of a candidate pair in one scenario (a pair without a static local IP that came up holds
# the local IP it came up with instead of UP)
INACTIVE, AUTH, DOWN, UP = 0, 1, 2, 3


@dataclass(frozen=True)
class _Pair:
    """One compatible (neighbour statement, remote neighbour statement) pair, in reference order."""

    key: PeerKey
    rkey: PeerKey
    owner: IfaceKey  # the remote interface owning the peer address
    auth_mismatch: bool
    static: bool  # the local IP is known statically; else it comes from the FIB (``dynamic``)
    reach: tuple[str, str, IPv4Address, IPv4Address, bool]  # (with the static local IP)
    lip: IPv4Address | None
    peer_ip: IPv4Address
    edges: tuple[tuple[EdgeKey, SessionEdge], tuple[EdgeKey, SessionEdge]] | None
    dynamic: _Dynamic | None = None


@dataclass(frozen=True)
class _Dynamic:
    """What a pair without a static local IP needs to be evaluated against a scenario's FIBs."""

    node: str
    r_node: str
    nb: BgpNeighbor
    rnb: BgpNeighbor
    local_as: int
    r_local_as: int
    rid: IPv4Address
    r_rid: IPv4Address
    ibgp: bool

    def feasible(self, lips: list[IPv4Address]) -> list[IPv4Address]:
        rnb = self.rnb
        if rnb.peer_ip is not None:
            return [ip for ip in lips if ip == rnb.peer_ip]
        if rnb.peer_prefix is not None:
            return [ip for ip in lips if ip in rnb.peer_prefix]
        return []

    def edges(self, lip: IPv4Address) -> list[tuple[EdgeKey, SessionEdge]]:
        nb, rnb = self.nb, self.rnb
        assert nb.peer_ip is not None
        me = PeerEnd(self.node, nb.vrf, nb, lip, nb.peer_ip, self.local_as, self.rid)
        them = PeerEnd(self.r_node, nb.vrf, rnb, nb.peer_ip, lip, self.r_local_as, self.r_rid)
        return _edge_pair(me, them, self.ibgp)


def _edge_pair(me: PeerEnd, them: PeerEnd, ibgp: bool) -> list[tuple[EdgeKey, SessionEdge]]:
    out = []
    for s, r in ((me, them), (them, me)):
        add_path = (
            ibgp
            and s.neighbor.additional_paths_send
            and s.neighbor.additional_paths_select_all
            and r.neighbor.additional_paths_receive
        )
        out.append(((s.node, s.local_ip, r.node, r.local_ip), SessionEdge(s, r, ibgp, add_path)))
    return out


class TopologyPlan:
    """``compute_bgp_topology`` precomputed up to the active owners and the reachability answers."""

    def __init__(self, snapshot: Snapshot, ip_owners: dict[IPv4Address, frozenset[IfaceKey]]) -> None:
        rids = {n: bgp_router_id(node) for n, node in snapshot.nodes.items() if node.bgp is not None}
        self.peers: dict[PeerKey, PeerInfo] = {}
        self.static_ip: dict[PeerKey, IPv4Address | None] = {}
        self.order: list[PeerKey] = []  # neighbour statements in row order
        pairs: list[_Pair] = []
        for name in sorted(rids):
            node = snapshot.nodes[name]
            proc = node.bgp
            assert proc is not None
            for nb in proc.neighbors:
                local_as = nb.local_as if nb.local_as is not None else proc.local_as
                stype = _session_type(nb, local_as) if nb.remote_as is not None else "UNSET"
                self.peers[(name, id(nb))] = PeerInfo(name, nb.vrf, nb, local_as, stype)
                self.order.append((name, id(nb)))
                if nb.peer_ip is not None:
                    self.static_ip[(name, id(nb))] = static_local_ip(node, nb)
            for nb in bgp_neighbors(proc):
                if nb.peer_ip is None:
                    continue
                key = (name, id(nb))
                local_as = self.peers[key].local_as
                static = self.static_ip[key]
                for owner_node, owner_iface in sorted(ip_owners.get(nb.peer_ip, frozenset())):
                    if owner_node not in rids:
                        continue
                    remote = snapshot.nodes[owner_node]
                    if remote.interfaces[owner_iface].vrf != nb.vrf:
                        continue
                    rproc = remote.bgp
                    assert rproc is not None
                    for rnb in bgp_neighbors(rproc):
                        if rnb.vrf != nb.vrf:
                            continue
                        r_local_as = rnb.local_as if rnb.local_as is not None else rproc.local_as
                        if nb.remote_as != r_local_as or rnb.remote_as != local_as:
                            continue
                        rkey = (owner_node, id(rnb))
                        stype = _session_type(nb, local_as)
                        ibgp = stype == "IBGP"
                        single = stype == "EBGP_SINGLEHOP"
                        auth = nb.password != rnb.password
                        dyn = _Dynamic(
                            name, owner_node, nb, rnb, local_as, r_local_as, rids[name], rids[owner_node], ibgp
                        )
                        if static is None:  # the FIB gives the local IPs: evaluated per scenario
                            reach = (name, nb.vrf, nb.peer_ip, nb.peer_ip, single)
                            pairs.append(
                                _Pair(
                                    key,
                                    rkey,
                                    (owner_node, owner_iface),
                                    auth,
                                    False,
                                    reach,
                                    None,
                                    nb.peer_ip,
                                    None,
                                    dyn,
                                )
                            )
                            continue
                        if not dyn.feasible([static]):
                            continue
                        e1, e2 = dyn.edges(static)
                        reach = (name, nb.vrf, static, nb.peer_ip, single)
                        pairs.append(
                            _Pair(key, rkey, (owner_node, owner_iface), auth, True, reach, static, nb.peer_ip, (e1, e2))
                        )
        self.pairs = pairs
        self.nodes = snapshot.nodes
        self.dynamic = [i for i, p in enumerate(pairs) if not p.static]
        self._eids: dict[EdgeKey, int] = {}
        self._static_edges: list[list[tuple[int, SessionEdge]]] = [
            [(self._eid(k), e) for k, e in p.edges] if p.edges is not None else [] for p in pairs
        ]
        self.touching: dict[PeerKey, list[int]] = {}
        self.by_reach: dict[tuple[str, str, IPv4Address, IPv4Address, bool], list[int]] = {}
        self.by_owner: dict[IfaceKey, list[int]] = {}
        for i, p in enumerate(pairs):
            self.by_reach.setdefault(p.reach, []).append(i)
            self.by_owner.setdefault(p.owner, []).append(i)
            self.touching.setdefault(p.key, []).append(i)
            self.touching.setdefault(p.rkey, []).append(i)
        # per base topology (by identity): its pair states and rows per neighbour statement
        self._known: dict[int, tuple[BgpTopology, list[object], dict[PeerKey, list[BgpSession]]]] = {}

    def _dynamic_state(
        self,
        p: _Pair,
        active: frozenset[IfaceKey],
        reachable: ReachFn,
        fibs: FibMap,
        lips: dict[PeerKey, list[IPv4Address]],
    ) -> object:
        """The reference's steps for a neighbour without a static local IP (no configured edge)."""
        d = p.dynamic
        assert d is not None
        if p.owner not in active:
            return INACTIVE
        got = lips.get(p.key)
        if got is None:
            got = lips[p.key] = _fib_local_ips(self.nodes[d.node], d.nb, fibs)
        feasible = d.feasible(got)
        if not feasible:
            return INACTIVE  # no facts at all, like an inactive owner
        if p.auth_mismatch:
            return AUTH
        _n, vrf, _ip, peer_ip, single = p.reach
        lip = next((ip for ip in feasible if reachable(d.node, vrf, ip, peer_ip, single)), None)
        return DOWN if lip is None else lip

    def states(self, active: frozenset[IfaceKey], reachable: ReachFn, fibs: FibMap) -> list[object]:
        out: list[object] = []
        lips: dict[PeerKey, list[IPv4Address]] = {}
        for p in self.pairs:
            if p.dynamic is not None and not p.static:
                out.append(self._dynamic_state(p, active, reachable, fibs, lips))
            elif p.owner not in active:
                out.append(INACTIVE)
            elif p.auth_mismatch:
                out.append(AUTH)
            else:
                out.append(UP if reachable(*p.reach) else DOWN)
        return out

    def _fact(self, facts: SessionFacts, p: _Pair, s: object) -> None:
        if s == INACTIVE:
            return
        if p.static:
            facts.add_configured(p.key, p.rkey)
        if s == AUTH:
            facts.auth_mismatch.update((p.key, p.rkey))
        elif s == UP:
            assert p.lip is not None
            facts.add_established(p.key, p.lip, p.rkey, p.peer_ip)
        elif isinstance(s, IPv4Address):
            facts.add_established(p.key, s, p.rkey, p.peer_ip)

    def _facts(self, states: list[object]) -> SessionFacts:
        facts = SessionFacts(peers=self.peers, static_ip=self.static_ip)
        for p, s in zip(self.pairs, states, strict=True):
            self._fact(facts, p, s)
        return facts

    def __setstate__(self, state: dict[str, object]) -> None:
        """Unpickled (a Ray worker, validator.executors): adopted topologies are keyed by object
        ids, which unpickling changes; the topologies themselves come along in the same pickle."""
        self.__dict__.update(state)
        self._known = {id(v[0]): v for v in self._known.values()}

    def _eid(self, ekey: EdgeKey) -> int:
        """Edge keys as small ints (an ``IPv4Address`` hash is Python code, this runs per scenario)."""
        hit = self._eids.get(ekey)
        if hit is None:
            hit = self._eids[ekey] = len(self._eids)
        return hit

    def _edges(self, states: list[object]) -> list[SessionEdge]:
        edges: dict[int, SessionEdge] = {}
        for i, s in enumerate(states):
            if s == UP:
                for eid, edge in self._static_edges[i]:
                    if eid not in edges:
                        edges[eid] = edge
            elif isinstance(s, IPv4Address):
                d = self.pairs[i].dynamic
                assert d is not None
                for ekey, edge in d.edges(s):
                    eid = self._eid(ekey)
                    if eid not in edges:
                        edges[eid] = edge
        return list(edges.values())

    def _rows(self, facts: SessionFacts, keys: list[PeerKey]) -> dict[PeerKey, list[BgpSession]]:
        return {k: session_rows(k, self.peers[k], facts) for k in keys}

    def adopt(self, topology: BgpTopology, active: frozenset[IfaceKey], reachable: ReachFn, fibs: FibMap) -> bool:
        """Register a base topology computed by the reference; False when the plan does not
        reproduce it exactly (then the plan must not be used for scenarios of that base)."""
        states = self.states(active, reachable, fibs)
        facts = self._facts(states)
        rows = self._rows(facts, self.order)
        if self._edges(states) != topology.edges:
            return False
        if [r for k in self.order for r in rows[k]] != topology.sessions:
            return False
        self._known[id(topology)] = (topology, states, rows)
        return True

    def topology(
        self,
        base: BgpTopology,
        active: frozenset[IfaceKey],
        reachable: ReachFn,
        fibs: FibMap,
        removed: frozenset[IfaceKey] | set[IfaceKey],
        suspects: set[tuple[str, str, IPv4Address, IPv4Address, bool]] | None,
    ) -> BgpTopology | None:
        """``compute_bgp_topology`` of a scenario from an adopted base topology. ``active`` is a
        subset of the base's (``removed`` the difference); ``suspects`` are the checks that may
        answer differently from the base's (None: any may), so only those and the pairs whose
        owner went down are evaluated, every other pair keeps its base state."""
        known = self._known.get(id(base))
        if known is None or known[0] is not base:
            return None  # not a topology this plan adopted: the caller runs the reference
        _topo, base_states, base_rows = known
        if suspects is None:
            states = self.states(active, reachable, fibs)
        else:
            states = list(base_states)
            for iface in removed:
                for i in self.by_owner.get(iface, ()):
                    states[i] = INACTIVE
            for key in suspects:
                for i in self.by_reach.get(key, ()):
                    if self.pairs[i].static and states[i] in (UP, DOWN):  # active and checked in the base too
                        states[i] = UP if reachable(*key) else DOWN
            lips: dict[PeerKey, list[IPv4Address]] = {}
            for i in self.dynamic:
                states[i] = self._dynamic_state(self.pairs[i], active, reachable, fibs, lips)
        changed = [i for i, (a, b) in enumerate(zip(states, base_states, strict=True)) if a != b]
        if not changed:
            return base
        touched: set[PeerKey] = set()
        for i in changed:
            touched.add(self.pairs[i].key)
            touched.add(self.pairs[i].rkey)
        facts = self._facts_of(touched, states)
        new_rows = self._rows(facts, list(touched))
        sessions: list[BgpSession] = []
        for k in self.order:
            sessions.extend(new_rows[k] if k in new_rows else base_rows[k])
        return BgpTopology(self._edges(states), sessions)

    def _facts_of(self, keys: set[PeerKey], states: list[object]) -> SessionFacts:
        """The facts of ``keys`` only (rows of a statement read only its own facts)."""
        idx = sorted({i for k in keys for i in self.touching.get(k, ())})
        facts = SessionFacts(peers=self.peers, static_ip=self.static_ip)
        for i in idx:
            self._fact(facts, self.pairs[i], states[i])
        return facts


# --- the scenario's session edges against the base run's -----------------------------------------


def edge_diff(
    base: State, edges: list[SessionEdge]
) -> tuple[dict[EdgeId, int], dict[EdgeId, SessionEdge], list[SessionEdge]]:
    """(base run's edge ids, the scenario's, edges the scenario added), memoised per edge list
    object: most scenarios keep one of the base's topologies, whose lists are then compared once."""
    memo = base.edge_memo
    old = memo.get(-1)
    if old is None:
        old = memo[-1] = (base.bgp.edges, {edge_id(e): i for i, e in enumerate(base.bgp.edges)}, [], [])
    old_ids: dict[EdgeId, int] = old[1]
    hit = memo.get(id(edges))
    if hit is not None and hit[0] is edges:
        return old_ids, hit[2], hit[3]
    new_ids = {edge_id(e): e for e in edges}
    brun_edges = base.bgp.edges
    added = [e for eid, e in new_ids.items() if eid not in old_ids or brun_edges[old_ids[eid]] != e]
    if edges is base.topology.edges or edges is base.topology_first.edges:
        memo[id(edges)] = (edges, {}, new_ids, added)  # the base's lists live as long as the state
    return old_ids, new_ids, added


EdgeId = tuple[str, str, IPv4Address, str, str, IPv4Address]


def edge_id(e: SessionEdge) -> EdgeId:
    return (e.sender.node, e.sender.vrf, e.sender.local_ip, e.receiver.node, e.receiver.vrf, e.receiver.local_ip)
