"""BGP session checks whose TCP traces are reused when nothing they read changed.

A session is up when its SYN and SYN-ACK traces are accepted (``dataplane._session_reachable``).
Those traces read the data plane only through FIB lookups, local acceptance, layer-3 neighbours of
the interfaces they leave by, and ARP answers of those neighbours. The recording tracer notes each
read; a scenario re-traces a session only when one of those reads answers differently.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from ipaddress import IPv4Address
from typing import Any

from validator.engine.dataplane import _session_reachable
from validator.engine.incremental._fib import _merged_ranges
from validator.engine.traceroute import Tracer, _ActionGroup
from validator.engine.types import DataPlane, Fib
from validator.model.dataplane import FibAction

# ("L", node, vrf, ip) FIB lookup; ("A", node, vrf, ip) local acceptance;
# ("N", node, iface) neighbours; ("R", node, iface, ip) ARP answer
Read = tuple[Any, ...]
ReachKey = tuple[str, str, IPv4Address, IPv4Address, bool]
_MISSING = object()


class RecordingTracer(Tracer):
    def __init__(
        self,
        dp: DataPlane,
        template: Tracer | None = None,
        sibling: Tracer | None = None,
        lost: set[tuple[str, str]] | None = None,
    ) -> None:
        """``template``: a tracer of the same snapshot whose configuration-derived tables are
        shared; ``sibling``: one over the same edges (the scenario's previous view), whose
        neighbour table is shared; ``lost``: when ``dp``'s edges are the template's minus some,
        the sending interfaces of the missing ones (only their neighbour lists are rebuilt)."""
        if template is None:
            super().__init__(dp)
        else:  # the configuration-derived tables are the template's; caches start empty
            self.dp = dp
            self.nodes = dp.snapshot.nodes
            if dp.edges is template.dp.edges:
                self._neighbours = template._neighbours
            elif sibling is not None and dp.edges is sibling.dp.edges:
                self._neighbours = sibling._neighbours
            elif lost is not None:
                redo: dict[tuple[str, str], list[tuple[str, str]]] = {}
                for e in dp.edges:
                    if (e.node1, e.interface1) in lost:
                        redo.setdefault((e.node1, e.interface1), []).append((e.node2, e.interface2))
                table = dict(template._neighbours)
                for key in lost:
                    if key in redo:
                        table[key] = sorted(set(redo[key]))
                    else:
                        table.pop(key, None)
                self._neighbours = table
            else:
                neighbours: dict[tuple[str, str], list[tuple[str, str]]] = {}
                for e in dp.edges:
                    neighbours.setdefault((e.node1, e.interface1), []).append((e.node2, e.interface2))
                self._neighbours = {k: sorted(set(v)) for k, v in neighbours.items()}
            self._owned = template._owned
            self._owned_set = template._owned_set
            self._internal_starts, self._internal_ends = template._internal_starts, template._internal_ends
            self._missing = template._missing  # configuration only
            self._arp = {}
            self._forwarding = {}
            self._accepting = {}
            self._enter_steps = template._enter_steps
        self.reads: set[Read] | None = None

    def _groups(self, node: str, vrf: str, dst: int, dst_ip: IPv4Address) -> list[_ActionGroup]:
        groups = super()._groups(node, vrf, dst, dst_ip)
        if self.reads is not None:
            self.reads.add(("L", node, vrf, dst))
            for g in groups:
                if g.action.interface is not None and not g.action.null_route:
                    self.reads.add(("N", node, g.action.interface))
        return groups

    def _accepting_interface(self, node: str, vrf: str, dst: int, dst_ip: IPv4Address) -> str | None:
        if self.reads is not None:
            self.reads.add(("A", node, vrf, dst))
        return super()._accepting_interface(node, vrf, dst, dst_ip)

    def _replies(self, neighbour: tuple[str, str], arp_ip: IPv4Address) -> bool:
        if self.reads is not None:
            self.reads.add(("R", neighbour[0], neighbour[1], int(arp_ip)))
        return super()._replies(neighbour, arp_ip)

    # answers of each read, to compare a base view with a scenario view

    def actions(self, node: str, vrf: str, ip: int) -> frozenset[FibAction]:
        fib = self._fib(node, vrf)
        return frozenset(e.action for e in fib.lookup(IPv4Address(ip))) if fib is not None else frozenset()

    def answer(self, read: Read) -> object:
        kind = read[0]
        if kind == "L":
            return self.actions(read[1], read[2], read[3])
        if kind == "A":
            return Tracer._accepting_interface(self, read[1], read[2], read[3], IPv4Address(read[3]))
        if kind == "N":
            return tuple(self._neighbours.get((read[1], read[2]), ()))
        return Tracer._replies(self, (read[1], read[2]), IPv4Address(read[3]))


def interim(dp_like: DataPlane, fibs: dict[str, dict[str, Fib]]) -> DataPlane:
    return DataPlane(
        snapshot=dp_like.snapshot,
        failures=dp_like.failures,
        active_interfaces=dp_like.active_interfaces,
        edges=dp_like.edges,
        ribs={},
        fibs=fibs,
        ip_owners=dp_like.ip_owners,
    )


class SessionChecker:
    """The ``reachable`` callback of ``compute_bgp_topology`` over one FIB view, recording reads and
    reusing a previous view's answers when every read answers the same here."""

    def __init__(
        self,
        tracer: RecordingTracer,
        previous: dict[ReachKey, tuple[bool, frozenset[Read]]] | None = None,
        previous_tracer: RecordingTracer | None = None,
        unchanged: Callable[[Read], bool] | None = None,
    ) -> None:
        self.tracer = tracer
        self.unchanged = unchanged
        self.suspects: set[ReachKey] | None = None  # keys that may answer differently (None: all)
        self.previous = previous or {}
        self.previous_tracer = previous_tracer
        self.records: dict[ReachKey, tuple[bool, frozenset[Read]]] = {}
        self.reused = 0
        self.traced = 0
        # the same scenario's previous view (its IGP-only FIBs, then the previous topology round):
        # a check it traced afresh is taken over when every read of that trace answers the same here
        self.sibling: SessionChecker | None = None
        self.carried = 0  # checks taken over from the sibling instead of re-traced

    def _same(self, reads: frozenset[Read]) -> bool:
        old = self.previous_tracer
        assert old is not None
        return self._answers_equal(reads, old, self.unchanged)

    def _answers_equal(
        self, reads: frozenset[Read], old: RecordingTracer, quick: Callable[[Read], bool] | None
    ) -> bool:
        """Every read answers in this view as in ``old``'s (``quick``: reads known to, unasked)."""
        new = self.tracer
        # each view's answers are kept on its tracer: the base's for the whole sweep, a scenario
        # view's for the session checks of one round (they read the same loopbacks' FIB entries
        # over and over) and for the next round's comparisons with it
        memo: dict[Read, object] = old.__dict__.setdefault("_answers", {})
        mine: dict[Read, object] = new.__dict__.setdefault("_answers", {})
        for r in reads:
            if quick is not None and quick(r):
                continue
            was = memo.get(r, _MISSING)
            if was is _MISSING:
                was = memo[r] = old.answer(r)
            now = mine.get(r, _MISSING)
            if now is _MISSING:
                now = mine[r] = new.answer(r)
            if was != now:
                return False
        return True

    def _from_sibling(self, key: ReachKey) -> tuple[bool, frozenset[Read]] | None:
        """The sibling view's own trace of ``key`` when every read it made answers the same in this
        view: a trace is a function of its reads' answers, so tracing here would repeat it exactly
        (same verdict, same reads). A check the sibling reused from the base is not asked: it
        answered as the base there, and this view already differs from the base."""
        sib = self.sibling
        if sib is None:
            return None
        got = sib.records.get(key)
        if got is None or got is sib.previous.get(key):
            return None
        return got if self._answers_equal(got[1], sib.tracer, None) else None

    def __call__(self, node: str, vrf: str, src: IPv4Address, dst: IPv4Address, single_hop: bool) -> bool:
        key: ReachKey = (node, vrf, src, dst, single_hop)
        hit = self.records.get(key)
        if hit is not None:
            return hit[0]
        prev = self.previous.get(key)
        if (
            prev is not None
            and self.previous_tracer is not None
            and ((self.suspects is not None and key not in self.suspects) or self._same(prev[1]))
        ):
            self.records[key] = prev
            self.reused += 1
            return prev[0]
        carried = self._from_sibling(key)
        if carried is not None:
            self.records[key] = carried
            self.carried += 1
            return carried[0]
        self.tracer.reads = set()
        try:
            ok = _session_reachable(self.tracer, node, vrf, src, dst, single_hop)
            reads = frozenset(self.tracer.reads)
        finally:
            self.tracer.reads = None
        self.records[key] = (ok, reads)
        self.traced += 1
        return ok


ReachFn = Callable[[str, str, IPv4Address, IPv4Address, bool], bool]


class ReadFilter:
    """Reads a scenario provably answers like the base, without looking at the scenario's FIBs:
    a FIB lookup changes only if an address falls in a changed prefix or in one whose routes
    resolved through a changed prefix; acceptance only on nodes that lost interfaces; neighbours
    only of interfaces that lost an edge."""

    def __init__(
        self,
        changes: dict[tuple[str, str], set[Any]],
        deps: Callable[[str, str], Any],
        touched: set[str],
        lost_edges: set[tuple[str, str]],
        iface_vrf: Callable[[str, str], str],
    ) -> None:
        self.changes = changes
        self.deps = deps
        self.touched = touched
        self.lost_edges = lost_edges
        self.iface_vrf = iface_vrf
        self._ranges: dict[tuple[str, str], tuple[list[int], list[int]] | None] = {}

    def _ranges_of(self, node: str, vrf: str) -> tuple[list[int], list[int]] | None:
        """The addresses whose lookups may answer differently on (node, vrf): the changed prefixes
        and those resolved through them, as merged sorted ranges (starts, ends): a lookup is one
        bisection, not a scan of every affected prefix (hundreds when a spine fails)."""
        key = (node, vrf)
        if key in self._ranges:
            return self._ranges[key]
        nets = self.changes[key]
        try:
            dep = self.deps(node, vrf)
        except KeyError:
            self._ranges[key] = None
            return None
        merged = _merged_ranges(set(nets) | dep.users_within(nets))
        out = ([lo for lo, _ in merged], [hi for _, hi in merged])
        self._ranges[key] = out
        return out

    def _lookup_same(self, node: str, vrf: str, ip: int) -> bool:
        if (node, vrf) not in self.changes:
            return True
        ranges = self._ranges_of(node, vrf)
        if ranges is None:
            return False
        starts, ends = ranges
        j = bisect_right(starts, ip) - 1
        return j < 0 or ends[j] < ip

    def __call__(self, read: Read) -> bool:
        kind = read[0]
        if kind == "L":
            return self._lookup_same(read[1], read[2], read[3])
        if kind == "A":
            return read[1] not in self.touched
        if kind == "N":
            return (read[1], read[2]) not in self.lost_edges
        return self._lookup_same(read[1], self.iface_vrf(read[1], read[2]), read[3])


class SessionIndex:
    """Which recorded session checks read what, to find the few a scenario may change."""

    def __init__(
        self, records: dict[ReachKey, tuple[bool, frozenset[Read]]], iface_vrf: Callable[[str, str], str]
    ) -> None:
        lookups: dict[tuple[str, str], list[tuple[int, int]]] = {}
        keys: list[ReachKey] = []
        self.accept: dict[str, set[int]] = {}
        self.nbr: dict[tuple[str, str], set[int]] = {}
        for ki, (key, (_ok, reads)) in enumerate(records.items()):
            keys.append(key)
            for r in reads:
                kind = r[0]
                if kind == "L":
                    lookups.setdefault((r[1], r[2]), []).append((r[3], ki))
                elif kind == "R":
                    lookups.setdefault((r[1], iface_vrf(r[1], r[2])), []).append((r[3], ki))
                elif kind == "A":
                    self.accept.setdefault(r[1], set()).add(ki)
                else:
                    self.nbr.setdefault((r[1], r[2]), set()).add(ki)
        self.keys = keys
        self.lookups = {k: sorted(v) for k, v in lookups.items()}
        self.lookup_ips = {k: [ip for ip, _ in v] for k, v in self.lookups.items()}

    def suspects(self, filt: ReadFilter) -> set[ReachKey] | None:
        """Checks with a read the scenario may answer differently; None when unknown."""
        out: set[int] = set()
        for nv in filt.changes:
            entries = self.lookups.get(nv)
            if not entries:
                continue
            ranges = filt._ranges_of(*nv)
            if ranges is None:
                return None
            ips = self.lookup_ips[nv]
            for lo, hi in zip(*ranges, strict=True):
                a = bisect_left(ips, lo)
                b = bisect_right(ips, hi)
                out.update(ki for _ip, ki in entries[a:b])
        for n in filt.touched:
            out |= self.accept.get(n, set())
        for le in filt.lost_edges:
            out |= self.nbr.get(le, set())
        return {self.keys[i] for i in out}
