"""``routing``: what the network announces to and accepts from BGP peers outside the snapshot.

Per selected external peer (engine/announce.py):

* ``export.never`` / ``export.only`` are checked on the routes actually announced (each finding
  names the export clause that lets the route through and the statement that originates it) and
  symbolically over every route the export policy could permit (engine/route_space.py, as
  Batfish's ``searchRoutePolicies``): a leak the current RIB happens not to hold is still found,
  with a concrete example route (prefix, communities, AS path).
* ``import.reject`` / ``import.max_prefix_length`` are checked on the snapshot's external
  announcements the device accepts and symbolically over every announcement the peer could send.
* A policy the gate did not fully read (checks/routing_partial.py) is undecided, never a pass.
* :func:`differential` (run by ``no_regression`` with a base) lists the routes newly announced to
  or withdrawn from each external peer (warnings: evidence for the reviewer; the guarantees above
  are the gate).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from ipaddress import IPv4Network
from typing import TYPE_CHECKING, Any

from validator.checks.evidence import loc
from validator.checks.routing_partial import Direction, Gap, neighbor_policy, policy_gaps
from validator.engine.announce import (
    Announcement,
    ExternalPeer,
    Received,
    announcements,
    export_decision,
    external_peers,
    neighbor_line,
    received,
)
from validator.engine.bgp import BgpRoute
from validator.engine.prefix_space import Dnf, PrefixRange, ranges_region
from validator.engine.route_space import Example, SearchResult, search_policy
from validator.engine.routing_policy import AsPathItem, as_path_string, community_str
from validator.engine.types import DataPlane
from validator.model.source import SourceRef
from validator.model.verdict import Finding, Location
from validator.policy.model import PolicyPrefixRange, RoutingPolicy

if TYPE_CHECKING:
    from validator.checks.runner import CheckContext

CHECK = "routing"
_ANY = IPv4Network("0.0.0.0/0")


def selected_peers(dp: DataPlane, p: RoutingPolicy) -> list[ExternalPeer]:
    return [
        peer
        for peer in external_peers(dp, dynamic=True)
        if p.peers.matches(peer.node, peer.peer_ip, peer.remote_as, peer.neighbor.peer_group)
    ]


def _ranges(items: Sequence[PolicyPrefixRange]) -> list[PrefixRange]:
    return [PrefixRange(r.prefix, r.lo, r.hi) for r in items]


def _texts(items: Sequence[PolicyPrefixRange]) -> str:
    return ", ".join(r.text for r in items)


def _path_text(path: tuple[AsPathItem, ...]) -> str:
    return as_path_string(path) or "empty"


def _comm_text(comms: frozenset[int]) -> str:
    return " ".join(community_str(c) for c in sorted(comms)) or "none"


def _peer_text(peer: ExternalPeer) -> str:
    desc = f" {peer.neighbor.description}" if peer.neighbor.description else ""
    return f"{peer.address} (AS {peer.remote_as}{desc})"


def _locs(dp: DataPlane, refs: Sequence[SourceRef | None]) -> tuple[Location, ...]:
    out: list[Location] = []
    for r in refs:
        if r is not None:
            location = loc(dp, r.file, r.line)
            if location not in out:
                out.append(location)
    return tuple(out)


def _peer_extra(peer: ExternalPeer, direction: str, kind: str) -> dict[str, Any]:
    return {
        "device": peer.node,
        "peer": peer.address,
        "peer_as": peer.remote_as,
        "direction": direction,
        "kind": kind,
    }


def _route_json(network: str, comms: frozenset[int], path: tuple[AsPathItem, ...]) -> dict[str, Any]:
    return {
        "prefix": network,
        "communities": [community_str(c) for c in sorted(comms)],
        "as_path": _path_text(path) if path else "",
    }


def run_routing(ctx: CheckContext, p: Any) -> list[Finding]:
    """The check entry (checks/runner.py): the export and import guarantees of every selected peer."""
    assert isinstance(p, RoutingPolicy)
    dp = ctx.head
    peers = selected_peers(dp, p)
    if not peers:
        return [
            Finding(
                policy=p.name,
                check=CHECK,
                message=(
                    f"peers ({p.peers.describe()}) select no BGP neighbour outside the snapshot: nothing is guarded"
                ),
                extra={"kind": "no-peers"},
            )
        ]
    sent = announcements(dp) if (p.export_never or p.export_only is not None) else {}
    heard = received(dp) if (p.import_reject or p.import_max_prefix_length is not None) else {}
    findings: list[Finding] = []
    for peer in peers:
        if p.export_never or p.export_only is not None:
            findings.extend(_export_findings(dp, p, peer, sent.get(peer.label, [])))
        if p.import_reject or p.import_max_prefix_length is not None:
            findings.extend(_import_findings(dp, p, peer, heard.get(peer.label, [])))
    return findings


def _undecided(dp: DataPlane, p: RoutingPolicy, peer: ExternalPeer, direction: Direction, gaps: list[Gap]) -> Finding:
    refs = [r for g in gaps for r in g.refs]
    reasons = "; ".join(dict.fromkeys(g.reason for g in gaps))
    return Finding(
        policy=p.name,
        check=CHECK,
        status="undecided",
        message=(
            f"undecided: {peer.node}'s {direction} policy towards {_peer_text(peer)} is not fully understood "
            f"({reasons}), so what it {'announces' if direction == 'export' else 'accepts'} is unknown"
        ),
        locations=_locs(dp, refs),
        extra=_peer_extra(peer, direction, "undecided"),
    )


# --- export ------------------------------------------------------------------------------------


def _export_findings(dp: DataPlane, p: RoutingPolicy, peer: ExternalPeer, sent: list[Announcement]) -> list[Finding]:
    node = dp.snapshot.nodes[peer.node]
    gaps = policy_gaps(node, peer.neighbor, "export", lambda kw: neighbor_line(dp, node, peer.neighbor, kw, "out"))
    if gaps:
        return [_undecided(dp, p, peer, "export", gaps)]
    out: list[Finding] = []
    never = _ranges(p.export_never)
    only = _ranges(p.export_only) if p.export_only is not None else None
    concrete_lines: set[SourceRef | None] = set()

    def violated(net: IPv4Network) -> str | None:
        bad = [written for r, written in zip(never, p.export_never, strict=True) if r.contains(net)]
        if bad:
            return f"never: {bad[0].text}"
        if only is not None and not any(r.contains(net) for r in only):
            return f"only: {_texts(p.export_only or ())}" if p.export_only else "only: nothing"
        return None

    for a in sent:
        rule = violated(a.network)
        if rule is not None:
            concrete_lines.add(a.line)
            out.append(_announced_finding(dp, p, peer, a, rule))
    out.extend(_statement_findings(dp, p, peer, {a.network for a in sent}, violated))
    rm_name, pl_name = neighbor_policy(peer.neighbor, "export")
    searches: list[tuple[str, Any]] = []
    if never:
        searches.append((f"never: {_texts(p.export_never)}", lambda n: ranges_region(never, n, True)))
    if only is not None:
        searches.append((f"only: {_texts(p.export_only or ()) or 'nothing'}", lambda n: ranges_region(only, n, False)))
    for rule, region in searches:
        result = search_policy(node, rm_name, pl_name, region)
        if result.example is not None:
            if result.example.line in concrete_lines and result.example.line is not None:
                continue  # the same clause already lets an announced route through
            out.append(_could_finding(dp, p, peer, "export", result.example, rule))
        elif not result.exact:
            out.append(_unsure(dp, p, peer, "export", result, rule))
    return out


def _statement_findings(
    dp: DataPlane,
    p: RoutingPolicy,
    peer: ExternalPeer,
    sent: set[IPv4Network],
    violated: Callable[[IPv4Network], str | None],
) -> list[Finding]:
    """``network`` and ``aggregate-address`` statements of the device whose route is not in its BGP
    RIB today (no matching IGP route, no contributor) but that the export policy would announce,
    against the rule: named by the statement, so the finding says what to fix."""
    node = dp.snapshot.nodes[peer.node]
    proc = node.bgp
    if proc is None:
        return []
    out: list[Finding] = []
    statements = [(n.prefix, n.source, "local") for n in proc.networks]
    statements += [(a.prefix, a.source, "aggregate") for a in proc.aggregates]
    for prefix, source, protocol in statements:
        rule = violated(prefix)
        if rule is None or prefix in sent:
            continue
        route = BgpRoute(network=prefix, protocol=protocol, weight=32768, origin="igp")
        exported, _clauses, line = export_decision(node, peer, route)
        if exported is None:
            continue
        why = f"{_clause_text(dp, line)} ({line}) would let it through" if line else "no export policy filters it"
        out.append(
            Finding(
                policy=p.name,
                check=CHECK,
                message=(
                    f"{peer.node} would announce {prefix} to {_peer_text(peer)} ({rule}) as soon as "
                    f"{_clause_text(dp, source)} ({source}) originates it (not in the BGP RIB today): {why}"
                ),
                locations=_locs(dp, [source, line]),
                extra={
                    **_peer_extra(peer, "export", "would-announce"),
                    "route": _route_json(str(prefix), frozenset(), ()),
                    "clause": str(line) if line is not None else None,
                },
            )
        )
    return out


def _announced_finding(dp: DataPlane, p: RoutingPolicy, peer: ExternalPeer, a: Announcement, rule: str) -> Finding:
    r: BgpRoute = a.route
    if a.line is None:
        why = "no export policy filters it"
    elif a.clauses:
        why = f"{_clause_text(dp, a.line)} ({a.line}) lets it through"
    else:
        why = f"{_clause_text(dp, a.line)} ({a.line}) announces it"
    origin = f"; originated by {', '.join(str(o) for o in a.origin)}" if a.origin else ""
    return Finding(
        policy=p.name,
        check=CHECK,
        message=(
            f"{peer.node} announces {r.network} to {_peer_text(peer)} ({rule}): {why}{origin}; "
            f"sent with as-path {_path_text(r.as_path)}, communities {_comm_text(r.communities)}, "
            f"next hop {r.next_hop_ip}"
        ),
        locations=_locs(dp, [a.line, *a.origin]),
        extra={
            **_peer_extra(peer, "export", "announced"),
            "route": _route_json(str(r.network), r.communities, r.as_path),
            "clause": str(a.line) if a.line is not None else None,
        },
    )


def _clause_text(dp: DataPlane, ref: SourceRef) -> str:
    text = loc(dp, ref.file, ref.line).text
    return text if text else "the policy line"


def _could_finding(
    dp: DataPlane, p: RoutingPolicy, peer: ExternalPeer, direction: Direction, ex: Example, rule: str
) -> Finding:
    verb = "could announce" if direction == "export" else "would accept"
    prep = "to" if direction == "export" else "from"
    if ex.line is None:
        why = f"no {direction} policy filters it"
    else:
        why = f"{_clause_text(dp, ex.line)} ({ex.line}) lets it through"
    match_lines = [m.source for c in ex.clauses for m in c.matches]
    return Finding(
        policy=p.name,
        check=CHECK,
        message=(
            f"{peer.node} {verb} {ex.network} {prep} {_peer_text(peer)} ({rule}): {why}; "
            f"example route {ex.network} with communities {_comm_text(ex.communities)}, "
            f"as-path {_path_text(ex.as_path)}" + (f", tag {ex.tag}" if ex.tag is not None else "")
        ),
        locations=_locs(dp, [ex.line, *match_lines]),
        extra={
            **_peer_extra(peer, direction, "could-announce" if direction == "export" else "would-accept"),
            "route": _route_json(str(ex.network), ex.communities, ex.as_path),
            "clause": str(ex.line) if ex.line is not None else None,
        },
    )


def _unsure(
    dp: DataPlane, p: RoutingPolicy, peer: ExternalPeer, direction: Direction, r: SearchResult, rule: str
) -> Finding:
    rm_name = neighbor_policy(peer.neighbor, direction)[0]
    node = dp.snapshot.nodes[peer.node]
    refs: list[SourceRef | None] = [peer.neighbor.source]
    if rm_name is not None and rm_name in node.route_maps:
        refs.append(node.route_maps[rm_name].source)
    return Finding(
        policy=p.name,
        check=CHECK,
        status="undecided",
        message=(
            f"undecided: the {direction} policy of {peer.node} towards {_peer_text(peer)} was searched only over "
            f"bounded candidates ({r.why_inexact}) and no violation of {rule} was found; "
            f"the gate cannot prove there is none"
        ),
        locations=_locs(dp, refs),
        extra=_peer_extra(peer, direction, "undecided"),
    )


# --- import ------------------------------------------------------------------------------------


def _import_violation(p: RoutingPolicy, net: IPv4Network) -> str | None:
    bad = [r for r in p.import_reject if PrefixRange(r.prefix, r.lo, r.hi).contains(net)]
    if bad:
        return f"reject: {bad[0].text}"
    limit = p.import_max_prefix_length
    if limit is not None and net.prefixlen > limit:
        return f"max_prefix_length: {limit}"
    return None


def _accepted_finding(dp: DataPlane, p: RoutingPolicy, peer: ExternalPeer, r: Received, rule: str) -> Finding:
    a = r.announced
    why = f"{_clause_text(dp, r.line)} ({r.line}) accepts it" if r.line is not None else "no import policy filters it"
    return Finding(
        policy=p.name,
        check=CHECK,
        message=(
            f"{peer.node} accepts {a.network} from {_peer_text(peer)} ({rule}): {why}; announced in the "
            f"snapshot's external BGP announcements with as-path {_path_text(a.as_path)}, "
            f"communities {_comm_text(a.communities)}"
        ),
        locations=_locs(dp, [r.line]),
        extra={
            **_peer_extra(peer, "import", "accepted"),
            "route": _route_json(str(a.network), a.communities, a.as_path),
            "clause": str(r.line) if r.line is not None else None,
        },
    )


def _import_findings(dp: DataPlane, p: RoutingPolicy, peer: ExternalPeer, got: list[Received]) -> list[Finding]:
    node = dp.snapshot.nodes[peer.node]
    gaps = policy_gaps(node, peer.neighbor, "import", lambda kw: neighbor_line(dp, node, peer.neighbor, kw, "in"))
    if gaps:
        return [_undecided(dp, p, peer, "import", gaps)]
    rm_name, pl_name = neighbor_policy(peer.neighbor, "import")
    loop_as = None if peer.neighbor.allowas_in else peer.local_as
    searches: list[tuple[str, Any]] = []
    reject = _ranges(p.import_reject)
    if reject:
        searches.append((f"reject: {_texts(p.import_reject)}", lambda n: ranges_region(reject, n, True)))
    limit = p.import_max_prefix_length
    if limit is not None and limit < 32:
        longer = [PrefixRange(_ANY, limit + 1, 32)]

        def too_long(n: int) -> Dnf:
            return ranges_region(longer, n, True)

        searches.append((f"max_prefix_length: {limit}", too_long))
    out: list[Finding] = []
    accepted_lines: set[SourceRef | None] = set()
    for r in got:
        if r.accepted is None:
            continue
        rule = _import_violation(p, r.announced.network)
        if rule is not None:
            accepted_lines.add(r.line)
            out.append(_accepted_finding(dp, p, peer, r, rule))
    for rule, region in searches:
        result = search_policy(node, rm_name, pl_name, region, loop_as, ("ibgp" if peer.ibgp else "bgp",))
        if result.example is not None:
            if result.example.line is not None and result.example.line in accepted_lines:
                continue  # the same clause already accepts a real announcement
            out.append(_could_finding(dp, p, peer, "import", result.example, rule))
        elif not result.exact:
            out.append(_unsure(dp, p, peer, "import", result, rule))
    return out


# --- differential ------------------------------------------------------------------------------


def differential(policy: str, base: DataPlane, head: DataPlane, check: str = "no_regression") -> list[Finding]:
    """Routes newly announced to / withdrawn from each external peer between base and head (like
    Batfish's differential ``bgpRib``), each with the line responsible in the side where it is sent
    or, for a withdrawal, the head clause that now stops it."""
    before = announcements(base)
    after = announcements(head)
    out: list[Finding] = []
    for label in sorted(set(before) | set(after)):
        old = {a.network: a for a in before.get(label, [])}
        new = {a.network: a for a in after.get(label, [])}
        for net in sorted(set(new) - set(old), key=lambda n: (int(n.network_address), n.prefixlen)):
            line = new[net].line
            why = f"{_clause_text(head, line)} ({line})" if line is not None else "no export filter"
            out.append(_diff_finding(policy, check, head, new[net], "newly announced", line, why))
        for net in sorted(set(old) - set(new), key=lambda n: (int(n.network_address), n.prefixlen)):
            stop, why = _stopper(head, old[net])
            out.append(_diff_finding(policy, check, head, old[net], "withdrawn", stop, why))
    return out


def _stopper(head: DataPlane, a: Announcement) -> tuple[SourceRef | None, str]:
    """Why the head no longer sends a route the base announced: the export clause that now denies
    it, the export policy's implicit deny, or the route having left the head's BGP RIB."""
    from validator.engine.announce import bgp_ribs

    node = head.snapshot.nodes.get(a.peer.node)
    peer = next((q for q in external_peers(head) if q.label == a.peer.label), None)
    if node is None or node.bgp is None or peer is None:
        return None, "the peer is no longer configured"
    rib = bgp_ribs(head).get((a.peer.node, a.peer.vrf))
    best = rib.best.get(a.network) if rib is not None else None
    if best is None:
        return None, "the route is no longer in its BGP RIB"
    _sent, _clauses, line = export_decision(node, peer, best)
    if line is not None:
        return line, f"{_clause_text(head, line)} ({line})"
    policy = peer.neighbor.route_map_out or peer.neighbor.prefix_list_out or "its export policy"
    return peer.neighbor.source, f"nothing in {policy} permits it any more (implicit deny)"


def _diff_finding(
    policy: str, check: str, side: DataPlane, a: Announcement, what: str, line: SourceRef | None, why: str
) -> Finding:
    peer = a.peer
    return Finding(
        policy=policy,
        check=check,
        severity="warning",
        message=f"{peer.node}: {a.network} {what} to {_peer_text(peer)}: {why}",
        locations=_locs(side, [line, *(a.origin if what != "withdrawn" else ())]),
        extra={
            **_peer_extra(peer, "export", "newly-announced" if what == "newly announced" else "withdrawn"),
            "route": _route_json(str(a.network), a.route.communities, a.route.as_path),
            "clause": str(line) if line is not None else None,
        },
    )
