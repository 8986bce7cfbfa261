"""Failure sweeps, per zone pair: the no-failure classes a sweep compares every scenario with.

Split from ``checks/sweep.py`` (which re-exports every name): a :class:`PairBaseline` holds one
zone pair's no-failure header classes, grouped by (source, destination piece), with the footprint
of each group (what its traces depended on, ``checks/footprint.py``); ``_in_scope`` says whether a
group's own end points survive a scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from validator.checks.explore import ClassResult, Explorer
from validator.checks.footprint import Footprint, footprint, merge
from validator.checks.headerspace import HeaderConstraints
from validator.checks.ipspace import Intervals
from validator.checks.zones import Source, ZoneLike, zone_destination, zone_nodes, zone_sources
from validator.engine.types import DataPlane

# --- per-pair baseline ---------------------------------------------------------------------------


@dataclass
class PairBaseline:
    """The no-failure classes of one zone pair, with their footprints."""

    label: str
    src: ZoneLike
    dst: ZoneLike
    constraints: HeaderConstraints
    sources: list[Source]
    space: Intervals
    endpoints: set[str]
    results: list[ClassResult]
    groups: dict[tuple[Source, tuple[int, int]], list[ClassResult]] = field(default_factory=dict)
    footprints: dict[tuple[Source, tuple[int, int]], Footprint] = field(default_factory=dict)
    # the data plane the classes were explored on (changed_classes re-splits them against it)
    dp: DataPlane | None = field(default=None, repr=False, compare=False)


def pair_baseline(
    dp: DataPlane, src: ZoneLike, dst: ZoneLike, constraints: HeaderConstraints, *, assigned_only: bool = True
) -> PairBaseline:
    sources = zone_sources(dp, src)
    space = zone_destination(dp, dst, assigned_only=assigned_only)
    results = list(Explorer([dp], constraints).explore(sources, space))
    pb = PairBaseline(
        label=f"{src.name} -> {dst.name}",
        src=src,
        dst=dst,
        constraints=constraints,
        sources=sources,
        space=space,
        endpoints=zone_nodes(dp, src) | zone_nodes(dp, dst),
        results=results,
        dp=dp,
    )
    for r in results:
        pb.groups.setdefault((r.source, r.dst), []).append(r)
    memo: dict[int, Any] = {}  # hops shared between classes are read once
    for key, rs in pb.groups.items():
        pb.footprints[key] = merge(footprint(r.traces[0], r.flow.dst_ip, r.members, memo) for r in rs)
    return pb


def _in_scope(source: Source, dst_lo: int, scenario: DataPlane) -> bool:
    """A flow whose own start or end point failed is out of the scenario's scope."""
    if source.node in scenario.failures.nodes:
        return False
    active = scenario.active_interfaces
    if source.interface is not None:
        if (source.node, source.interface) not in active:
            return False
    elif source.node not in _active_nodes(scenario):
        return False
    owners = scenario.ip_owners.get(_ip(dst_lo))
    return not (owners and not any(o in active for o in owners))


def _active_nodes(dp: DataPlane) -> frozenset[str]:
    """Nodes with an active interface, once per data plane (``_in_scope`` asks it per class)."""
    hit: tuple[frozenset[tuple[str, str]], frozenset[str]] | None = dp.__dict__.get("_validator_active_nodes")
    if hit is None or hit[0] is not dp.active_interfaces:
        hit = (dp.active_interfaces, frozenset(n for n, _ in dp.active_interfaces))
        dp.__dict__["_validator_active_nodes"] = hit
    return hit[1]


def _ip(value: int) -> Any:
    from ipaddress import IPv4Address

    return IPv4Address(value)
