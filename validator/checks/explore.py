"""Exhaustive flow exploration over header equivalence classes, for one or several data planes.

Several data planes (base and head, or no-failure and a failure scenario) are explored with the
same classes, refined by the filters any of them meets, so differential questions compare like
with like.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address

from validator.checks.fibmap import DstClassifier
from validator.checks.headerspace import HeaderClass, HeaderConstraints, acl_dst_cuts, header_classes
from validator.checks.ipspace import Intervals
from validator.checks.zones import Source
from validator.engine.native import route_prefixes
from validator.engine.traceroute import trace
from validator.engine.types import DataPlane
from validator.engine.undecided import undecided_routes
from validator.model.config import AclLine
from validator.model.flow import SUCCESS_DISPOSITIONS, Flow, Trace
from validator.model.source import SourceRef


@dataclass
class ClassResult:
    """One header class: its representative flow and the traces in each data plane."""

    source: Source
    dst: tuple[int, int]
    header: HeaderClass
    flow: Flow
    traces: list[list[Trace]]
    # every destination piece this class stands for (pieces every data plane treats alike)
    members: tuple[tuple[int, int], ...] = ()
    # the no-failure class group (source, destination piece) a scenario's class was re-traced from
    group: tuple[Source, tuple[int, int]] | None = None

    # The soundness rule: an undecided trace (it depends on unparsed config lines) is neither
    # proof of delivery (``all_success`` is False) nor proof of denial (``any_success`` is True).

    def all_success(self, i: int) -> bool:
        ts = self.traces[i]
        return bool(ts) and all(t.disposition in SUCCESS_DISPOSITIONS and not t.undecided for t in ts)

    def any_success(self, i: int) -> bool:
        return any(t.disposition in SUCCESS_DISPOSITIONS or t.undecided for t in self.traces[i])

    def decided_failure(self, i: int) -> bool:
        """Some decided branch fails (or there is no trace): an ``allow`` violation for sure."""
        ts = self.traces[i]
        return not ts or any(t.disposition not in SUCCESS_DISPOSITIONS and not t.undecided for t in ts)

    def decided_success(self, i: int) -> bool:
        """Some decided branch succeeds: a ``deny`` violation for sure."""
        return any(t.disposition in SUCCESS_DISPOSITIONS and not t.undecided for t in self.traces[i])

    def undecided(self, i: int) -> tuple[SourceRef, ...]:
        """The unparsed lines the traces in data plane ``i`` depend on (empty: decided)."""
        out: set[SourceRef] = set()
        for t in self.traces[i]:
            out.update(t.undecided)
        return tuple(sorted(out))

    def undefined_refs(self, i: int) -> tuple[SourceRef, ...]:
        out: set[SourceRef] = set()
        for t in self.traces[i]:
            out.update(t.undefined_refs)
        return tuple(sorted(out))


def filters_met(dp: DataPlane, traces: Sequence[Trace]) -> set[tuple[str, str]]:
    """(node, filter name) of every filter step in the traces."""
    out: set[tuple[str, str]] = set()
    for t in traces:
        for hop in t.hops:
            for step in hop.steps:
                if step.type == "Filter":
                    name = step.detail.get("filter") or step.detail.get("name")
                    if isinstance(name, str):
                        out.add((hop.node, name))
                    # a zone-firewall step names the ACLs its inspect classes consulted
                    out.update((hop.node, a) for a in step.detail.get("acls", ()) if isinstance(a, str))
    return out


def _acl_lines(dps: Sequence[DataPlane], filters: set[tuple[str, str]], dst: int | None = None) -> list[AclLine]:
    """The lines of the filters met; with ``dst``, only those whose destination side contains it.

    A destination piece is split at every ACL destination boundary (and grouped only with pieces
    every ACL line treats alike), so a line whose destination misses ``dst`` matches no flow of
    the piece: its source and port boundaries would only multiply classes that all behave the
    same (a 100,000-line ACL about other hosts must not split a policy's flows 100,000 ways).
    """
    from validator.engine.acl import compile_acl
    from validator.engine.acl_index import lines_matching_dst

    lines: list[AclLine] = []
    for dp in dps:
        for node, name in filters:
            n = dp.snapshot.nodes.get(node)
            if n is not None and name in n.acls:
                if dst is None:
                    lines.extend(n.acls[name].lines)
                else:
                    lines.extend(lm.line for lm in lines_matching_dst(compile_acl(n.acls[name]), dst))
    return lines


def forwarding_cuts(dps: Sequence[DataPlane]) -> set[int]:
    """Destination boundaries where forwarding or filtering can change (cached per data plane)."""
    cuts: set[int] = set()
    for dp in dps:
        cached = dp.__dict__.get("_validator_cuts")
        if cached is None:
            cached = _cuts_of(dp)
            dp.__dict__["_validator_cuts"] = cached
        cuts |= cached
    return cuts


def _cuts_of(dp: DataPlane) -> frozenset[int]:
    cuts: set[int] = set()
    prefixes = route_prefixes(dp)  # the native core's: the same networks, no route built
    if prefixes is not None:
        for start, plen in prefixes:
            cuts.add(start)
            cuts.add(start + (1 << (32 - plen)))
    else:
        for node_ribs in dp.ribs.values():
            for routes in node_ribs.values():
                for r in routes:
                    cuts.add(int(r.network.network_address))
                    cuts.add(int(r.network.broadcast_address) + 1)
    for ip in dp.ip_owners:
        cuts.add(int(ip))
        cuts.add(int(ip) + 1)
    for node in dp.snapshot.nodes.values():
        for intf in node.interfaces.values():
            for a in intf.addresses:
                net = a.network
                lo, hi = int(net.network_address), int(net.broadcast_address)
                cuts.update((lo, lo + 1, hi, hi + 1))
        for acl in node.acls.values():
            cuts |= acl_dst_cuts(acl.lines)
    # undecided routes (present or denied) split destinations too: inside one, traces are undecided
    for net in undecided_routes(dp).prefixes:
        cuts.add(int(net.network_address))
        cuts.add(int(net.broadcast_address) + 1)
    return frozenset(cuts)


def make_flow(source: Source, dst: int, h: HeaderClass) -> Flow:
    return Flow(
        ingress_node=source.node,
        ingress_interface=source.interface,
        ingress_vrf=source.vrf,
        src_ip=IPv4Address(h.src_ip),
        dst_ip=IPv4Address(dst),
        ip_protocol=h.protocol,
        src_port=h.src_port if h.protocol in (6, 17) else 0,
        dst_port=h.dst_port if h.protocol in (6, 17) else 0,
        icmp_type=h.icmp_type,
        icmp_code=h.icmp_code,
        tcp_syn=not h.tcp_ack,
        tcp_ack=h.tcp_ack,
    )


@dataclass
class Explorer:
    """Traces every header class from ``sources`` to ``dst_space`` in each data plane."""

    dps: Sequence[DataPlane]
    constraints: HeaderConstraints = field(default_factory=HeaderConstraints)
    cuts: set[int] | None = None
    group_pieces: bool = True
    # pseudo filter lines whose boundaries must also split classes (an intent's declared flows)
    extra_lines: Sequence[AclLine] = ()
    traced: int = 0

    def _trace(self, i: int, flow: Flow) -> list[Trace]:
        # traces are cached on the data plane itself, so every check and every failure scenario
        # that meets the same flow on the same data plane (the no-failure one, above all) shares them
        dp = self.dps[i]
        cache: dict[Flow, list[Trace]] | None = dp.__dict__.get("_validator_traces")
        if cache is None:
            cache = {}
            dp.__dict__["_validator_traces"] = cache
        hit = cache.get(flow)
        if hit is None:
            hit = dp.tracer(dp, flow) if dp.tracer is not None else trace(dp, flow)
            cache[flow] = hit
            self.traced += 1
        return hit

    def _filters(self, i: int, flow: Flow, traces: list[Trace]) -> set[tuple[str, str]]:
        """``filters_met`` of a flow's traces, cached beside the traces (a failure sweep re-explores
        the same no-failure flows in every scenario that re-traces their class)."""
        dp = self.dps[i]
        cache: dict[Flow, tuple[list[Trace], set[tuple[str, str]]]] | None = dp.__dict__.get("_validator_trace_filters")
        if cache is None:
            cache = {}
            dp.__dict__["_validator_trace_filters"] = cache
        hit = cache.get(flow)
        if hit is None or hit[0] is not traces:
            hit = (traces, filters_met(dp, traces))
            cache[flow] = hit
        return hit[1]

    def explore(self, sources: Sequence[Source], dst_space: Intervals) -> Iterator[ClassResult]:
        if self.cuts is None:
            self.cuts = forwarding_cuts(self.dps) | acl_dst_cuts(self.extra_lines)
        pieces = dst_space.split(self.cuts)
        groups: dict[object, list[tuple[int, int]]] = {}
        if self.group_pieces:
            classifier = DstClassifier(self.dps, self.extra_lines)
            for lo, hi in pieces:
                groups.setdefault(classifier.signature(lo, hi), []).append((lo, hi))
        else:
            groups = {i: [piece] for i, piece in enumerate(pieces)}
        for source in sources:
            for members in groups.values():
                lo, hi = members[0]
                yield from self._explore_piece(source, lo, hi, tuple(members))

    def _explore_piece(
        self, source: Source, lo: int, hi: int, members: tuple[tuple[int, int], ...] = ()
    ) -> Iterator[ClassResult]:
        seen: set[tuple[str, str]] = set()
        while True:
            lines = _acl_lines(self.dps, seen, lo)
            classes = header_classes(source.space, self.constraints, [*lines, *self.extra_lines])
            results: list[ClassResult] = []
            new: set[tuple[str, str]] = set()
            for h in classes:
                flow = make_flow(source, lo, h)
                per_dp = [self._trace(i, flow) for i in range(len(self.dps))]
                for i, ts in enumerate(per_dp):
                    new |= self._filters(i, flow, ts)
                results.append(ClassResult(source, (lo, hi), h, flow, per_dp, members or ((lo, hi),)))
            if new <= seen:
                yield from results
                return
            seen |= new
