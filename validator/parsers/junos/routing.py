"""``routing-options`` (static routes, router-id, autonomous-system) and ``protocols ospf``.

Junos route preferences (Juniper "Route Preference Values"; Batfish ``JuniperConfiguration``):
static 5 unless ``preference`` says otherwise; ``reject`` and ``discard`` both drop (Batfish turns
both into a null route). OSPF runs on the units named under ``area A interface IF``; a loopback
without a ``metric`` costs 0 (Batfish: ``isLoopback`` -> cost 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Literal

from validator.model.config import InterfaceOspf, StaticRoute
from validator.model.source import SourceRef
from validator.parsers.junos.common import Ctx, area_id, integer, ip, prefix, unit_name, values
from validator.parsers.junos.flatten import FlatLine

JUNOS_STATIC_PREFERENCE = 5


@dataclass
class StaticDraft:
    network: IPv4Network
    source: SourceRef
    next_hops: list[IPv4Address] = field(default_factory=list)
    next_ifaces: list[str] = field(default_factory=list)
    discard: bool = False
    preference: int = JUNOS_STATIC_PREFERENCE
    tag: int | None = None


@dataclass
class RoutingOptions:
    router_id: IPv4Address | None = None
    asn: int | None = None
    asn_source: SourceRef | None = None
    statics: dict[IPv4Network, StaticDraft] = field(default_factory=dict)


_STATIC_IGNORED = {"no-readvertise", "readvertise", "retain", "no-retain", "install", "no-install", "resolve"}


def parse_routing_options(fl: FlatLine, ro: RoutingOptions, ctx: Ctx) -> None:
    w = fl.words[1:]
    if len(w) == 2 and w[0] == "router-id" and ip(w[1]) is not None:
        ro.router_id = ip(w[1])
        return
    if len(w) >= 2 and w[0] == "autonomous-system" and integer(w[1]) is not None:
        ro.asn = int(w[1])
        ro.asn_source = ctx.src(fl)
        if len(w) > 2:
            ctx.warn(fl, "autonomous-system option not modelled")
        return
    if len(w) >= 3 and w[:2] == ("static", "route"):
        net = prefix(w[2])
        if net is None:
            ctx.warn(fl)
            return
        st = ro.statics.get(net)
        if st is None:
            st = ro.statics[net] = StaticDraft(net, ctx.src(fl))
        _static_attr(fl, st, w[3:], ctx)
        return
    ctx.warn(fl)


def _static_attr(fl: FlatLine, st: StaticDraft, rest: tuple[str, ...], ctx: Ctx) -> None:
    if not rest:
        return
    if rest[0] in ("discard", "reject") and len(rest) == 1:
        st.discard = True
        return
    if rest[0] == "next-hop" and len(rest) == 2:
        for v in values(rest[1]):
            addr = ip(v)
            if addr is not None:
                st.next_hops.append(addr)
            else:
                st.next_ifaces.append(unit_name(v))
        return
    if rest[0] == "preference" and len(rest) == 2 and integer(rest[1]) is not None:
        st.preference = int(rest[1])
        return
    if rest[0] == "tag" and len(rest) == 2 and integer(rest[1]) is not None:
        st.tag = int(rest[1])
        return
    if rest[0] in _STATIC_IGNORED and len(rest) == 1:
        ctx.warn(fl, "static route option not modelled")
        return
    ctx.warn(fl)


def build_statics(ro: RoutingOptions) -> list[StaticRoute]:
    out: list[StaticRoute] = []
    for st in ro.statics.values():
        common = {"admin_distance": st.preference, "tag": st.tag}
        if st.discard:
            out.append(StaticRoute(st.network, st.source, discard=True, **common))  # type: ignore[arg-type]
        for nh in st.next_hops:
            out.append(StaticRoute(st.network, st.source, next_hop_ip=nh, **common))  # type: ignore[arg-type]
        for ifn in st.next_ifaces:
            out.append(StaticRoute(st.network, st.source, next_hop_interface=ifn, **common))  # type: ignore[arg-type]
    return out


# --- OSPF -------------------------------------------------------------------------------------

NetworkType = Literal["broadcast", "point-to-point", "non-broadcast", "point-to-multipoint"]


@dataclass
class OspfIfaceDraft:
    area: int
    source: SourceRef
    metric: int | None = None
    passive: bool = False
    network_type: NetworkType = "broadcast"
    hello: int = 10
    dead: int | None = None
    disabled: bool = False


@dataclass
class OspfDraft:
    source: SourceRef | None = None
    interfaces: dict[str, OspfIfaceDraft] = field(default_factory=dict)
    export: tuple[str, ...] = ()
    export_source: SourceRef | None = None
    reference_bandwidth: float = 100e6
    disabled: bool = False


_TYPES: dict[str, NetworkType] = {"p2p": "point-to-point", "broadcast": "broadcast", "nbma": "non-broadcast"}


def parse_ospf(fl: FlatLine, ospf: OspfDraft, ctx: Ctx) -> None:
    w = fl.words[2:]  # after "protocols ospf"
    if ospf.source is None:
        ospf.source = ctx.src(fl)
    if not w:
        return
    if w[0] == "export" and len(w) == 2:
        ospf.export = ospf.export + tuple(values(w[1]))
        ospf.export_source = ctx.src(fl)
        return
    if w[0] == "reference-bandwidth" and len(w) == 2:
        bw = _bandwidth(w[1])
        if bw is None:
            ctx.warn(fl)
            return
        ospf.reference_bandwidth = bw
        return
    if w == ("disable",):
        ospf.disabled = True
        return
    if w[0] == "area" and len(w) >= 2:
        area = area_id(w[1])
        if area is None:
            ctx.warn(fl)
            return
        if len(w) >= 4 and w[2] == "interface":
            if w[3] == "all":
                # OSPF on every interface is not expanded: the adjacencies (and so the routes) it
                # would add are unknown, so the device's interfaces are partial (a deny policy
                # must not pass because the model lacks the routes that carry the traffic)
                ctx.warn(fl, "'interface all' not modelled")
                ctx.ranges.append(ctx.src(fl))
                return
            name = unit_name(w[3])
            oi = ospf.interfaces.get(name)
            if oi is None:
                oi = ospf.interfaces[name] = OspfIfaceDraft(area, ctx.src(fl))
            if not _iface_attr(w[4:], oi):
                ctx.warn(fl)
            return
        ctx.warn(fl, "OSPF area setting not modelled")
        return
    ctx.warn(fl)


def _iface_attr(rest: tuple[str, ...], oi: OspfIfaceDraft) -> bool:
    if not rest:
        return True
    if rest == ("passive",):
        oi.passive = True
        return True
    if rest == ("disable",):
        oi.disabled = True
        return True
    if len(rest) == 2 and rest[0] == "metric" and 1 <= (integer(rest[1]) or 0) <= 65535:
        # Junos OSPF interface metric range is 1-65535 (Juniper "metric (Protocols OSPF)"); any
        # other value fails commit, so it is warned (a change to it blocks), never modelled
        oi.metric = int(rest[1])
        return True
    if len(rest) == 2 and rest[0] == "interface-type" and rest[1] in _TYPES:
        oi.network_type = _TYPES[rest[1]]
        return True
    if len(rest) == 2 and rest[0] == "hello-interval" and integer(rest[1]) is not None:
        oi.hello = int(rest[1])
        return True
    if len(rest) == 2 and rest[0] == "dead-interval" and integer(rest[1]) is not None:
        oi.dead = int(rest[1])
        return True
    return False


def _bandwidth(word: str) -> float | None:
    mult = {"k": 1e3, "m": 1e6, "g": 1e9}
    w = word.lower()
    if w and w[-1] in mult and w[:-1].isdigit():
        return int(w[:-1]) * mult[w[-1]]
    return float(w) if w.isdigit() else None


def iface_ospf(name: str, is_loopback: bool, ospf: OspfDraft) -> InterfaceOspf | None:
    oi = ospf.interfaces.get(name)
    if oi is None or oi.disabled or ospf.disabled:
        return None
    cost = oi.metric if oi.metric is not None else (0 if is_loopback else None)
    dead = oi.dead if oi.dead is not None else 4 * oi.hello
    return InterfaceOspf("default", oi.area, cost, oi.passive, oi.network_type, oi.hello, dead)
