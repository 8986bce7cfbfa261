"""IOS zone-based policy firewall as Batfish models it: an outgoing filter on zone members.

Batfish (CiscoConfiguration.createIosSecurityZoneAcl / createZonePairAcl /
createInspectPolicyMapAcls / applyIOSSecurityZoneFilter) gives every interface of a declared zone
the outgoing filter ``~ZONE_OUTGOING_ACL~Z~``, ANDed with the interface's own ``ip access-group
... out`` (so the ACL and the zone policy both have to permit; a deny is ``DENIED_OUT`` at the
egress interface). The zone filter permits, in order:

1. traffic the router originates (no ingress interface);
2. traffic that entered on an interface of the same zone;
3. traffic that entered on an interface of zone S when a zone-pair S -> Z has an inspect
   service-policy that passes it: the policy's classes are tried first match wins, with
   ``inspect`` and ``pass`` permitting and ``drop`` denying, then ``class-default`` (drop unless
   configured otherwise);

and denies everything else (no zone-pair, unzoned ingress interface, undefined policy).

Where Batfish is narrower than IOS we follow Batfish (the gate must agree with it):

- Classes are tried in class-name order, not configuration order: Batfish keeps a policy-map's
  classes in a ``TreeMap`` (InspectPolicyMap._inspectClasses).
- Only egress interfaces in a zone are filtered: zoned -> unzoned traffic is permitted (IOS drops
  it), since the unzoned interface has no zone filter.
- Traffic to the router itself is accepted before any outgoing filter, and zone-pairs with
  ``self`` are ignored (``self`` is not a declared zone), so the self zone never filters.
- ``inspect`` creates no session state for IOS zones (Batfish sets FirewallSessionInterfaceInfo
  only for NAT inside/outside interfaces): return traffic needs its own zone-pair, exactly as for
  ``pass``.
- ``match protocol P`` means the IP protocol of P for http/https/tcp (TCP), tftp/udp (UDP) and
  icmp; other protocols are unsupported in Batfish (neutral: true under match-all, false under
  match-any) and are kept by the parser as unparsed lines of the class, so verdicts through them
  are undecided.
- An undefined ACL in ``match access-group`` never matches.
"""

from __future__ import annotations

from dataclasses import dataclass

from validator.engine.acl import evaluate_acl
from validator.model.config import Interface, Node
from validator.model.flow import Flow
from validator.model.source import SourceRef
from validator.model.zones import INSPECT_PROTOCOLS, InspectClass, ZonePair

__all__ = ["ZoneVerdict", "zone_filter", "zone_filter_name"]


@dataclass(frozen=True)
class ZoneVerdict:
    """The zone filter's decision for one flow leaving one interface.

    ``source`` is the configuration line that decided (the class action, the zone-pair, or the
    egress interface's ``zone-member`` line when no zone-pair applies); ``acls`` are the ACLs the
    decision consulted, so header-space analysis can split flows at their boundaries; ``unparsed``
    are lines the parser could not read that the decision depends on (non-empty: undecided).
    """

    permitted: bool
    filter: str
    reason: str
    source: SourceRef | None
    acls: tuple[str, ...] = ()
    unparsed: tuple[SourceRef, ...] = ()


def zone_filter_name(zone: str) -> str:
    """Batfish's name of the zone's outgoing filter (CiscoConfiguration.computeZoneOutgoingAclName)."""
    return f"~ZONE_OUTGOING_ACL~{zone}~"


def _zone_of(node: Node, iface: Interface | None) -> str | None:
    """The interface's zone, if declared with ``zone security`` (Batfish ignores undeclared ones)."""
    if iface is None or iface.security_zone is None or iface.security_zone not in node.security_zones:
        return None
    return iface.security_zone


def zone_filter(node: Node, in_iface: str | None, out_iface: Interface, flow: Flow) -> ZoneVerdict | None:
    """The zone policy for ``flow`` leaving ``out_iface``; None when the interface has no zone filter."""
    zone = _zone_of(node, out_iface)
    if zone is None:
        return None
    name = zone_filter_name(zone)
    if in_iface is None:
        return ZoneVerdict(True, name, "originated by this device", None)
    src_zone = _zone_of(node, node.interfaces.get(in_iface))
    if src_zone == zone:
        return ZoneVerdict(True, name, f"same zone {zone!r}", out_iface.security_zone_source)
    pair = _pair(node, src_zone, zone) if src_zone is not None else None
    if pair is None:
        why = (
            f"no zone-pair from {src_zone!r} to {zone!r}"
            if src_zone
            else f"ingress interface is in no zone ({zone!r} is)"
        )
        return ZoneVerdict(False, name, why, out_iface.security_zone_source)
    if not pair.classes:  # no service-policy, or an undefined one
        return ZoneVerdict(
            False, name, f"zone-pair {pair.name!r} has no inspect policy", pair.source, (), pair.unparsed
        )
    return _policy(node, pair, name, flow)


def _pair(node: Node, src_zone: str, dst_zone: str) -> ZonePair | None:
    """The zone-pair from ``src_zone`` to ``dst_zone``; a later definition replaces an earlier one
    (Batfish keys zone-pairs by destination then source zone)."""
    found: ZonePair | None = None
    for p in node.zone_pairs:
        if p.source_zone == src_zone and p.destination_zone == dst_zone:
            found = p
    return found


def _ordered(classes: tuple[InspectClass, ...]) -> list[InspectClass]:
    """Batfish's order: classes by name (TreeMap), then class-default."""
    named = sorted((c for c in classes if c.name != "class-default"), key=lambda c: c.name)
    return named + [c for c in classes if c.name == "class-default"]


def _policy(node: Node, pair: ZonePair, name: str, flow: Flow) -> ZoneVerdict:
    consulted: list[str] = []
    unparsed: list[SourceRef] = list(pair.unparsed)
    for cls in _ordered(pair.classes):
        consulted.extend(a for a in cls.acls if a not in consulted)
        unparsed.extend(cls.unparsed)
        if cls.name != "class-default" and not _matches(node, cls, flow, unparsed):
            continue
        permitted = cls.action != "drop"
        reason = f"zone-pair {pair.name!r} policy {pair.policy!r} class {cls.name!r}: {cls.action}"
        return ZoneVerdict(permitted, name, reason, cls.source, tuple(consulted), tuple(dict.fromkeys(unparsed)))
    # unreachable: the parser always ends a policy with class-default
    return ZoneVerdict(False, name, f"zone-pair {pair.name!r}: no class matched", pair.source, tuple(consulted))


def _matches(node: Node, cls: InspectClass, flow: Flow, unparsed: list[SourceRef]) -> bool:
    results: list[bool] = []
    for acl_name in cls.acls:
        acl = node.acls.get(acl_name)
        if acl is None:
            results.append(False)
            continue
        unparsed.extend(acl.unparsed)  # a partial ACL makes the class undecided (coarse, sound)
        results.append(evaluate_acl(acl, flow)[0] == "permit")
    for proto in cls.protocols:
        number = INSPECT_PROTOCOLS.get(proto)
        if number is not None:
            results.append(flow.ip_protocol == number)
    return all(results) if cls.match_all else any(results)
