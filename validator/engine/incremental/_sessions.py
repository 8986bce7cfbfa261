"""BGP session checks whose TCP traces are reused when nothing they read changed.

A session is up when its SYN and SYN-ACK traces are accepted (``dataplane._session_reachable``).
Those traces read the data plane only through FIB lookups, local acceptance, layer-3 neighbours of
the interfaces they leave by, and ARP answers of those neighbours. The recording tracer notes each
read; a scenario re-traces a session only when one of those reads answers differently.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address
from typing import Any

from validator.engine.dataplane import _session_reachable
from validator.engine.traceroute import Tracer, _ActionGroup
from validator.engine.types import DataPlane, Fib
from validator.model.dataplane import FibAction

# ("L", node, vrf, ip) FIB lookup; ("A", node, vrf, ip) local acceptance;
# ("N", node, iface) neighbours; ("R", node, iface, ip) ARP answer
Read = tuple[Any, ...]
ReachKey = tuple[str, str, IPv4Address, IPv4Address, bool]


class RecordingTracer(Tracer):
    def __init__(self, dp: DataPlane) -> None:
        super().__init__(dp)
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
    ) -> None:
        self.tracer = tracer
        self.previous = previous or {}
        self.previous_tracer = previous_tracer
        self.records: dict[ReachKey, tuple[bool, frozenset[Read]]] = {}
        self.reused = 0
        self.traced = 0

    def _same(self, reads: frozenset[Read]) -> bool:
        old = self.previous_tracer
        assert old is not None
        new = self.tracer
        return all(old.answer(r) == new.answer(r) for r in reads)

    def __call__(self, node: str, vrf: str, src: IPv4Address, dst: IPv4Address, single_hop: bool) -> bool:
        key: ReachKey = (node, vrf, src, dst, single_hop)
        hit = self.records.get(key)
        if hit is not None:
            return hit[0]
        prev = self.previous.get(key)
        if prev is not None and self.previous_tracer is not None and self._same(prev[1]):
            self.records[key] = prev
            self.reused += 1
            return prev[0]
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
