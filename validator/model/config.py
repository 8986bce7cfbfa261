"""Vendor-neutral device configuration: what parsers produce and the engine consumes.

Parsers resolve vendor idioms (peer-group inheritance, OSPF ``network`` statements, named ports,
abbreviated interface names) so the engine never sees vendor syntax. Objects are frozen; parsers
build them once. Addresses use the stdlib ``ipaddress`` types for speed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Literal

from validator.model.management import ManagementPlane
from validator.model.source import ParseWarning, SourceRef
from validator.model.zones import ZonePair

Action = Literal["permit", "deny"]
InterfaceKind = Literal["physical", "loopback", "logical", "vlan", "tunnel", "null", "other"]


@dataclass(frozen=True)
class IpWildcard:
    """Cisco address + wildcard (don't-care bits); ``any`` is 0.0.0.0/255.255.255.255."""

    ip: IPv4Address
    wildcard: IPv4Address

    def matches(self, addr: IPv4Address) -> bool:
        w = int(self.wildcard)
        return (int(addr) | w) == (int(self.ip) | w)

    @staticmethod
    def any() -> IpWildcard:
        return IpWildcard(IPv4Address(0), IPv4Address(0xFFFFFFFF))


PortRange = tuple[int, int]  # inclusive


@dataclass(frozen=True)
class AclLine:
    """One filter line. ``protocol`` None means any IP protocol; empty port tuples mean any port.

    ``src``/``dst`` are alternatives (a line matches if any one matches): iptables and object-groups
    can give several; Cisco ACLs give one each.
    """

    action: Action
    text: str
    source: SourceRef
    protocol: int | None = None
    src: tuple[IpWildcard, ...] = (IpWildcard(IPv4Address(0), IPv4Address(0xFFFFFFFF)),)
    dst: tuple[IpWildcard, ...] = (IpWildcard(IPv4Address(0), IPv4Address(0xFFFFFFFF)),)
    src_ports: tuple[PortRange, ...] = ()
    dst_ports: tuple[PortRange, ...] = ()
    icmp_type: int | None = None
    icmp_code: int | None = None
    tcp_established: bool = False
    name: str = ""  # the line's display name (Batfish prints the line text)


@dataclass(frozen=True)
class Acl:
    """An IP access list. First matching line wins; no match means ``default_action``."""

    name: str
    lines: tuple[AclLine, ...]
    source: SourceRef
    kind: Literal["standard", "extended", "iptables"] = "extended"
    default_action: Action = "deny"
    # Lines of this filter the parser could not read. A non-empty tuple makes the filter *partial*:
    # the engine never lets a verdict depend on it (fail closed, see the soundness rule).
    unparsed: tuple[SourceRef, ...] = ()


@dataclass(frozen=True)
class InterfaceOspf:
    """OSPF settings resolved onto the interface (from ``network`` statements or ``ip ospf area``)."""

    process_id: str
    area: int
    cost: int | None = None  # explicit ``ip ospf cost``; None = computed from bandwidth
    passive: bool = False
    network_type: Literal["broadcast", "point-to-point", "non-broadcast", "point-to-multipoint"] = "broadcast"
    hello_interval: int = 10
    dead_interval: int = 40


@dataclass(frozen=True)
class Interface:
    """A layer-3 interface. ``addresses[0]`` is the primary address."""

    node: str
    name: str  # canonical name, e.g. GigabitEthernet0/0
    source: SourceRef
    kind: InterfaceKind = "physical"
    addresses: tuple[IPv4Interface, ...] = ()
    admin_up: bool = True
    vrf: str = "default"
    description: str | None = None
    mtu: int = 1500
    bandwidth: float = 1e9  # bits/s, effective (bandwidth cmd, speed, default speed, default bandwidth)
    acl_in: str | None = None
    acl_out: str | None = None
    acl_in_source: SourceRef | None = None
    acl_out_source: SourceRef | None = None
    ospf: InterfaceOspf | None = None
    proxy_arp: bool = True
    # a /32 "local" route per address in the main RIB: IOS yes; Arista EOS no (Batfish marks
    # Arista addresses ``generateLocalRoute(false)`` in AristaConfiguration.toInterface)
    local_route: bool = True
    security_zone: str | None = None  # ``zone-member security Z`` (IOS zone-based firewall)
    security_zone_source: SourceRef | None = None
    # Forwarding-relevant lines of this interface the parser could not read (``ip policy
    # route-map``, ``ip nat ...``, unknown commands): the interface is partial, flows crossing it
    # are undecided.
    unparsed: tuple[SourceRef, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.node}[{self.name}]"


@dataclass(frozen=True)
class StaticRoute:
    """``ip route``; exactly one of discard / next_hop_ip / next_hop_interface is the essence."""

    network: IPv4Network
    source: SourceRef
    next_hop_ip: IPv4Address | None = None
    next_hop_interface: str | None = None
    discard: bool = False
    admin_distance: int = 1
    tag: int | None = None
    vrf: str = "default"


@dataclass(frozen=True)
class OspfRedistribution:
    protocol: Literal["connected", "static", "bgp"]
    source: SourceRef
    subnets: bool = False
    metric: int | None = None
    metric_type: Literal[1, 2] = 2
    route_map: str | None = None


@dataclass(frozen=True)
class OspfProcess:
    process_id: str
    source: SourceRef
    router_id: IPv4Address | None = None  # None: derived by the engine (highest loopback, then any)
    reference_bandwidth: float = 100e6  # bits/s
    redistributions: tuple[OspfRedistribution, ...] = ()
    default_metric: int | None = None
    max_paths: int | None = None
    vrf: str = "default"


@dataclass(frozen=True)
class Community:
    """A standard community ``high:low``."""

    high: int
    low: int

    def __str__(self) -> str:
        return f"{self.high}:{self.low}"


@dataclass(frozen=True)
class CommunityListLine:
    action: Action
    source: SourceRef
    communities: tuple[Community, ...] = ()  # standard: all must be present
    regex: str | None = None  # expanded: Cisco regex (``_`` not yet translated)


@dataclass(frozen=True)
class CommunityList:
    name: str
    kind: Literal["standard", "expanded"]
    lines: tuple[CommunityListLine, ...]
    source: SourceRef
    unparsed: tuple[SourceRef, ...] = ()


@dataclass(frozen=True)
class AsPathListLine:
    """``ip as-path access-list N permit|deny REGEX``: Cisco regex over the AS path string."""

    action: Action
    regex: str  # as written (Cisco ``_`` not translated)
    source: SourceRef


@dataclass(frozen=True)
class AsPathList:
    name: str
    lines: tuple[AsPathListLine, ...]
    source: SourceRef
    unparsed: tuple[SourceRef, ...] = ()


@dataclass(frozen=True)
class PrefixListLine:
    """Matches a route whose network lies in ``prefix`` and whose length is in [min_len, max_len]."""

    seq: int
    action: Action
    prefix: IPv4Network
    min_len: int
    max_len: int
    source: SourceRef


@dataclass(frozen=True)
class PrefixList:
    name: str
    lines: tuple[PrefixListLine, ...]
    source: SourceRef
    unparsed: tuple[SourceRef, ...] = ()


# --- route-maps -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchIpAddress:
    """``match ip address ACL...``: the ACLs are used as route filters (see semantics §4g)."""

    acls: tuple[str, ...]
    source: SourceRef


@dataclass(frozen=True)
class MatchPrefixList:
    prefix_lists: tuple[str, ...]
    source: SourceRef


@dataclass(frozen=True)
class MatchCommunity:
    community_lists: tuple[str, ...]
    source: SourceRef


@dataclass(frozen=True)
class MatchTag:
    tags: tuple[int, ...]
    source: SourceRef


@dataclass(frozen=True)
class MatchAsPath:
    """``match as-path N...``: the route matches if any listed as-path list permits its path."""

    as_path_lists: tuple[str, ...]
    source: SourceRef


@dataclass(frozen=True)
class MatchProtocol:
    """The route's source protocol is one of ``protocols`` (model names: ``connected``, ``static``,
    ``ospf``, ``ospfIA``, ``ospfE1``, ``ospfE2``, ``bgp``, ``ibgp``, ``aggregate``). IOS has no such
    match (``redistribute`` picks the protocol); Junos policy terms do (``from protocol direct``)."""

    protocols: tuple[str, ...]
    source: SourceRef


RouteMapMatch = MatchIpAddress | MatchPrefixList | MatchCommunity | MatchTag | MatchAsPath | MatchProtocol


@dataclass(frozen=True)
class SetLocalPreference:
    value: int
    source: SourceRef


@dataclass(frozen=True)
class SetMetric:
    value: int
    source: SourceRef


@dataclass(frozen=True)
class SetCommunity:
    communities: tuple[Community, ...]
    additive: bool
    source: SourceRef


@dataclass(frozen=True)
class SetNextHop:
    ip: IPv4Address | None  # None = ``set ip next-hop peer-address``/self semantics not modelled
    source: SourceRef


@dataclass(frozen=True)
class SetWeight:
    value: int
    source: SourceRef


@dataclass(frozen=True)
class SetAsPathPrepend:
    asns: tuple[int, ...]
    source: SourceRef


@dataclass(frozen=True)
class SetOrigin:
    origin: Literal["igp", "egp", "incomplete"]
    source: SourceRef


@dataclass(frozen=True)
class SetTag:
    value: int
    source: SourceRef


@dataclass(frozen=True)
class SetNextHopSelf:
    """Junos ``then next-hop self``: the advertising router's session address becomes the next hop."""

    source: SourceRef


@dataclass(frozen=True)
class SetCommunityDelete:
    """Junos ``then community delete NAME``: drop every community the named list matches."""

    community_list: str
    source: SourceRef


RouteMapSet = (
    SetLocalPreference
    | SetMetric
    | SetCommunity
    | SetNextHop
    | SetWeight
    | SetAsPathPrepend
    | SetOrigin
    | SetTag
    | SetNextHopSelf
    | SetCommunityDelete
)


@dataclass(frozen=True)
class RouteMapClause:
    seq: int
    action: Action
    source: SourceRef
    matches: tuple[RouteMapMatch, ...] = ()
    sets: tuple[RouteMapSet, ...] = ()
    continue_seq: int | None = None  # ``continue [N]``; -1 means "next clause"
    # ``match``/``set`` lines of this clause the parser could not read: the clause is partial and
    # any route it is evaluated on has an undecided fate.
    unparsed: tuple[SourceRef, ...] = ()


@dataclass(frozen=True)
class RouteMap:
    name: str
    clauses: tuple[RouteMapClause, ...]  # sorted by seq
    source: SourceRef
    # Clause heads (``route-map NAME ...``) the parser could not read, with their child lines: a
    # clause is missing, so every route this map is applied to has an undecided fate.
    unparsed: tuple[SourceRef, ...] = ()


# --- BGP --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BgpNeighbor:
    """A BGP neighbor with peer-group and process-level inheritance already applied.

    Exactly one of ``peer_ip`` (a configured neighbor) and ``peer_prefix`` (``bgp listen range``,
    passive) is set.
    """

    source: SourceRef
    peer_ip: IPv4Address | None = None
    peer_prefix: IPv4Network | None = None
    remote_as: int | None = None
    local_as: int | None = None  # ``local-as``; None = the process AS
    peer_group: str | None = None
    description: str | None = None
    update_source: str | None = None  # canonical interface name
    route_reflector_client: bool = False
    send_community: bool = False
    send_community_extended: bool = False
    next_hop_self: bool = False
    ebgp_multihop: bool = False
    allowas_in: bool = False
    route_map_in: str | None = None
    route_map_out: str | None = None
    prefix_list_in: str | None = None
    prefix_list_out: str | None = None
    active: bool = True  # address-family activated, not shut down
    shutdown: bool = False
    additional_paths_send: bool = False
    additional_paths_receive: bool = False
    additional_paths_select_all: bool = False
    default_originate: bool = False
    vrf: str = "default"
    # ``neighbor X password [0|7] KEY`` as written (encryption type and key): TCP MD5. Two ends
    # that disagree (one set, or different keys) never establish, as on real routers; Batfish
    # does not model it (design: the builtin engine is stricter here, on purpose).
    password: str | None = None
    maximum_prefix: int | None = None  # ``neighbor X maximum-prefix N``
    # Advertise the best BGP path even when another protocol's route is active in the main RIB.
    # IOS: yes (Batfish sets advertiseInactive for Cisco); Junos: only with ``advertise-inactive``
    # (Batfish JuniperConfiguration: default false), so an inactive BGP route is not sent.
    advertise_inactive: bool = True


@dataclass(frozen=True)
class BgpNetwork:
    """``network P mask M [route-map RM]``."""

    prefix: IPv4Network
    source: SourceRef
    route_map: str | None = None


@dataclass(frozen=True)
class BgpAggregate:
    prefix: IPv4Network
    source: SourceRef
    summary_only: bool = False
    as_set: bool = False


@dataclass(frozen=True)
class BgpRedistribution:
    protocol: Literal["connected", "static", "ospf"]
    source: SourceRef
    route_map: str | None = None
    metric: int | None = None
    # BGP origin of the redistributed route: IOS marks every redistributed route incomplete; Arista
    # EOS marks redistributed connected routes IGP (Batfish AristaConfiguration.toEosBgpProcess); Junos
    # gives IGP to every non-BGP route its export policy advertises (JuniperConfiguration setOriginForNonBgp).
    origin: Literal["igp", "incomplete"] = "incomplete"
    # ``redistribute ospf`` takes OSPF external routes too: not on IOS (``match external`` needed),
    # always on Arista EOS (Batfish AristaRedistributeType.OSPF matches OSPF, IA, E1 and E2).
    include_external: bool = False
    # the default route 0.0.0.0/0 is redistributed too: not on IOS (``default-information
    # originate`` needed); Batfish's Arista conversion matches it like any other route
    include_default: bool = False


@dataclass(frozen=True)
class BgpProcess:
    local_as: int
    source: SourceRef
    router_id: IPv4Address | None = None  # None: derived (semantics §4a)
    neighbors: tuple[BgpNeighbor, ...] = ()
    networks: tuple[BgpNetwork, ...] = ()
    aggregates: tuple[BgpAggregate, ...] = ()
    redistributions: tuple[BgpRedistribution, ...] = ()
    max_paths_ebgp: int = 1
    max_paths_ibgp: int = 1
    multipath_relax: bool = False
    cluster_id: IPv4Address | None = None
    client_to_client_reflection: bool = True
    vrf: str = "default"
    # Administrative distances of learned routes: 20/200 on IOS; Arista EOS defaults to 200 for
    # both (Batfish AristaConfiguration.DEFAULT_EBGP_ADMIN, ``distance bgp`` overrides).
    ebgp_admin: int = 20
    ibgp_admin: int = 200


@dataclass(frozen=True)
class Node:
    """One device of a snapshot, by lower-cased hostname."""

    name: str
    hostname: str  # as configured
    file: str  # path relative to the snapshot root
    vendor: Literal["cisco_ios", "arista_eos", "juniper", "host"]
    interfaces: dict[str, Interface] = field(default_factory=dict)
    acls: dict[str, Acl] = field(default_factory=dict)
    route_maps: dict[str, RouteMap] = field(default_factory=dict)
    prefix_lists: dict[str, PrefixList] = field(default_factory=dict)
    community_lists: dict[str, CommunityList] = field(default_factory=dict)
    as_path_lists: dict[str, AsPathList] = field(default_factory=dict)
    # IOS zone-based firewall: declared zones (``zone security Z``) and zone-pairs with their
    # resolved inspect policies (see ``validator.model.zones``).
    security_zones: dict[str, SourceRef] = field(default_factory=dict)
    zone_pairs: tuple[ZonePair, ...] = ()
    static_routes: tuple[StaticRoute, ...] = ()
    ospf: tuple[OspfProcess, ...] = ()
    bgp: BgpProcess | None = None
    warnings: tuple[ParseWarning, ...] = ()
    # names referenced but not defined, with where they were referenced: (kind, name, source)
    undefined_references: tuple[tuple[str, str, SourceRef], ...] = ()
    # operator access, AAA, syslog, NTP, SNMP (validator.model.management)
    management: ManagementPlane = field(default_factory=ManagementPlane)
    # Route preference per protocol where the vendor's differs from IOS's administrative distance
    # (protocol name -> distance; absent = the IOS default). Junos: static 5, OSPF internal 10,
    # OSPF external 150, BGP 170 (Batfish JuniperConfiguration / RoutingProtocol defaults).
    admin_distances: dict[str, int] = field(default_factory=dict)
    # Lines that filter traffic delivered to the device itself which the engine does not simulate
    # (a Junos ``lo0`` input filter protects the routing engine): a flow accepted by this device
    # is undecided, never a pass.
    local_delivery_unparsed: tuple[SourceRef, ...] = ()
