"""Typed policy objects: what checks consume, independent of YAML.

Every object carries a :class:`PolicySource` (file, line, key) so a finding or a semantic error can
point back at the policy text. Zone references stay names (checks look them up in
``PolicySet.zones``) because the same zone is shared by many policies and by the change's intent.

Name matching follows Batfish specifiers: a plain name is compared case-insensitively (node names
are lower-cased hostnames, interface names as configured), and ``/regex/`` is a case-insensitive
regex with *find* semantics (``/host/`` matches ``web-host-1``), as Batfish's
``NameRegexNodeSpecifier`` does with Java's ``Matcher.find``. Python's ``re`` stands in for Java
regexes; the two agree on the usual constructs (classes, alternation, anchors, quantifiers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network
from typing import ClassVar, Literal

Expect = Literal["allow", "deny"]
Severity = Literal["error", "warning"]
ElementKind = Literal["link", "node", "risk_group", "interface"]
HygieneRequirement = Literal[
    "no_parse_errors",
    "no_undefined_references",
    "bgp_sessions_up",
    "no_forwarding_loops",
    "converges",
    "aaa_fallback_local",
    "logging_configured",
    "ntp_configured",
    "ssh_only",
    "ebgp_max_prefix",
]
RiskElementKind = Literal["link", "interface", "node"]
PortRange = tuple[int, int]  # inclusive, like validator.model.config.PortRange
ZonePair = tuple[str, str]

PROTOCOL_NUMBERS = {"icmp": 1, "tcp": 6, "udp": 17}
DEFAULT_FAILURE_ELEMENTS: tuple[ElementKind, ...] = ("link", "node")


@dataclass(frozen=True, order=True)
class PolicySource:
    """Where a policy object was written: file, 1-based line, and the key path shown in diagnostics."""

    file: str
    line: int
    key: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def is_regex(text: str) -> bool:
    return len(text) >= 2 and text.startswith("/") and text.endswith("/")


@dataclass(frozen=True)
class NameSpec:
    """A node or interface name, or a ``/regex/``, as written."""

    text: str

    @property
    def is_regex(self) -> bool:
        return is_regex(self.text)

    @property
    def pattern(self) -> str:
        return self.text[1:-1] if self.is_regex else self.text

    def matches(self, name: str) -> bool:
        if self.is_regex:
            return _compile(self.pattern).search(name) is not None
        return self.text.lower() == name.lower()

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class NodeSpec:
    """A node name or ``/regex/`` from a zone's ``nodes`` list."""

    name: NameSpec
    source: PolicySource

    @property
    def text(self) -> str:
        return self.name.text

    def matches(self, node: str) -> bool:
        return self.name.matches(node)


@dataclass(frozen=True)
class InterfaceSpec:
    """``NODE[IFACE]`` where NODE and IFACE are each a name or a ``/regex/``."""

    text: str
    node: NameSpec
    interface: NameSpec
    source: PolicySource

    def matches(self, node: str, interface: str) -> bool:
        return self.node.matches(node) and self.interface.matches(interface)


def split_interface_spec(text: str) -> tuple[str, str] | None:
    """Split ``NODE[IFACE]`` / ``/regex/[IFACE]``; interface names contain ``/`` so a node regex ends
    at the first ``/[`` and the interface part runs to the final ``]``."""
    if not text.endswith("]"):
        return None
    if text.startswith("/"):
        cut = text.find("/[", 1)
        if cut < 1:
            return None
        node, iface = text[: cut + 1], text[cut + 2 : -1]
    else:
        cut = text.find("[")
        if cut < 1:
            return None
        node, iface = text[:cut], text[cut + 1 : -1]
    if not node or not iface or (node.startswith("/") and not is_regex(node)):
        return None
    return node, iface


@dataclass(frozen=True)
class Zone:
    """Where flows start and/or the addresses they go to (design.md §3)."""

    name: str
    source: PolicySource
    prefixes: tuple[IPv4Network, ...] = ()
    nodes: tuple[NodeSpec, ...] = ()
    interfaces: tuple[InterfaceSpec, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class RiskElement:
    """One element of a risk group; ``text`` is also a valid ``--fail`` spec."""

    kind: RiskElementKind
    node: str  # lower-cased
    source: PolicySource
    interface: str | None = None

    @property
    def text(self) -> str:
        return f"{self.kind}:{self.node}" + (f"[{self.interface}]" if self.interface is not None else "")


@dataclass(frozen=True)
class RiskGroup:
    """Things that fail together (a conduit, a power feed, a rollout wave)."""

    name: str
    elements: tuple[RiskElement, ...]
    source: PolicySource

    @property
    def specs(self) -> tuple[str, ...]:
        return tuple(e.text for e in self.elements)


@dataclass(frozen=True)
class HeaderSpec:
    """The headers a policy narrows to; empty tuples mean "all" (Batfish leaves open what is not given).

    ``protocols`` are IP protocol numbers; ``dst_ports``/``src_ports`` inclusive ranges and only
    constrain TCP and UDP flows.
    """

    protocols: tuple[int, ...] = ()
    dst_ports: tuple[PortRange, ...] = ()
    src_ports: tuple[PortRange, ...] = ()

    @property
    def any_protocol(self) -> bool:
        return not self.protocols


@dataclass(frozen=True, kw_only=True)
class PolicyBase:
    """Fields every policy type has. ``type`` is the YAML ``type:`` value, also a class constant."""

    type: ClassVar[str] = ""
    name: str
    source: PolicySource
    severity: Severity = "error"
    description: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReachabilityPolicy(PolicyBase):
    """Flows from ``from_zone`` to ``to_zone`` must all succeed (allow) or all fail (deny), also under
    every set of up to ``max_failures`` failed ``elements`` when given."""

    type: ClassVar[str] = "reachability"
    from_zone: str
    to_zone: str
    expect: Expect
    headers: HeaderSpec = field(default_factory=HeaderSpec)
    max_failures: int = 0
    elements: tuple[ElementKind, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RedundancyPolicy(PolicyBase):
    """Every pair's delivered flows survive any ``max_failures`` failed ``elements``; none newly opens."""

    type: ClassVar[str] = "redundancy"
    pairs: tuple[ZonePair, ...]
    max_failures: int = 1
    elements: tuple[ElementKind, ...] = DEFAULT_FAILURE_ELEMENTS
    headers: HeaderSpec = field(default_factory=HeaderSpec)


@dataclass(frozen=True, kw_only=True)
class BlastRadiusPolicy(PolicyBase):
    """The change's touched devices failing together must cut no protected pair.

    ``protect_all`` (the default, ``protect: all``) protects :meth:`PolicySet.protected_pairs`.
    """

    type: ClassVar[str] = "blast_radius"
    protect_all: bool = True
    pairs: tuple[ZonePair, ...] = ()


@dataclass(frozen=True, kw_only=True)
class NoRegressionPolicy(PolicyBase):
    """Nothing from ``from_zone`` to ``to_zone`` that worked in the base may break in the head."""

    type: ClassVar[str] = "no_regression"
    from_zone: str
    to_zone: str
    headers: HeaderSpec = field(default_factory=HeaderSpec)


@dataclass(frozen=True, kw_only=True)
class HygienePolicy(PolicyBase):
    """Snapshot-wide sanity requirements."""

    type: ClassVar[str] = "hygiene"
    require: tuple[HygieneRequirement, ...]


MgmtAccess = Literal["ssh", "telnet", "snmp", "https", "http"]
MgmtService = Literal["aaa", "logging", "ntp", "snmp-trap"]


@dataclass(frozen=True, kw_only=True)
class ManagementPolicy(PolicyBase):
    """The way back in: from ``from_zone`` every device in ``devices`` (empty = all routers) is
    reachable on its management ``address`` with each ``access`` protocol *and* its vty/SNMP
    filters admit it; each ``services`` server it has configured is reachable from its configured
    source interface with a return path; with ``require_local_fallback`` its login method list
    ends in a server-less method. All of it also under ``max_failures`` failed ``elements``."""

    type: ClassVar[str] = "management"
    from_zone: str
    devices: tuple[NodeSpec, ...] = ()
    address: str = "loopback"
    access: tuple[MgmtAccess, ...] = ("ssh",)
    services: tuple[MgmtService, ...] = ()
    require_local_fallback: bool = False
    max_failures: int = 0
    elements: tuple[ElementKind, ...] = ()


@dataclass(frozen=True)
class PolicyPrefixRange:
    """``P [le N] [ge M]`` as written in a routing policy: routes inside ``prefix`` whose length is
    in [``lo``, ``hi``] (without le/ge: exactly P)."""

    prefix: IPv4Network
    lo: int
    hi: int
    text: str


@dataclass(frozen=True)
class PeerSelector:
    """Which BGP peers outside the snapshot a ``routing`` policy guards.

    ``all_peers`` selects every external peer. Otherwise a peer is selected when it matches *any*
    of ``remote_as``, ``neighbors`` (peer addresses), ``sessions`` (``device[peer address]``) or
    ``groups`` (IOS peer-group names); ``nodes``, when given, narrows the selection to those
    devices (alone it selects every external peer of them).
    """

    source: PolicySource
    all_peers: bool = False
    remote_as: tuple[int, ...] = ()
    neighbors: tuple[IPv4Address, ...] = ()
    sessions: tuple[tuple[NameSpec, IPv4Address], ...] = ()
    groups: tuple[str, ...] = ()
    nodes: tuple[NodeSpec, ...] = ()

    def matches(self, node: str, peer_ip: IPv4Address, remote_as: int | None, group: str | None) -> bool:
        if self.nodes and not any(ns.matches(node) for ns in self.nodes):
            return False
        if self.all_peers:
            return True
        if not (self.remote_as or self.neighbors or self.sessions or self.groups):
            return bool(self.nodes)
        return (
            (remote_as is not None and remote_as in self.remote_as)
            or peer_ip in self.neighbors
            or any(spec.matches(node) and ip == peer_ip for spec, ip in self.sessions)
            or (group is not None and group.lower() in {g.lower() for g in self.groups})
        )

    def describe(self) -> str:
        if self.all_peers:
            return "all external peers"
        parts = [f"remote_as {a}" for a in self.remote_as]
        parts += [str(ip) for ip in self.neighbors]
        parts += [f"{spec}[{ip}]" for spec, ip in self.sessions]
        parts += [f"peer-group {g}" for g in self.groups]
        text = ", ".join(parts) or "every external peer"
        if self.nodes:
            text += " of " + ", ".join(ns.text for ns in self.nodes)
        return text


@dataclass(frozen=True, kw_only=True)
class RoutingPolicy(PolicyBase):
    """What the network announces to and accepts from BGP peers outside the snapshot (issue 18).

    ``export_never``: no route inside these ranges may be announced; ``export_only``: nothing
    outside these ranges may be announced (None = not checked); ``import_reject``: announcements
    inside these ranges must be refused whatever their attributes; ``import_max_prefix_length``:
    nothing longer may be accepted. Ranges are ``(prefix, min_len, max_len)`` as written
    ``P [le N] [ge M]`` (prefix-list semantics). Export is checked on the routes actually
    announced and symbolically over every route the export policy permits; import symbolically.
    """

    type: ClassVar[str] = "routing"
    peers: PeerSelector
    export_never: tuple[PolicyPrefixRange, ...] = ()
    export_only: tuple[PolicyPrefixRange, ...] | None = None
    import_reject: tuple[PolicyPrefixRange, ...] = ()
    import_max_prefix_length: int | None = None


Policy = (
    ReachabilityPolicy
    | RedundancyPolicy
    | BlastRadiusPolicy
    | NoRegressionPolicy
    | HygienePolicy
    | ManagementPolicy
    | RoutingPolicy
)
POLICY_TYPES: dict[str, type[PolicyBase]] = {
    cls.type: cls
    for cls in (
        ReachabilityPolicy,
        RedundancyPolicy,
        BlastRadiusPolicy,
        NoRegressionPolicy,
        HygienePolicy,
        ManagementPolicy,
        RoutingPolicy,
    )
}


@dataclass(frozen=True)
class PolicySet:
    """Everything read from one policy file or directory.

    ``digest`` identifies exactly what was checked (plan tokens bind to it): for one file the
    sha256 of its bytes; for several, the sha256 of their ``sha256sum``-style manifest
    (``<hex>  <name>\\n`` per file, sorted by name), so ``sha256sum *.yaml | sha256sum`` reproduces it.
    """

    zones: dict[str, Zone]
    risk_groups: dict[str, RiskGroup]
    policies: tuple[Policy, ...]
    file: str
    digest: str
    files: tuple[str, ...] = ()

    def policy(self, name: str) -> Policy:
        for p in self.policies:
            if p.name == name:
                return p
        raise KeyError(name)

    def of_type(self, kind: type[PolicyBase]) -> list[Policy]:
        return [p for p in self.policies if isinstance(p, kind)]

    def risk_group_specs(self) -> dict[str, list[str]]:
        """Risk groups as failure-spec lists, the shape ``validator.engine.failspec`` takes."""
        return {name: list(g.specs) for name, g in self.risk_groups.items()}

    def protected_pairs(self) -> tuple[ZonePair, ...]:
        """What ``protect: all`` means: every redundancy pair and every allow-reachability (from, to),
        in policy order without repeats: the flows some policy already says must work."""
        out: dict[ZonePair, None] = {}
        for p in self.policies:
            if isinstance(p, RedundancyPolicy):
                for pair in p.pairs:
                    out.setdefault(pair, None)
            elif isinstance(p, ReachabilityPolicy) and p.expect == "allow":
                out.setdefault((p.from_zone, p.to_zone), None)
        return tuple(out)
