"""``firewall family inet filter``: terms with ``from`` conditions and a ``then`` action, as an ACL.

Junos semantics (Juniper "Firewall Filter Terms", Batfish ``FwTerm`` conversion): terms are tried in
order; within a ``from``, different conditions must all hold and the values of one condition are
alternatives; a term whose ``then`` has no terminating action accepts (``count``/``log`` alone do
not stop it accepting); ``next term`` goes on to the next term; a packet no term takes is
discarded (the implicit ``discard`` at the end of every filter). A condition or action the parser
cannot read makes the filter *partial* (``Acl.unparsed``), so no verdict depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network

from validator.model.config import Acl, AclLine, Action, IpWildcard, PortRange
from validator.model.source import SourceRef
from validator.parsers.junos.common import ICMP_TYPES, PROTOCOLS, Ctx, port_range, prefix, values
from validator.parsers.junos.flatten import FlatLine

_NON_TERMINAL = {"count", "log", "syslog", "sample", "policer", "forwarding-class", "loss-priority"}


@dataclass
class TermDraft:
    name: str
    # the term's last line: its lines are placed there, so an unreadable condition of the term
    # (an earlier line) is reached whenever the term decides (engine.acl.unparsed_positions)
    source: SourceRef
    src: list[IPv4Network] = field(default_factory=list)
    dst: list[IPv4Network] = field(default_factory=list)
    src_lists: list[tuple[str, SourceRef]] = field(default_factory=list)
    dst_lists: list[tuple[str, SourceRef]] = field(default_factory=list)
    protocols: list[int] = field(default_factory=list)
    src_ports: list[PortRange] = field(default_factory=list)
    dst_ports: list[PortRange] = field(default_factory=list)
    any_ports: list[PortRange] = field(default_factory=list)
    icmp_types: list[int] = field(default_factory=list)
    established: bool = False
    action: str | None = None  # accept | discard | next
    unparsed: list[SourceRef] = field(default_factory=list)


@dataclass
class FilterDraft:
    name: str
    source: SourceRef
    terms: dict[str, TermDraft] = field(default_factory=dict)
    unparsed: list[SourceRef] = field(default_factory=list)


def parse_firewall_line(fl: FlatLine, filters: dict[str, FilterDraft], ctx: Ctx) -> None:
    w = fl.words
    # firewall family inet filter F ... | firewall filter F ... (family inet is the default)
    if w[1:3] == ("family", "inet") and len(w) >= 5 and w[3] == "filter":
        name, rest = w[4], w[5:]
    elif len(w) >= 3 and w[1] == "filter":
        name, rest = w[2], w[3:]
    else:
        ctx.warn(fl)
        return
    flt = filters.get(name)
    if flt is None:
        flt = filters[name] = FilterDraft(name, ctx.src(fl))
    if not rest:
        return
    if rest[0] != "term" or len(rest) < 3:
        ctx.warn(fl)
        flt.unparsed.append(ctx.src(fl))
        return
    term = flt.terms.get(rest[1])
    if term is None:
        term = flt.terms[rest[1]] = TermDraft(rest[1], ctx.src(fl))
    term.source = max(term.source, ctx.src(fl))
    body = rest[2:]
    ok = _from(body[1:], term, fl, ctx) if body[0] == "from" else _then(body[1:], term) if body[0] == "then" else False
    if not ok:
        ctx.warn(fl, "filter term condition or action not modelled")
        term.unparsed.append(ctx.src(fl))


def _from(c: tuple[str, ...], term: TermDraft, fl: FlatLine, ctx: Ctx) -> bool:
    if len(c) == 1 and c[0] == "tcp-established":
        term.established = True
        if 6 not in term.protocols:
            term.protocols.append(6)
        return True
    if len(c) != 2:
        return False
    return all(_condition(c[0], v, term, fl, ctx) for v in values(c[1]))


def _condition(key: str, val: str, term: TermDraft, fl: FlatLine, ctx: Ctx) -> bool:
    if key in ("source-address", "destination-address"):
        net = prefix(val)
        if net is None:
            return False
        (term.src if key == "source-address" else term.dst).append(net)
        return True
    if key in ("source-prefix-list", "destination-prefix-list"):
        (term.src_lists if key.startswith("source") else term.dst_lists).append((val, ctx.src(fl)))
        return True
    if key == "protocol":
        proto = PROTOCOLS.get(val, int(val) if val.isdigit() and int(val) < 256 else None)
        if proto is None:
            return False
        term.protocols.append(proto)
        return True
    if key in ("source-port", "destination-port", "port"):
        pr = port_range(val)
        if pr is None:
            return False
        {"source-port": term.src_ports, "destination-port": term.dst_ports, "port": term.any_ports}[key].append(pr)
        return True
    if key == "icmp-type":
        t = ICMP_TYPES.get(val, int(val) if val.isdigit() and int(val) < 256 else None)
        if t is None:
            return False
        term.icmp_types.append(t)
        return True
    # ``address`` (either direction), ``except`` forms, fragment and DSCP matches: not modelled
    return False


def _then(c: tuple[str, ...], term: TermDraft) -> bool:
    if not c:
        return False
    if c[0] in ("accept", "discard", "reject") and (len(c) == 1 or c[0] == "reject"):
        term.action = "accept" if c[0] == "accept" else "discard"
        return True
    if c == ("next", "term"):
        term.action = "next"
        return True
    return c[0] in _NON_TERMINAL


def _wild(net: IPv4Network) -> IpWildcard:
    return IpWildcard(net.network_address, IPv4Address(int(net.hostmask)))


def build_filter(flt: FilterDraft, prefix_lists: dict[str, list[IPv4Network]], ctx: Ctx) -> Acl:
    lines: list[AclLine] = []
    unparsed = list(flt.unparsed)
    for term in flt.terms.values():
        unparsed.extend(term.unparsed)
        if term.action == "next":
            continue  # a term that never decides (only counts) adds no line
        action: Action = "deny" if term.action == "discard" else "permit"
        src = list(term.src)
        dst = list(term.dst)
        for name, ref in term.src_lists:
            _expand(name, ref, prefix_lists, src, unparsed, ctx)
        for name, ref in term.dst_lists:
            _expand(name, ref, prefix_lists, dst, unparsed, ctx)
        if ((term.src or term.src_lists) and not src) or ((term.dst or term.dst_lists) and not dst):
            continue  # only empty or undefined lists: the term matches nothing
        src_w = tuple(_wild(n) for n in src) or (IpWildcard.any(),)
        dst_w = tuple(_wild(n) for n in dst) or (IpWildcard.any(),)
        protos: list[int | None] = list(dict.fromkeys(term.protocols)) or [None]
        port_sets: list[tuple[tuple[PortRange, ...], tuple[PortRange, ...]]]
        if term.any_ports and (term.src_ports or term.dst_ports):
            # ``port`` AND ``source-port``/``destination-port``: one side holds two constraints,
            # which one line cannot say; the term is partial rather than over- or under-matched
            unparsed.append(term.source)
            continue
        if term.any_ports:
            # ``port`` matches either side: two lines with the same action are the same OR
            port_sets = [
                (tuple(term.any_ports), tuple(term.dst_ports)),
                (tuple(term.src_ports), tuple(term.any_ports)),
            ]
        else:
            port_sets = [(tuple(term.src_ports), tuple(term.dst_ports))]
        icmp: list[int | None] = list(term.icmp_types) or [None]
        for proto in protos:
            for sp, dp in port_sets:
                for t in icmp:
                    lines.append(
                        AclLine(
                            action=action,
                            text=f"term {term.name}",
                            source=term.source,
                            protocol=proto,
                            src=src_w,
                            dst=dst_w,
                            src_ports=sp,
                            dst_ports=dp,
                            icmp_type=t,
                            tcp_established=term.established,
                            name=term.name,
                        )
                    )
    return Acl(flt.name, tuple(lines), flt.source, "extended", "deny", tuple(unparsed))


def _expand(
    name: str,
    ref: SourceRef,
    prefix_lists: dict[str, list[IPv4Network]],
    out: list[IPv4Network],
    unparsed: list[SourceRef],
    ctx: Ctx,
) -> None:
    nets = prefix_lists.get(name)
    if nets is None:
        ctx.undefined.append(("prefix-list", name, ref))
        return
    out.extend(nets)
