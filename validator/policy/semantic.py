"""Policies against a snapshot: every name a policy uses must exist there.

A zone whose node regex matches nothing is almost always a typo or a renamed device, and a check
over an empty zone passes vacuously; that is how a gate silently stops guarding, so it is an error.
Names compare as Batfish specifiers do (see :mod:`validator.policy.model`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from ipaddress import IPv4Address

from validator.model.snapshot import Snapshot
from validator.policy.diagnostics import Diagnostic, PolicyValidationError
from validator.policy.model import (
    InterfaceSpec,
    NodeSpec,
    PolicySet,
    PolicySource,
    RiskElement,
    RoutingPolicy,
    Zone,
)


def resolve_nodes(spec: NodeSpec, snapshot: Snapshot) -> list[str]:
    """Snapshot node names (sorted) that ``spec`` selects."""
    return sorted(n for n in snapshot.nodes if spec.matches(n))


def resolve_interfaces(spec: InterfaceSpec, snapshot: Snapshot) -> list[tuple[str, str]]:
    """``(node, interface)`` pairs (sorted, names as in the snapshot) that ``spec`` selects."""
    return sorted(
        (n, i)
        for n, node in snapshot.nodes.items()
        if spec.node.matches(n)
        for i in node.interfaces
        if spec.interface.matches(i)
    )


def _hint(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _diag(src: PolicySource, message: str) -> Diagnostic:
    return Diagnostic(src.file, src.line, src.key, message)


def zone_diagnostics(zone: Zone, snapshot: Snapshot) -> list[Diagnostic]:
    """Problems of one zone's node and interface selectors in ``snapshot`` (also used for inline intent zones)."""
    out: list[Diagnostic] = []
    for ns in zone.nodes:
        if not resolve_nodes(ns, snapshot):
            if ns.name.is_regex:
                out.append(_diag(ns.source, f"node regex {ns.text} matches no node of the snapshot"))
            else:
                out.append(_diag(ns.source, f"unknown node {ns.text!r}{_hint(ns.text.lower(), snapshot.nodes)}"))
    for ispec in zone.interfaces:
        if resolve_interfaces(ispec, snapshot):
            continue
        nodes = [n for n in snapshot.nodes if ispec.node.matches(n)]
        if not nodes:
            what = f"regex {ispec.node.text}" if ispec.node.is_regex else repr(ispec.node.text)
            hint = "" if ispec.node.is_regex else _hint(ispec.node.text.lower(), snapshot.nodes)
            out.append(_diag(ispec.source, f"node {what} of {ispec.text} matches no node{hint}"))
        else:
            names = {i for n in nodes for i in snapshot.nodes[n].interfaces}
            hint = "" if ispec.interface.is_regex else _hint(ispec.interface.text, sorted(names))
            out.append(_diag(ispec.source, f"{ispec.text} matches no interface{hint}"))
    return out


def _element_diagnostics(element: RiskElement, snapshot: Snapshot) -> list[Diagnostic]:
    node = snapshot.nodes.get(element.node)
    if node is None:
        return [_diag(element.source, f"unknown node {element.node!r}{_hint(element.node, snapshot.nodes)}")]
    if element.interface is not None:
        wanted = element.interface.lower()
        if not any(i.lower() == wanted for i in node.interfaces):
            hint = _hint(element.interface, node.interfaces)
            return [_diag(element.source, f"node {element.node!r} has no interface {element.interface!r}{hint}")]
    return []


def semantic_diagnostics(policies: PolicySet, snapshot: Snapshot) -> list[Diagnostic]:
    """All problems of ``policies`` in ``snapshot``, sorted by file and line."""
    out: list[Diagnostic] = []
    for zone in policies.zones.values():
        out.extend(zone_diagnostics(zone, snapshot))
    for group in policies.risk_groups.values():
        for element in group.elements:
            out.extend(_element_diagnostics(element, snapshot))
    for p in policies.policies:
        # a ``management`` device list that names no device would prove nothing: refuse it
        for ns in getattr(p, "devices", ()):
            if not resolve_nodes(ns, snapshot):
                what = (
                    f"node regex {ns.text} matches no node of the snapshot"
                    if ns.name.is_regex
                    else (f"unknown node {ns.text!r}{_hint(ns.text.lower(), snapshot.nodes)}")
                )
                out.append(_diag(ns.source, what))
        if isinstance(p, RoutingPolicy):
            out.extend(_peer_diagnostics(p, snapshot))
    return sorted(set(out))


def _peer_diagnostics(p: RoutingPolicy, snapshot: Snapshot) -> list[Diagnostic]:
    """A ``routing`` policy whose peers select no BGP neighbour outside the snapshot would guard
    nothing (and pass): refuse it, as a zone that matches no node is refused."""
    owned = {a.ip for node in snapshot.nodes.values() for i in node.interfaces.values() for a in i.addresses}
    for name, node in snapshot.nodes.items():
        if node.bgp is None:
            continue
        for nb in node.bgp.neighbors:
            if nb.peer_ip is not None and nb.peer_ip in owned:
                continue
            address = nb.peer_ip if nb.peer_ip is not None else nb.peer_prefix
            if address is None:
                continue
            ip = address if isinstance(address, IPv4Address) else address.network_address
            if p.peers.matches(name, ip, nb.remote_as, nb.peer_group):
                return []
    return [_diag(p.peers.source, f"peers ({p.peers.describe()}) select no BGP neighbour outside the snapshot")]


def validate_against(policies: PolicySet, snapshot: Snapshot) -> None:
    """Raise :class:`PolicyValidationError` (a ``PolicyError``) listing every name that does not resolve.

    Zones used by policies are already known to exist and prefixes to be well-formed: the loader
    checks both without a snapshot.
    """
    found = semantic_diagnostics(policies, snapshot)
    if found:
        raise PolicyValidationError(found)
