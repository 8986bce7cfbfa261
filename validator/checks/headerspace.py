"""Equivalence classes of packet headers, as Batfish's reachability question reasons over them.

Routing is destination-based, so the destination space is split once at every boundary that can
change forwarding (route prefixes, owned addresses, subnets, ACL destination ranges). The rest of
the header (source address, protocol, ports, ICMP type) only matters to the filters a flow meets,
so it is split at the boundaries of those filters' lines alone. Every class is traced with one
representative; by construction every member of a class gets the same disposition, so covering
the classes covers every flow the policy leaves open — not a sample.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from validator.checks.ipspace import MAX_IP, Intervals, UnsupportedWildcard, wildcard_intervals
from validator.errors import EngineError
from validator.model.config import AclLine

TCP, UDP, ICMP = 6, 17, 1
PORT_MAX = 65535
_PREFERRED_PORTS = (443, 80, 22, 53, 33434, 8443, 8080, 179, 123)
_ALL_PORTS = Intervals.full(PORT_MAX)


@dataclass(frozen=True)
class HeaderConstraints:
    """What a policy narrows: protocols (None = all), destination and source ports."""

    protocols: frozenset[int] | None = None
    dst_ports: Intervals = _ALL_PORTS
    src_ports: Intervals = _ALL_PORTS
    icmp_types: frozenset[int] | None = None

    def allows_protocol(self, proto: int) -> bool:
        return self.protocols is None or proto in self.protocols


@dataclass(frozen=True, order=True)
class HeaderClass:
    """One representative of a class of (source IP, protocol, ports, ICMP type)."""

    src_ip: int
    protocol: int
    src_port: int = 0
    dst_port: int = 0
    icmp_type: int | None = None
    icmp_code: int | None = None
    tcp_ack: bool = False  # an established-connection packet (IOS ``established`` matches ACK/RST)


def _pick_port(lo: int, hi: int) -> int:
    for p in _PREFERRED_PORTS:
        if lo <= p <= hi:
            return p
    if lo == 0 and hi >= 1024:
        return 1024
    return lo


def _pick_src_port(lo: int, hi: int) -> int:
    return 49152 if lo <= 49152 <= hi else lo


def _port_pieces(space: Intervals, ranges: Iterable[tuple[int, int]], *, src: bool = False) -> list[int]:
    cuts: set[int] = set()
    for lo, hi in ranges:
        cuts.add(lo)
        cuts.add(hi + 1)
    pick = _pick_src_port if src else _pick_port
    return [pick(lo, hi) for lo, hi in space.split(cuts)]


def line_intervals(line: AclLine, side: str) -> Intervals:
    """The addresses one side of a line matches, exactly, or an EngineError naming the line."""
    wildcards = line.src if side == "src" else line.dst
    if len(wildcards) == 1:  # the common case (Cisco lines): one wildcard, usually a prefix
        wild = int(wildcards[0].wildcard)
        if (wild + 1) & wild == 0:
            base = int(wildcards[0].ip) & ~wild & MAX_IP
            return Intervals(((base, base | wild),))
    out = Intervals()
    for w in wildcards:
        try:
            out = out | wildcard_intervals(w)
        except UnsupportedWildcard as exc:
            raise EngineError(
                f"{line.source}: {side} wildcard {w.ip} {w.wildcard} of {line.text!r}: {exc}; "
                "the analysis cannot split it exactly, so it refuses to guess"
            ) from None
    return out


def _src_pieces(space: Intervals, lines: Sequence[AclLine]) -> list[int]:
    cuts: set[int] = set()
    for line in lines:
        for lo, hi in line_intervals(line, "src").spans:
            cuts.add(lo)
            cuts.add(hi + 1)
    return [lo for lo, _hi in space.split(cuts)]


def header_classes(
    src_space: Intervals,
    constraints: HeaderConstraints,
    lines: Sequence[AclLine],
) -> list[HeaderClass]:
    """Representatives of every class of the header space that ``lines`` can tell apart."""
    if not src_space:
        return []
    srcs = _src_pieces(src_space, lines)
    mentioned = {ln.protocol for ln in lines if ln.protocol is not None}
    if constraints.protocols is not None:
        protos = sorted(constraints.protocols)
    else:
        protos = sorted(mentioned | {TCP, UDP, ICMP})
        other = next(p for p in (47, 50, 89, 132, 253, 254) if p not in mentioned)
        protos.append(other)
    out: list[HeaderClass] = []
    for proto in protos:
        proto_lines = [ln for ln in lines if ln.protocol in (None, proto)]
        if proto in (TCP, UDP):
            dports = _port_pieces(constraints.dst_ports, (r for ln in proto_lines for r in ln.dst_ports))
            sports = _port_pieces(constraints.src_ports, (r for ln in proto_lines for r in ln.src_ports), src=True)
            acks = (False, True) if proto == TCP and any(ln.tcp_established for ln in proto_lines) else (False,)
            for s in srcs:
                for sp in sports:
                    for dp in dports:
                        for ack in acks:
                            out.append(HeaderClass(s, proto, sp, dp, tcp_ack=ack))
        elif proto == ICMP:
            types = {ln.icmp_type for ln in proto_lines if ln.icmp_type is not None}
            if constraints.icmp_types is not None:
                candidates = sorted(constraints.icmp_types)
            else:
                candidates = sorted(types | {8})
                if types:
                    candidates.append(next(t for t in range(256) if t not in types and t != 8))
            for s in srcs:
                for t in candidates:
                    codes = {ln.icmp_code for ln in proto_lines if ln.icmp_type == t and ln.icmp_code is not None}
                    reps = sorted(codes | {0})
                    if codes:
                        reps.append(next(c for c in range(256) if c not in codes and c != 0))
                    for c in reps:
                        out.append(HeaderClass(s, proto, icmp_type=t, icmp_code=c))
        else:
            for s in srcs:
                out.append(HeaderClass(s, proto))
    return out


def dst_pieces(space: Intervals, cuts: Iterable[int]) -> list[tuple[int, int]]:
    """Split the destination space at forwarding-relevant boundaries."""
    return space.split(cuts)


def acl_dst_cuts(lines: Iterable[AclLine]) -> set[int]:
    cuts: set[int] = set()
    for line in lines:
        for lo, hi in line_intervals(line, "dst").spans:
            cuts.add(lo)
            cuts.add(hi + 1)
    return cuts
