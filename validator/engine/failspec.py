"""Failure specifications (``node:NAME``, ``interface:NODE[IFACE]``, ``link:NODE[IFACE]``, ``group:NAME``).

A ``link`` fails both ends of every layer-3 edge of the named interface, so the spec is resolved
against the edges of the no-failure data plane; a ``group`` expands to its risk group's elements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from validator.engine.types import FailureSet
from validator.errors import InputError
from validator.model.dataplane import Edge
from validator.model.snapshot import Snapshot

_IFACE_RE = re.compile(r"^(?P<node>[^\[\]]+)\[(?P<iface>[^\[\]]+)\]$")


def _node_iface(snapshot: Snapshot, text: str, spec: str) -> tuple[str, str]:
    m = _IFACE_RE.match(text.strip())
    if not m:
        raise InputError(f"failure spec {spec!r}: expected NODE[INTERFACE]")
    node = m.group("node").strip().lower()
    iface = m.group("iface").strip()
    if node not in snapshot.nodes:
        raise InputError(f"failure spec {spec!r}: unknown node {node!r}")
    ifaces = snapshot.nodes[node].interfaces
    if iface not in ifaces:
        from validator.parsers import canonical_interface_name

        lowered = {k.lower(): k for k in ifaces}
        for candidate in (iface, canonical_interface_name(iface)):
            if candidate.lower() in lowered:
                iface = lowered[candidate.lower()]
                break
        else:
            raise InputError(f"failure spec {spec!r}: node {node!r} has no interface {iface!r}")
    return node, iface


def parse_fail_spec(
    spec: str,
    snapshot: Snapshot,
    edges: Iterable[Edge],
    risk_groups: Mapping[str, Sequence[str]] | None = None,
    _depth: int = 0,
) -> FailureSet:
    """Resolve one SPEC into the nodes and interfaces it takes down."""
    kind, sep, rest = spec.partition(":")
    if not sep or not rest.strip():
        raise InputError(
            f"failure spec {spec!r}: expected node:NAME, interface:NODE[IFACE], link:NODE[IFACE] or group:NAME"
        )
    kind = kind.strip().lower()
    if kind == "node":
        node = rest.strip().lower()
        if node not in snapshot.nodes:
            raise InputError(f"failure spec {spec!r}: unknown node {node!r}")
        return FailureSet(nodes=frozenset({node}))
    if kind == "interface":
        return FailureSet(interfaces=frozenset({_node_iface(snapshot, rest, spec)}))
    if kind == "link":
        end = _node_iface(snapshot, rest, spec)
        ends = {end}
        for e in edges:
            if (e.node1, e.interface1) == end:
                ends.add((e.node2, e.interface2))
        # no layer-3 neighbour (an uplink to outside the snapshot): the link is this end alone
        return FailureSet(interfaces=frozenset(ends))
    if kind == "group":
        name = rest.strip()
        if risk_groups is None or name not in risk_groups:
            raise InputError(f"failure spec {spec!r}: unknown risk group {name!r}")
        if _depth > 8:
            raise InputError(f"failure spec {spec!r}: risk groups nest too deeply")
        out = FailureSet()
        for element in risk_groups[name]:
            out = out.union(parse_fail_spec(element, snapshot, edges, risk_groups, _depth + 1))
        return out
    raise InputError(f"failure spec {spec!r}: unknown kind {kind!r} (node, interface, link, group)")


def parse_fail_specs(
    specs: Sequence[str],
    snapshot: Snapshot,
    edges: Iterable[Edge],
    risk_groups: Mapping[str, Sequence[str]] | None = None,
) -> FailureSet:
    edge_list = list(edges)
    out = FailureSet()
    for spec in specs:
        out = out.union(parse_fail_spec(spec, snapshot, edge_list, risk_groups))
    return out
