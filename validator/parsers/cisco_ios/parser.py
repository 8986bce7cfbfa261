"""Entry point: one IOS text file to one vendor-neutral ``Node``.

The parser is line based: top-level lines start stanzas, indented lines belong to the stanza
above. Every line is either modelled, deliberately ignored (tables.py says why), or returned as a
ParseWarning, so a change to anything the model does not understand makes the gate fail closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from validator.errors import ConfigParseError
from validator.model.config import Interface, Node, StaticRoute
from validator.model.source import SourceRef
from validator.parsers.cisco_ios.bgp import PEER_GROUP_KIND, BgpDraft, parse_router_bgp
from validator.parsers.cisco_ios.bgp_lists import parse_as_path_list, parse_community_list
from validator.parsers.cisco_ios.common import Context, Line, Stanza, group_stanzas, split_lines
from validator.parsers.cisco_ios.filters import Filters, parse_named_acl, parse_numbered_acl, parse_prefix_list
from validator.parsers.cisco_ios.interfaces import InterfaceDraft, parse_interface
from validator.parsers.cisco_ios.management import MgmtDraft, parse_management_stanza
from validator.parsers.cisco_ios.route_maps import parse_route_map
from validator.parsers.cisco_ios.routing import (
    OspfDraft,
    parse_router_ospf,
    parse_static_route,
    resolve_interface_ospf,
)
from validator.parsers.cisco_ios.tables import IGNORED_TOP, Ignorable, match_ignorable, submode_table
from validator.parsers.cisco_ios.zones import ZoneDraft, finish_zones, parse_zone_stanza, take_zone_members

__all__ = ["LineAccounting", "parse_ios", "parse_ios_accounted"]


class _State:
    def __init__(self, file: str) -> None:
        self.ctx = Context(file)
        self.hostname: str | None = None
        self.interfaces: dict[str, InterfaceDraft] = {}
        self.filters = Filters()
        self.zones = ZoneDraft()  # zone-based firewall (zones.py)
        self.mgmt = MgmtDraft()  # management plane (management.py)
        self.statics: list[StaticRoute] = []
        self.ospf: list[OspfDraft] = []
        self.bgp: BgpDraft | None = None
        self.vrfs: set[str] = set()
        self.depth = 0  # nesting of global-mode fallbacks (see _children_in_mode)


def parse_ios(text: str, file: str) -> Node:
    """Parse an IOS / IOS-XE configuration; ``file`` is the snapshot-relative path used in SourceRefs.

    Raises ConfigParseError when the text is binary or contains nothing recognisable as IOS.
    """
    return parse_ios_accounted(text, file)[0]


@dataclass(frozen=True)
class LineAccounting:
    """Which configuration lines the parser read (non-blank, not a comment or ``exit``) and which of
    them it modelled or deliberately ignored; every other content line must carry a warning."""

    content: frozenset[int]
    handled: frozenset[int]


def parse_ios_accounted(text: str, file: str) -> tuple[Node, LineAccounting]:
    """``parse_ios`` plus the per-line accounting the property tests check (no line is dropped
    silently: modelled, ignored with a reason, or warned)."""
    lines = split_lines(text.removeprefix("\ufeff"), file)
    content = frozenset(line.num for line in lines)
    st = _State(file)
    lines = _drop_banners(lines, st.ctx)
    for stanza in group_stanzas(lines):
        _dispatch(stanza, st)
    if st.ctx.recognised == 0:
        first = lines[0].num if lines else 1
        raise ConfigParseError("no recognisable Cisco IOS configuration", file=file, line=first)
    return _build(st), LineAccounting(content, frozenset(st.ctx.handled))


def _drop_banners(lines: list[Line], ctx: Context) -> list[Line]:
    """Remove ``banner TYPE <delim>...<delim>`` blocks, whose text may look like anything."""
    out: list[Line] = []
    delim: str | None = None
    for line in lines:
        if delim is not None:
            ctx.ok(line)
            if delim in line.text:
                delim = None
            continue
        if line.indent == 0 and line.words[0].lower() == "banner" and len(line.words) >= 3:
            ctx.ok(line)
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
        ctx.ok(head)
        _children_in_mode(stanza, (), st)
    elif low[0] == "interface":
        take_zone_members(stanza, st.zones, ctx)
        draft = parse_interface(stanza, ctx, st.interfaces)
        if draft is not None:
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
        _children_in_mode(stanza, (), st)
    elif low[:2] == ["ip", "access-list"]:
        parse_named_acl(_own_mode(stanza, _is_acl_mode, st), st.filters, ctx)
    elif low[0] == "access-list":
        parse_numbered_acl(head, st.filters, ctx)
        _children_in_mode(stanza, (), st)
    elif low[:2] == ["ip", "prefix-list"]:
        parse_prefix_list(head, st.filters, ctx)
        _children_in_mode(stanza, (), st)
    elif low[:2] == ["ip", "community-list"]:
        parse_community_list(head, st.filters, ctx)
        _children_in_mode(stanza, (), st)
    elif low[:3] == ["ip", "as-path", "access-list"]:
        parse_as_path_list(head, st.filters, ctx)
        _children_in_mode(stanza, (), st)
    elif low[0] == "route-map":
        parse_route_map(_own_mode(stanza, _is_route_map_mode, st), st.filters, ctx)
    elif (low[:2] == ["vrf", "definition"] and n == 3) or (low[:2] == ["ip", "vrf"] and n == 3):
        _vrf(stanza, st)
    elif parse_zone_stanza(stanza, st.zones, ctx) or parse_management_stanza(
        stanza, st.mgmt, ctx, lambda children, i: _global_fallback(children, i, st)
    ):
        pass
    elif match_ignorable(w, IGNORED_TOP) is not None:
        ctx.ok(head)
        _children_in_mode(stanza, submode_table(w), st)
    else:
        ctx.warn(head)
        for child in stanza.children:
            ctx.warn(child, "inside an unmodelled stanza")


_MAX_NESTING = 32  # global fallbacks nested deeper than this are warned, not parsed (no recursion bomb)


def _children_in_mode(stanza: Stanza, submode: tuple[Ignorable, ...], st: _State) -> None:
    """Children of a stanza the parser does not model line by line (a single-line command or an
    ignored stanza). A child that is a known command of the stanza's sub-mode is ignored; any other
    child is what IOS does with it: a global configuration command (the device falls back to
    global mode), so it is dispatched as a top-level stanza with its deeper-indented followers."""
    ctx = st.ctx
    children = stanza.children
    i = 0
    while i < len(children):
        child = children[i]
        words = child.words[1:] if child.words[0].lower() == "no" and len(child.words) > 1 else child.words
        if submode and match_ignorable(words, submode) is not None:
            ctx.ok(child)
            i += 1
            continue
        i = _global_fallback(children, i, st)


def _global_fallback(children: list[Line], i: int, st: _State) -> int:
    """Dispatch ``children[i]`` (with its deeper-indented followers) as a global command, as IOS
    does with a line its current sub-mode does not know; returns the index after it."""
    child = children[i]
    j = i + 1
    while j < len(children) and children[j].indent > child.indent:
        j += 1
    if st.depth >= _MAX_NESTING:
        for line in children[i:j]:
            st.ctx.warn(line, "nested too deeply to be read")
    else:
        st.depth += 1
        _dispatch(Stanza(child, children[i + 1 : j]), st)
        st.depth -= 1
    return j


# First words of the commands of the named-ACL and route-map sub-modes (Cisco IOS Security /
# IP Routing command references). Any other child line is not part of the ACL or clause on the
# device: IOS runs it in global configuration mode (or rejects it), so it is dispatched globally
# instead of making the filter partial. ``no`` and unknown forms of these commands stay inside
# and are warned there (the object is marked partial).
_ACL_MODE = frozenset(
    ("permit", "deny", "remark", "evaluate", "dynamic", "statistics", "default", "no", "seq", "sequence")
)
_ROUTE_MAP_MODE = frozenset(("match", "set", "continue", "description", "default", "no"))


def _is_acl_mode(line: Line) -> bool:
    first = line.words[0].lower()
    return first in _ACL_MODE or first.isdigit()


def _is_route_map_mode(line: Line) -> bool:
    return line.words[0].lower() in _ROUTE_MAP_MODE


def _own_mode(stanza: Stanza, is_mode_command: Callable[[Line], bool], st: _State) -> Stanza:
    """The stanza with only the children its sub-mode knows; the others go to global mode."""
    own: list[Line] = []
    i = 0
    children = stanza.children
    while i < len(children):
        if is_mode_command(children[i]):
            own.append(children[i])
            i += 1
        else:
            i = _global_fallback(children, i, st)
    return Stanza(stanza.head, own)


_VRF_OK = (("rd",), ("description",), ("address-family", "ipv4"), ("exit-address-family",))


def _vrf(stanza: Stanza, st: _State) -> None:
    """VRF definitions only name the table; route-target leaking is not modelled."""
    st.vrfs.add(stanza.head.words[-1])
    st.ctx.ok(stanza.head)
    for child in stanza.children:
        low = tuple(x.lower() for x in child.words)
        if any(low[: len(p)] == p for p in _VRF_OK):
            st.ctx.ok(child)
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
            unparsed=tuple(d.unparsed),
        )
    interfaces, security_zones, zone_pairs, zone_undefined = finish_zones(st.zones, interfaces)
    f = st.filters
    defined: dict[str, set[str]] = {
        **f.defined_names(),
        "interface": set(st.interfaces),
        "vrf": st.vrfs | {"default"},
        PEER_GROUP_KIND: set(st.bgp.groups) if st.bgp is not None else set(),
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
        as_path_lists=f.frozen_as_path_lists(),
        static_routes=tuple(st.statics),
        ospf=tuple(p.freeze() for p in st.ospf),
        bgp=st.bgp.freeze() if st.bgp is not None else None,
        warnings=tuple(sorted(ctx.warnings, key=lambda w: w.line)),
        undefined_references=tuple(undefined),
        security_zones=security_zones,
        zone_pairs=zone_pairs,
        management=st.mgmt.freeze(),
    )
