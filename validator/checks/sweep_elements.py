"""Failure sweeps, the things that fail and how a scenario's data plane is computed.

Split from ``checks/sweep.py`` (which re-exports every name): an :class:`Element` is one thing that
can fail (link, node, interface, risk group) with the failure spec it stands for (design.md §4);
a scenario function turns the no-failure data plane and a failure set into the scenario's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from validator.engine.types import DataPlane, FailureSet

# --- elements ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Element:
    """One thing that can fail, with its failure spec (design.md §4) and what it takes down."""

    kind: str  # link, node, interface, risk_group
    spec: str
    failures: FailureSet
    specs: tuple[str, ...] = ()  # the failure specs it stands for, when ``spec`` is a label

    @property
    def fail_specs(self) -> tuple[str, ...]:
        return self.specs or (self.spec,)

    @property
    def nodes(self) -> frozenset[str]:
        return self.failures.nodes


def enumerate_elements(
    dp: DataPlane, kinds: Sequence[str], risk_groups: dict[str, list[str]] | None = None
) -> list[Element]:
    from validator.engine.failspec import parse_fail_spec

    out: list[Element] = []
    snap = dp.snapshot
    if "link" in kinds:
        seen: set[frozenset[tuple[str, str]]] = set()
        by_iface: dict[tuple[str, str], set[tuple[str, str]]] = {}
        for e in dp.edges:
            by_iface.setdefault((e.node1, e.interface1), set()).add((e.node2, e.interface2))
        for end in sorted(by_iface):
            members = frozenset({end, *by_iface[end]})
            if members in seen:
                continue
            seen.add(members)
            out.append(Element("link", f"link:{end[0]}[{end[1]}]", FailureSet(interfaces=members)))
    if "node" in kinds:
        for name in sorted(snap.nodes):
            if snap.nodes[name].vendor == "host":
                continue  # hosts forward nothing; they only matter as endpoints
            out.append(Element("node", f"node:{name}", FailureSet(nodes=frozenset({name}))))
    if "interface" in kinds:
        for node, iface in sorted(dp.active_interfaces):
            intf = snap.nodes[node].interfaces[iface]
            if intf.kind == "loopback" or snap.nodes[node].vendor == "host":
                continue
            out.append(
                Element("interface", f"interface:{node}[{iface}]", FailureSet(interfaces=frozenset({(node, iface)})))
            )
    if "risk_group" in kinds and risk_groups:
        for name in sorted(risk_groups):
            fs = parse_fail_spec(f"group:{name}", snap, dp.edges, risk_groups)
            out.append(Element("risk_group", f"group:{name}", fs))
    return out


def union(elements: Sequence[Element]) -> FailureSet:
    fs = FailureSet()
    for e in elements:
        fs = fs.union(e.failures)
    return fs


# --- scenario data planes ------------------------------------------------------------------------


ScenarioFn = Callable[[DataPlane, FailureSet], DataPlane]


def from_scratch(compute: Callable[..., DataPlane]) -> ScenarioFn:
    """The reference method: recompute the whole data plane for the scenario."""

    def run(base: DataPlane, failures: FailureSet) -> DataPlane:
        return compute(base.snapshot, failures)

    return run


def default_scenario_fn(compute: Callable[..., DataPlane] | None, engine: str = "builtin") -> ScenarioFn:
    """The builtin engine recomputes incrementally from the no-failure data plane; other backends
    (Batfish forks a snapshot per scenario) recompute through their own ``dataplane``."""
    if engine == "builtin":
        try:
            # the native core when the mode and the feature check allow it (it falls back to the
            # Python incremental engine's scenario_dataplane itself)
            from validator.engine.native_scenario import native_scenario_dataplane
        except ImportError:  # pragma: no cover - the incremental engine is optional
            pass
        else:
            return native_scenario_dataplane
    if compute is None:
        from validator.engine.dataplane import compute_dataplane

        compute = compute_dataplane
    return from_scratch(compute)
