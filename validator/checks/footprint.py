"""What a traced class depended on, so a failure scenario can reuse the no-failure traces.

A class's traces are a function of the FIB decisions, interface states and layer-3 adjacencies
along its path. If a failure changes none of those for any destination the class stands for, its
traces are the same and nothing needs to be re-traced: this makes failure sweeps incremental at
the flow level. FIB decisions are compared as whole destination ranges (``fibmap.changed_space``),
so one comparison covers every destination piece a class represents.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address

from validator.checks.fibmap import changed_space
from validator.checks.ipspace import Intervals
from validator.engine.types import DataPlane
from validator.model.flow import Trace

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


def footprint(traces: Sequence[Trace], dst: IPv4Address, members: Sequence[tuple[int, int]] = ()) -> Footprint:
    """Everything ``traces`` (of a class standing for ``members``) depended on."""
    nodes: set[str] = set()
    ifaces: set[IfaceKey] = set()
    spans: dict[NodeVrf, list[tuple[int, int]]] = defaultdict(list)
    hoods: set[IfaceKey] = set()
    d = int(dst)
    dsts = list(members) or [(d, d)]
    for t in traces:
        for hop in t.hops:
            nodes.add(hop.node)
            for step in hop.steps:
                det = step.detail
                for key in ("input_interface", "output_interface", "interface"):
                    name = det.get(key)
                    if isinstance(name, str):
                        ifaces.add((hop.node, name))
                vrf = str(det.get("vrf") or det.get("originating_vrf") or det.get("input_vrf") or "default")
                if step.type in ("Routing", "Originate", "EnterInputInterface") or step.action in (
                    "NO_ROUTE",
                    "NULL_ROUTED",
                ):
                    spans[(hop.node, vrf)].extend(dsts)
                out = det.get("output_interface")
                if step.type == "Routing" and isinstance(out, str):
                    hoods.add((hop.node, out))
                    arp = det.get("arp_ip")
                    if arp:
                        a = int(IPv4Address(str(arp)))
                        spans[(hop.node, vrf)].append((a, a))
    lookups = {k: Intervals.of(v) for k, v in spans.items()}
    return Footprint(frozenset(nodes), frozenset(ifaces), lookups, frozenset(hoods))


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
            lookups[k] = lookups[k] | v if k in lookups else v
    return Footprint(frozenset(nodes), frozenset(ifaces), lookups, frozenset(hoods))


def unchanged(fp: Footprint, base: DataPlane, scenario: DataPlane) -> bool:
    """True when every decision the traces took is the same in ``scenario`` as in ``base``."""
    if fp.nodes & scenario.failures.nodes:
        return False
    active = scenario.active_interfaces
    if any(key not in active for key in fp.interfaces):
        return False
    for (node, vrf), space in fp.lookups.items():
        if changed_space(base, scenario, node, vrf) & space:
            return False
    nb0, nb1 = neighbours(base), neighbours(scenario)
    for key in fp.neighbourhoods:
        a, b = nb0.get(key, frozenset()), nb1.get(key, frozenset())
        if a != b:
            return False
        # proxy-ARP replies depend on the neighbours' own FIBs for the looked-up addresses
        for vrf_key, space in fp.lookups.items():
            if vrf_key[0] != key[0]:
                continue
            for n_node, _n_iface in a:
                if changed_space(base, scenario, n_node, vrf_key[1]) & space:
                    return False
    return True
