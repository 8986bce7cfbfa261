"""Mixed snapshots: a device file of an unsupported vendor is not parsed, so the device it would be
is *unknown*. This module marks what depends on it, so nothing that could cross it passes.

The foreign file's text still tells where the device sits: every IPv4 address written in it. A
parsed interface whose subnet holds one of those addresses (other than its own) is adjacent to the
unknown device, and it becomes partial (``Interface.unparsed`` points at the foreign file's line):
any flow crossing it is undecided (the soundness rule). When a parsed device also *routes* with
the unknown one (a BGP neighbor at one of its addresses, or OSPF on an adjacent interface), the
routes it would announce are unknown too: every interface of every router of that routing domain
(the routers exchanging routes with it, directly or through others) becomes partial, so no
verdict rests on routing tables the unknown device could change.
"""

from __future__ import annotations

import re
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Network

from validator.model.config import Interface, Node
from validator.model.source import SourceRef

_DOTTED = re.compile(r"(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])")


def foreign_addresses(path: str, text: str) -> dict[IPv4Address, SourceRef]:
    """Every IPv4 address written in ``text`` (first line it appears on), masks excluded."""
    out: dict[IPv4Address, SourceRef] = {}
    for num, line in enumerate(text.splitlines(), start=1):
        for m in _DOTTED.finditer(line):
            octets = [int(g) for g in m.groups()]
            if any(o > 255 for o in octets) or octets[0] in (0, 255):
                continue  # masks (255.x), wildcards / 0.0.0.0 say nothing about placement
            out.setdefault(IPv4Address(".".join(map(str, octets))), SourceRef(path, num))
    return out


def mark_foreign_neighbours(nodes: dict[str, Node], foreign: dict[str, str]) -> None:
    """Mark (in place) the interfaces adjacent to, and the routing that depends on, foreign files."""
    addrs: dict[IPv4Address, SourceRef] = {}
    for path, text in sorted(foreign.items()):
        for a, ref in foreign_addresses(path, text).items():
            addrs.setdefault(a, ref)
    if not addrs:
        return
    routing_peers: list[tuple[str, SourceRef]] = []  # parsed routers that route with the unknown device
    for name, node in sorted(nodes.items()):
        changed: dict[str, Interface] = {}
        for iname, iface in node.interfaces.items():
            refs = [
                ref
                for a, ref in addrs.items()
                if any(a in ia.network and a != ia.ip and ia.network.prefixlen < 32 for ia in iface.addresses)
            ]
            if refs:
                changed[iname] = replace(iface, unparsed=(*iface.unparsed, *sorted(set(refs))))
                if iface.ospf is not None:
                    routing_peers.extend((name, r) for r in refs)
        if node.bgp is not None:
            routing_peers.extend((name, addrs[n.peer_ip]) for n in node.bgp.neighbors if n.peer_ip in addrs)
        if changed:
            nodes[name] = replace(node, interfaces={**node.interfaces, **changed})
    if not routing_peers:
        return
    ref = min(r for _, r in routing_peers)
    for name in sorted(_routing_domain(nodes, {n for n, _ in routing_peers})):
        node = nodes[name]
        nodes[name] = replace(node, interfaces={k: _with(i, ref) for k, i in node.interfaces.items()})


def _routing_domain(nodes: dict[str, Node], seeds: set[str]) -> set[str]:
    """Every parsed router that exchanges routes, directly or through others, with ``seeds``: BGP
    sessions (a neighbor address owned by another device, either side configured) and OSPF on a
    shared subnet. Routes of the unknown device can reach exactly these routers' tables."""
    owner: dict[IPv4Address, str] = {}
    ospf_subnets: dict[IPv4Network, set[str]] = {}
    for name, node in nodes.items():
        for iface in node.interfaces.values():
            for ia in iface.addresses:
                owner.setdefault(ia.ip, name)
                if iface.ospf is not None:
                    ospf_subnets.setdefault(ia.network, set()).add(name)
    links: dict[str, set[str]] = {name: set() for name in nodes}
    for name, node in nodes.items():
        for nb in node.bgp.neighbors if node.bgp is not None else ():
            peer = owner.get(nb.peer_ip) if nb.peer_ip is not None else None
            if peer is not None and peer != name:
                links[name].add(peer)
                links[peer].add(name)
    for members in ospf_subnets.values():
        for m in members:
            links[m] |= members - {m}
    seen = set(seeds)
    todo = list(seeds)
    while todo:
        for nxt in links.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return {n for n in seen if nodes[n].vendor != "host"}


def _with(iface: Interface, ref: SourceRef) -> Interface:
    return iface if ref in iface.unparsed else replace(iface, unparsed=(*iface.unparsed, ref))
