"""Entry point: one Arista EOS text file to one vendor-neutral ``Node``.

Line based like the IOS parser (EOS ``show running-config`` indents sub-modes by three spaces and
nests ``address-family`` / ``vrf`` blocks under ``router bgp``). Stanza families whose syntax EOS
shares with IOS (ACLs with sequence numbers, prefix-lists, route-maps, community and as-path
lists) are read by the IOS stanza parsers; interfaces, ``router bgp``, ``router ospf`` defaults,
CIDR static routes and the management plane follow EOS semantics (see the modules' docstrings).
Every line is modelled, deliberately ignored (``tables.py`` says why) or warned.
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Network
from pathlib import PurePosixPath

from validator.errors import ConfigParseError
from validator.model.config import BgpProcess, Interface, Node, StaticRoute
from validator.model.management import ManagementPlane
from validator.model.source import SourceRef
from validator.parsers.arista_eos.bgp import EosBgp, parse_eos_router_bgp
from validator.parsers.arista_eos.interfaces import (
    EosInterface,
    canonical_eos_interface,
    carries,
    parse_eos_interface,
)
from validator.parsers.arista_eos.tables import (
    IGNORED_OSPF,
    IGNORED_TOP,
    MANAGEMENT_HEADS,
    OSPF_DEFAULT_METRIC,
    OSPF_REFERENCE_BANDWIDTH,
)
from validator.parsers.cisco_ios.bgp import PEER_GROUP_KIND
from validator.parsers.cisco_ios.bgp_lists import parse_as_path_list, parse_community_list
from validator.parsers.cisco_ios.common import Context, Line, Stanza, group_stanzas, split_lines
from validator.parsers.cisco_ios.filters import Filters, parse_named_acl, parse_prefix_list
from validator.parsers.cisco_ios.route_maps import parse_route_map
from validator.parsers.cisco_ios.routing import OspfDraft, parse_router_ospf, parse_static_route, resolve_interface_ospf
from validator.parsers.cisco_ios.tables import match_ignorable

__all__ = ["parse_eos"]


class _State:
    def __init__(self, file: str) -> None:
        self.ctx = Context(file)
        self.hostname: str | None = None
        self.interfaces: dict[str, EosInterface] = {}
        self.filters = Filters()
        self.statics: list[StaticRoute] = []
        self.ospf: list[OspfDraft] = []
        self.bgp: EosBgp | None = None
        self.vrfs: set[str] = set()
        self.mgmt: list[SourceRef] = []


def parse_eos(text: str, file: str) -> Node:
    """Parse an Arista EOS configuration; ``file`` is the snapshot-relative path used in SourceRefs.

    Raises ConfigParseError when the text is binary or has nothing recognisable as EOS.
    """
    lines = split_lines(text.removeprefix("\ufeff"), file)
    st = _State(file)
    for stanza in group_stanzas(lines):
        _dispatch(stanza, st)
    if st.ctx.recognised == 0:
        raise ConfigParseError("no recognisable Arista EOS configuration", file=file, line=lines[0].num if lines else 1)
    return _build(st, lines[0].num if lines else 1)


def _dispatch(stanza: Stanza, st: _State) -> None:
    ctx = st.ctx
    head = stanza.head
    w = head.words
    low = [x.lower() for x in w]
    n = len(w)
    if low[0] == "hostname" and n == 2:
        st.hostname = w[1].strip('"')
        ctx.ok(head)
        _warn_children(stanza, ctx)
    elif low[0] == "interface":
        eos = parse_eos_interface(stanza, ctx, st.interfaces)
        if eos is not None:
            st.interfaces[eos.draft.name] = eos
    elif low[:2] == ["router", "ospf"]:
        _router_ospf(stanza, st)
    elif low[:2] == ["router", "bgp"]:
        if st.bgp is not None:
            ctx.warn(head, "second router bgp process ignored")
            _warn_children(stanza, ctx)
            return
        st.bgp = parse_eos_router_bgp(stanza, ctx)
    elif low[:2] == ["ip", "route"]:
        route = parse_static_route(_cidr_route(head), ctx)
        if route is not None:
            if route.next_hop_interface is not None:
                route = replace(route, next_hop_interface=canonical_eos_interface(route.next_hop_interface))
            st.statics.append(route)
        _warn_children(stanza, ctx)
    elif low[:2] == ["ip", "access-list"]:
        kept = []
        for child in stanza.children:
            if [x.lower() for x in child.words] == ["counters", "per-entry"]:
                ctx.ok(child)  # hit counters only
            else:
                kept.append(child)
        parse_named_acl(Stanza(head, kept), st.filters, ctx)
    elif low[:2] == ["ip", "prefix-list"]:
        _prefix_list(stanza, st)
    elif low[:2] == ["ip", "community-list"]:
        parse_community_list(head, st.filters, ctx)
        _warn_children(stanza, ctx)
    elif low[:3] == ["ip", "as-path", "access-list"]:
        parse_as_path_list(head, st.filters, ctx)
        _warn_children(stanza, ctx)
    elif low[0] == "route-map":
        parse_route_map(Stanza(head, [_eos_match_acl(c) for c in stanza.children]), st.filters, ctx)
    elif low[0] == "vrf" and n == 3 and low[1] in ("instance", "definition"):
        _vrf(stanza, st)
    elif low[:3] == ["ip", "routing", "vrf"] and n == 4:
        ctx.ok(head)  # routing on in that VRF (see IGNORED_TOP ``ip routing``)
    elif any(tuple(low[: len(h)]) == h for h in MANAGEMENT_HEADS):
        # read, not modelled: no effect on forwarding; the management plane is partial (a
        # ``management`` policy on this device is undecided) and a changed ``username`` /
        # ``enable`` line blocks through the diff's management rule, as on IOS
        for line in (head, *stanza.children):
            st.mgmt.append(ctx.src(line))
            ctx.ok(line)
    elif match_ignorable(w, IGNORED_TOP) is not None:
        ctx.ok(head)
        for child in stanza.children:
            ctx.ok(child)
    else:
        ctx.warn(head)
        _warn_children(stanza, ctx, "inside an unmodelled stanza")


def _warn_children(stanza: Stanza, ctx: Context, reason: str = "unmodelled line") -> None:
    for child in stanza.children:
        ctx.warn(child, reason)


def _eos_match_acl(line: Line) -> Line:
    """EOS ``match ip address access-list NAME`` in the IOS ``match ip address NAME`` form (the
    keyword is not an ACL name: read as one it was a spurious undefined reference)."""
    if [x.lower() for x in line.words[:4]] == ["match", "ip", "address", "access-list"]:
        return Line(line.num, line.indent, line.text, [*line.words[:3], *line.words[4:]])
    return line


def _cidr_route(line: Line) -> Line:
    """``ip route [vrf V] A.B.C.D/L ...`` in the IOS ``A.B.C.D M.M.M.M`` form the IOS parser reads."""
    words = list(line.words)
    i = 4 if len(words) > 3 and words[2].lower() == "vrf" else 2
    if i < len(words) and "/" in words[i]:
        try:
            net = IPv4Network(words[i], strict=False)
        except ValueError:
            return line  # the IOS parser reports the bad prefix
        words[i : i + 1] = [words[i].split("/")[0], str(net.netmask)]
    return Line(line.num, line.indent, line.text, words)


def _prefix_list(stanza: Stanza, st: _State) -> None:
    """``ip prefix-list NAME seq N ...`` on one line, or EOS's block form ``ip prefix-list NAME``
    with ``seq N permit P/L [ge G] [le L]`` children."""
    head = stanza.head
    if len(head.words) == 3 and head.words[2].lower() not in ("seq", "permit", "deny"):
        name = head.words[2]
        st.filters.prefix_lists.setdefault(name, (st.ctx.src(head), []))
        st.ctx.ok(head)
        for child in stanza.children:
            parse_prefix_list(
                Line(child.num, child.indent, child.text, ["ip", "prefix-list", name, *child.words]), st.filters, st.ctx
            )
        return
    parse_prefix_list(head, st.filters, st.ctx)
    _warn_children(stanza, st.ctx)


def _router_ospf(stanza: Stanza, st: _State) -> None:
    proc = parse_router_ospf(stanza, st.ctx, IGNORED_OSPF)
    if proc is None:
        return
    lows = [[x.lower() for x in c.words] for c in stanza.children]
    if not any(low[:2] == ["auto-cost", "reference-bandwidth"] for low in lows):
        proc.reference_bandwidth = OSPF_REFERENCE_BANDWIDTH
    if proc.default_metric is None:
        proc.default_metric = OSPF_DEFAULT_METRIC
    # EOS redistributes subnets always (no ``subnets`` keyword)
    proc.redistributions = [replace(r, subnets=True) for r in proc.redistributions]
    proc.passive = {canonical_eos_interface(x) for x in proc.passive}
    proc.non_passive = {canonical_eos_interface(x) for x in proc.non_passive}
    st.ospf.append(proc)


_VRF_OK = (("rd",), ("description",))


def _vrf(stanza: Stanza, st: _State) -> None:
    """``vrf instance NAME`` (EOS 4.22+) / ``vrf definition NAME``: names a routing table."""
    st.vrfs.add(stanza.head.words[2])
    st.ctx.ok(stanza.head)
    for child in stanza.children:
        low = tuple(x.lower() for x in child.words)
        if any(low[: len(p)] == p for p in _VRF_OK):
            st.ctx.ok(child)
        else:
            st.ctx.warn(child, "VRF option not modelled (route leaking)")


def _build(st: _State, first_line: int) -> Node:
    ctx = st.ctx
    hostname = st.hostname or PurePosixPath(ctx.file).stem
    name = hostname.lower()
    _resolve_ospf_areas(st)
    bgp_vrfs = st.bgp.vrfs if st.bgp is not None else {}
    interfaces: dict[str, Interface] = {}
    for eos in st.interfaces.values():
        d = eos.draft
        if eos.switchport and d.addresses:
            for line in eos.address_lines:
                ctx.warn(line, "address on a switchport is not used (EOS needs 'no switchport'; Batfish drops it)")
            d.addresses.clear()
            d.has_primary = False
        unparsed = list(d.unparsed)
        if d.vrf in bgp_vrfs:
            unparsed.append(bgp_vrfs[d.vrf])
        admin_up, bandwidth = d.admin_up, eos.bandwidth
        if d.name.startswith("Port-channel") and d.bandwidth_kbps is None:
            admin_up, bandwidth = _port_channel(eos, st)
        if d.kind == "vlan":
            admin_up = admin_up and _vlan_state(eos, st, unparsed)
        interfaces[d.name] = Interface(
            node=name,
            name=d.name,
            source=d.source,
            kind=d.kind,
            addresses=tuple(d.addresses),
            admin_up=admin_up,
            vrf=d.vrf,
            description=d.description,
            mtu=d.mtu,
            bandwidth=bandwidth,
            acl_in=d.acl_in,
            acl_out=d.acl_out,
            acl_in_source=d.acl_in_source,
            acl_out_source=d.acl_out_source,
            ospf=resolve_interface_ospf(st.ospf, d, ctx),
            proxy_arp=d.proxy_arp,
            local_route=False,  # Batfish: Arista addresses generate no local /32 route
            unparsed=tuple(unparsed),
        )
    f = st.filters
    defined: dict[str, set[str]] = {
        **f.defined_names(),
        "interface": set(st.interfaces),
        "vrf": st.vrfs | {"default"},
        PEER_GROUP_KIND: set(st.bgp.draft.groups) if st.bgp is not None else set(),
    }
    undefined = [
        (kind, ref, src)
        for kind, ref, src in ctx.references
        if (canonical_eos_interface(ref) if kind == "interface" else ref) not in defined[kind]
    ]
    bgp = _freeze_bgp(st, defined["route-map"])
    return Node(
        name=name,
        hostname=hostname,
        file=ctx.file,
        vendor="arista_eos",
        interfaces=interfaces,
        acls=f.frozen_acls(),
        route_maps=f.frozen_route_maps(),
        prefix_lists=f.frozen_prefix_lists(),
        community_lists=f.frozen_community_lists(),
        as_path_lists=f.frozen_as_path_lists(),
        static_routes=tuple(st.statics),
        ospf=tuple(p.freeze() for p in st.ospf),
        bgp=bgp,
        warnings=tuple(sorted(ctx.warnings, key=lambda w: w.line)),
        undefined_references=tuple(undefined),
        # EOS management syntax is not modelled: the plane is always partial, so a ``management``
        # policy on an EOS device is undecided (never a pass on defaults we did not read)
        management=ManagementPlane(unparsed=(SourceRef(ctx.file, first_line), *st.mgmt)),
    )


def _resolve_ospf_areas(st: _State) -> None:
    """``ip ospf area A`` without a process: the interface joins its VRF's OSPF process (Batfish
    ``toOspfProcess`` takes the interface's area in every process of the VRF; with more than one
    process we cannot tell, so the line is warned and the interface partial)."""
    for eos in st.interfaces.values():
        d = eos.draft
        if not eos.ospf_area_without_process or d.ospf_area_line is None:
            continue
        procs = [p for p in st.ospf if p.vrf == d.vrf]
        if len(procs) == 1:
            d.ospf_process = procs[0].process_id
        else:
            reason = "no OSPF process in this VRF" if not procs else "several OSPF processes in this VRF"
            st.ctx.warn(d.ospf_area_line, f"ip ospf area: {reason}")
            d.unparsed.append(st.ctx.src(d.ospf_area_line))
            d.ospf_area = None


def _vlan_state(svi: EosInterface, st: _State, unparsed: list[SourceRef]) -> bool:
    """Autostate: a VLAN interface is up only while an up switchport carries its VLAN (Batfish
    deactivates VLAN interfaces without active members; ``no autostate`` keeps it up). Switchport
    lines we could not read may change membership: they make the SVI partial."""
    if not svi.autostate:
        return True
    number = svi.draft.name.removeprefix("Vlan")
    if not number.isdigit():
        return True
    vlan = int(number)
    members = [
        e
        for e in st.interfaces.values()
        if e.switchport and e.channel_group is None and e.draft.name.startswith(("Ethernet", "Port-channel"))
    ]
    for e in members:
        unparsed.extend(st.ctx.src(line) for line in e.vlan_unknown)
    return any(
        carries(e, vlan) and (_port_channel(e, st)[0] if e.draft.name.startswith("Port-channel") else e.draft.admin_up)
        for e in members
    )


def _port_channel(eos: EosInterface, st: _State) -> tuple[bool, float]:
    """A Port-Channel is up with the summed bandwidth of its up members (``channel-group N``);
    without one it is down, as Batfish computes aggregated interfaces."""
    number = eos.draft.name.removeprefix("Port-channel")
    members = [m for m in st.interfaces.values() if m.channel_group == number and m.draft.admin_up]
    return eos.draft.admin_up and bool(members), float(sum(m.bandwidth for m in members))


def _freeze_bgp(st: _State, route_maps: set[str]) -> BgpProcess | None:
    if st.bgp is None:
        return None
    proc = st.bgp.freeze(st.ctx)
    neighbors = tuple(
        replace(nb, update_source=canonical_eos_interface(nb.update_source)) if nb.update_source else nb
        for nb in proc.neighbors
    )
    # Batfish: "redistribute undefined is permit all" (confirmed in lab, toEosBgpProcess)
    redists = tuple(
        replace(r, route_map=None) if r.route_map is not None and r.route_map not in route_maps else r
        for r in proc.redistributions
    )
    return replace(proc, neighbors=neighbors, redistributions=redists)
