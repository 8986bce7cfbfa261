"""The engine's public data types: what a computed data plane exposes to traces, checks and backends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any

from validator.model.dataplane import BgpSession, Edge, FibEntry, Route, UndecidedRoutes
from validator.model.flow import Flow, Trace
from validator.model.prefix import MASKS
from validator.model.snapshot import Snapshot


@dataclass(frozen=True)
class FailureSet:
    """Elements taken down for a what-if scenario (Batfish fork_snapshot deactivate_nodes/interfaces).

    A failed node has every interface inactive (loopbacks too); a failed interface is inactive
    whatever its type. A ``link:`` failure is both interfaces of the link.
    """

    nodes: frozenset[str] = frozenset()
    interfaces: frozenset[tuple[str, str]] = frozenset()  # (node, interface name)

    def __bool__(self) -> bool:
        return bool(self.nodes or self.interfaces)

    def union(self, other: FailureSet) -> FailureSet:
        return FailureSet(self.nodes | other.nodes, self.interfaces | other.interfaces)


@dataclass(frozen=True)
class Oscillation:
    """Why a data plane is not a fixed point: what was still changing when the engine gave up.

    A data plane that did not converge is a snapshot of some round, not an answer; every check
    computed on it is meaningless, so the gate reports these names as an engine error.
    """

    phase: str  # "bgp" (route propagation), "bgp topology" (sessions), "igp" (static/OSPF redistribution)
    prefixes: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()  # node or node:vrf, or node[peer ip] for sessions

    def describe(self, limit: int = 5) -> str:
        def some(items: tuple[str, ...]) -> str:
            more = f" and {len(items) - limit} more" if len(items) > limit else ""
            return ", ".join(items[:limit]) + more

        bits = [f"{self.phase} did not converge"]
        if self.prefixes:
            bits.append(f"oscillating prefixes {some(self.prefixes)}")
        if self.speakers:
            bits.append(f"on {some(self.speakers)}")
        return ": ".join(bits[:1]) + (": " + " ".join(bits[1:]) if len(bits) > 1 else "")


class Fib:
    """Longest-prefix-match forwarding table of one node/VRF."""

    def __init__(self, entries: dict[int, dict[int, list[FibEntry]]] | None = None) -> None:
        # prefix length -> network address as int -> entries (ECMP)
        self._by_len: dict[int, dict[int, list[FibEntry]]] = entries or {}
        self._lens = sorted(self._by_len, reverse=True)

    def add(self, prefix_len: int, network: int, entry: FibEntry) -> None:
        if prefix_len not in self._by_len:
            self._by_len[prefix_len] = {}
            self._lens = sorted(self._by_len, reverse=True)
        self._by_len[prefix_len].setdefault(network, []).append(entry)

    def lookup(self, ip: IPv4Address) -> list[FibEntry]:
        """All ECMP entries of the longest matching prefix; empty when there is no route."""
        addr = int(ip)
        by_len = self._by_len
        for plen in self._lens:
            hit = by_len[plen].get(addr & MASKS[plen])
            if hit:
                return hit
        return []

    def entries(self) -> list[FibEntry]:
        return [e for plen in self._lens for es in self._by_len[plen].values() for e in es]


@dataclass
class DataPlane:
    """A computed data plane for one snapshot under one failure set."""

    snapshot: Snapshot
    failures: FailureSet
    active_interfaces: frozenset[tuple[str, str]]
    edges: tuple[Edge, ...]
    ribs: dict[str, dict[str, list[Route]]]  # node -> vrf -> main RIB routes (Batfish routes order)
    fibs: dict[str, dict[str, Fib]]  # node -> vrf -> FIB
    bgp_sessions: tuple[BgpSession, ...] = ()
    # every IP configured on any interface (active or not) -> owners (node, interface)
    ip_owners: dict[IPv4Address, frozenset[tuple[str, str]]] = field(default_factory=dict)
    # False when BGP or the BGP topology hit the iteration limit (an oscillating configuration):
    # the routes are then a snapshot of the last round, not a fixed point
    converged: bool = True
    # what did not converge, when the engine knows (the reference engine records it)
    oscillation: Oscillation | None = None
    # how flows are traced on this data plane: None = the builtin traceroute; a backend (Batfish)
    # may install its own so every check runs unchanged on it
    tracer: Callable[[DataPlane, Flow], list[Trace]] | None = None
    # routes whose fate depends on unparsed policy lines (soundness rule); None = not computed yet,
    # see ``validator.engine.undecided.undecided_routes``
    undecided_routes: UndecidedRoutes | None = None
    # the reference engine's per-speaker BGP RIBs ((node, vrf) -> engine.bgp.SpeakerRib): what
    # engine/announce.py exports to external peers; None when the engine that computed this data
    # plane does not keep them (announce.py then recomputes them with the reference engine)
    bgp_ribs: dict[tuple[str, str], Any] | None = field(default=None, compare=False, repr=False)

    def routes(self) -> list[Route]:
        return [r for n in sorted(self.ribs) for v in sorted(self.ribs[n]) for r in self.ribs[n][v]]
