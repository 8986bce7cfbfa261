"""ACLs and prefix-lists, and ``Filters``: the builders of every named policy object of a file.

ACLs, prefix-lists, community-lists, as-path lists and route-maps can all be spread over several
top-level lines (numbered ACLs, list entries, route-map clauses), so they are collected into
builders and frozen at the end of the file. ``Filters.lost`` records the lines of an object the
parser could not read, so the frozen object is *partial* (``unparsed``) instead of silently
shorter (community/as-path lists: bgp_lists.py; route-maps: route_maps.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Literal

from validator.model.config import (
    Acl,
    AclLine,
    Action,
    AsPathList,
    AsPathListLine,
    CommunityList,
    CommunityListLine,
    IpWildcard,
    PortRange,
    PrefixList,
    PrefixListLine,
    RouteMap,
    RouteMapClause,
)
from validator.model.prefix import prefix as as_prefix
from validator.model.source import SourceRef
from validator.parsers.cisco_ios.common import (
    Context,
    Line,
    LineError,
    Stanza,
    integer,
    ip,
    is_ip,
)
from validator.parsers.cisco_ios.tables import ICMP_TYPES, PORTS, PROTOCOLS

AclKind = Literal["standard", "extended"]
_ANY = IpWildcard.any()


@dataclass
class AclBuilder:
    name: str
    kind: AclKind
    source: SourceRef
    lines: list[AclLine] = field(default_factory=list)


@dataclass
class Filters:
    acls: dict[str, AclBuilder] = field(default_factory=dict)
    prefix_lists: dict[str, tuple[SourceRef, list[PrefixListLine]]] = field(default_factory=dict)
    community_lists: dict[str, tuple[SourceRef, str, list[CommunityListLine]]] = field(default_factory=dict)
    route_maps: dict[str, tuple[SourceRef, list[RouteMapClause]]] = field(default_factory=dict)
    as_path_lists: dict[str, tuple[SourceRef, list[AsPathListLine]]] = field(default_factory=dict)
    prefix_max_seq: dict[str, int] = field(default_factory=dict)  # highest seq per prefix-list (linear time)
    # (kind, name) -> lines of that object the parser could not read (the object is *partial*)
    unparsed: dict[tuple[str, str], list[SourceRef]] = field(default_factory=dict)

    def lost(self, kind: str, name: str, ref: SourceRef) -> None:
        """Record an unreadable line of object ``name``: the model marks the object partial so
        the engine never decides a verdict on it (fail closed, issue 9)."""
        self.unparsed.setdefault((kind, name), []).append(ref)

    def _lost(self, kind: str, name: str) -> tuple[SourceRef, ...]:
        return tuple(sorted(self.unparsed.get((kind, name), ())))

    def defined_names(self) -> dict[str, set[str]]:
        """Names each filter kind defines: what undefined-reference detection checks against
        (shared by every parser built on these stanza parsers, IOS and EOS)."""
        return {
            "acl": set(self.acls),
            "route-map": set(self.route_maps),
            "prefix-list": set(self.prefix_lists),
            "community-list": set(self.community_lists),
            "as-path-list": set(self.as_path_lists),
        }

    def frozen_acls(self) -> dict[str, Acl]:
        return {
            n: Acl(n, tuple(b.lines), b.source, b.kind, unparsed=self._lost("acl", n)) for n, b in self.acls.items()
        }

    def frozen_prefix_lists(self) -> dict[str, PrefixList]:
        return {
            n: PrefixList(n, tuple(sorted(lines, key=lambda x: x.seq)), src, self._lost("prefix-list", n))
            for n, (src, lines) in self.prefix_lists.items()
        }

    def frozen_community_lists(self) -> dict[str, CommunityList]:
        out: dict[str, CommunityList] = {}
        for n, (src, kind, lines) in self.community_lists.items():
            out[n] = CommunityList(
                n, "expanded" if kind == "expanded" else "standard", tuple(lines), src, self._lost("community-list", n)
            )
        return out

    def frozen_as_path_lists(self) -> dict[str, AsPathList]:
        return {
            n: AsPathList(n, tuple(lines), src, self._lost("as-path-list", n))
            for n, (src, lines) in self.as_path_lists.items()
        }

    def frozen_route_maps(self) -> dict[str, RouteMap]:
        return {
            n: RouteMap(n, tuple(sorted(clauses, key=lambda c: c.seq)), src, self._lost("route-map", n))
            for n, (src, clauses) in self.route_maps.items()
        }


# --- ACLs ---------------------------------------------------------------------------------------


def numbered_acl_kind(number: int) -> AclKind | None:
    if 1 <= number <= 99 or 1300 <= number <= 1999:
        return "standard"
    if 100 <= number <= 199 or 2000 <= number <= 2699:
        return "extended"
    return None


def parse_numbered_acl(line: Line, f: Filters, ctx: Context) -> None:
    """``access-list N permit|deny ...`` (one top-level line per entry)."""
    w = line.words
    if len(w) < 2 or not w[1].isdigit():
        ctx.warn(line, "unsupported access-list form")
        return
    kind = numbered_acl_kind(int(w[1]))
    if kind is None:
        # not an IPv4 ACL (MAC, XNS, ...); if an interface applies it anyway it is partial
        ctx.warn(line, "access-list number range is not an IPv4 ACL")
        f.acls.setdefault(w[1], AclBuilder(w[1], "extended", ctx.src(line)))
        f.lost("acl", w[1], ctx.src(line))
        return
    builder = f.acls.setdefault(w[1], AclBuilder(w[1], kind, ctx.src(line)))
    if len(w) < 3:
        ctx.warn(line, "access-list without an entry")
        f.lost("acl", w[1], ctx.src(line))
        return
    if w[2].lower() == "remark":
        ctx.ok(line)
        return
    tail_start = line.text.index(w[2], line.text.index(w[1]) + len(w[1]))
    tail = line.text[tail_start:]
    _acl_entry(builder, line, w[2:], tail, ctx, f)


# ``ip access-list WORD ...`` forms that are not an IPv4 filter definition
_ACL_NOT_A_NAME = frozenset(
    ("standard", "extended", "logging", "resequence", "log-update", "webtype", "role-based", "helper", "persistent")
)


def parse_named_acl(stanza: Stanza, f: Filters, ctx: Context) -> None:
    """``ip access-list standard|extended NAME``, or ``ip access-list NAME``, with its entry lines.

    ``ip access-list NAME`` without a keyword (the NX-OS / EOS / IOS-XE form) is an *extended*
    list, as in Batfish's grammar (Cisco_acl.g4 ``extended_access_list_stanza`` accepts
    ``IP ACCESS_LIST name``; standard lists always need the ``standard`` keyword) and as NX-OS
    and EOS define it (their ``ip access-list NAME`` takes protocol/source/destination entries).
    """
    head = stanza.head
    w = head.words
    low = [x.lower() for x in w]
    kind: AclKind
    if len(w) == 4 and low[2] in ("standard", "extended"):
        kind, name = ("standard" if low[2] == "standard" else "extended"), w[3]
    elif len(w) == 3 and low[2] not in _ACL_NOT_A_NAME:
        kind, name = "extended", w[2]
    else:
        ctx.warn(head, "unsupported ip access-list form")
        lost_name = w[-1] if len(w) in (3, 4) else None
        if lost_name is not None:  # the filter exists on the device: keep it, partial, so nothing passes on it
            f.acls.setdefault(lost_name, AclBuilder(lost_name, "extended", ctx.src(head)))
            f.lost("acl", lost_name, ctx.src(head))
        for child in stanza.children:
            ctx.warn(child, "inside an unparsed access-list")
            if lost_name is not None:
                f.lost("acl", lost_name, ctx.src(child))
        return
    builder = f.acls.get(name)
    if builder is None:
        builder = f.acls[name] = AclBuilder(name, kind, ctx.src(head))
    ctx.ok(head)
    for child in stanza.children:
        words, tail = _strip_sequence(child)
        if words and words[0].lower() in ("remark", "statistics"):  # comment / counters only
            ctx.ok(child)
            continue
        if not words:
            ctx.warn(child, "empty access-list entry")
            f.lost("acl", builder.name, ctx.src(child))
            continue
        _acl_entry(builder, child, words, tail, ctx, f)


def _strip_sequence(line: Line) -> tuple[list[str], str]:
    """Drop ``[seq|sequence] N`` before an entry and ``sequence N`` after it (Batfish's
    ``extended_access_list_tail``); Batfish names the line by its text without the number."""
    words, tail = list(line.words), line.text
    if len(words) >= 2 and words[0].lower() in ("seq", "sequence") and words[1].isdigit():
        tail = tail.split(None, 2)[2] if len(words) > 2 else ""
        words = words[2:]
    elif words and words[0].isdigit():
        tail = tail[len(words[0]) :].strip()
        words = words[1:]
    if len(words) >= 3 and words[-2].lower() == "sequence" and words[-1].isdigit():
        words = words[:-2]
        tail = " ".join(tail.split()[:-2])
    return words, tail


def _acl_entry(b: AclBuilder, line: Line, words: list[str], name: str, ctx: Context, f: Filters) -> None:
    """One permit/deny entry; anything not modelled is warned and marks the ACL partial."""
    action = words[0].lower()
    if action not in ("permit", "deny"):
        ctx.warn(line)
        f.lost("acl", b.name, ctx.src(line))
        return
    act: Action = "permit" if action == "permit" else "deny"
    try:
        if b.kind == "standard":
            entry = _standard(act, line, words[1:], name, ctx)
        else:
            entry = _extended(act, line, words[1:], name, ctx)
    except LineError as e:
        ctx.warn(line, f"unparsable ACL line (line dropped from {b.name}): {e}")
        f.lost("acl", b.name, ctx.src(line))
        return
    if entry is None:
        f.lost("acl", b.name, ctx.src(line))
        return
    b.lines.append(entry)
    ctx.ok(line)


def _standard(act: Action, line: Line, w: list[str], name: str, ctx: Context) -> AclLine | None:
    w = [x for x in w if x.lower() not in ("log", "log-input")]
    if not w:
        raise LineError("missing address")
    src, i = _address(w, 0, standard=True)
    if i != len(w):
        ctx.warn(line, f"unmodelled ACL match condition {' '.join(w[i:])!r}; line dropped")
        return None
    return AclLine(act, line.text, ctx.src(line), None, (src,), (_ANY,), name=name)


def _extended(act: Action, line: Line, w: list[str], name: str, ctx: Context) -> AclLine | None:
    if not w:
        raise LineError("missing protocol")
    proto_word = w[0].lower()
    protocol: int | None
    if proto_word in PROTOCOLS:
        protocol = PROTOCOLS[proto_word]
    elif proto_word.isdigit():
        protocol = integer(proto_word, 0, 255)
    else:
        raise LineError(f"unknown protocol {w[0]!r}")
    has_ports = protocol in (6, 17, 132)
    src, i = _address(w, 1)
    src_ports: tuple[PortRange, ...] = ()
    if has_ports:
        src_ports, i = _ports(w, i)
    dst, i = _address(w, i)
    dst_ports: tuple[PortRange, ...] = ()
    if has_ports:
        dst_ports, i = _ports(w, i)
    icmp_type: int | None = None
    icmp_code: int | None = None
    established = False
    rest = w[i:]
    if protocol == 1 and rest:
        r0 = rest[0].lower()
        if r0 in ICMP_TYPES:
            icmp_type, icmp_code = ICMP_TYPES[r0]
            rest = rest[1:]
        elif r0.isdigit():
            icmp_type = integer(r0, 0, 255)
            rest = rest[1:]
            if rest and rest[0].isdigit():
                icmp_code = integer(rest[0], 0, 255)
                rest = rest[1:]
    unmodelled: list[str] = []
    for word in rest:
        lw = word.lower()
        if lw in ("log", "log-input"):
            continue
        if lw == "established" and protocol == 6:
            established = True
            continue
        unmodelled.append(word)
    if unmodelled:
        ctx.warn(line, f"unmodelled ACL match condition {' '.join(unmodelled)!r}; line dropped")
        return None
    return AclLine(
        act,
        line.text,
        ctx.src(line),
        protocol,
        (src,),
        (dst,),
        src_ports,
        dst_ports,
        icmp_type,
        icmp_code,
        established,
        name=name,
    )


def _address(w: list[str], i: int, standard: bool = False) -> tuple[IpWildcard, int]:
    if i >= len(w):
        raise LineError("missing address")
    word = w[i].lower()
    if word == "any":
        return _ANY, i + 1
    if word == "host":
        if i + 1 >= len(w):
            raise LineError("host without address")
        return IpWildcard(ip(w[i + 1]), IPv4Address(0)), i + 2
    if "/" in word:
        try:
            net = IPv4Network(word, strict=False)
        except ValueError:  # ``a/b``, ``/33``: a bad line, never a traceback
            raise LineError(f"unsupported address {w[i]!r}") from None
        return IpWildcard(net.network_address, net.hostmask), i + 1
    if is_ip(word):
        if i + 1 < len(w) and is_ip(w[i + 1]):
            return IpWildcard(ip(w[i]), ip(w[i + 1])), i + 2
        # a bare address is a host, in standard and extended lists alike (Batfish Cisco_acl.g4
        # ``access_list_ip_range: ... | HOST? ip = IP_ADDRESS``, wildcard 0)
        return IpWildcard(ip(w[i]), IPv4Address(0)), i + 1
    raise LineError(f"unsupported address {w[i]!r}")


def port(word: str) -> int:
    low = word.lower()
    if low in PORTS:
        return PORTS[low]
    if not low.isdigit():
        raise LineError(f"unknown port name {word!r}")
    return integer(low, 0, 65535)


def _is_port(word: str) -> bool:
    return word.isdigit() or word.lower() in PORTS


def _ports(w: list[str], i: int) -> tuple[tuple[PortRange, ...], int]:
    if i >= len(w):
        return (), i
    op = w[i].lower()
    if op == "eq":
        values: list[PortRange] = []
        j = i + 1
        while j < len(w) and _is_port(w[j]) and not (values and is_ip(w[j])):
            p = port(w[j])
            values.append((p, p))
            j += 1
            # ``eq`` takes several ports only when followed by more port tokens, never an address
            if j < len(w) and (w[j].lower() in ("any", "host") or is_ip(w[j])):
                break
        if not values:
            raise LineError("eq without a port")
        return tuple(values), j
    if op in ("lt", "gt", "neq"):
        if i + 1 >= len(w):
            raise LineError(f"{op} without a port")
        p = port(w[i + 1])
        if op == "lt":
            if p == 0:
                raise LineError("lt 0 matches no port")
            return ((0, p - 1),), i + 2
        if op == "gt":
            if p == 65535:
                raise LineError("gt 65535 matches no port")
            return ((p + 1, 65535),), i + 2
        ranges = tuple(r for r in ((0, p - 1), (p + 1, 65535)) if r[0] <= r[1])
        return ranges, i + 2
    if op == "range":
        if i + 2 >= len(w):
            raise LineError("range needs two ports")
        a, b = port(w[i + 1]), port(w[i + 2])
        if a > b:
            raise LineError(f"empty port range {a}-{b}")
        return ((a, b),), i + 3
    return (), i


# --- prefix-lists -------------------------------------------------------------------------------


def parse_prefix_list(line: Line, f: Filters, ctx: Context) -> None:
    """``ip prefix-list NAME [seq N] permit|deny P/len [ge G] [le L]``."""
    w = line.words
    low = [x.lower() for x in w]
    if len(w) < 4:
        ctx.warn(line, "incomplete prefix-list line")
        if len(w) == 3:
            f.prefix_lists.setdefault(w[2], (ctx.src(line), []))
            f.lost("prefix-list", w[2], ctx.src(line))
        return
    name = w[2]
    if low[3] == "description":
        ctx.ok(line)
        return
    _, entries = f.prefix_lists.setdefault(name, (ctx.src(line), []))
    try:
        i = 3
        if low[i] == "seq":
            if i + 1 >= len(w):
                raise LineError("seq without a number")
            seq = integer(w[i + 1])
            i += 2
        else:
            seq = f.prefix_max_seq.get(name, 0) + 5  # IOS numbers an entry without seq by 5s
        if i + 1 >= len(w) or low[i] not in ("permit", "deny"):
            raise LineError("expected permit|deny P/len")
        action: Action = "permit" if low[i] == "permit" else "deny"
        if "/" not in w[i + 1]:
            raise LineError(f"prefix {w[i + 1]!r} without length")
        addr_s, _, len_s = w[i + 1].partition("/")
        plen = integer(len_s, 0, 32)
        prefix = as_prefix((ip(addr_s), plen), strict=False)
        ge: int | None = None
        le: int | None = None
        j = i + 2
        while j < len(w):
            if low[j] == "ge" and j + 1 < len(w):
                ge = integer(w[j + 1], 0, 32)
            elif low[j] == "le" and j + 1 < len(w):
                le = integer(w[j + 1], 0, 32)
            elif low[j] == "eq" and j + 1 < len(w):
                # NX-OS / EOS ``eq N`` (Batfish ip_prefix_list_tail EQ): exactly length N
                ge = le = integer(w[j + 1], 0, 32)
            else:
                raise LineError(f"unexpected {w[j]!r}")
            j += 2
    except LineError as e:
        ctx.warn(line, f"unparsable prefix-list line (entry dropped from {name}): {e}")
        f.lost("prefix-list", name, ctx.src(line))
        return
    # semantics 4g: none -> exact; ge G -> [G, 32]; le L -> [len, L]; both -> [G, L]
    lo = ge if ge is not None else plen
    hi = le if le is not None else (32 if ge is not None else plen)
    entries.append(PrefixListLine(seq, action, prefix, lo, hi, ctx.src(line)))
    f.prefix_max_seq[name] = max(seq, f.prefix_max_seq.get(name, 0))
    ctx.ok(line)
