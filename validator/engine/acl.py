"""Packet filtering with IP access lists (semantics §8c): first matching line wins.

ACLs are compiled once into integer predicates because the gate evaluates them for thousands of
flows per data plane. The compiled form is public (:class:`LineMatch`) so a header-space analysis
can enumerate the places where a line's verdict changes (:func:`acl_boundaries`) and pick one
representative flow per cell instead of sampling blindly.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Literal

from validator.model.config import Acl, AclLine, IpWildcard, PortRange
from validator.model.flow import Flow
from validator.model.source import SourceRef

Verdict = Literal["permit", "deny"]

_PORT_PROTOCOLS = frozenset({6, 17, 132})  # TCP, UDP, SCTP carry ports
_ICMP = 1
_TCP = 6
_MAX32 = 0xFFFFFFFF


@dataclass(frozen=True)
class IpPredicate:
    """``(addr & care) == value``: a Cisco wildcard with the don't-care bits cleared."""

    value: int
    care: int

    def matches(self, addr: int) -> bool:
        return (addr & self.care) == self.value

    @property
    def contiguous(self) -> bool:
        """True when the wildcard is a prefix, i.e. the matched set is one interval."""
        inv = ~self.care & _MAX32
        return (inv & (inv + 1)) == 0

    def intervals(self, limit: int = 4096) -> list[tuple[int, int]] | None:
        """The matched addresses as sorted inclusive intervals; None if more than ``limit`` would be needed.

        Non-contiguous wildcards (e.g. 0.0.255.0) match a union of intervals; a header-space
        analysis needs those cut points to stay exact.
        """
        inv = ~self.care & _MAX32
        # low run of don't-care bits forms each interval; the other don't-care bits enumerate them
        low = 0
        while low < 32 and inv & (1 << low):
            low += 1
        high_bits = [b for b in range(low, 32) if inv & (1 << b)]
        if len(high_bits) > 20 or (1 << len(high_bits)) > limit:
            return None
        out: list[tuple[int, int]] = []
        span = (1 << low) - 1
        for combo in range(1 << len(high_bits)):
            base = self.value
            for i, bit in enumerate(high_bits):
                if combo & (1 << i):
                    base |= 1 << bit
            out.append((base, base | span))
        out.sort()
        return out

    @staticmethod
    def of(w: IpWildcard) -> IpPredicate:
        care = ~int(w.wildcard) & _MAX32
        return IpPredicate(int(w.ip) & care, care)


@dataclass(frozen=True)
class LineMatch:
    """One ACL line as header predicates. Empty ``src``/``dst`` match nothing; empty port tuples match any."""

    line: AclLine
    index: int
    protocol: int | None
    src: tuple[IpPredicate, ...]
    dst: tuple[IpPredicate, ...]
    src_ports: tuple[PortRange, ...]
    dst_ports: tuple[PortRange, ...]
    icmp_type: int | None
    icmp_code: int | None
    tcp_established: bool

    @property
    def action(self) -> Verdict:
        return self.line.action

    def matches(self, flow: Flow) -> bool:
        proto = flow.ip_protocol
        if self.protocol is not None and proto != self.protocol:
            return False
        d = int(flow.dst_ip)
        if not any(p.matches(d) for p in self.dst):
            return False
        s = int(flow.src_ip)
        if not any(p.matches(s) for p in self.src):
            return False
        if self.src_ports or self.dst_ports:
            if proto not in _PORT_PROTOCOLS:
                return False
            if self.src_ports and not _in_ranges(flow.src_port, self.src_ports):
                return False
            if self.dst_ports and not _in_ranges(flow.dst_port, self.dst_ports):
                return False
        if self.icmp_type is not None or self.icmp_code is not None:
            if proto != _ICMP:
                return False
            if self.icmp_type is not None and flow.icmp_type != self.icmp_type:
                return False
            if self.icmp_code is not None and flow.icmp_code != self.icmp_code:
                return False
        # IOS "established": ACK or RST set; the model's flows carry no RST, so ACK decides.
        return not self.tcp_established or (proto == _TCP and flow.tcp_ack)

    @staticmethod
    def of(line: AclLine, index: int) -> LineMatch:
        return LineMatch(
            line=line,
            index=index,
            protocol=line.protocol,
            src=tuple(IpPredicate.of(w) for w in line.src),
            dst=tuple(IpPredicate.of(w) for w in line.dst),
            src_ports=tuple(line.src_ports),
            dst_ports=tuple(line.dst_ports),
            icmp_type=line.icmp_type,
            icmp_code=line.icmp_code,
            tcp_established=line.tcp_established,
        )


def _in_ranges(port: int, ranges: tuple[PortRange, ...]) -> bool:
    return any(lo <= port <= hi for lo, hi in ranges)


def unparsed_positions(lines: tuple[AclLine, ...] | list[AclLine], unparsed: tuple[SourceRef, ...]) -> tuple[int, ...]:
    """Where each unparsed line sits in the evaluation order: the index of the first parsed line
    after it (``len(lines)`` = after every line).

    Lines are evaluated in the order the parser kept them, which is file order; an unparsed line's
    position is therefore recoverable from its file line, but only while the parsed lines are
    themselves in file order within the same file. Otherwise every unparsed line is put first
    (position 0): the whole filter is undecided (sound, not precise).
    """
    if not unparsed:
        return ()
    srcs = [ln.source for ln in lines]
    files = {s.file for s in srcs} | {u.file for u in unparsed}
    in_order = all(srcs[i].line < srcs[i + 1].line for i in range(len(srcs) - 1))
    if len(files) > 1 or not in_order:
        return tuple(0 for _ in unparsed)
    nums = [s.line for s in srcs]
    return tuple(bisect_left(nums, u.line) for u in unparsed)


def reached_unparsed(
    unparsed: tuple[SourceRef, ...], positions: tuple[int, ...], match_index: int
) -> tuple[SourceRef, ...]:
    """The unparsed lines an evaluation passed before deciding at ``match_index`` (the first
    matching line's index, or the number of lines when the default action decided).

    First match wins, so an unparsed line after the deciding line cannot change the result; one at
    or before it could have matched first.
    """
    return tuple(u for u, pos in zip(unparsed, positions, strict=True) if pos <= match_index)


_SEQ_WORDS = frozenset({"seq", "sequence"})


def sequenced_unparsed(acl: Acl, files: Mapping[str, str]) -> tuple[SourceRef, ...]:
    """Unparsed lines that carry their own sequence number (``15 permit ...``, ``seq 15 ...``):
    IOS places them by that number, not by file order, and the number of a line the parser could
    not read is not trusted, so such a line may come first: every evaluation reaches it."""
    out: list[SourceRef] = []
    for ref in acl.unparsed:
        text = files.get(ref.file)
        if text is None:
            out.append(ref)  # no text to look at: assume the worst
            continue
        lines = text.splitlines()
        words = lines[ref.line - 1].split() if 0 < ref.line <= len(lines) else []
        if not words or words[0].isdigit() or words[0].lower() in _SEQ_WORDS:
            out.append(ref)
    return tuple(out)


@dataclass(frozen=True)
class CompiledAcl:
    acl: Acl
    lines: tuple[LineMatch, ...]
    positions: tuple[int, ...] = ()  # of ``acl.unparsed``, see :func:`unparsed_positions`

    def evaluate(self, flow: Flow) -> tuple[Verdict, AclLine | None]:
        from validator.engine.acl_index import first_match  # large ACLs: only lines that can match

        lm = first_match(self, flow)
        if lm is not None:
            return lm.line.action, lm.line
        return self.acl.default_action, None

    def evaluate_sound(self, flow: Flow) -> tuple[Verdict, AclLine | None, tuple[SourceRef, ...]]:
        """:meth:`evaluate` plus the unparsed lines the result depends on (empty = decided)."""
        for lm in self.lines:
            if lm.matches(flow):
                return lm.line.action, lm.line, self.reached(lm.index)
        return self.acl.default_action, None, self.reached(len(self.lines))

    def reached(self, match_index: int) -> tuple[SourceRef, ...]:
        if not self.positions:
            return ()
        return reached_unparsed(self.acl.unparsed, self.positions, match_index)


# Compiled ACLs keyed by id(); the Acl is kept in the value so its id cannot be reused while cached.
_COMPILED: dict[int, CompiledAcl] = {}
_COMPILED_MAX = 20000


def compile_acl(acl: Acl) -> CompiledAcl:
    """The ACL as per-line predicates (cached per ACL object)."""
    hit = _COMPILED.get(id(acl))
    if hit is not None and hit.acl is acl:
        return hit
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.clear()
    compiled = CompiledAcl(
        acl,
        tuple(LineMatch.of(line, i) for i, line in enumerate(acl.lines)),
        unparsed_positions(acl.lines, acl.unparsed),
    )
    _COMPILED[id(acl)] = compiled
    return compiled


def evaluate_acl(acl: Acl, flow: Flow) -> tuple[Verdict, AclLine | None]:
    """First matching line's action and the line; ``(default_action, None)`` when no line matches."""
    return compile_acl(acl).evaluate(flow)


def evaluate_acl_sound(acl: Acl, flow: Flow) -> tuple[Verdict, AclLine | None, tuple[SourceRef, ...]]:
    """:func:`evaluate_acl` plus the unparsed lines of a partial ACL that the evaluation reached:
    non-empty means the verdict is undecided (the soundness rule)."""
    return compile_acl(acl).evaluate_sound(flow)


def acl_permits(acl: Acl, flow: Flow) -> bool:
    return compile_acl(acl).evaluate(flow)[0] == "permit"


def line_matches(line: AclLine, flow: Flow) -> bool:
    """Whether one line matches a flow, ignoring the lines before it."""
    return LineMatch.of(line, 0).matches(flow)


@dataclass(frozen=True)
class AclBoundaries:
    """Cut points of an ACL's header space: within one cell every line matches or misses uniformly.

    ``dst_ips``/``src_ips`` hold interval starts (ints, always including 0); a cell is
    ``[cut[i], cut[i+1])``. ``protocols`` lists the protocols some line names (None stands for
    "any other protocol"). Port cuts likewise start at 0. ``exact`` is False when a wildcard was
    too fragmented to enumerate, in which case that wildcard contributed its covering interval only.
    """

    protocols: tuple[int | None, ...]
    dst_ips: tuple[int, ...]
    src_ips: tuple[int, ...]
    dst_ports: tuple[int, ...]
    src_ports: tuple[int, ...]
    icmp_types: tuple[int, ...]
    exact: bool = True

    def dst_representatives(self) -> list[IPv4Address]:
        """One destination address per cell (the cell's first address)."""
        return [IPv4Address(c) for c in self.dst_ips]


def acl_boundaries(acls: list[Acl] | tuple[Acl, ...]) -> AclBoundaries:
    """The joint header-space cut points of several ACLs (e.g. every filter along a path)."""
    protocols: set[int | None] = {None}
    dst: set[int] = {0}
    src: set[int] = {0}
    dports: set[int] = {0}
    sports: set[int] = {0}
    icmp: set[int] = set()
    exact = True

    def add_ip(cuts: set[int], preds: tuple[IpPredicate, ...]) -> None:
        nonlocal exact
        for p in preds:
            ivs = p.intervals()
            if ivs is None:
                exact = False
                ivs = [(p.value, p.value | (~p.care & _MAX32))]
            for lo, hi in ivs:
                cuts.add(lo)
                if hi < _MAX32:
                    cuts.add(hi + 1)

    def add_ports(cuts: set[int], ranges: tuple[PortRange, ...]) -> None:
        for lo, hi in ranges:
            cuts.add(lo)
            if hi < 65535:
                cuts.add(hi + 1)

    for acl in acls:
        for lm in compile_acl(acl).lines:
            if lm.protocol is not None:
                protocols.add(lm.protocol)
            add_ip(dst, lm.dst)
            add_ip(src, lm.src)
            add_ports(dports, lm.dst_ports)
            add_ports(sports, lm.src_ports)
            if lm.icmp_type is not None:
                icmp.add(lm.icmp_type)
    return AclBoundaries(
        protocols=tuple(sorted(protocols, key=lambda p: -1 if p is None else p)),
        dst_ips=tuple(sorted(dst)),
        src_ips=tuple(sorted(src)),
        dst_ports=tuple(sorted(dports)),
        src_ports=tuple(sorted(sports)),
        icmp_types=tuple(sorted(icmp)),
        exact=exact,
    )
