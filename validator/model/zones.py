"""IOS zone-based policy firewall, resolved by the parser into what the engine needs.

An interface joins a zone with ``zone-member security Z``; traffic between two different zones
(or between a zoned and an unzoned interface) is dropped unless a ``zone-pair security`` from the
source zone to the destination zone carries a ``service-policy type inspect`` whose classes let it
through (``pass`` or ``inspect``; ``inspect`` also admits the return traffic). ``self`` is the
router itself. The parser resolves policy-map → class-maps → ACLs so the engine sees one ordered
list of classes per zone-pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from validator.model.source import SourceRef

InspectAction = Literal["inspect", "pass", "drop"]

# ``match protocol P`` names that Batfish turns into an IP protocol (InspectClassMapMatchProtocol:
# http/https/tcp -> TCP, icmp -> ICMP, tftp/udp -> UDP). Other application protocols are
# unsupported there; the parser keeps them as unparsed lines of the class.
INSPECT_PROTOCOLS: dict[str, int] = {"http": 6, "https": 6, "tcp": 6, "icmp": 1, "tftp": 17, "udp": 17}


@dataclass(frozen=True)
class InspectClass:
    """One ``class type inspect C`` of an inspect policy-map with its class-map resolved.

    ``acls`` are the ``match access-group name X`` ACLs and ``protocols`` the ``match protocol P``
    names; ``match_all`` is the class-map's match-all (default) vs match-any. ``class-default``
    matches everything and has no matches.
    """

    name: str
    action: InspectAction
    source: SourceRef
    match_all: bool = True
    acls: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ()
    unparsed: tuple[SourceRef, ...] = ()


@dataclass(frozen=True)
class ZonePair:
    """``zone-pair security NAME source SRC destination DST`` with its resolved inspect policy.

    ``classes`` are the policy's classes in configuration order, ending with ``class-default``
    (drop unless configured); empty when the zone-pair has no ``service-policy type inspect`` or
    names an undefined policy-map (then it permits nothing, as in Batfish).
    """

    name: str
    source_zone: str
    destination_zone: str
    source: SourceRef
    policy: str | None = None
    classes: tuple[InspectClass, ...] = ()
    unparsed: tuple[SourceRef, ...] = ()
