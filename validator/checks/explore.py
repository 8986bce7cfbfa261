"""Exhaustive flow exploration over header equivalence classes, for one or several data planes.

Several data planes (base and head, or no-failure and a failure scenario) are explored with the
same classes, refined by the filters any of them meets, so differential questions compare like
with like.
"""

from __future__ import annotations

import weakref
from bisect import bisect_right
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from itertools import compress
from operator import attrgetter, not_

from validator.checks.fibmap import (
    DstClassifier,
    IntervalMap,
    actions_id,
    fib_map,
    lookup_id,
    map_of_fib,
    painted,
    patch_of,
)
from validator.checks.footprint import TraceReuse, process_local
from validator.checks.headerspace import HeaderClass, HeaderConstraints, acl_dst_cuts, header_classes
from validator.checks.ipspace import Intervals
from validator.checks.zones import Source
from validator.engine.native import route_prefixes
from validator.engine.traceroute import tracer_for
from validator.engine.types import DataPlane, Fib
from validator.engine.undecided import undecided_routes
from validator.model.config import AclLine
from validator.model.dataplane import Route
from validator.model.flow import SUCCESS_DISPOSITIONS, Flow, Hop, Trace
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
    """(node, filter name) of every filter step in the traces (a hop object shared by several
    traces, as ECMP branches share their prefix, is read once)."""
    out: set[tuple[str, str]] = set()
    seen: set[int] = set()
    for t in traces:
        for hop in t.hops:
            if id(hop) not in seen:
                seen.add(id(hop))
                out.update(_hop_filters(hop))
    return out


def _hop_filters(hop: Hop) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for step in hop.steps:
        if step.type == "Filter":
            name = step.detail.get("filter") or step.detail.get("name")
            if isinstance(name, str):
                out.append((hop.node, name))
            # a zone-firewall step names the ACLs its inspect classes consulted
            out.extend((hop.node, a) for a in step.detail.get("acls", ()) if isinstance(a, str))
    return tuple(out)


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
    snapshots: list[object] = []
    for dp in dps:
        # data planes of one snapshot have the same filters: their lines once (``header_classes``
        # depends on the set of lines only, so this changes no class)
        if any(dp.snapshot is s for s in snapshots):
            continue
        snapshots.append(dp.snapshot)
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
    # per data plane index: other data planes whose cached traces may be taken after an exact
    # check of the tracer's inputs (footprint.TraceReuse; a failure scenario's sub-scenarios)
    donors: dict[int, Sequence[TraceReuse]] = field(default_factory=dict)
    reused: int = 0  # traces taken from a donor instead of traced

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
            hit = self._donated(i, flow)
            if hit is None:
                if dp.tracer is not None:
                    hit = dp.tracer(dp, flow)
                else:  # the builtin tracer also says which filters the traces met (``_filters``)
                    hit, met = tracer_for(dp).trace_and_filters(flow)
                    filters: dict[Flow, tuple[list[Trace], set[tuple[str, str]]]] = dp.__dict__.setdefault(
                        "_validator_trace_filters", {}
                    )
                    filters[flow] = (hit, set(met))
                self.traced += 1
            else:
                self.reused += 1
            cache[flow] = hit
        return hit

    def _donated(self, i: int, flow: Flow) -> list[Trace] | None:
        """A donor's cached traces of ``flow``, when they are provably ``dps[i]``'s too."""
        for donor in self.donors.get(i, ()):
            cached: dict[Flow, list[Trace]] | None = donor.donor.__dict__.get("_validator_traces")
            hit = cached.get(flow) if cached is not None else None
            if hit is not None and donor.same(flow.dst_ip, hit):
                return hit
        return None

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
            for donor in self.donors.get(i, ()):  # a donated trace list: the donor's answer
                lent = donor.donor.__dict__.get("_validator_trace_filters", {}).get(flow)
                if lent is not None and lent[0] is traces:
                    hit = lent
                    break
            else:
                hit = (traces, filters_met(dp, traces))
            cache[flow] = hit
        return hit[1]

    def _lines(self, seen: set[tuple[str, str]], dst: int) -> list[AclLine]:
        """``_acl_lines`` of the filters met, cached on the first data plane when every data plane
        is of its snapshot (the lines are a function of the snapshot, the filters and ``dst``)."""
        snap = self.dps[0].snapshot
        if any(dp.snapshot is not snap for dp in self.dps):
            return _acl_lines(self.dps, seen, dst)
        cache: dict[tuple[frozenset[tuple[str, str]], int], tuple[object, list[AclLine]]] = self.dps[
            0
        ].__dict__.setdefault("_validator_acl_lines", {})
        key = (frozenset(seen), dst)
        hit = cache.get(key)
        if hit is None or hit[0] is not snap:
            hit = (snap, _acl_lines(self.dps, seen, dst))
            cache[key] = hit
        return hit[1]

    def _flow(self, source: Source, dst: int, h: HeaderClass) -> Flow:
        """``make_flow``, one object per flow on the first data plane: every scenario of a sweep
        explores the same flows, and the trace caches then find them by identity (a fresh equal
        Flow is compared field by field, its addresses in Python)."""
        cache: dict[tuple[str, str | None, str, int, HeaderClass], Flow] = self.dps[0].__dict__.setdefault(
            "_validator_flows", {}
        )
        key = (source.node, source.interface, source.vrf, dst, h)
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = make_flow(source, dst, h)
        return hit

    def _classes(self, source: Source, lines: Sequence[AclLine]) -> list[HeaderClass]:
        """``header_classes`` of ``lines``, cached on the first data plane: a failure sweep asks
        again for the same source and filters in every scenario that re-traces a class."""
        cache: dict[tuple[object, ...], tuple[tuple[AclLine, ...], list[HeaderClass]]] = self.dps[
            0
        ].__dict__.setdefault("_validator_header_classes", {})
        key = (source.space, self.constraints, tuple(id(line) for line in lines))
        hit = cache.get(key)
        if hit is None or any(a is not b for a, b in zip(hit[0], lines, strict=True)):
            hit = (tuple(lines), header_classes(source.space, self.constraints, lines))
            cache[key] = hit
        return hit[1]

    def explore_groups(self, source: Source, groups: Sequence[tuple[tuple[int, int], ...]]) -> Iterator[ClassResult]:
        """``explore`` of one source over destination pieces already split and grouped (by
        :class:`ScenarioPieces`): each group is explored from its first piece."""
        for members in groups:
            lo, hi = members[0]
            yield from self._explore_piece(source, lo, hi, members)

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
            lines = self._lines(seen, lo)
            classes = self._classes(source, [*lines, *self.extra_lines])
            results: list[ClassResult] = []
            new: set[tuple[str, str]] = set()
            for h in classes:
                flow = self._flow(source, lo, h)
                per_dp = [self._trace(i, flow) for i in range(len(self.dps))]
                for i, ts in enumerate(per_dp):
                    new |= self._filters(i, flow, ts)
                results.append(ClassResult(source, (lo, hi), h, flow, per_dp, members or ((lo, hi),)))
            if new <= seen:
                yield from results
                return
            seen |= new


class _Whole:
    """A scenario map looked up as it is (a FIB not known as a patch of the base's, undecided routes)."""

    __slots__ = ("map",)

    def __init__(self, m: IntervalMap) -> None:
        self.map = m

    def varies(self, lo: int, hi: int) -> bool:
        return True

    def id_at(self, p: int) -> int:
        return lookup_id(self.map, p)


class _Patched:
    """A changed FIB that is the base's patched inside ``ranges`` (``fibmap.patch_of``): its map
    id at a point, without building its map. Outside the ranges it answers as the base's FIB (the
    base's map, built once and shared); inside, the interned id of its own lookup there, which is
    the id its map would hold (``fibmap.actions_id`` of the same answer)."""

    __slots__ = ("base_map", "ends", "fib", "memo", "starts")

    def __init__(self, fib: Fib, base_map: IntervalMap, ranges: Sequence[tuple[int, int]]) -> None:
        self.fib = fib
        self.base_map = base_map
        self.starts = [lo for lo, _ in ranges]
        self.ends = [hi for _, hi in ranges]
        self.memo: dict[int, int] = {}

    def varies(self, lo: int, hi: int) -> bool:
        """Whether a range meets ``[lo, hi]`` (outside them the base's map is constant on a class)."""
        k = bisect_right(self.starts, hi) - 1
        return k >= 0 and self.ends[k] >= lo

    def id_at(self, p: int) -> int:
        k = bisect_right(self.starts, p) - 1
        if k < 0 or p > self.ends[k]:
            return lookup_id(self.base_map, p)
        hit = self.memo.get(p)
        if hit is None:
            hit = self.memo[p] = actions_id(self.fib, p)
        return hit


class ScenarioPieces:
    """How one failure scenario splits and groups the destination pieces of no-failure classes.

    A no-failure class (``pair_baseline``) stands for destination pieces (its ``members``) that the
    base data plane treats identically: they were cut at every base boundary (``forwarding_cuts``)
    and grouped by every base map (FIBs, subnets, ACL destinations, undecided routes). Inside them
    the base's share of ``Explorer([base, scenario]).explore``'s cuts and signatures is constant,
    so cutting each member at the scenario's own boundaries and grouping by the scenario's own maps
    gives exactly the groups, in the same order, that the two-data-plane explorer gives (member
    boundaries are base cuts, kept by cutting member by member). Built once per (base, scenario)
    and shared by every pair and class of the scenario, where the explorer built a two-data-plane
    classifier and cut list for every re-explored class.

    Proportional to what the scenario changed: ``cuts`` are only the scenario's boundaries that
    are not base cuts (a base cut never falls inside a member), taken from the routes a changed
    route list does not share with the base's; ``parts`` only the FIBs the scenario does not share
    with the base, each looked up where it can differ from the base's (``_Patched``) and left out
    of a class none of its patched ranges meets (there it is the base's, constant on the class).
    The parts are built on first need: a class cut into at most one piece that does not stand
    alone groups the same under any signature, so most classes never ask a changed FIB anything.
    """

    def __init__(self, base: DataPlane, scenario: DataPlane) -> None:
        self.base = base
        same_owners = scenario.ip_owners is base.ip_owners or scenario.ip_owners == base.ip_owners
        # "stands alone" is decided over both data planes' owned addresses, as the explorer does
        self.owned = _owned(base) if same_owners else _owned(base) | _owned(scenario)
        self.strict = bool(undecided_routes(base)) or bool(undecided_routes(scenario))
        # cached on the scenario itself: a strong reference back would leave every scenario data
        # plane to the cyclic collector (at 510 routers a third of a sweep, or GBs piling up)
        self._scenario = weakref.ref(scenario)
        self._parts: list[_Whole | _Patched] | None = None
        self._full = scenario.snapshot is not base.snapshot or not same_owners
        if self._full:
            self.cuts = sorted(forwarding_cuts([scenario]))
            return
        # Of the same snapshot: its subnet, ACL and owner boundaries and its static maps are the
        # base's, and so are the routes and FIB maps of every node (VRF) the scenario shares with
        # the base by object. All of them are constant inside a class's members: only the routes
        # and FIB maps the scenario changed (and its undecided routes) can cut or tell apart.
        base_cuts = _cuts_once(base)
        cuts: set[int] = set()
        for node, vrfs in scenario.ribs.items():
            b_vrfs = base.ribs.get(node)
            if b_vrfs is vrfs:
                continue
            for vrf, routes in vrfs.items():
                b_routes = b_vrfs.get(vrf) if b_vrfs is not None else None
                if b_routes is routes:
                    continue
                # the networks of the base's routes (any node's) have base cuts for bounds: only
                # routes with other network objects are read (selected in C: networks are shared
                # objects, so a changed list mostly holds the base's)
                kept = _base_networks(base, node, vrf, b_routes) if b_routes is not None else _NO_NETS
                for r in compress(routes, map(not_, map(kept.__contains__, map(id, map(_NETWORK, routes))))):
                    net = r.network
                    for c in (int(net.network_address), int(net.broadcast_address) + 1):
                        if c not in base_cuts:
                            cuts.add(c)
        undecided = sorted(undecided_routes(scenario).prefixes)
        for net in undecided:  # soundness: a piece is either inside an undecided route or not
            for c in (int(net.network_address), int(net.broadcast_address) + 1):
                if c not in base_cuts:
                    cuts.add(c)
        self.cuts = sorted(cuts)

    @property
    def scenario(self) -> DataPlane:
        scenario = self._scenario()
        assert scenario is not None  # the pieces live in the scenario's own cache
        return scenario

    @property
    def parts(self) -> list[_Whole | _Patched]:
        """The maps that can tell a class's pieces apart (built on first use)."""
        if self._parts is None:
            self._parts = self._build_parts()
        return self._parts

    def _build_parts(self) -> list[_Whole | _Patched]:
        base, scenario = self.base, self.scenario
        if self._full:
            return [_Whole(m) for m in DstClassifier([scenario]).maps]
        parts: list[_Whole | _Patched] = []
        seen: set[int] = set()
        for node, vrfs_f in scenario.fibs.items():
            b_fibs = base.fibs.get(node, {})
            if b_fibs is vrfs_f:
                continue
            for vrf, fib in vrfs_f.items():
                b_fib = b_fibs.get(vrf)
                if b_fib is fib or id(fib) in seen:
                    continue
                seen.add(id(fib))
                patch = patch_of(fib)
                if patch is not None and b_fib is not None and patch[0] is b_fib:
                    if patch[1]:
                        parts.append(_Patched(fib, map_of_fib(b_fib), patch[1]))
                else:
                    parts.append(_Whole(fib_map(scenario, node, vrf)))
        undecided = sorted(undecided_routes(scenario).prefixes)
        if undecided:
            parts.append(_Whole(painted((int(n.network_address), int(n.broadcast_address), n) for n in undecided)))
        return parts

    def signature(self, lo: int, hi: int, parts: Sequence[_Whole | _Patched] | None = None) -> Hashable:
        """``DstClassifier.signature`` over the maps that can tell a class's members apart."""
        if lo == hi or self.strict or lo in self.owned:
            return ("single", lo)  # ``strict``: as ``DstClassifier.strict`` (undecided routes)
        return tuple(m.id_at(lo) for m in (self.parts if parts is None else parts))

    def groups(self, members: Sequence[tuple[int, int]]) -> list[tuple[tuple[int, int], ...]]:
        """The scenario's groups of ``members`` (sorted pieces of one no-failure class)."""
        cuts = self.cuts
        pieces: list[tuple[int, int]] = []
        for lo, hi in members:
            start = lo
            k = bisect_right(cuts, lo)
            while k < len(cuts) and cuts[k] <= hi:
                pieces.append((start, cuts[k] - 1))
                start = cuts[k]
                k += 1
            pieces.append((start, hi))
        owned = self.owned
        shared = [p for p in pieces if p[0] != p[1] and p[0] not in owned]
        parts: list[_Whole | _Patched] = []
        if len(shared) > 1:  # else no signature can tell two pieces apart: the parts are not asked
            lo_all = min(lo for lo, _ in shared)
            hi_all = max(hi for _, hi in shared)
            # a part whose changes miss every piece answers as the base's there: constant on the class
            parts = [m for m in self.parts if m.varies(lo_all, hi_all)]
        out: dict[Hashable, list[tuple[int, int]]] = {}
        for lo, hi in pieces:
            out.setdefault(self.signature(lo, hi, parts), []).append((lo, hi))
        return [tuple(g) for g in out.values()]


def _cuts_once(dp: DataPlane) -> frozenset[int]:
    """``forwarding_cuts([dp])`` without copying the cached set."""
    forwarding_cuts([dp])
    return dp.__dict__["_validator_cuts"]  # type: ignore[no-any-return]


_NETWORK = attrgetter("network")
_NO_NETS: dict[int, object] = {}


def _base_networks(base: DataPlane, node: str, vrf: str, routes: list[Route]) -> dict[int, object]:
    """The network objects of the base's routes, by identity (the dict keeps the objects, so the
    identities stay theirs), over every (node, VRF) whose list was read so far (``routes`` is the
    base's list at (node, VRF), added on first read). Every such network's bounds are base cuts
    (``_cuts_of`` reads every node's routes), whichever node it came from. Routes share their
    network objects, so this holds a few thousand entries at 510 routers where identities of the
    route objects themselves (one frozenset per node) held 112 MB for the whole sweep."""
    cache = process_local(base, "_validator_route_networks")  # identities: never shipped to a worker
    nets: dict[int, object] | None = cache.get("nets")
    read: dict[tuple[str, str], list[Route]] | None = cache.get("read")
    if nets is None or read is None:
        nets = cache["nets"] = {}
        read = cache["read"] = {}
    if read.get((node, vrf)) is not routes:
        read[(node, vrf)] = routes  # (a native base may build a new list per read: read again)
        objs = list(map(_NETWORK, routes))
        nets.update(zip(map(id, objs), objs, strict=True))
    return nets


def scenario_pieces(base: DataPlane, scenario: DataPlane) -> ScenarioPieces:
    """The :class:`ScenarioPieces` of ``scenario`` against ``base``, cached on the scenario."""
    cache = process_local(scenario, "_validator_scenario_pieces")  # pickles empty (weak references)
    hit: ScenarioPieces | None = cache.get("pieces")
    if hit is None or hit.base is not base:
        hit = cache["pieces"] = ScenarioPieces(base, scenario)
    return hit


def _owned(dp: DataPlane) -> frozenset[int]:
    hit: frozenset[int] | None = dp.__dict__.get("_validator_owned_ints")
    if hit is None:
        hit = frozenset(int(ip) for ip in dp.ip_owners)
        dp.__dict__["_validator_owned_ints"] = hit
    return hit
