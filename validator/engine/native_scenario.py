"""Failure scenarios of a sweep on the native core (issue 17: the scenario path uses the core too).

``native_scenario_dataplane(base, failures)`` equals ``compute_dataplane_python(base.snapshot,
failures)``. When ``VALIDATOR_ENGINE_CORE`` and the feature check (``engine/native.py``) allow the
core, the scenario is computed there, with the failure-independent work done once per base and
kept on it (``base.__dict__``, as the incremental engine keeps its state):

- the serialisation (interned names, the BGP configuration, the IP owners, one ``Converter``:
  ``native.NativeInput``); per scenario only the nodes that lost an interface are re-serialised,
  and OSPF (router IDs and adjacencies read the active interfaces) is rebuilt;
- active interfaces and layer-3 edges are the base's minus the failed ends and the subinterfaces
  riding on them (both are monotone in the set of active interfaces, as ``incremental/_core.py``
  uses them);
- the BGP session candidates: ``incremental/_topo.TopologyPlan`` (checked against
  ``compute_bgp_topology`` when adopted), so a round only evaluates each pair's reachability;
- unchanged FIBs and RIBs: ``Tables.diff`` (Rust, exact) names the (node, VRF) whose FIB or RIB
  differs from the base's; every other one is the base's own ``Fib`` object and route list, so
  ``checks/fibmap.changed_space`` answers "nothing changed" by identity and traces reuse the
  base's already-built lookups.

Otherwise (Python mode, no extension, an unsupported feature, a scenario whose BGP does not
converge natively) the Python incremental engine's ``scenario_dataplane`` computes it, unchanged;
in ``auto`` mode also when the base already carries that engine's state (a pruned sweep builds it
for its relevance closure): its delta BGP is then cheaper than a native run (``prefers_python_delta``).
The cached native state holds Rust objects that do not pickle: it pickles as an empty holder
and is rebuilt where it is next used (a Ray worker), never shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from validator.engine.bgp_sessions import BgpTopology, compute_bgp_topology
from validator.engine.collector import collector_paused
from validator.engine.incremental import scenario_dataplane, state_ready
from validator.engine.incremental._topo import TopologyPlan
from validator.engine.native import ENV, NativeInput, core_mode, load_core, native_tables, unsupported_features
from validator.engine.native_views import LazyVrfRibs, NativeFib
from validator.engine.topology import compute_active_interfaces, compute_edges, without_unbound
from validator.engine.types import DataPlane, FailureSet, Fib
from validator.errors import EngineError
from validator.model.dataplane import Route

_ATTR = "_validator_native_scenario"


class _Holder:
    """What ``base.__dict__`` keeps: the native state, or why there is none. Pickles empty (the
    Rust tables do not cross a process boundary): the receiving process rebuilds it."""

    __slots__ = ("mode", "state")

    def __init__(self) -> None:
        self.mode: str | None = None  # the core mode the decision was taken under
        self.state: NativeScenarios | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Holder, ())


class NativeScenarios:
    """Per base: the prepared input, the BGP topology plan and the base's own core tables."""

    def __init__(self, base: DataPlane, core: Any) -> None:
        self.base = base
        self.input = NativeInput(base.snapshot, core, base.ip_owners or None)
        self.plan: TopologyPlan | None = None
        self.adopted: BgpTopology | None = None
        self.plan_failed = False
        if self.input.has_bgp:
            self.plan = TopologyPlan(base.snapshot, self.input.ip_owners)
        # the base's active set is the reference of the per-node serialisation (nodes_input)
        self.input.nodes_input(base.active_interfaces)
        self.base_tables: Any = _tables_of(base, self.input)
        self.computed = 0  # scenarios computed natively (tests, benchmark)
        self.shared_fibs = 0  # (node, VRF) FIBs taken from the base

    # --- BGP topology through the plan ---------------------------------------------------------

    def topology(self, snapshot: Any, active: Any, owners: Any, fibs: Any, reachable: Any) -> BgpTopology:
        """``compute_bgp_topology``: the reference the first time (and adopted by the plan when the
        plan reproduces it), then the plan, which only evaluates each candidate pair's state."""
        plan = self.plan
        if plan is None or self.plan_failed:
            return compute_bgp_topology(snapshot, active, owners, fibs, reachable)
        if self.adopted is None:
            topology = compute_bgp_topology(snapshot, active, owners, fibs, reachable)
            if plan.adopt(topology, active, reachable, fibs):
                self.adopted = topology
            else:
                self.plan_failed = True
            return topology
        planned = plan.topology(self.adopted, active, reachable, fibs, frozenset(), None)
        if planned is None:  # pragma: no cover - adopted topologies are always known
            return compute_bgp_topology(snapshot, active, owners, fibs, reachable)
        return planned

    # --- one scenario -----------------------------------------------------------------------------

    def compute(self, failures: FailureSet) -> DataPlane | None:
        base = self.base
        snapshot = base.snapshot
        if base.failures.nodes <= failures.nodes and base.failures.interfaces <= failures.interfaces:
            down = failures.nodes
            kept = {k for k in base.active_interfaces if k[0] not in down and k not in failures.interfaces}
            active = frozenset(without_unbound(snapshot, kept))  # a failed parent's subinterfaces go too
            edges = tuple(
                e for e in base.edges if (e.node1, e.interface1) in active and (e.node2, e.interface2) in active
            )
        else:
            active = compute_active_interfaces(snapshot, failures)
            edges = compute_edges(snapshot, active)
        with collector_paused():
            dp = self.input.compute(failures, active, edges, topology_fn=self.topology)
            if dp is None:
                return None
            self.computed += 1
            tables = self.input.last_tables
            self.input.last_tables = None
            return self._share(dp, tables)

    def _share(self, dp: DataPlane, tables: Any) -> DataPlane:
        """The base's own Fib objects and route lists wherever the core says they are equal."""
        if self.base_tables is None or tables is None:
            return dp
        diff = tables.diff(self.base_tables)
        if diff is None:
            return dp
        names = self.input.intern.names
        node_names = self.input.node_names
        fib_changed = {(node_names[n], names[v]) for n, v in diff[0]}
        rib_changed = {(node_names[n], names[v]) for n, v in diff[1]}
        base = self.base
        vrf_ids = self.input.intern.ids
        fibs: dict[str, dict[str, Fib]] = {}
        for node, vrfs in dp.fibs.items():
            base_vrfs = base.fibs.get(node, {})
            out: dict[str, Fib] = {}
            for vrf, fib in vrfs.items():
                mine = base_vrfs.get(vrf)
                if mine is None:
                    out[vrf] = fib
                elif (node, vrf) not in fib_changed:
                    out[vrf] = mine
                    self.shared_fibs += 1
                elif isinstance(fib, NativeFib):
                    out[vrf] = PatchedFib(fib, mine, self.base_tables, self.input.node_index[node], vrf_ids[vrf])
                else:  # pragma: no cover - the converter makes NativeFibs
                    out[vrf] = fib
            fibs[node] = out
        ribs: dict[str, dict[str, list[Route]]] = {}
        for node, vrf_ribs in dp.ribs.items():
            base_ribs = base.ribs.get(node, {})
            loaders: dict[str, Callable[[], list[Route]]] = {
                vrf: (
                    partial(base_ribs.__getitem__, vrf)
                    if vrf in base_ribs and (node, vrf) not in rib_changed
                    else partial(vrf_ribs.__getitem__, vrf)
                )
                for vrf in vrf_ribs
            }
            ribs[node] = LazyVrfRibs.lazy(loaders)
        dp.fibs = fibs
        dp.ribs = ribs
        return dp


class PatchedFib(NativeFib):
    """A scenario's changed FIB that knows how it differs from the base's (``patched_from``, as the
    incremental engine's ``LazyFib``): ``checks/fibmap.py`` then builds its interval map from the
    base's, looking up only inside the changed prefixes. The changed prefixes come from the core
    (``Tables.fib_changes``, exact, by value), asked only when a map is wanted."""

    def __init__(self, fib: NativeFib, base: Fib, base_tables: Any, node: int, vrf: int) -> None:
        super().__init__(fib._view)
        self._source: tuple[Fib, Any, int, int] | None = (base, base_tables, node, vrf)
        self._patch: tuple[Fib, list[tuple[int, int]], list[int]] | None = None

    def patched_from(self) -> tuple[Fib, list[tuple[int, int]], list[int]] | None:
        """(base, ranges, bounds): outside ``ranges`` (sorted, disjoint) every lookup answers as
        the base's; ``bounds`` are the changed prefixes' first addresses and the addresses just
        past them, sorted (incremental/_fib.py LazyFib.patched_from)."""
        if self._source is not None:
            base, base_tables, node, vrf = self._source
            self._source = None
            view = self._view
            changes = view.tables.fib_changes(base_tables, node, vrf)
            if changes is not None:
                self._patch = (base, *_ranges_and_bounds(changes))
        return self._patch


def _ranges_and_bounds(prefixes: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], list[int]]:
    spans = sorted((net, net | (0xFFFFFFFF >> plen)) for net, plen in prefixes)
    ranges: list[tuple[int, int]] = []
    for lo, hi in spans:
        if ranges and lo <= ranges[-1][1] + 1:
            if hi > ranges[-1][1]:
                ranges[-1] = (ranges[-1][0], hi)
        else:
            ranges.append((lo, hi))
    bounds = sorted({x for lo, hi in spans for x in (lo, hi + 1)})
    return ranges, bounds


def _tables_of(base: DataPlane, inp: NativeInput) -> Any:
    """The core tables the base's own views read (when the core computed the base with the same
    name table), else the base computed again on the core (one computation per base; equal to
    the base, the reference, by the differential tests); None when the core declines it."""
    own = native_tables(base)
    # (not a FIB's view: a scenario's FIBs may be its base's, computed as other tables); tables
    # of another name table are refused by Tables.diff, which then shares nothing
    if own is not None:
        return own
    if inp.compute(base.failures, base.active_interfaces, base.edges) is None:
        return None
    tables = inp.last_tables
    inp.last_tables = None
    return tables


def native_state(base: DataPlane) -> NativeScenarios | None:
    """The native scenario state of ``base`` (built on first use, kept on it), or None when the
    core mode, the extension or the feature check sends this snapshot to Python."""
    holder = base.__dict__.get(_ATTR)
    if not isinstance(holder, _Holder):
        holder = base.__dict__[_ATTR] = _Holder()
    mode = core_mode()
    if holder.mode == mode:
        return holder.state
    holder.mode, holder.state = mode, None
    if mode == "python":
        return None
    core = load_core()
    if core is None:
        if mode == "native":
            raise EngineError(f"{ENV}=native but the extension validator._core is not built")
        return None
    if unsupported_features(base.snapshot):
        return None
    holder.state = NativeScenarios(base, core)
    return holder.state


def native_scenario_dataplane(base: DataPlane, failures: FailureSet) -> DataPlane:
    """The data plane of ``base.snapshot`` with ``failures`` down, on the native core when it may
    compute it, else through the Python incremental engine; equal to the reference either way."""
    if prefers_python_delta(base):
        return scenario_dataplane(base, failures)
    st = native_state(base)
    if st is not None:
        dp = st.compute(failures)
        if dp is not None:
            return dp
    return scenario_dataplane(base, failures)


def prefers_python_delta(base: DataPlane) -> bool:
    """In ``auto`` mode, a base that already carries the Python incremental engine's state (built by
    the sweep's relevance closure) takes the Python delta engine: it recomputes only the (speaker,
    prefix) selections a failure changes, where a native scenario re-runs BGP whole. Measured on
    the generated networks (benchmarks/README.md): per scenario 0.167 s Python delta against
    0.325 s native at 150 routers; whole k=1 sweeps 1.95 s against 2.99 s at 42 routers (the lazy
    native views cost the tracer more); at 510 routers a native sweep took 2,529 s CPU, a Python
    one 1,847 s (on an earlier commit). ``native`` mode
    keeps the core; either way the result equals the reference."""
    return core_mode() == "auto" and state_ready(base)


def prepare(base: DataPlane) -> None:
    """Build the base's reusable state before a sweep shares it with worker processes (forked
    workers inherit it): the native state, or the Python incremental engine's."""
    if prefers_python_delta(base) or native_state(base) is None:
        from validator.engine.incremental import base_state

        base_state(base)


native_scenario_dataplane.prepare = prepare  # type: ignore[attr-defined]
