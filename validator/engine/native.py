"""Choosing and driving the compiled data-plane core (``validator._core``, the Rust crate in ``core/``).

The Python engine (``engine/dataplane.py`` and the modules it calls) is the specification and the
fallback; the native core is an implementation of the same functions over compact integer data.
``VALIDATOR_ENGINE_CORE`` picks it:

- ``python``: never touch the extension;
- ``native``: the extension must import (else an engine error, exit 3); a snapshot using a feature
  the core does not implement still goes to Python, since a wrong answer is never an option;
- ``auto`` (default): native when the extension imports and the snapshot passes the feature check.

The feature check (:func:`unsupported_features`) is explicit and per snapshot: anything the core
does not port (today: BGP of any kind, OSPF redistribution through a defined route-map) sends the
whole snapshot to Python, so an unsupported feature can never produce a native answer.

The model is serialised once into tuples of integers (IPv4 addresses and networks as ints) and
indices into one table of interned strings (interface and VRF names); the core keeps the RIBs and
FIBs it computes (``validator._core.Tables``), which ``native_views`` presents with the Python
``DataPlane`` types, built lazily per (node, VRF) or FIB row, so every check, trace and report
runs unchanged and pays only for what it reads.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network
from types import ModuleType
from typing import Any

from validator.engine.bgp_sessions import BgpTopology
from validator.engine.collector import collector_paused
from validator.engine.native_bgp import BgpInput, bgp_unsupported, run_topology_loop, session_topology
from validator.engine.native_views import Converter
from validator.engine.ospf import OspfDomain, build_domain
from validator.engine.topology import IfaceKey, compute_active_interfaces, compute_edges, compute_ip_owners
from validator.engine.types import DataPlane, FailureSet, Oscillation
from validator.errors import EngineError, InputError
from validator.model.dataplane import Edge
from validator.model.snapshot import Snapshot

ENV = "VALIDATOR_ENGINE_CORE"
MODES = ("python", "native", "auto")
ABI_VERSION = 8  # must equal core/src/lib.rs ABI_VERSION: a stale build never answers
_REDIST = {"connected": 0, "static": 1, "bgp": 2}
_ADMIN_LOCAL = 0


def core_mode() -> str:
    """The requested core; a misspelt value is bad input, not a silent fallback."""
    mode = os.environ.get(ENV, "auto").strip().lower() or "auto"
    if mode not in MODES:
        raise InputError(f"{ENV}={os.environ.get(ENV)!r}: expected one of {', '.join(MODES)}")
    return mode


def load_core() -> ModuleType | None:
    """The extension module, or None when it is not built (or built from another contract version)."""
    try:
        from validator import _core  # type: ignore[attr-defined]
    except ImportError:
        return None
    core: ModuleType = _core
    if getattr(core, "ABI_VERSION", None) != ABI_VERSION:
        return None
    return core


def unsupported_features(snapshot: Snapshot) -> list[str]:
    """What in this snapshot the native core does not implement (empty = it computes exactly Python's answer)."""
    reasons = bgp_unsupported(snapshot)
    for name, node in snapshot.nodes.items():
        if node.vendor not in ("cisco_ios", "host"):
            # EOS and Junos semantics (process distances, route preferences, policy chains,
            # advertise-inactive) are in the Python engine only
            reasons.append(f"{name}: vendor {node.vendor}")
        # the core adds a local /32 for every address (rib.py skips it when local_route is off)
        if any(not iface.local_route for iface in node.interfaces.values()):
            reasons.append(f"{name}: interface without a local route")
        for proc in node.ospf:
            for rd in proc.redistributions:
                if rd.protocol not in _REDIST:
                    reasons.append(f"{name}: OSPF redistribution of {rd.protocol}")
                # an undefined route-map permits unchanged (run_policy, undefined_denies=False)
                if rd.route_map is not None and rd.route_map in node.route_maps:
                    reasons.append(f"{name}: OSPF redistribution route-map {rd.route_map}")
    return reasons


IGP_MAX_ITERATIONS = 50  # as engine/dataplane.py, whose hook passes its own value


def native_dataplane(
    snapshot: Snapshot, failures: FailureSet, igp_max_iterations: int = IGP_MAX_ITERATIONS
) -> DataPlane | None:
    """The data plane from the native core when the mode and the feature check allow it, else None
    (the caller then runs the Python engine)."""
    mode = core_mode()
    if mode == "python":
        return None
    core = load_core()
    if core is None:
        if mode == "native":
            raise EngineError(
                f"{ENV}=native but the extension validator._core (ABI {ABI_VERSION}) is not built: "
                "reinstall with `pip install -e .` (needs cargo) or use a prebuilt wheel"
            )
        return None
    if unsupported_features(snapshot):
        return None
    return compute_native(snapshot, failures, core, igp_max_iterations)


class _Interner:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.ids: dict[str, int] = {}

    def __call__(self, name: str) -> int:
        i = self.ids.get(name)
        if i is None:
            i = self.ids[name] = len(self.names)
            self.names.append(name)
        return i


def _net(n: IPv4Network) -> tuple[int, int]:
    return int(n.network_address), n.prefixlen


def compute_native(
    snapshot: Snapshot,
    failures: FailureSet,
    core: ModuleType | None = None,
    igp_max_iterations: int = IGP_MAX_ITERATIONS,
) -> DataPlane | None:
    """``compute_dataplane`` on the native core; the snapshot must pass :func:`unsupported_features`.
    None when a BGP snapshot did not converge (the Python engine then computes and explains it)."""
    core = core or load_core()
    if core is None:
        raise EngineError(f"the extension validator._core (ABI {ABI_VERSION}) is not built")
    reasons = unsupported_features(snapshot)
    if reasons:
        raise EngineError(f"native core does not support: {'; '.join(reasons[:3])}")
    # the views build many Python objects and no reference cycles: with the cyclic collector on,
    # its repeated full passes over a growing heap cost more than building the objects (measured:
    # over a third of the time at 150 routers when every route was converted eagerly)
    with collector_paused():
        return _compute_native(snapshot, failures, core, igp_max_iterations)


def _compute_native(
    snapshot: Snapshot, failures: FailureSet, core: ModuleType, igp_max_iterations: int
) -> DataPlane | None:
    active = compute_active_interfaces(snapshot, failures)
    edges = compute_edges(snapshot, active)
    return NativeInput(snapshot, core).compute(failures, active, edges, igp_max_iterations)


TopologyFn = Callable[..., BgpTopology]  # compute_bgp_topology's signature


class NativeInput:
    """The failure-independent part of a snapshot's serialisation for the core: interned names,
    node order, IP owners, the BGP configuration and one shared :class:`Converter`. Built once per
    snapshot; a failure scenario (``native_scenario``) reuses it and re-serialises only what
    depends on the active interfaces (connected routes, interface statics, OSPF).

    Every interface and VRF name is interned up front, in snapshot order, so the name table (and
    so the ids in the core's tables) does not depend on the failures: two computations of one
    snapshot under different failures give ``Tables`` that ``Tables.diff`` can compare."""

    def __init__(
        self, snapshot: Snapshot, core: ModuleType, ip_owners: dict[IPv4Address, frozenset[IfaceKey]] | None = None
    ) -> None:
        self.snapshot = snapshot
        self.core = core
        intern = self.intern = _Interner()
        intern("default")
        for node in snapshot.nodes.values():
            for iface in node.interfaces.values():
                intern(iface.vrf)
                intern(iface.name)
            for sr in node.static_routes:
                intern(sr.vrf)
            for proc in node.ospf:
                intern(proc.vrf)
        self.node_names = list(snapshot.nodes)
        self.node_index = {n: i for i, n in enumerate(self.node_names)}
        # failure-independent: a scenario shares its base's (the same object)
        self.ip_owners = compute_ip_owners(snapshot) if ip_owners is None else ip_owners
        self.has_bgp = any(node.bgp is not None for node in snapshot.nodes.values())
        self.bgp = BgpInput(snapshot, self.node_index, intern) if self.has_bgp else None
        self.convert = Converter(self.node_names, intern.names, core.PROTOCOLS)
        self.last_tables: Any = None  # the core tables of the last compute (the final round's)
        self._engine: tuple[Any, int, int] | None = None  # (an Engine, its name count, iteration limit)
        self._nodes_memo: tuple[frozenset[tuple[str, str]], list[Any]] | None = None

    def node_input(self, name: str, active: frozenset[tuple[str, str]]) -> tuple[Any, ...]:
        """One node's (VRFs, connected and local routes, statics) as the core takes them: rib.py
        connected_and_local_routes and static_routes up to what depends on the RIB."""
        node = self.snapshot.nodes[name]
        intern = self.intern
        vrfs = [intern("default")]
        base: list[tuple[Any, ...]] = []
        for iface in node.interfaces.values():
            v = intern(iface.vrf)
            if v not in vrfs:
                vrfs.append(v)
            if (name, iface.name) not in active:
                continue
            i = intern(iface.name)
            for addr in iface.addresses:
                net, plen = _net(addr.network)
                base.append((v, net, plen, 0, 1, i, None, 0, 0, None))
                if plen < 32:
                    base.append((v, int(addr.ip), 32, 1, 1, i, None, _ADMIN_LOCAL, 0, None))
        statics: list[tuple[Any, ...]] = []
        for sr in node.static_routes:
            # what never installs is dropped here, what depends on the RIB is kind 2
            net, plen = _net(sr.network)
            head = (intern(sr.vrf), net, plen)
            tail = (sr.admin_distance, sr.tag)
            ip = int(sr.next_hop_ip) if sr.next_hop_ip is not None else None
            if sr.discard or (sr.next_hop_interface is not None and sr.next_hop_interface.lower().startswith("null")):
                statics.append((*head, 0, 0, None, *tail))
            elif sr.next_hop_interface is not None:
                if (name, sr.next_hop_interface) in active:
                    statics.append((*head, 1, intern(sr.next_hop_interface), ip, *tail))
            elif ip is not None:
                statics.append((*head, 2, 0, ip, *tail))
        return (vrfs, base, statics)

    def nodes_input(self, active: frozenset[tuple[str, str]]) -> list[Any]:
        """Every node's input; against the first active set seen (the base's), only the nodes that
        lost an interface are serialised again (a node's input reads its own interfaces only)."""
        memo = self._nodes_memo
        if memo is None:
            out = [self.node_input(n, active) for n in self.node_names]
            self._nodes_memo = (active, out)
            return out
        seen, nodes = memo
        if active == seen:
            return nodes
        if active <= seen:
            out = list(nodes)
            for name in {n for n, _ in seen - active}:
                out[self.node_index[name]] = self.node_input(name, active)
            return out
        return [self.node_input(n, active) for n in self.node_names]

    def ospf_input(self, domain: OspfDomain) -> tuple[Any, ...]:
        intern = self.intern
        node_index = self.node_index
        proc_keys = list(domain.procs)
        proc_index = {k: i for i, k in enumerate(proc_keys)}
        rank = {k: i for i, k in enumerate(sorted(proc_keys))}
        procs_in = [
            (
                node_index[k[0]],
                intern(k[1]),
                rank[k],
                p.default_metric,
                [(_REDIST[r.protocol], r.subnets, r.metric, r.metric_type) for r in p.redistributions],
            )
            for k, p in domain.procs.items()
        ]
        ifaces_in: list[tuple[int, int, int, list[tuple[int, int]]]] = []
        for key, ois in domain.ifaces.items():
            for oi in ois:
                assert oi.iface.ospf is not None
                if oi.iface.kind == "loopback" and oi.iface.ospf.network_type != "point-to-point":
                    prefixes = [(int(a.ip), 32) for a in oi.iface.addresses]  # ospf.py _advertised_prefixes
                else:
                    prefixes = [_net(a.network) for a in oi.iface.addresses]
                ifaces_in.append((proc_index[key], oi.area, oi.cost, prefixes))
        adjs_in = [
            (proc_index[a.src], proc_index[a.dst], a.area, intern(a.iface), int(a.nbr_ip), a.cost)
            for a in domain.adjacencies
        ]
        return (procs_in, ifaces_in, adjs_in)

    def compute(
        self,
        failures: FailureSet,
        active: frozenset[tuple[str, str]],
        edges: tuple[Edge, ...],
        igp_max_iterations: int = IGP_MAX_ITERATIONS,
        topology_fn: TopologyFn | None = None,
    ) -> DataPlane | None:
        """``compute_dataplane`` of the snapshot with ``failures`` down, given its active
        interfaces and edges; ``topology_fn`` stands for ``compute_bgp_topology`` (it must be
        equal to it). None when BGP did not converge."""
        snapshot, core = self.snapshot, self.core
        domain = build_domain(snapshot, active, edges)
        nodes_in = self.nodes_input(active)
        ospf_in = self.ospf_input(domain)
        convert = self.convert

        def keep(tables: Any) -> tuple[Any, Any]:
            self.last_tables = tables
            return convert(tables)

        def made(ribs: Any, fibs: Any, sessions: tuple[Any, ...], tables: Any, **state: Any) -> DataPlane:
            """The data plane of this scenario (BGP's or the IGP-only one), with its core tables."""
            dp = DataPlane(
                snapshot=snapshot,
                failures=failures,
                active_interfaces=active,
                edges=edges,
                ribs=ribs,
                fibs=fibs,
                bgp_sessions=sessions,
                ip_owners=self.ip_owners,
                **state,
            )
            return _with_prefixes(dp, tables)

        if self.bgp is not None:
            from validator.engine import dataplane  # the topology loop's pieces (dataplane imports this module)

            bgp = self.bgp
            names = self.intern.names
            proto = self._engine
            if proto is not None and proto[1:] == (len(names), igp_max_iterations) and hasattr(proto[0], "with_igp"):
                # the BGP configuration converted once per snapshot, shared by every scenario's engine
                engine = proto[0].with_igp(nodes_in, ospf_in)
            else:
                engine = core.Engine(names, nodes_in, ospf_in, igp_max_iterations, bgp.nodes, bgp.nbrs, bgp.speakers)
                self._engine = (engine, len(names), igp_max_iterations)
            ctx = dataplane._Context(snapshot, active, edges, self.ip_owners, {}, domain)
            args = (engine, ctx, failures, self.node_index, self.intern)
            topology_of = session_topology(*args) if topology_fn is None else session_topology(*args, topology_fn)
            done = run_topology_loop(engine, bgp, topology_of, keep, dataplane.MAX_TOPOLOGY_ITERATIONS)
            if done is None:
                return None
            ribs, fibs, topology = done
            return made(ribs, fibs, tuple(topology.sessions), self.last_tables)
        out, unstable = core.igp_dataplane(self.intern.names, nodes_in, ospf_in, igp_max_iterations)
        ribs, fibs = keep(out)
        oscillation = None
        if unstable:
            by_node = sorted({self.node_names[n] for n, _net, _plen in unstable})
            unstable_nets = sorted({str(IPv4Network((net, plen))) for _n, net, plen in unstable})
            oscillation = Oscillation("igp", prefixes=tuple(unstable_nets), speakers=tuple(by_node))
        return made(ribs, fibs, (), out, converged=not unstable, oscillation=oscillation)


_PREFIXES = "_validator_route_prefixes"
_TABLES = "_validator_native_tables"


class _TablesRef:
    """The core tables a data plane was computed from, on the data plane; pickles empty (the
    Rust tables stay in their process, a receiving process computes them again when it needs)."""

    __slots__ = ("tables",)

    def __init__(self, tables: Any = None) -> None:
        self.tables = tables

    def __reduce__(self) -> tuple[Any, ...]:
        return (_TablesRef, ())


def _with_prefixes(dp: DataPlane, tables: Any) -> DataPlane:
    if callable(getattr(tables, "prefixes", None)):
        dp.__dict__[_PREFIXES] = tables.prefixes()
    dp.__dict__[_TABLES] = _TablesRef(tables)
    return dp


def native_tables(dp: DataPlane) -> Any:
    """The ``validator._core.Tables`` this data plane's RIBs and FIBs were computed as (its own,
    even where a scenario shares the base's Fib objects), or None (not computed by the core here)."""
    ref = dp.__dict__.get(_TABLES)
    return ref.tables if isinstance(ref, _TablesRef) else None


def route_prefixes(dp: DataPlane) -> list[tuple[int, int]] | None:
    """Every RIB prefix of a data plane the core computed, as (network int, length), sorted and
    unique, read from the core without building a route; None for any other data plane. A check
    that reads only the routes' networks (checks/explore.py destination cuts) then costs what the
    prefixes cost, not what the routes do (a scenario's changed RIBs are otherwise built in full)."""
    hit: list[tuple[int, int]] | None = dp.__dict__.get(_PREFIXES)
    return hit
