"""Static routes and ``router ospf``, with OSPF membership resolved onto interfaces (semantics 3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Literal

from validator.model.config import InterfaceOspf, OspfProcess, OspfRedistribution, StaticRoute
from validator.model.prefix import prefix as as_prefix
from validator.model.source import SourceRef
from validator.parsers.cisco_ios.common import (
    Context,
    Line,
    LineError,
    Stanza,
    area,
    integer,
    interface_words,
    ip,
    is_ip,
    mask_len,
    wildcard_len,
)
from validator.parsers.cisco_ios.interfaces import InterfaceDraft
from validator.parsers.cisco_ios.tables import IGNORED_OSPF, Ignorable

# --- static routes ------------------------------------------------------------------------------


def parse_static_route(line: Line, ctx: Context) -> StaticRoute | None:
    """``ip route [vrf X] P M {IP | IFACE [IP] | Null0} [dist] [tag N] [name X] [permanent]``."""
    w = line.words
    try:
        i = 2
        vrf = "default"
        if len(w) > 3 and w[2].lower() == "vrf":
            vrf, i = w[3], 4
            ctx.ref("vrf", vrf, line)  # IOS refuses a route into an undefined VRF
        if i + 2 >= len(w):
            raise LineError("expected prefix, mask and next hop")
        net = as_prefix((ip(w[i]), mask_len(w[i + 1])), strict=False)
        i += 2
        nh_ip: IPv4Address | None = None
        nh_if: str | None = None
        discard = False
        if is_ip(w[i]):
            nh_ip, i = ip(w[i]), i + 1
        elif not w[i][:1].isalpha():
            # ``999.1.1.1`` is a bad address, never an interface name (interface names start with a letter)
            raise LineError(f"bad next hop {w[i]!r}")
        else:
            nh_if, i = interface_words(w, i)
            if nh_if.lower().startswith("null"):
                discard, nh_if = True, None
            else:
                ctx.ref("interface", nh_if, line)  # Batfish references the next-hop interface too
                if i < len(w) and is_ip(w[i]):
                    nh_ip, i = ip(w[i]), i + 1
        distance = 1
        tag: int | None = None
        unmodelled: list[str] = []
        while i < len(w):
            word = w[i].lower()
            if word.isdigit():
                distance = integer(word, 1, 255)
                i += 1
            elif word == "tag" and i + 1 < len(w):
                tag = integer(w[i + 1])
                i += 2
            elif word == "name" and i + 1 < len(w):
                i += 2
            elif word == "permanent":
                i += 1
            elif word == "track" and i + 1 < len(w):
                unmodelled.extend(w[i : i + 2])
                i += 2
            else:
                unmodelled.append(w[i])
                i += 1
    except LineError as e:
        ctx.warn(line, f"unparsable static route (route dropped): {e}")
        return None
    if unmodelled:
        ctx.warn(line, f"static route option not modelled: {' '.join(unmodelled)}")
    else:
        ctx.ok(line)
    return StaticRoute(net, ctx.src(line), nh_ip, nh_if, discard, distance, tag, vrf)


# --- OSPF ---------------------------------------------------------------------------------------


@dataclass
class OspfNetworkStmt:
    ip: int
    wildcard: int
    area: int

    @property
    def sort_key(self) -> tuple[int, int, int, int]:
        # Batfish keeps them in a TreeSet ordered by (prefix, wildcard, area); prefix = (ip, length)
        plen = 32 - self.wildcard.bit_length()
        mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
        return (self.ip & mask, plen, self.wildcard, self.area)

    def matches(self, addr: IPv4Address) -> bool:
        return (int(addr) | self.wildcard) == (self.ip | self.wildcard)


@dataclass
class OspfDraft:
    process_id: str
    source: SourceRef
    vrf: str = "default"
    router_id: IPv4Address | None = None
    reference_bandwidth: float = 100e6
    redistributions: list[OspfRedistribution] = field(default_factory=list)
    default_metric: int | None = None
    max_paths: int | None = None
    networks: list[OspfNetworkStmt] = field(default_factory=list)
    passive_default: bool = False
    passive: set[str] = field(default_factory=set)
    non_passive: set[str] = field(default_factory=set)

    def freeze(self) -> OspfProcess:
        return OspfProcess(
            self.process_id,
            self.source,
            self.router_id,
            self.reference_bandwidth,
            tuple(self.redistributions),
            self.default_metric,
            self.max_paths,
            self.vrf,
        )


def parse_router_ospf(stanza: Stanza, ctx: Context, ignored: tuple[Ignorable, ...] = IGNORED_OSPF) -> OspfDraft | None:
    """``router ospf N [vrf V]``; ``ignored``: the inert sub-mode lines (the EOS parser passes its own)."""
    head = stanza.head
    w = head.words
    if len(w) == 3 and w[2].isdigit():
        proc = OspfDraft(w[2], ctx.src(head))
    elif len(w) == 5 and w[2].isdigit() and w[3].lower() == "vrf":
        proc = OspfDraft(w[2], ctx.src(head), vrf=w[4])
    else:
        ctx.warn(head, "unsupported router ospf form")
        for child in stanza.children:
            ctx.warn(child, "inside an unparsed router ospf")
        return None
    ctx.ok(head)
    for line in stanza.children:
        ctx.child(line, lambda ln: _ospf_line(proc, ln, ctx), ignored)
    return proc


def _ospf_line(p: OspfDraft, line: Line, ctx: Context) -> bool:
    w = line.words
    low = [x.lower() for x in w]
    n = len(w)
    if low[0] == "router-id" and n == 2:
        p.router_id = ip(w[1])
        return True
    if low[0] == "network" and n >= 4:
        if "/" in w[1] and n == 4 and low[2] == "area":
            addr_s, _, plen_s = w[1].partition("/")
            plen = integer(plen_s, 0, 32)
            wildcard = (1 << (32 - plen)) - 1
            p.networks.append(OspfNetworkStmt(int(ip(addr_s)), wildcard, area(w[3])))
            return True
        if n == 5 and low[3] == "area":
            wildcard_len(w[2])  # validates contiguity
            p.networks.append(OspfNetworkStmt(int(ip(w[1])), int(ip(w[2])), area(w[4])))
            return True
        return False
    if low[0] == "passive-interface" and n >= 2:
        if low[1] == "default" and n == 2:
            p.passive_default = True
            return True
        name, _ = interface_words(w, 1)
        p.passive.add(name)
        p.non_passive.discard(name)
        return True
    if low[:2] == ["no", "passive-interface"] and n >= 3:
        if low[2] == "default" and n == 3:
            p.passive_default = False
            return True
        name, _ = interface_words(w, 2)
        p.non_passive.add(name)
        p.passive.discard(name)
        return True
    if low[0] == "redistribute" and n >= 2:
        return _redistribute(p, line, low, ctx)
    if low[:2] == ["auto-cost", "reference-bandwidth"] and n in (3, 4):
        value = integer(w[2], 1)
        if n == 4:
            if low[3] != "gbps":
                return False
            p.reference_bandwidth = value * 1e9
        else:
            p.reference_bandwidth = value * 1e6
        return True
    if low[0] == "default-metric" and n == 2:
        p.default_metric = integer(w[1])
        return True
    if low[0] == "maximum-paths" and n == 2:
        p.max_paths = integer(w[1], 1)
        return True
    return False


def _redistribute(p: OspfDraft, line: Line, low: list[str], ctx: Context) -> bool:
    w = line.words
    proto = low[1]
    i = 2
    if proto == "bgp":
        if len(w) < 3:
            return False
        i = 3
    elif proto not in ("connected", "static"):
        return False
    subnets = False
    metric: int | None = None
    metric_type = 2
    route_map: str | None = None
    while i < len(w):
        word = low[i]
        if word == "subnets":
            subnets, i = True, i + 1
        elif word == "metric" and i + 1 < len(w):
            metric, i = integer(w[i + 1]), i + 2
        elif word == "metric-type" and i + 1 < len(w) and low[i + 1] in ("1", "2"):
            metric_type, i = int(low[i + 1]), i + 2
        elif word == "route-map" and i + 1 < len(w):
            route_map, i = w[i + 1], i + 2
            ctx.ref("route-map", route_map, line)
        else:
            return False
    protocol: Literal["connected", "static", "bgp"] = (
        "connected" if proto == "connected" else "static" if proto == "static" else "bgp"
    )
    p.redistributions.append(
        OspfRedistribution(protocol, ctx.src(line), subnets, metric, 1 if metric_type == 1 else 2, route_map)
    )
    return True


def resolve_interface_ospf(procs: list[OspfDraft], iface: InterfaceDraft, ctx: Context) -> InterfaceOspf | None:
    """Which process and area an interface joins, with its passive flag and timers (semantics 3)."""
    proc: OspfDraft | None = None
    area_id: int | None = None
    if iface.ospf_process is not None:
        proc = next((p for p in procs if p.process_id == iface.ospf_process), None)
        if proc is None:
            if iface.ospf_area_line is not None:
                ctx.warn(iface.ospf_area_line, f"OSPF process {iface.ospf_process} is not configured")
            return None
        area_id = iface.ospf_area
    elif iface.has_primary:
        primary = iface.addresses[0].ip
        for p in procs:
            if p.vrf != iface.vrf:
                continue
            for net in sorted(p.networks, key=lambda s: s.sort_key):
                if net.matches(primary):
                    proc, area_id = p, net.area
                    break
            if proc is not None:
                break
    if proc is None or area_id is None:
        return None
    name = iface.name
    passive = name not in proc.non_passive if proc.passive_default else name in proc.passive
    passive = passive or iface.ospf_passive
    network_type = iface.ospf_network or "broadcast"
    short = network_type in ("broadcast", "point-to-point")
    hello = iface.ospf_hello if iface.ospf_hello is not None else (10 if short else 30)
    if iface.ospf_dead is not None:
        dead = iface.ospf_dead
    elif iface.ospf_hello is not None:
        dead = 4 * iface.ospf_hello
    else:
        dead = 40 if short else 120
    cost = iface.ospf_cost
    if cost is None and iface.kind == "loopback" and network_type != "point-to-point":
        cost = 1  # Batfish DEFAULT_LOOPBACK_OSPF_COST (CiscoConfiguration.finalizeInterfaceOspfSettings)
    return InterfaceOspf(proc.process_id, area_id, cost, passive, network_type, hello, dead)
