"""Entry point: one IOS text file to one vendor-neutral ``Node``.

The parser is line based: top-level lines start stanzas, indented lines belong to the stanza
above. Every line is either modelled, deliberately ignored (tables.py says why), or returned as a
ParseWarning, so a change to anything the model does not understand makes the gate fail closed.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from validator.errors import ConfigParseError
from validator.model.config import Interface, Node, StaticRoute
from validator.model.source import SourceRef
from validator.parsers.cisco_ios.bgp import BgpDraft, parse_router_bgp
from validator.parsers.cisco_ios.common import Context, Line, Stanza, group_stanzas, split_lines
from validator.parsers.cisco_ios.filters import (
    Filters,
    parse_community_list,
    parse_named_acl,
    parse_numbered_acl,
    parse_prefix_list,
    parse_route_map,
)
from validator.parsers.cisco_ios.interfaces import InterfaceDraft, parse_interface
from validator.parsers.cisco_ios.routing import (
    OspfDraft,
    parse_router_ospf,
    parse_static_route,
    resolve_interface_ospf,
)
from validator.parsers.cisco_ios.tables import IGNORED_TOP, match_ignorable
from validator.parsers.cisco_ios.zones import ZoneDraft, finish_zones, parse_zone_stanza, take_zone_members

__all__ = ["parse_ios"]


class _State:
    def __init__(self, file: str) -> None:
        self.ctx = Context(file)
        self.hostname: str | None = None
        self.interfaces: dict[str, InterfaceDraft] = {}
        self.filters = Filters()
        self.zones = ZoneDraft()  # zone-based firewall (zones.py)
        self.statics: list[StaticRoute] = []
        self.ospf: list[OspfDraft] = []
        self.bgp: BgpDraft | None = None
        self.vrfs: set[str] = set()


def parse_ios(text: str, file: str) -> Node:
    """Parse an IOS / IOS-XE configuration; ``file`` is the snapshot-relative path used in SourceRefs.

    Raises ConfigParseError when the text is binary or contains nothing recognisable as IOS.
    """
    lines = split_lines(text.removeprefix("\ufeff"), file)
    st = _State(file)
    lines = _drop_banners(lines, st.ctx)
    for stanza in group_stanzas(lines):
        _dispatch(stanza, st)
    if st.ctx.recognised == 0:
        first = lines[0].num if lines else 1
        raise ConfigParseError("no recognisable Cisco IOS configuration", file=file, line=first)
    return _build(st)


def _drop_banners(lines: list[Line], ctx: Context) -> list[Line]:
    """Remove ``banner TYPE <delim>...<delim>`` blocks, whose text may look like anything."""
    out: list[Line] = []
    delim: str | None = None
    for line in lines:
        if delim is not None:
            ctx.ok()
            if delim in line.text:
                delim = None
            continue
        if line.indent == 0 and line.words[0].lower() == "banner" and len(line.words) >= 3:
            ctx.ok()
            body = line.text.split(None, 2)[2]
            d = "^C" if body.startswith("^C") else body[0]
            if d not in body[len(d) :]:
                delim = d
            continue
        out.append(line)
    return out


def _dispatch(stanza: Stanza, st: _State) -> None:
    ctx = st.ctx
    head = stanza.head
    w = head.words
    low = [x.lower() for x in w[:4]]
    n = len(w)
    if low[0] == "hostname" and n == 2:
        st.hostname = w[1].strip('"')
        ctx.ok()
        _children_unexpected(stanza, ctx)
    elif low[0] == "interface":
        take_zone_members(stanza, st.zones, ctx)
        draft = parse_interface(stanza, ctx)
        if draft is not None:
            if draft.name in st.interfaces:
                ctx.warn(head, "interface defined twice; the later stanza replaces the earlier one")
            st.interfaces[draft.name] = draft
    elif low[:2] == ["router", "ospf"]:
        proc = parse_router_ospf(stanza, ctx)
        if proc is not None:
            st.ospf.append(proc)
    elif low[:2] == ["router", "bgp"]:
        if st.bgp is not None:
            ctx.warn(head, "second router bgp process ignored")
            for child in stanza.children:
                ctx.warn(child, "inside an ignored router bgp")
            return
        st.bgp = parse_router_bgp(stanza, ctx)
    elif low[:2] == ["ip", "route"]:
        route = parse_static_route(head, ctx)
        if route is not None:
            st.statics.append(route)
        _children_unexpected(stanza, ctx)
    elif low[:2] == ["ip", "access-list"]:
        parse_named_acl(stanza, st.filters, ctx)
    elif low[0] == "access-list":
        parse_numbered_acl(head, st.filters, ctx)
        _children_unexpected(stanza, ctx)
    elif low[:2] == ["ip", "prefix-list"]:
        parse_prefix_list(head, st.filters, ctx)
        _children_unexpected(stanza, ctx)
    elif low[:2] == ["ip", "community-list"]:
        parse_community_list(head, st.filters, ctx)
        _children_unexpected(stanza, ctx)
    elif low[0] == "route-map":
        parse_route_map(stanza, st.filters, ctx)
    elif (low[:2] == ["vrf", "definition"] and n == 3) or (low[:2] == ["ip", "vrf"] and n == 3):
        _vrf(stanza, st)
    elif parse_zone_stanza(stanza, st.zones, ctx):
        pass
    elif match_ignorable(w, IGNORED_TOP) is not None:
        ctx.ok()
        for _ in stanza.children:
            ctx.ok()
    else:
        ctx.warn(head)
        for child in stanza.children:
            ctx.warn(child, "inside an unmodelled stanza")


def _children_unexpected(stanza: Stanza, ctx: Context) -> None:
    for child in stanza.children:
        ctx.warn(child, "unexpected indented line")


_VRF_OK = (("rd",), ("description",), ("address-family", "ipv4"), ("exit-address-family",))


def _vrf(stanza: Stanza, st: _State) -> None:
    """VRF definitions only name the table; route-target leaking is not modelled."""
    st.vrfs.add(stanza.head.words[-1])
    st.ctx.ok()
    for child in stanza.children:
        low = tuple(x.lower() for x in child.words)
        if any(low[: len(p)] == p for p in _VRF_OK):
            st.ctx.ok()
        else:
            st.ctx.warn(child, "VRF option not modelled (route leaking)")


def _build(st: _State) -> Node:
    ctx = st.ctx
    hostname = st.hostname or PurePosixPath(ctx.file).stem
    name = hostname.lower()
    interfaces: dict[str, Interface] = {}
    for d in st.interfaces.values():
        ospf = resolve_interface_ospf(st.ospf, d, ctx)
        interfaces[d.name] = Interface(
            node=name,
            name=d.name,
            source=d.source,
            kind=d.kind,
            addresses=tuple(d.addresses),
            admin_up=d.admin_up,
            vrf=d.vrf,
            description=d.description,
            mtu=d.mtu,
            bandwidth=d.bandwidth,
            acl_in=d.acl_in,
            acl_out=d.acl_out,
            acl_in_source=d.acl_in_source,
            acl_out_source=d.acl_out_source,
            ospf=ospf,
            proxy_arp=d.proxy_arp,
        )
    interfaces, security_zones, zone_pairs, zone_undefined = finish_zones(st.zones, interfaces)
    f = st.filters
    defined: dict[str, set[str]] = {
        "acl": set(f.acls),
        "route-map": set(f.route_maps),
        "prefix-list": set(f.prefix_lists),
        "community-list": set(f.community_lists),
        "interface": set(st.interfaces),
        "bgp-peer-group": set(st.bgp.groups) if st.bgp is not None else set(),
    }
    undefined: list[tuple[str, str, SourceRef]] = [
        (kind, ref_name, src) for kind, ref_name, src in ctx.references if ref_name not in defined[kind]
    ]
    undefined.extend(zone_undefined)
    return Node(
        name=name,
        hostname=hostname,
        file=ctx.file,
        vendor="cisco_ios",
        interfaces=interfaces,
        acls=f.frozen_acls(),
        route_maps=f.frozen_route_maps(),
        prefix_lists=f.frozen_prefix_lists(),
        community_lists=f.frozen_community_lists(),
        static_routes=tuple(st.statics),
        ospf=tuple(p.freeze() for p in st.ospf),
        bgp=st.bgp.freeze() if st.bgp is not None else None,
        warnings=tuple(sorted(ctx.warnings, key=lambda w: w.line)),
        undefined_references=tuple(undefined),
        security_zones=security_zones,
        zone_pairs=zone_pairs,
    )
