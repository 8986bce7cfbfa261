"""The scenario engine's hot-path shortcuts (issue 15, "scenario data planes, one by one") give the
reference results: memos kept across a sweep's scenarios answer only where their inputs are the
base's, and the shortcut forms of BGP export, import and selection equal the general ones."""

from __future__ import annotations

import itertools
import pickle
import random
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network
from typing import Any

import pytest
from test_incremental import assert_same, link, triangle
from test_incremental_delta import SMALL, _gen

from validator.engine.bgp import (
    _ORIGIN_RANK,
    BgpRoute,
    _igp_cost,
    _outbound_policy,
    _suppressed,
    _to_policy,
    export_route,
    import_route,
    route_rank,
    select_paths,
    select_route,
)
from validator.engine.dataplane import compute_dataplane_python
from validator.engine.incremental import base_state, fast_dataplane, scenario_with_stats
from validator.engine.incremental._delta import Memo
from validator.engine.incremental._ospf_view import _same_routes
from validator.engine.rib import MainRib
from validator.engine.routing_policy import run_policy
from validator.engine.types import DataPlane, FailureSet
from validator.model.config import BgpProcess
from validator.model.dataplane import NextHop, Route
from validator.model.source import SourceRef
from validator.snapshot.folder import load_snapshot

SRC = SourceRef("configs/n.cfg", 1)


def _memo(dp: DataPlane) -> Memo:
    st = base_state(dp)
    assert st is not None and st.bgp.history is not None
    memo = st.bgp.history.__dict__.get("_memo")
    assert isinstance(memo, Memo)
    return memo


def _failure_sets(base: DataPlane) -> list[FailureSet]:
    links = [link(base, e.node1, e.interface1) for e in base.edges if e.node1 < e.node2]
    nodes = [FailureSet(nodes=frozenset({n})) for n in sorted(base.snapshot.nodes)]
    doubles = [a.union(b) for a, b in itertools.combinations(links, 2)]
    return links + nodes + doubles


@pytest.mark.parametrize("order", ["forward", "backward", "shuffled"])
def test_scenarios_in_sequence_on_one_base_equal_the_reference(order: str) -> None:
    """Every scenario after others on the same base (memos warm from them: IGP answers, deliveries,
    originations, connected-route indexes) equals the reference; the orders differ in which
    scenario warms what (e.g. r1's connected routes indexed in the base before r1 loses a link)."""
    snap = triangle()
    base = fast_dataplane(snap)
    sets = _failure_sets(base)
    if order == "backward":
        sets.reverse()
    elif order == "shuffled":
        random.Random(15).shuffle(sets)
    for fs in sets:
        got, stats = scenario_with_stats(base, fs)
        try:
            assert_same(got, compute_dataplane_python(snap, fs))
        except AssertionError as exc:
            raise AssertionError(f"{fs} ({stats}) differs: {exc}") from exc


def test_igp_answers_are_shared_only_for_the_base_ribs() -> None:
    snap = triangle()
    base = fast_dataplane(snap)
    st = base_state(base)
    assert st is not None
    for fs in _failure_sets(base):
        scenario_with_stats(base, fs)
    for (node, vrf), (rib, _answers) in _memo(base).igp.items():
        assert rib is st.igp[node][vrf]


def test_a_changed_next_hop_cost_after_a_warm_memo_equals_the_reference(tmp_path: Any) -> None:
    """On the 42-router network: scenarios that keep every IGP cost warm the shared answers, then a
    core failure changes the costs to the next hops every speaker uses; a memo answering from the
    base there would select the old paths."""
    summary = _gen().generate(str(tmp_path), **SMALL)
    snap = load_snapshot(summary["snapshot"])
    base = fast_dataplane(snap)
    # the primary inter-AZ eBGP link: BGP changes everywhere, the IGP only on its two ends
    inter = next(e for e in base.edges if e.node1 == "az1-core1" and e.node2 == "az2-core1")
    warm = link(base, inter.node1, inter.interface1)
    core = FailureSet(nodes=frozenset({"az1-core1"}))
    for fs in (warm, core):
        got, stats = scenario_with_stats(base, fs)
        assert stats is not None and stats.bgp == "delta"
        assert_same(got, compute_dataplane_python(snap, fs))
    st = base_state(base)
    assert st is not None and _memo(base).igp, "the warm-up filled the shared answers"
    for (node, vrf), (rib, _answers) in _memo(base).igp.items():
        assert rib is st.igp[node][vrf]


def test_a_pickled_history_starts_with_an_empty_memo() -> None:
    """The memo's keys are object identities, which unpickling changes: a worker starts empty
    (and fills its own), instead of carrying keys that would never hit."""
    snap = triangle()
    base = fast_dataplane(snap)
    for fs in _failure_sets(base):
        scenario_with_stats(base, fs)
    memo = _memo(base)
    assert memo.received or memo.igp or memo.orig
    st = base_state(base)
    assert st is not None and st.bgp.history is not None
    hist = pickle.loads(pickle.dumps(st.bgp.history))
    copied = hist.__dict__["_memo"]
    assert isinstance(copied, Memo)
    assert not copied.received and not copied.igp and not copied.orig and not copied.in_pos


# --- the shortcut forms equal the general ones --------------------------------------------------


def _export_general(node: Any, proc: BgpProcess, edge: Any, r: BgpRoute, bypass_policy: bool = False) -> Any:
    """``export_route`` as it was before the no-policy shortcut (always through a PolicyRoute)."""
    s, rcv = edge.sender, edge.receiver
    nb = s.neighbor
    if edge.ibgp:
        if r.protocol == "ibgp":
            to_client = nb.route_reflector_client
            if not (to_client or r.from_client):
                return None
            if r.from_client and to_client and not proc.client_to_client_reflection:
                return None
        if r.originator_id is not None and r.originator_id == rcv.router_id:
            return None
    if _suppressed(proc, r.network):
        return None
    pr = _to_policy(r)
    if not edge.ibgp and r.protocol not in ("local", "aggregate"):
        pr = replace(pr, metric=0)
    if not bypass_policy:
        pr = _outbound_policy(node, nb, pr)
        if pr is None:
            return None
    communities = pr.communities if nb.send_community else frozenset()
    if edge.ibgp:
        if pr.next_hop_set:
            nh = pr.next_hop_ip if pr.next_hop_ip is not None else s.local_ip
        elif nb.next_hop_self or r.next_hop_ip is None:
            nh = s.local_ip
        else:
            nh = r.next_hop_ip
        reflecting = r.protocol == "ibgp"
        return BgpRoute(
            network=r.network,
            protocol="ibgp",
            next_hop_ip=nh,
            as_path=pr.as_path,
            local_pref=pr.local_pref,
            med=pr.metric,
            origin=pr.origin,
            communities=communities,
            received_from=s.local_ip,
            originator_id=r.originator_id if reflecting and r.originator_id is not None else s.router_id,
            cluster_list=((proc.cluster_id or s.router_id, *r.cluster_list) if reflecting else ()),
        )
    return BgpRoute(
        network=r.network,
        protocol="bgp",
        next_hop_ip=pr.next_hop_ip if pr.next_hop_set and pr.next_hop_ip is not None else s.local_ip,
        as_path=(s.local_as, *pr.as_path),
        med=pr.metric,
        origin=pr.origin,
        communities=communities,
        received_from=s.local_ip,
        originator_id=s.router_id,
    )


def _import_general(node: Any, proc: BgpProcess, nb: Any, local_as: int, r: BgpRoute) -> Any:
    """``import_route`` as it was before (policy round trip and ``dataclasses.replace``)."""
    from validator.engine.bgp import _as_path_contains, bgp_router_id, prefix_list_permits

    if not nb.allowas_in and _as_path_contains(r.as_path, local_as):
        return None
    if r.protocol == "ibgp" and r.cluster_list and (proc.cluster_id or bgp_router_id(node)) in r.cluster_list:
        return None
    pr = _to_policy(r)
    if nb.route_map_in is not None:
        pr = run_policy(node, nb.route_map_in, pr, undefined_denies=True)
        if pr is None:
            return None
    elif nb.prefix_list_in is not None:
        pl = node.prefix_lists.get(nb.prefix_list_in)
        if pl is None or not prefix_list_permits(pl, r.network):
            return None
    return replace(
        r,
        next_hop_ip=pr.next_hop_ip if pr.next_hop_set else r.next_hop_ip,
        as_path=pr.as_path,
        local_pref=pr.local_pref,
        med=pr.metric,
        weight=pr.weight,
        origin=pr.origin,
        communities=pr.communities,
        tag=pr.tag,
        from_client=r.protocol == "ibgp" and nb.route_reflector_client,
    )


def test_export_and_import_shortcuts_equal_the_policy_round_trip(tmp_path: Any) -> None:
    """Every session of the 42-router network (route reflection, next-hop-self, eBGP with inbound
    route-maps) and every route the base run selected or received, both ways."""
    summary = _gen().generate(str(tmp_path), **SMALL)
    base = fast_dataplane(load_snapshot(summary["snapshot"]))
    st = base_state(base)
    assert st is not None and st.bgp.history is not None
    routes: list[BgpRoute] = []
    for per in st.bgp.history.values.values():
        for entries in per.values():
            for _r, value, _main in entries:
                if value is not None:
                    routes.extend(value[1])
    for per_in in st.bgp.history.inbox.values():
        for boxes in per_in.values():
            for entries2 in boxes.values():
                for _r, rec in entries2:
                    routes.extend(rec)
    routes = list(dict.fromkeys(routes))
    sample = random.Random(15).sample(routes, min(len(routes), 120))
    snap = base.snapshot
    compared = 0
    for e in st.bgp.edges:
        node = snap.nodes[e.sender.node]
        rnode = snap.nodes[e.receiver.node]
        assert node.bgp is not None and rnode.bgp is not None
        for r in sample:
            ex = export_route(node, node.bgp, e, r)
            assert ex == _export_general(node, node.bgp, e, r)
            r2 = replace(r, from_client=not r.from_client) if r.protocol == "ibgp" else r
            im = import_route(rnode, rnode.bgp, e.receiver.neighbor, e.receiver.local_as, r2)
            assert im == _import_general(rnode, rnode.bgp, e.receiver.neighbor, e.receiver.local_as, r2)
            compared += 1
    assert compared > 10_000


def _select_general(routes: list[BgpRoute], rib: MainRib | None, proc: BgpProcess) -> tuple[BgpRoute, list[BgpRoute]]:
    """``select_paths`` at one prefix as it was (flat preference keys, no one-candidate shortcut)."""

    def pref(r: BgpRoute) -> tuple[int, ...]:
        return (
            -r.weight,
            -r.local_pref,
            0 if r.protocol == "aggregate" else 1,
            r.as_path_len,
            _ORIGIN_RANK.get(r.origin, 2),
            1 if r.protocol == "ibgp" else 0,
            r.med,
            _igp_cost(rib, r.next_hop_ip),
            len(r.cluster_list),
        )

    def tie(r: BgpRoute) -> tuple[int, ...]:
        return (
            int(r.originator_id) if r.originator_id is not None else 0,
            len(r.cluster_list),
            int(r.received_from) if r.received_from is not None else 0,
            int(r.next_hop_ip) if r.next_hop_ip is not None else 0,
        )

    keyed = sorted(((pref(r), tie(r), r) for r in routes), key=lambda t: (t[0], t[1]))
    best_key, _, best = keyed[0]
    if not (proc.max_paths_ebgp > 1 or proc.max_paths_ibgp > 1):
        return best, [best]
    mp: list[BgpRoute] = []
    for k, _, r in keyed:
        if k != best_key:
            break
        if (r.as_path == best.as_path or (proc.multipath_relax and r.as_path_len == best.as_path_len)) and r not in mp:
            mp.append(r)
    return best, mp


def test_select_route_equals_the_flat_keys_on_random_candidates() -> None:
    rnd = random.Random(15)
    net = IPv4Network("192.0.2.0/24")
    rib = MainRib()
    for i, cost in enumerate((10, 20, 20, 30)):
        rib.merge(Route("n", "default", IPv4Network(f"10.0.{i}.0/24"), "ospf", NextHop("interface", "e0"), 110, cost))
    hops = [IPv4Address(f"10.0.{i}.1") for i in range(4)] + [IPv4Address("10.9.9.9"), None]
    for trial in range(400):
        routes = [
            BgpRoute(
                network=net,
                protocol=rnd.choice(["bgp", "ibgp", "local"]),
                next_hop_ip=rnd.choice(hops),
                as_path=tuple(rnd.choice([(), (1,), (2,), (1, 2)])),
                local_pref=rnd.choice([100, 100, 200]),
                med=rnd.choice([0, 0, 5]),
                weight=rnd.choice([0, 0, 32768]),
                origin=rnd.choice(["igp", "incomplete"]),
                received_from=IPv4Address(rnd.randint(1, 4)),
                originator_id=rnd.choice([None, IPv4Address(rnd.randint(1, 4))]),
                cluster_list=tuple(IPv4Address(x) for x in range(rnd.randint(0, 2))),
            )
            for _ in range(rnd.randint(1, 5))
        ]
        proc = BgpProcess(
            local_as=65000,
            source=SRC,
            max_paths_ebgp=rnd.choice([1, 4]),
            max_paths_ibgp=rnd.choice([1, 4]),
            multipath_relax=trial % 3 == 0,
        )
        want = _select_general(routes, rib, proc)
        assert select_route(routes, lambda nh: _igp_cost(rib, nh), proc) == want
        sel = select_paths({net: routes}, rib, proc)
        assert (sel.best[net], sel.multipath[net]) == want


def test_route_rank_is_invisible_to_equality_hashing_and_pickling() -> None:
    a = BgpRoute(network=IPv4Network("192.0.2.0/24"), protocol="bgp", next_hop_ip=IPv4Address("10.0.0.1"))
    b = BgpRoute(network=IPv4Network("192.0.2.0/24"), protocol="bgp", next_hop_ip=IPv4Address("10.0.0.1"))
    route_rank(a)
    assert a == b and hash(a) == hash(b) and "_rank" in a.__dict__ and "_rank" not in b.__dict__
    assert pickle.loads(pickle.dumps(a)) == b
    assert route_rank(replace(a, med=7)) != route_rank(a)


def test_reused_ospf_routes_must_match_every_attribute() -> None:
    old = [
        Route(
            "n",
            "default",
            IPv4Network("10.0.0.0/24"),
            "ospf",
            NextHop("interface", "e0", IPv4Address("1.1.1.1")),
            110,
            20,
        )
    ]
    hops = [("e0", IPv4Address("1.1.1.1"))]
    assert _same_routes(old, "ospf", 20, hops)
    assert not _same_routes(old, "ospf", 21, hops)
    assert not _same_routes(old, "ospfE2", 20, hops)
    assert not _same_routes(old, "ospf", 20, [("e1", IPv4Address("1.1.1.1"))])
    assert not _same_routes(old, "ospf", 20, [("e0", IPv4Address("1.1.1.2"))])
    assert not _same_routes(old, "ospf", 20, [*hops, ("e1", IPv4Address("1.1.1.2"))])


def test_within_equals_containment_on_random_networks() -> None:
    """``_reads.within`` (networks grouped by length, masked set probes) keeps exactly the
    addresses some network contains, in order, with nested and duplicate networks."""
    import random
    from ipaddress import IPv4Address, IPv4Network

    from validator.engine.incremental._reads import within

    rnd = random.Random(7)
    for _ in range(200):
        nets = {
            IPv4Network((rnd.getrandbits(32) & (0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF, n))
            for n in (rnd.choice((0, 8, 16, 24, 30, 31, 32)) for _ in range(rnd.randint(1, 6)))
        }
        qs = [IPv4Address(rnd.getrandbits(32)) for _ in range(20)]
        qs += [n.network_address for n in nets] + [n.broadcast_address for n in nets]
        qs += [IPv4Address((int(n.broadcast_address) + 1) % 2**32) for n in nets]
        assert within(nets, qs) == [q for q in qs if any(q in n for n in nets)]
    assert within(set(), [IPv4Address("10.0.0.1")]) == []
