"""BGP as Batfish computes it for IOS (semantics §4): sessions, origination, aggregates, best path
and multipath, route reflection, add-path, import/export policies, external announcements.

The propagation is a synchronous fixed point: each round every speaker selects its best paths from
what it holds, then every session carries the sender's exports to the receiver, replacing what the
receiver held from that session (so withdrawals need no special handling).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, IPv4Network

from validator.engine.bgp_route import _ORIGIN_RANK as _ORIGIN_RANK
from validator.engine.bgp_route import BgpRoute as BgpRoute
from validator.engine.bgp_route import Rank as Rank
from validator.engine.bgp_route import _as_path_contains as _as_path_contains
from validator.engine.bgp_route import _igp_cost as _igp_cost
from validator.engine.bgp_route import _pref_key as _pref_key
from validator.engine.bgp_route import _tie_key as _tie_key
from validator.engine.bgp_route import route_rank as route_rank
from validator.engine.bgp_route import select_route as select_route
from validator.engine.bgp_sessions import BgpTopology, SessionEdge, bgp_neighbors, bgp_router_id
from validator.engine.rib import MainRib, hop
from validator.engine.routing_policy import (
    PolicyRoute,
    community_str,
    prefix_list_permits,
    run_policy,
)
from validator.model.config import BgpNeighbor, BgpProcess, Node
from validator.model.dataplane import NextHop, Route
from validator.model.snapshot import BgpAnnouncement, Snapshot

EBGP_AD = 20
IBGP_AD = 200
AGGREGATE_AD = 200
LOCAL_WEIGHT = 32768

SpeakerKey = tuple[str, str]  # (node, vrf)


# --- per-speaker RIB --------------------------------------------------------------------------


@dataclass
class SpeakerRib:
    """Selected paths of one speaker: best and multipath set per prefix."""

    best: dict[IPv4Network, BgpRoute] = field(default_factory=dict)
    multipath: dict[IPv4Network, list[BgpRoute]] = field(default_factory=dict)


def select_paths(candidates: dict[IPv4Network, list[BgpRoute]], rib: MainRib | None, proc: BgpProcess) -> SpeakerRib:
    out = SpeakerRib()
    for net, routes in candidates.items():
        if not routes:
            continue
        best, mp = select_route(routes, lambda nh: _igp_cost(rib, nh), proc)
        out.best[net] = best
        out.multipath[net] = mp
    return out


def originate(node: Node, proc: BgpProcess, rib: MainRib | None) -> list[BgpRoute]:
    """``network`` statements and ``redistribute`` as local (non-routing) BGP routes (§4d)."""
    if rib is None:
        return []
    out: list[BgpRoute] = []
    for netst in proc.networks:
        routes = [r for r in rib.by_prefix.get(netst.prefix, []) if r.protocol not in ("bgp", "ibgp", "aggregate")]
        if not routes:
            continue
        src = _preferred_source(routes)
        pr = run_policy(
            node,
            netst.route_map,
            PolicyRoute(netst.prefix, protocol=src.protocol, metric=src.metric, tag=src.tag, weight=LOCAL_WEIGHT),
            undefined_denies=False,
        )
        if pr is not None:
            out.append(_local_route(pr, src, "igp"))
    for redist in proc.redistributions:
        protos = {"connected": ("connected",), "static": ("static",), "ospf": ("ospf", "ospfIA")}[redist.protocol]
        if redist.include_external:
            protos = (*protos, "ospfE1", "ospfE2")
        for net, routes in rib.by_prefix.items():
            if net.prefixlen == 0 and not redist.include_default:
                continue
            matching = [r for r in routes if r.protocol in protos]
            if not matching:
                continue
            src = _preferred_source(matching)
            metric = redist.metric if redist.metric is not None else src.metric
            pr = run_policy(
                node,
                redist.route_map,
                PolicyRoute(net, protocol=src.protocol, metric=metric, tag=src.tag, weight=LOCAL_WEIGHT),
                undefined_denies=True,
            )
            if pr is not None:
                out.append(_local_route(pr, src, redist.origin))
    return out


def _preferred_source(routes: list[Route]) -> Route:
    """With ECMP sources Batfish prefers a null next-hop IP, then the highest next-hop IP."""
    return max(routes, key=lambda r: (r.next_hop.ip is None, int(r.next_hop.ip) if r.next_hop.ip else 0))


def _local_route(pr: PolicyRoute, src: Route, origin: str) -> BgpRoute:
    nh = pr.next_hop_ip if pr.next_hop_set else src.next_hop.ip
    return BgpRoute(
        network=pr.network,
        protocol="local",
        next_hop_ip=nh,
        as_path=pr.as_path,
        local_pref=pr.local_pref,
        med=pr.metric,
        weight=pr.weight,
        origin=origin if pr.origin == "igp" else pr.origin,
        communities=pr.communities,
        tag=pr.tag,
        src_protocol=src.protocol,
    )


def _aggregate_routes(proc: BgpProcess, candidates: dict[IPv4Network, list[BgpRoute]]) -> list[BgpRoute]:
    """An aggregate is active when the RIB holds a strictly more specific route (§4e)."""
    present = {net for net, rs in candidates.items() if rs}
    out: list[BgpRoute] = []
    for agg in sorted(proc.aggregates, key=lambda a: -a.prefix.prefixlen):
        p = agg.prefix
        if any(net != p and net.subnet_of(p) for net in present):
            out.append(BgpRoute(network=p, protocol="aggregate", weight=LOCAL_WEIGHT, origin="igp"))
            present.add(p)
    return out


DEFAULT_ORIGINATE = BgpRoute(network=IPv4Network("0.0.0.0/0"), protocol="aggregate", origin="igp")

# --- export / import --------------------------------------------------------------------------


def _suppressed(proc: BgpProcess, net: IPv4Network) -> bool:
    return any(a.summary_only and net != a.prefix and net.subnet_of(a.prefix) for a in proc.aggregates)


def _to_policy(r: BgpRoute) -> PolicyRoute:
    return PolicyRoute(
        network=r.network,
        protocol=r.src_protocol or r.protocol,
        metric=r.med,
        tag=r.tag,
        local_pref=r.local_pref,
        weight=r.weight,
        communities=r.communities,
        as_path=r.as_path,
        origin=r.origin,
        next_hop_ip=r.next_hop_ip,
    )


def _outbound_policy(node: Node, nb: BgpNeighbor, pr: PolicyRoute) -> PolicyRoute | None:
    """The neighbour's route-map (undefined denies), else its prefix-list, else accept."""
    if nb.route_map_out is not None:
        return run_policy(node, nb.route_map_out, pr, undefined_denies=True)
    if nb.prefix_list_out is not None:
        pl = node.prefix_lists.get(nb.prefix_list_out)
        if pl is None or not prefix_list_permits(pl, pr.network):
            return None
    return pr


def export_route(
    node: Node, proc: BgpProcess, edge: SessionEdge, r: BgpRoute, bypass_policy: bool = False
) -> BgpRoute | None:
    """Sender-side transformation and outbound policy (§4f); None when not advertised.
    ``bypass_policy``: the default-originate route, which Batfish's export policy accepts first."""
    s, rcv = edge.sender, edge.receiver
    nb = s.neighbor
    if edge.ibgp:
        if r.protocol == "ibgp":
            # only a route reflector re-advertises iBGP routes
            to_client = nb.route_reflector_client
            if not (to_client or r.from_client):
                return None
            if r.from_client and to_client and not proc.client_to_client_reflection:
                return None
        if r.originator_id is not None and r.originator_id == rcv.router_id:
            return None
    if proc.aggregates and _suppressed(proc, r.network):
        return None
    locally_originated = r.protocol in ("local", "aggregate")
    if bypass_policy or (nb.route_map_out is None and nb.prefix_list_out is None):
        # no outbound policy: the attributes are the route's own (the policy round trip through
        # _to_policy would give them back unchanged), without building a PolicyRoute
        return _exported(proc, edge, r, r.med if edge.ibgp or locally_originated else 0)
    pr = _to_policy(r)
    if not edge.ibgp and not locally_originated:
        pr = replace(pr, metric=0)
    if not bypass_policy:
        filtered = _outbound_policy(node, nb, pr)
        if filtered is None:
            return None
        pr = filtered
    communities = pr.communities if nb.send_community else frozenset()
    if edge.ibgp:
        if pr.next_hop_set:
            # None: Junos ``then next-hop self`` (routing_policy.SetNextHopSelf)
            nh = pr.next_hop_ip if pr.next_hop_ip is not None else s.local_ip
        elif nb.next_hop_self or r.next_hop_ip is None:
            nh = s.local_ip
        else:
            nh = r.next_hop_ip
        reflecting = r.protocol == "ibgp"
        cluster_id = proc.cluster_id or s.router_id
        return BgpRoute(
            network=r.network,
            protocol="ibgp",
            next_hop_ip=nh,
            as_path=pr.as_path,
            local_pref=pr.local_pref,
            med=pr.metric,
            weight=0,
            origin=pr.origin,
            communities=communities,
            received_from=s.local_ip,
            originator_id=r.originator_id if reflecting and r.originator_id is not None else s.router_id,
            cluster_list=((cluster_id, *r.cluster_list) if reflecting else ()),
        )
    nh = pr.next_hop_ip if pr.next_hop_set and pr.next_hop_ip is not None else s.local_ip
    return BgpRoute(
        network=r.network,
        protocol="bgp",
        next_hop_ip=nh,
        as_path=(s.local_as, *pr.as_path),
        local_pref=100,
        med=pr.metric,
        weight=0,
        origin=pr.origin,
        communities=communities,
        received_from=s.local_ip,
        originator_id=s.router_id,
    )


def _exported(proc: BgpProcess, edge: SessionEdge, r: BgpRoute, med: int) -> BgpRoute:
    """``export_route``'s result for a route no outbound policy touched (metric ``med``)."""
    s, nb = edge.sender, edge.sender.neighbor
    communities = r.communities if nb.send_community else frozenset()
    if edge.ibgp:
        nh = s.local_ip if nb.next_hop_self or r.next_hop_ip is None else r.next_hop_ip
        reflecting = r.protocol == "ibgp"
        return BgpRoute(
            network=r.network,
            protocol="ibgp",
            next_hop_ip=nh,
            as_path=r.as_path,
            local_pref=r.local_pref,
            med=med,
            weight=0,
            origin=r.origin,
            communities=communities,
            received_from=s.local_ip,
            originator_id=r.originator_id if reflecting and r.originator_id is not None else s.router_id,
            cluster_list=((proc.cluster_id or s.router_id, *r.cluster_list) if reflecting else ()),
        )
    return BgpRoute(
        network=r.network,
        protocol="bgp",
        next_hop_ip=s.local_ip,
        as_path=(s.local_as, *r.as_path),
        local_pref=100,
        med=med,
        weight=0,
        origin=r.origin,
        communities=communities,
        received_from=s.local_ip,
        originator_id=s.router_id,
    )


def import_route(node: Node, proc: BgpProcess, nb: BgpNeighbor, local_as: int, r: BgpRoute) -> BgpRoute | None:
    """Receiver-side loop checks and inbound policy; None when rejected."""
    if not nb.allowas_in and _as_path_contains(r.as_path, local_as):
        return None
    if r.protocol == "ibgp" and r.cluster_list:
        cluster_id = proc.cluster_id or bgp_router_id(node)
        if cluster_id in r.cluster_list:
            return None
    from_client = r.protocol == "ibgp" and nb.route_reflector_client
    if nb.route_map_in is None:
        if nb.prefix_list_in is not None:
            pl = node.prefix_lists.get(nb.prefix_list_in)
            if pl is None or not prefix_list_permits(pl, r.network):
                return None
        # no policy rewrites an attribute: the route as received, with its client flag (the
        # policy round trip through _to_policy would give back every field unchanged)
        return r if r.from_client == from_client else _with_client(r, from_client)
    out = run_policy(node, nb.route_map_in, _to_policy(r), undefined_denies=True)
    if out is None:
        return None
    pr = out
    # every field of BgpRoute, spelled out (dataclasses.replace costs twice as much in the sweep's
    # hot loop); tests/unit/test_incremental_hot.py keeps this equal to replace()
    return BgpRoute(
        network=r.network,
        protocol=r.protocol,
        next_hop_ip=pr.next_hop_ip if pr.next_hop_set else r.next_hop_ip,
        as_path=pr.as_path,
        local_pref=pr.local_pref,
        med=pr.metric,
        weight=pr.weight,
        origin=pr.origin,
        communities=pr.communities,
        received_from=r.received_from,
        originator_id=r.originator_id,
        cluster_list=r.cluster_list,
        from_client=from_client,
        tag=pr.tag,
        src_protocol=r.src_protocol,
    )


def _with_client(r: BgpRoute, from_client: bool) -> BgpRoute:
    return BgpRoute(
        network=r.network,
        protocol=r.protocol,
        next_hop_ip=r.next_hop_ip,
        as_path=r.as_path,
        local_pref=r.local_pref,
        med=r.med,
        weight=r.weight,
        origin=r.origin,
        communities=r.communities,
        received_from=r.received_from,
        originator_id=r.originator_id,
        cluster_list=r.cluster_list,
        from_client=from_client,
        tag=r.tag,
        src_protocol=r.src_protocol,
    )


def external_routes(snapshot: Snapshot, announcements: Iterable[BgpAnnouncement]) -> dict[SpeakerKey, list[BgpRoute]]:
    """External announcements enter like eBGP updates from a configured neighbour at ``src_ip``; an
    announcement from an address with no neighbour configuration is ignored."""
    out: dict[SpeakerKey, list[BgpRoute]] = defaultdict(list)
    for ann in announcements:
        node = snapshot.nodes.get(ann.dst_node.lower())
        if node is None or node.bgp is None:
            continue
        proc = node.bgp
        nb = next((n for n in bgp_neighbors(proc) if n.peer_ip == ann.src_ip and n.vrf == ann.dst_vrf), None)
        if nb is None:
            continue
        local_as = nb.local_as if nb.local_as is not None else proc.local_as
        path = tuple(seg[0] if len(seg) == 1 else frozenset(seg) for seg in ann.as_path if seg)
        route = BgpRoute(
            network=ann.network,
            protocol="ibgp" if nb.remote_as == local_as else "bgp",
            next_hop_ip=ann.next_hop_ip,
            as_path=path,
            local_pref=ann.local_preference,
            med=ann.med,
            origin=ann.origin.lower(),
            communities=frozenset(ann.communities),
            received_from=ann.src_ip,
            originator_id=ann.src_ip,
        )
        imported = import_route(node, proc, nb, local_as, route)
        if imported is not None:
            out[(node.name, ann.dst_vrf)].append(imported)
    return dict(out)


# --- the fixed point --------------------------------------------------------------------------

AdjIn = dict[SpeakerKey, dict[tuple[str, IPv4Address], list[BgpRoute]]]


@dataclass
class BgpResult:
    ribs: dict[SpeakerKey, SpeakerRib]
    main_routes: dict[str, list[Route]]  # node -> routes for the main RIB
    converged: bool
    # when not converged: (speaker, prefix) whose best path or adj-in still changed in the last round
    oscillating: tuple[tuple[SpeakerKey, IPv4Network], ...] = ()


def speakers(snapshot: Snapshot) -> list[SpeakerKey]:
    out: set[SpeakerKey] = set()
    for name, node in snapshot.nodes.items():
        if node.bgp is None:
            continue
        out.add((name, node.bgp.vrf))
        out.update((name, nb.vrf) for nb in node.bgp.neighbors)
    return sorted(out)


def main_rib_routes(
    node: str, vrf: str, rib: SpeakerRib, proc: BgpProcess | None = None, ads: dict[str, int] | None = None
) -> list[Route]:
    """BGP routes as the main RIB sees them: one per distinct next hop; local routes are non-routing.

    ``proc`` gives the process's administrative distances (EOS differs from IOS); ``ads`` the
    node's own preferences by protocol (``Node.admin_distances``; Junos BGP 170), which win."""
    ebgp_ad, ibgp_ad = (proc.ebgp_admin, proc.ibgp_admin) if proc is not None else (EBGP_AD, IBGP_AD)
    out: list[Route] = []
    for net, paths in rib.multipath.items():
        out.extend(main_routes_at(node, vrf, net, rib.best[net], paths, ebgp_ad, ibgp_ad, ads))
    return out


def main_routes_at(
    node: str,
    vrf: str,
    net: IPv4Network,
    best: BgpRoute,
    paths: list[BgpRoute],
    ebgp_ad: int,
    ibgp_ad: int,
    ads: dict[str, int] | None = None,
) -> list[Route]:
    """:func:`main_rib_routes` at one prefix, from its best path and multipath set (the scenario
    engine asks one prefix at a time)."""
    if best.protocol == "local":
        return []
    if best.protocol == "aggregate":
        return [Route(node, vrf, net, "aggregate", NextHop("discard"), AGGREGATE_AD, best.med)]
    out: list[Route] = []
    seen: set[IPv4Address | None] = set()
    for p in paths:
        if p.protocol not in ("bgp", "ibgp") or p.next_hop_ip in seen:
            continue
        seen.add(p.next_hop_ip)
        ad = ebgp_ad if p.protocol == "bgp" else ibgp_ad
        out.append(
            Route(
                node,
                vrf,
                net,
                p.protocol,
                hop("ip", None, p.next_hop_ip),
                ad if ads is None else ads.get(p.protocol, ad),
                p.med,
                tag=p.tag,
                as_path=p.flat_as_path(),
                local_preference=p.local_pref,
                communities=tuple(community_str(c) for c in sorted(p.communities)),
            )
        )
    return out


def run_bgp(
    snapshot: Snapshot,
    topology: BgpTopology,
    externals: dict[SpeakerKey, list[BgpRoute]],
    rebuild_main_ribs: Callable[[dict[str, list[Route]]], dict[str, dict[str, MainRib]]],
    max_rounds: int = 200,
) -> tuple[BgpResult, dict[str, dict[str, MainRib]]]:
    """Propagate until nothing changes. ``rebuild_main_ribs`` recomputes the main RIBs (statics, IGP
    redistribution) from the current BGP main-RIB routes, since resolvability and IGP costs depend on them."""
    spk = speakers(snapshot)
    adj_in: AdjIn = {k: {} for k in spk}
    main_routes: dict[str, list[Route]] = {}
    main_ribs = rebuild_main_ribs(main_routes)
    edges_by_sender: dict[SpeakerKey, list[SessionEdge]] = defaultdict(list)
    for e in topology.edges:
        edges_by_sender[(e.sender.node, e.sender.vrf)].append(e)
    ribs: dict[SpeakerKey, SpeakerRib] = {}
    converged = False
    oscillating: set[tuple[SpeakerKey, IPv4Network]] = set()
    for round_no in range(max_rounds):
        previous_ribs = ribs
        ribs = {}
        for key in spk:
            node = snapshot.nodes[key[0]]
            proc = node.bgp
            assert proc is not None
            mrib = main_ribs.get(key[0], {}).get(key[1])
            cands: dict[IPv4Network, list[BgpRoute]] = defaultdict(list)
            for r in originate(node, proc, mrib) if key[1] == proc.vrf else []:
                cands[r.network].append(r)
            learned = [r for rs in adj_in[key].values() for r in rs] + externals.get(key, [])
            for r in learned:
                if r.next_hop_ip is None or (mrib is not None and mrib.longest_prefix_match(r.next_hop_ip)):
                    cands[r.network].append(r)
            if key[1] == proc.vrf:
                for agg in _aggregate_routes(proc, cands):
                    cands[agg.network].append(agg)
            ribs[key] = select_paths(cands, mrib, proc)
        new_main: dict[str, list[Route]] = defaultdict(list)
        for key, srib in ribs.items():
            node_cfg = snapshot.nodes[key[0]]
            new_main[key[0]].extend(main_rib_routes(key[0], key[1], srib, node_cfg.bgp, node_cfg.admin_distances))
        new_adj: AdjIn = {k: {} for k in spk}
        for key in spk:
            node = snapshot.nodes[key[0]]
            proc = node.bgp
            assert proc is not None
            srib = ribs[key]
            sender_rib = main_ribs.get(key[0], {}).get(key[1])
            for edge in edges_by_sender.get(key, []):
                rkey = (edge.receiver.node, edge.receiver.vrf)
                rnode = snapshot.nodes[edge.receiver.node]
                rproc = rnode.bgp
                assert rproc is not None
                received: list[BgpRoute] = []
                if edge.sender.neighbor.default_originate:
                    ex = export_route(node, proc, edge, DEFAULT_ORIGINATE, bypass_policy=True)
                    im = (
                        None
                        if ex is None
                        else import_route(rnode, rproc, edge.receiver.neighbor, edge.receiver.local_as, ex)
                    )
                    if im is not None:
                        received.append(im)
                originated = list(received)  # default-originate routes, all for 0.0.0.0/0
                for net in sorted(srib.best, key=lambda n: (int(n.network_address), n.prefixlen)):
                    paths = srib.multipath[net] if edge.add_path else [srib.best[net]]
                    # only paths of one prefix can be equal: de-duplicate per prefix, not per session
                    same_net = [r for r in originated if r.network == net] if originated else []
                    for p in paths:
                        if not edge.sender.neighbor.advertise_inactive and not _active(sender_rib, p):
                            continue
                        ex = export_route(node, proc, edge, p)
                        if ex is None:
                            continue
                        im = import_route(rnode, rproc, edge.receiver.neighbor, edge.receiver.local_as, ex)
                        if im is not None and im not in same_net:
                            same_net.append(im)
                            received.append(im)
                if received:
                    new_adj[rkey][(edge.sender.node, edge.sender.local_ip)] = received
        changed_main = dict(new_main) != main_routes
        if new_adj == adj_in and not changed_main:
            converged = True
            break
        if round_no == max_rounds - 1:
            oscillating = _still_changing(previous_ribs, ribs, adj_in, new_adj)
        adj_in = new_adj
        if changed_main:
            main_routes = dict(new_main)
            main_ribs = rebuild_main_ribs(main_routes)
    order = sorted(oscillating, key=lambda kp: (kp[0], int(kp[1].network_address), kp[1].prefixlen))
    return BgpResult(ribs, main_routes, converged, tuple(order)), main_ribs


def _active(rib: MainRib | None, r: BgpRoute) -> bool:
    """Whether a BGP path may be advertised by a speaker that does not advertise inactive routes
    (Junos): a learned path only while BGP holds the prefix in the main RIB; local and aggregate
    routes stand for main-RIB routes already."""
    if r.protocol not in ("bgp", "ibgp"):
        return True
    routes = rib.by_prefix.get(r.network, []) if rib is not None else []
    return any(m.protocol in ("bgp", "ibgp") for m in routes)


def _still_changing(
    before: dict[SpeakerKey, SpeakerRib], after: dict[SpeakerKey, SpeakerRib], adj_in: AdjIn, new_adj: AdjIn
) -> set[tuple[SpeakerKey, IPv4Network]]:
    """(speaker, prefix) whose best path or received routes differ between the last two rounds:
    what a non-converged BGP run names as oscillating (only computed when the round limit hits)."""
    out: set[tuple[SpeakerKey, IPv4Network]] = set()
    for key in set(before) | set(after):
        b = before[key].best if key in before else {}
        a = after[key].best if key in after else {}
        out.update((key, net) for net in set(a) | set(b) if a.get(net) != b.get(net))
    for key in set(adj_in) | set(new_adj):
        old, new = adj_in.get(key, {}), new_adj.get(key, {})
        for sender in set(old) | set(new):
            o, n = old.get(sender, []), new.get(sender, [])
            if o != n:
                nets_o = {r.network for r in o}
                nets_n = {r.network for r in n}
                out.update((key, net) for net in nets_o ^ nets_n)
                out.update((key, r.network) for r in o if r not in n)
                out.update((key, r.network) for r in n if r not in o)
    return out
