"""What a traced class depended on, so a failure scenario can reuse the no-failure traces.

A class's traces are a function of the FIB decisions, interface states and layer-3 adjacencies
along its path. If a failure changes none of those for any destination the class stands for, its
traces are the same and nothing needs to be re-traced: this makes failure sweeps incremental at
the flow level. FIB decisions are compared as whole destination ranges (``fibmap.changed_space``),
so one comparison covers every destination piece a class represents.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Any

from validator.checks.fibmap import changed_space
from validator.checks.ipspace import Intervals
from validator.engine.types import DataPlane
from validator.model.dataplane import UndecidedRoutes
from validator.model.flow import Hop, Trace

IfaceKey = tuple[str, str]
NodeVrf = tuple[str, str]


@dataclass(frozen=True)
class Footprint:
    nodes: frozenset[str]
    interfaces: frozenset[IfaceKey]
    lookups: dict[NodeVrf, Intervals]  # destinations whose FIB decision at (node, vrf) mattered
    neighbourhoods: frozenset[IfaceKey]  # interfaces whose L3 neighbours (and their FIBs) mattered


def neighbours(dp: DataPlane) -> dict[IfaceKey, frozenset[IfaceKey]]:
    """L3 adjacency per interface; cached on the data plane object."""
    cached = dp.__dict__.get("_validator_neighbours")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    out: dict[IfaceKey, set[IfaceKey]] = defaultdict(set)
    for e in dp.edges:
        out[(e.node1, e.interface1)].add((e.node2, e.interface2))
    frozen = {k: frozenset(v) for k, v in out.items()}
    dp.__dict__["_validator_neighbours"] = frozen
    return frozen


class ProcessLocal(dict[Any, Any]):
    """A cache kept on a data plane whose entries hold object identities (``id()``): it pickles
    empty, so a data plane shipped to another process (a Ray worker) never carries identities of
    objects that do not exist there."""

    def __reduce__(self) -> tuple[type[ProcessLocal], tuple[()]]:
        return (ProcessLocal, ())


def process_local(dp: DataPlane, name: str) -> ProcessLocal:
    """The :class:`ProcessLocal` cache ``name`` of ``dp`` (created on first use)."""
    hit = dp.__dict__.get(name)
    if not isinstance(hit, ProcessLocal):
        hit = dp.__dict__[name] = ProcessLocal()
    return hit


class _SubNeighbours:
    """A scenario's L3 adjacency read off its base's, per interface on demand: valid when every
    edge of the scenario is one of the base's edge objects (failures only remove edges), so the
    neighbours of an interface are the base's whose edge the scenario kept."""

    def __init__(self, index: dict[IfaceKey, tuple[tuple[IfaceKey, object], ...]], kept: set[int]) -> None:
        self._index = index
        self._kept = kept
        self._memo: dict[IfaceKey, frozenset[IfaceKey]] = {}

    def get(self, key: IfaceKey, default: frozenset[IfaceKey]) -> frozenset[IfaceKey]:
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = frozenset(n for n, e in self._index.get(key, ()) if id(e) in self._kept)
        return hit or default


def _edge_index(dp: DataPlane) -> tuple[dict[IfaceKey, tuple[tuple[IfaceKey, object], ...]], frozenset[int]]:
    """Per interface: (neighbour, edge object) of every edge; and the edges' identities (cached)."""
    cache = process_local(dp, "_validator_edge_index")
    hit = cache.get("index")
    if hit is None or hit[0] is not dp.edges:
        index: dict[IfaceKey, list[tuple[IfaceKey, object]]] = defaultdict(list)
        for e in dp.edges:
            index[(e.node1, e.interface1)].append(((e.node2, e.interface2), e))
        hit = (dp.edges, {k: tuple(v) for k, v in index.items()}, frozenset(map(id, dp.edges)))
        cache["index"] = hit
    return hit[1], hit[2]


def scenario_neighbours(base: DataPlane, scenario: DataPlane) -> Any:
    """``neighbours(scenario)`` answers (``.get(key, default)``), built from the base's when the
    scenario's edges are base edge objects (checked in C), else from its own edges."""
    if scenario is base or "_validator_neighbours" in scenario.__dict__:
        return neighbours(scenario)
    # per reference data plane: the base, and single failures a double failure is compared with
    cache = process_local(scenario, "_validator_sub_neighbours")
    hit = cache.get(id(base))
    if hit is not None and hit[0] is base:
        return hit[1]
    index, base_ids = _edge_index(base)
    kept = set(map(id, scenario.edges))
    out: Any = _SubNeighbours(index, kept) if kept <= base_ids else neighbours(scenario)
    cache[id(base)] = (base, out)
    return out


_HopPart = tuple[tuple[IfaceKey, ...], tuple[NodeVrf, ...], tuple[tuple[NodeVrf, int], ...], tuple[IfaceKey, ...]]


def footprint(
    traces: Sequence[Trace],
    dst: IPv4Address,
    members: Sequence[tuple[int, int]] = (),
    memo: dict[int, tuple[Hop, _HopPart]] | None = None,
) -> Footprint:
    """Everything ``traces`` (of a class standing for ``members``) depended on.

    What a hop adds does not depend on the class: a hop object shared by several traces (the
    tracer shares sub-trees between flows; ECMP branches share their prefix) is read once per call,
    and once for all calls given one ``memo`` (kept by the caller with the data plane the traces
    are of; entries hold their hop, so an identity is never reused while its entry lives). Per
    (node, VRF) the lookups are every destination the class stands for (a Routing, Originate or
    input step, or a drop there) and the ARP IPs of its forwarding steps."""
    nodes: set[str] = set()
    ifaces: set[IfaceKey] = set()
    need: set[NodeVrf] = set()  # (node, vrf) whose decision for every destination mattered
    arps: dict[NodeVrf, set[int]] = {}
    hoods: set[IfaceKey] = set()
    for node, part in _parts(traces, set(), {} if memo is None else memo):
        nodes.add(node)
        ifaces.update(part[0])
        need.update(part[1])
        for k, ip in part[2]:
            arps.setdefault(k, set()).add(ip)
        hoods.update(part[3])
    d = int(dst)
    every = Intervals.of(members or ((d, d),))  # one object, shared by every (node, vrf) without ARP IPs
    lookups: dict[NodeVrf, Intervals] = {}
    for k in need:
        ips = arps.get(k)
        lookups[k] = every if not ips else Intervals.of([*every.spans, *((x, x) for x in ips)])
    for k, ips in arps.items():
        if k not in need:
            lookups[k] = Intervals.of((x, x) for x in ips)
    return Footprint(frozenset(nodes), frozenset(ifaces), lookups, frozenset(hoods))


def footprint_of_classes(
    classes: Iterable[tuple[Sequence[Trace], IPv4Address, Sequence[tuple[int, int]]]],
    memo: dict[int, tuple[Hop, _HopPart]] | None = None,
) -> Footprint:
    """``merge(footprint(traces, dst, members, memo) for ...)`` in one pass: the destinations each
    (node, VRF) looked up are gathered over every class and made intervals once per (node, VRF),
    instead of one union per class and (node, VRF)."""
    nodes: set[str] = set()
    ifaces: set[IfaceKey] = set()
    hoods: set[IfaceKey] = set()
    # a set per (node, VRF): the classes of one group stand for the same destinations, so each
    # would add them again (Intervals.of merges duplicates, the set just sorts fewer)
    spans: dict[NodeVrf, set[tuple[int, int]]] = defaultdict(set)
    if memo is None:
        memo = {}
    for traces, dst, members in classes:
        need: set[NodeVrf] = set()
        for node, part in _parts(traces, set(), memo):
            nodes.add(node)
            ifaces.update(part[0])
            need.update(part[1])
            for k, ip in part[2]:
                spans[k].add((ip, ip))
            hoods.update(part[3])
        if need:
            d = int(dst)
            dsts = members or ((d, d),)
            for k in need:
                spans[k].update(dsts)
    lookups = {k: Intervals.of(v) for k, v in spans.items()}
    return Footprint(frozenset(nodes), frozenset(ifaces), lookups, frozenset(hoods))


def _parts(
    traces: Iterable[Trace], seen: set[int], memo: dict[int, tuple[Hop, _HopPart]]
) -> Iterator[tuple[str, _HopPart]]:
    """Each distinct hop of ``traces`` (by identity, ``seen`` across calls of one class) once, with
    what it adds to a footprint, from ``memo`` when an earlier call read that very hop (an entry
    holds its hop, so an identity is never reused while the entry lives)."""
    for t in traces:
        for hop in t.hops:
            if id(hop) in seen:
                continue
            seen.add(id(hop))
            hit = memo.get(id(hop))
            if hit is None or hit[0] is not hop:
                hit = memo[id(hop)] = (hop, _hop_part(hop))
            yield hop.node, hit[1]


def _hop_part(hop: Hop) -> _HopPart:
    """What one hop adds to a footprint: interfaces, (node, vrf) looked up, ARP IPs, forwarding groups."""
    node = hop.node
    ifaces: list[IfaceKey] = []
    need: list[NodeVrf] = []
    arps: list[tuple[NodeVrf, int]] = []
    hoods: list[IfaceKey] = []
    for step in hop.steps:
        det = step.detail
        for key in ("input_interface", "output_interface", "interface"):
            name = det.get(key)
            if isinstance(name, str):
                ifaces.append((node, name))
        vrf = str(det.get("vrf") or det.get("originating_vrf") or det.get("input_vrf") or "default")
        if step.type in ("Routing", "Originate", "EnterInputInterface") or step.action in ("NO_ROUTE", "NULL_ROUTED"):
            need.append((node, vrf))
        out = det.get("output_interface")
        if step.type == "Routing" and isinstance(out, str):
            hoods.append((node, out))
            arp = det.get("arp_ip")
            if arp:
                arps.append(((node, vrf), _ip_int(arp)))
    return tuple(ifaces), tuple(need), tuple(arps), tuple(hoods)


_IP_INTS: dict[object, int] = {}


def _ip_int(text: object) -> int:
    """An ARP IP of a step's detail (its text) as an int, parsed once per process (bounded)."""
    hit = _IP_INTS.get(text)
    if hit is None:
        if len(_IP_INTS) >= 100_000:
            _IP_INTS.clear()
        hit = _IP_INTS[text] = int(IPv4Address(str(text)))
    return hit


def merge(fps: Iterable[Footprint]) -> Footprint:
    nodes: set[str] = set()
    ifaces: set[IfaceKey] = set()
    hoods: set[IfaceKey] = set()
    lookups: dict[NodeVrf, Intervals] = {}
    for f in fps:
        nodes |= f.nodes
        ifaces |= f.interfaces
        hoods |= f.neighbourhoods
        for k, v in f.lookups.items():
            cur = lookups.get(k)
            lookups[k] = v if cur is None or cur is v else cur | v
    return Footprint(frozenset(nodes), frozenset(ifaces), lookups, frozenset(hoods))


def unchanged(fp: Footprint, base: DataPlane, scenario: DataPlane) -> bool:
    """True when every decision the traces took is the same in ``scenario`` as in ``base``.

    ``base`` is the data plane the traces were taken on: the no-failure one, or (``settled`` groups
    of a sweep) a single failure the scenario contains; either way of the same snapshot and IP
    owners. Undecided routes are the data plane's own (a failure can make a route reach a partial
    policy somewhere off the path): a Routing step lists those covering the destination, so the
    sets must be equal, else the traces' undecided lines could differ with the same decisions."""
    if fp.nodes & scenario.failures.nodes:
        return False
    active = scenario.active_interfaces
    if not fp.interfaces <= active:
        return False
    diff = _fib_diff(base, scenario)
    if not diff.same_undecided:
        return False
    moved, differs = diff.moved, diff.differs
    lookups = fp.lookups
    for key in lookups.keys() & differs:  # elsewhere the scenario has the reference's Fib object
        if moved(key, lookups[key]):
            return False
    if not fp.neighbourhoods:
        return True
    if fp.neighbourhoods & diff.hoods:
        return False  # an interface whose layer-3 neighbours differ
    # proxy-ARP replies depend on the neighbours' own FIBs for the looked-up addresses
    nodes = diff.nodes
    if not nodes:
        return True
    nb0 = neighbours(base)
    by_node = _lookups_by_node(fp)
    configs = base.snapshot.nodes
    for key in fp.neighbourhoods:
        for n_node, n_iface in nb0.get(key, ()):
            if n_node not in nodes:
                continue  # every FIB of that node is the reference's object
            # the neighbour answers from its FIB in *its interface's* VRF (``Tracer._replies``),
            # which need not be the sender's (a VRF on one end of the link only); the ARP IPs are
            # among the sender's lookups, in whichever of its VRFs forwarded out of ``key``
            cfg = configs[n_node].interfaces.get(n_iface)
            if cfg is None:
                return False
            n_key = (n_node, cfg.vrf)
            if n_key in differs and any(moved(n_key, space) for _vrf, space in by_node.get(key[0], ())):
                return False
    return True


def _changed_hoods(ref: DataPlane, scenario: DataPlane) -> frozenset[IfaceKey]:
    """The interfaces whose layer-3 neighbours differ: the first end of every edge one data plane
    has and the other has not. Edges are compared by identity first (a failure scenario keeps its
    base's edge objects), and those differing by identity by value (``Edge`` is a frozen value)."""
    if ref.edges is scenario.edges:
        return frozenset()
    ids_ref = set(map(id, ref.edges))
    ids_scen = set(map(id, scenario.edges))
    only_ref = [e for e in ref.edges if id(e) not in ids_scen]
    only_scen = [e for e in scenario.edges if id(e) not in ids_ref]
    if only_ref and only_scen:  # (failures only remove edges: then one side is empty, no hashing)
        return frozenset((e.node1, e.interface1) for e in set(only_ref) ^ set(only_scen))
    return frozenset((e.node1, e.interface1) for e in (only_ref or only_scen))


def _same_undecided(a: UndecidedRoutes, b: UndecidedRoutes) -> bool:
    """Equal undecided routes: the same object (both empty, for a snapshot with nothing partial)
    or the same routes and lines (each data plane computes its own object, compared by identity)."""
    return a is b or a.by_node == b.by_node


class _FibDiff:
    """Per (reference, scenario): where each (node, VRF)'s FIB decisions differ, asked once per
    key (``fibmap.changed_space``; None where the scenario shares the reference's Fib object or
    nothing differs), the interfaces whose layer-3 neighbours differ, and whether the undecided
    routes are equal."""

    __slots__ = ("_scenario", "differs", "hoods", "nodes", "ref", "same_undecided", "spaces", "strict")

    def __init__(self, ref: DataPlane, scenario: DataPlane) -> None:
        from validator.engine.undecided import undecided_routes

        self.ref = ref
        # kept in the scenario's own cache: a strong reference back would make every scenario data
        # plane (FIBs, RIBs, traces) cyclic garbage that only the cyclic collector frees
        self._scenario = weakref.ref(scenario)
        self.spaces: dict[NodeVrf, tuple[tuple[int, int], ...] | None] = {}
        undecided = undecided_routes(ref)
        self.same_undecided = _same_undecided(undecided, undecided_routes(scenario))
        # with undecided routes a trace's unparsed lines depend on the *lengths* of the prefixes
        # its lookups matched and resolved through (``UndecidedRoutes.for_lookup``), which the
        # action maps ``changed_space`` compares do not see: a failure that takes a more specific
        # route away, leaving a covering one with the same out interface and ARP IP, changes no
        # decision but can make the trace undecided. Then any differing Fib object counts as moved.
        self.strict = bool(undecided)
        # the (node, VRF)s whose Fib objects differ (or exist in one only): nothing else can move
        differs: set[NodeVrf] = set()
        for fibs_a, fibs_b in ((ref.fibs, scenario.fibs), (scenario.fibs, ref.fibs)):
            for node, vrfs in fibs_a.items():
                other = fibs_b.get(node, _NO_FIBS)
                if other is vrfs:
                    continue
                differs.update((node, vrf) for vrf, fib in vrfs.items() if other.get(vrf) is not fib)
        self.differs = frozenset(differs)
        self.nodes = frozenset(n for n, _ in differs)
        self.hoods = _changed_hoods(ref, scenario)

    @property
    def scenario(self) -> DataPlane:
        scenario = self._scenario()
        assert scenario is not None  # the diff lives in the scenario's cache
        return scenario

    def moved(self, key: NodeVrf, space: Intervals) -> bool:
        """Whether the FIB decision at ``key`` changed for some destination of ``space``."""
        spaces = self.spaces
        if key in spaces:
            ch = spaces[key]
        else:
            node, vrf = key
            if self.ref.fibs.get(node, _NO_FIBS).get(vrf) is self.scenario.fibs.get(node, _NO_FIBS).get(vrf):
                ch = None  # the very same Fib object (or absent in both)
            elif self.strict:
                ch = _EVERY_ADDRESS
            else:
                ch = changed_space(self.ref, self.scenario, node, vrf).spans or None
            spaces[key] = ch
        return ch is not None and _meets(ch, space.spans)


def _meets(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> bool:
    """Whether two sorted disjoint interval lists overlap (``Intervals.__and__`` without building it)."""
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i][1] < b[j][0]:
            i += 1
        elif b[j][1] < a[i][0]:
            j += 1
        else:
            return True
    return False


def _fib_diff(ref: DataPlane, scenario: DataPlane) -> _FibDiff:
    cache = process_local(scenario, "_validator_fib_diffs")
    hit = cache.get(id(ref))
    if hit is None or hit.ref is not ref:
        hit = cache[id(ref)] = _FibDiff(ref, scenario)
    return hit


_NO_FIBS: dict[str, object] = {}
_EVERY_ADDRESS = ((0, 0xFFFFFFFF),)


def _lookups_by_node(fp: Footprint) -> dict[str, tuple[tuple[str, Intervals], ...]]:
    """``fp.lookups`` by node (kept on the footprint: a sweep asks it in every scenario)."""
    hit: dict[str, tuple[tuple[str, Intervals], ...]] | None = fp.__dict__.get("_by_node")
    if hit is None:
        grouped: dict[str, list[tuple[str, Intervals]]] = defaultdict(list)
        for (node, vrf), space in fp.lookups.items():
            grouped[node].append((vrf, space))
        hit = {n: tuple(v) for n, v in grouped.items()}
        fp.__dict__["_by_node"] = hit
    return hit


class TraceReuse:
    """Whether traces computed on data plane ``donor`` are exactly the traces ``dp`` gives.

    Used between failure scenarios: a double failure's classes mostly follow the paths of one of
    its single failures. Unlike :func:`unchanged` (same *decisions*, for judging), this must give
    the very same trace text, so it checks every input the builtin tracer
    (``engine/traceroute.Tracer``) reads for one flow, hop by hop along the donor's traces:

    - whole-data-plane inputs: the same snapshot object (configs, ACLs, zones, interface
      addresses), the same tracer, equal ``ip_owners`` (ARP-failure dispositions and
      ``_has_missing_devices`` read them globally) and equal undecided routes (unparsed lines on
      Routing steps, and whether traces scan for them at all);
    - per hop (node, vrf): the node has not failed; the owners of the destination on that node
      are active in both or neither (local acceptance); the FIB lookup of the destination returns
      equal entries (the Routing step lists their routes; NO_ROUTE and NULL_ROUTED too);
    - per forwarding group (out interface, ARP IP): the same layer-3 neighbours, and, for each
      neighbour answering by proxy ARP, equal FIB entries for the ARP IP at that neighbour.

    Every hop the tracer explores appears in its traces, so the checks cover every decision; with
    equal inputs the tracer's output is equal (it is deterministic). Anything not checked here
    makes the caller trace again.
    """

    def __init__(self, donor: DataPlane, dp: DataPlane) -> None:
        from validator.engine.undecided import undecided_routes

        self.donor = donor
        self._dp = weakref.ref(dp)  # cached on ``dp`` itself: no reference cycle (see _FibDiff)
        self.ok = (
            donor.snapshot is dp.snapshot
            and donor.tracer is dp.tracer
            and (donor.ip_owners is dp.ip_owners or donor.ip_owners == dp.ip_owners)
            and _same_undecided(undecided_routes(donor), undecided_routes(dp))
        )
        self._lookups: dict[tuple[str, str, int], bool] = {}
        self._hoods: dict[tuple[str, str, int], bool] = {}
        self._hops: dict[tuple[str, int], bool] = {}
        # a Routing step object is built once per (node, vrf, destination) by the donor's tracer
        # and shared by every trace through it: its verdict is kept by identity (with the step)
        self._steps: dict[int, tuple[object, bool]] = {}
        self._hop_verdicts: dict[int, tuple[Hop, int, bool]] = {}

    @property
    def dp(self) -> DataPlane:
        dp = self._dp()
        assert dp is not None  # the reuse lives in the data plane's own cache
        return dp

    def same(self, dst: IPv4Address, traces: Sequence[Trace]) -> bool:
        """True when ``traces`` (the donor's, of one flow to ``dst``) are ``dp``'s as well."""
        if not self.ok:
            return False
        d = int(dst)
        verdicts = self._hop_verdicts
        for t in traces:
            for hop in t.hops:
                # a Hop object is shared by every trace (and flow) whose path runs through it:
                # its verdict is kept by identity, with the hop and the destination
                got = verdicts.get(id(hop))
                if got is not None and got[0] is hop and got[1] == d:
                    if not got[2]:
                        return False
                    continue
                ok = self._hop_verdict(hop, dst, d)
                verdicts[id(hop)] = (hop, d, ok)
                if not ok:
                    return False
        return True

    def _hop_verdict(self, hop: Hop, dst: IPv4Address, d: int) -> bool:
        node = hop.node
        ok = self._hops.get((node, d))
        if ok is None:
            ok = self._hop_ok(node, dst)
            self._hops[(node, d)] = ok
        if not ok:
            return False
        for step in hop.steps:
            if step.type != "Routing":
                continue
            hit = self._steps.get(id(step))
            if hit is None or hit[0] is not step:
                hit = (step, self._routing_ok(node, step.action, step.detail, d))
                self._steps[id(step)] = hit
            if not hit[1]:
                return False
        return True

    def _hop_ok(self, node: str, dst: IPv4Address) -> bool:
        """The node is up, and the destination's owners on it are active in both or neither."""
        if node in self.dp.failures.nodes:
            return False
        a, b = self.donor.active_interfaces, self.dp.active_interfaces
        return all((o in a) == (o in b) for o in self.dp.ip_owners.get(dst, ()) if o[0] == node)

    def _routing_ok(self, node: str, action: str, detail: dict[str, object], dst: int) -> bool:
        vrf = str(detail.get("vrf") or "default")
        if not self._same_lookup(node, vrf, dst):
            return False
        out = detail.get("output_interface")
        if action == "FORWARDED" and isinstance(out, str):
            arp = detail.get("arp_ip")
            return self._same_hood(node, out, int(IPv4Address(str(arp))) if arp else dst)
        return True

    def _same_lookup(self, node: str, vrf: str, ip: int) -> bool:
        k = (node, vrf, ip)
        hit = self._lookups.get(k)
        if hit is None:
            fa = self.donor.fibs.get(node, {}).get(vrf)
            fb = self.dp.fibs.get(node, {}).get(vrf)
            if fa is fb:
                hit = True
            else:
                addr = IPv4Address(ip)
                hit = (fa.lookup(addr) if fa is not None else []) == (fb.lookup(addr) if fb is not None else [])
            self._lookups[k] = hit
        return hit

    def _same_hood(self, node: str, iface: str, arp_ip: int) -> bool:
        """The same layer-3 neighbours, answering ARP for ``arp_ip`` alike (proxy ARP: their FIBs)."""
        k = (node, iface, arp_ip)
        hit = self._hoods.get(k)
        if hit is None:
            a = neighbours(self.donor).get((node, iface), frozenset())
            hit = a == neighbours(self.dp).get((node, iface), frozenset())
            if hit:
                nodes = self.dp.snapshot.nodes
                for n2, i2 in a:
                    cfg = nodes[n2].interfaces[i2]
                    own = any(int(addr.ip) == arp_ip for addr in cfg.addresses)
                    if cfg.proxy_arp and not own and not self._same_lookup(n2, cfg.vrf, arp_ip):
                        hit = False
                        break
            self._hoods[k] = hit
        return hit


def trace_donors(dp: DataPlane, donors: Sequence[DataPlane]) -> list[TraceReuse]:
    """:class:`TraceReuse` of each donor for ``dp``, cached on ``dp`` (shared by every pair)."""
    cache = process_local(dp, "_validator_trace_donors")  # pickles empty (weak references, identities)
    out: list[TraceReuse] = []
    for d in donors:
        hit = cache.get(id(d))
        if hit is None or hit.donor is not d:
            hit = TraceReuse(d, dp)
            cache[id(d)] = hit
        if hit.ok:
            out.append(hit)
    return out
