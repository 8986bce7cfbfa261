"""What the engine computes: routes, FIB entries, layer-3 edges, BGP sessions.

Names and renderings mirror Batfish's answers (``routes``, ``layer3Edges``, ``bgpSessionStatus``)
so builtin and Batfish results compare field by field.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from typing import Any, Literal

from validator.model.source import SourceRef

NextHopType = Literal["ip", "interface", "discard"]

# IOS administrative distances (semantics §4a, §5, §6)
ADMIN_DISTANCE = {
    "connected": 0,
    "local": 0,
    "static": 1,
    "bgp": 20,
    "ospf": 110,
    "ospfIA": 110,
    "ospfE1": 110,
    "ospfE2": 110,
    "ibgp": 200,
    "aggregate": 200,
}


@dataclass(frozen=True, order=True, slots=True)
class NextHop:
    """Batfish's NextHop: ``ip`` (NextHopIp), ``interface`` (NextHopInterface, maybe with ip), ``discard``."""

    type: NextHopType
    interface: str | None = None
    ip: IPv4Address | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type}
        if self.interface is not None:
            out["interface"] = self.interface
        if self.ip is not None:
            out["ip"] = str(self.ip)
        return out

    def __str__(self) -> str:
        if self.type == "discard":
            return "discard"
        if self.type == "ip":
            return f"ip {self.ip}"
        return f"{self.interface}" + (f" via {self.ip}" if self.ip is not None else "")


@dataclass(frozen=True, slots=True)
class Route:
    """One main-RIB route with one next hop (ECMP routes are several Route objects)."""

    node: str
    vrf: str
    network: IPv4Network
    protocol: str
    next_hop: NextHop
    admin_distance: int
    metric: int
    tag: int | None = None
    # BGP attributes when protocol is bgp/ibgp/aggregate (for explanations, not for comparison)
    as_path: tuple[int, ...] = ()
    local_preference: int | None = None
    communities: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "vrf": self.vrf,
            "network": str(self.network),
            "protocol": self.protocol,
            "next_hop": self.next_hop.to_json(),
            "admin_distance": self.admin_distance,
            "metric": self.metric,
        }


@dataclass(frozen=True, slots=True)
class FibAction:
    """What the FIB does with a packet: forward out ``interface`` ARPing for ``arp_ip`` (None =
    ARP for the destination itself), or drop (``null_route``)."""

    interface: str | None
    arp_ip: IPv4Address | None
    null_route: bool = False


@dataclass(frozen=True, slots=True)
class FibEntry:
    """A resolved forwarding entry: the top-level route, the route chain it resolved through, the action."""

    route: Route
    action: FibAction
    resolution: tuple[Route, ...] = ()


@dataclass(frozen=True, order=True)
class Edge:
    """A directed layer-3 edge between two interfaces (Batfish ``layer3Edges``)."""

    node1: str
    interface1: str
    node2: str
    interface2: str

    def reversed(self) -> Edge:
        return Edge(self.node2, self.interface2, self.node1, self.interface1)

    def __str__(self) -> str:
        return f"{self.node1}[{self.interface1}] -> {self.node2}[{self.interface2}]"


@dataclass(frozen=True)
class BgpSession:
    """A configured BGP peering and whether it came up (Batfish ``bgpSessionStatus``)."""

    node: str
    vrf: str
    local_as: int
    local_ip: IPv4Address | None
    remote_as: int | None
    remote_ip: IPv4Address | IPv4Network | None
    remote_node: str | None
    session_type: Literal["EBGP_SINGLEHOP", "EBGP_MULTIHOP", "IBGP", "UNSET"]
    status: Literal["ESTABLISHED", "NOT_ESTABLISHED", "NOT_COMPATIBLE"]
    reason: str = ""


@dataclass(frozen=True, eq=False)
class UndecidedRoutes:
    """Routes whose fate depends on config lines the parser could not read (the soundness rule).

    ``by_node`` maps (node applying the policy, prefix) to the unparsed lines its evaluation
    reached. A route's fate at one node propagates to every node that learns it, so lookups treat
    the prefixes as undecided network-wide (sound; the per-node key is for reporting).
    """

    by_node: dict[tuple[str, IPv4Network], tuple[SourceRef, ...]]

    def __post_init__(self) -> None:
        index: dict[int, dict[int, set[SourceRef]]] = {}
        for (_node, net), refs in self.by_node.items():
            index.setdefault(net.prefixlen, {}).setdefault(int(net.network_address), set()).update(refs)
        object.__setattr__(self, "_index", {n: {a: tuple(sorted(r)) for a, r in m.items()} for n, m in index.items()})

    def __bool__(self) -> bool:
        return bool(self.by_node)

    @property
    def prefixes(self) -> set[IPv4Network]:
        return {net for _node, net in self.by_node}

    def lookup(self, ip: int, min_len: int) -> tuple[SourceRef, ...]:
        """Unparsed lines of every undecided prefix holding ``ip`` whose length is at least
        ``min_len`` (such a route, present or absent, could change the longest-prefix match)."""
        index: dict[int, dict[int, tuple[SourceRef, ...]]] = self.__dict__["_index"]
        out: set[SourceRef] = set()
        for plen, nets in index.items():
            if plen < min_len:
                continue
            mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF if plen else 0
            hit = nets.get(ip & mask)
            if hit:
                out.update(hit)
        return tuple(sorted(out))

    def for_lookup(self, dst: int, entries: list[FibEntry]) -> tuple[SourceRef, ...]:
        """What a FIB lookup of ``dst`` returning ``entries`` depends on: an undecided prefix at
        least as specific as the match, or one that could change how a next hop resolves."""
        plen = entries[0].route.network.prefixlen if entries else -1
        out = set(self.lookup(dst, plen))
        for e in entries:
            chain = (e.route, *e.resolution)
            for i, r in enumerate(chain):
                if r.next_hop.ip is None:
                    continue
                resolver_len = chain[i + 1].network.prefixlen if i + 1 < len(chain) else -1
                out.update(self.lookup(int(r.next_hop.ip), resolver_len))
        return tuple(sorted(out))


NO_UNDECIDED_ROUTES = UndecidedRoutes({})
