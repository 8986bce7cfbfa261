"""Flows and traces, shaped like Batfish's Flow / Trace / Hop / Step."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any, Literal

from validator.model.prefix import Address
from validator.model.source import SourceRef

Disposition = Literal[
    "ACCEPTED",
    "DENIED_IN",
    "DENIED_OUT",
    "NO_ROUTE",
    "NULL_ROUTED",
    "NEIGHBOR_UNREACHABLE",
    "EXITS_NETWORK",
    "DELIVERED_TO_SUBNET",
    "INSUFFICIENT_INFO",
    "LOOP",
]
SUCCESS_DISPOSITIONS: frozenset[str] = frozenset({"ACCEPTED", "DELIVERED_TO_SUBNET", "EXITS_NETWORK"})

IP_PROTOCOLS = {"icmp": 1, "tcp": 6, "udp": 17, "ip": None, "gre": 47, "esp": 50, "ahp": 51, "ospf": 89}
PROTOCOL_NAMES = {1: "ICMP", 6: "TCP", 17: "UDP", 47: "GRE", 50: "ESP", 51: "AH", 89: "OSPF"}


# addresses whose equality is exactly their int's (same version, no network part)
_PLAIN_ADDRESSES: frozenset[type] = frozenset({IPv4Address, Address})


@dataclass(frozen=True, order=True)
class Flow:
    """A concrete packet header and where it starts.

    ``ingress_interface`` None means the flow is originated by ``ingress_node`` in ``ingress_vrf``
    (Batfish InterfaceLocation); set means it enters the network on that interface (InterfaceLinkLocation).
    """

    ingress_node: str
    src_ip: IPv4Address
    dst_ip: IPv4Address
    ingress_interface: str | None = None
    ingress_vrf: str = "default"
    ip_protocol: int = 17
    src_port: int = 49152
    dst_port: int = 33434
    icmp_type: int | None = None
    icmp_code: int | None = None
    tcp_syn: bool = True
    tcp_ack: bool = False

    def __hash__(self) -> int:
        # flows key the trace caches of every sweep; the generated hash re-hashed both IPv4Address
        # fields (``hash(hex(int(ip)))`` each) on every lookup. Computed once from the same fields
        # as equality (so equal flows hash equal), kept outside the fields.
        h: int | None = self.__dict__.get("_hash")
        if h is None:
            h = hash(
                (
                    self.ingress_node,
                    int(self.src_ip),
                    int(self.dst_ip),
                    self.ingress_interface,
                    self.ingress_vrf,
                    self.ip_protocol,
                    self.src_port,
                    self.dst_port,
                    self.icmp_type,
                    self.icmp_code,
                    self.tcp_syn,
                    self.tcp_ack,
                )
            )
            object.__setattr__(self, "_hash", h)
        return h

    def __eq__(self, other: object) -> bool:
        # trace caches look flows up by equal, not identical, objects (122 k comparisons in the
        # `live` sweep): the generated __eq__ built two 12-field tuples and called the
        # Python-level IPv4Address.__eq__ twice. Same answer, field by field, addresses by int.
        if other.__class__ is not self.__class__:
            return NotImplemented
        if self is other:
            return True
        s1, d1, s2, d2 = self.src_ip, self.dst_ip, other.src_ip, other.dst_ip
        plain = _PLAIN_ADDRESSES
        if type(s1) in plain and type(s2) in plain and type(d1) in plain and type(d2) in plain:
            if s1._ip != s2._ip or d1._ip != d2._ip:  # type: ignore[attr-defined]
                return False
        elif not (s1 == s2 and d1 == d2):  # another address kind: its own equality, as before
            return False
        return (
            self.dst_port == other.dst_port
            and self.ingress_node == other.ingress_node
            and self.src_port == other.src_port
            and self.ip_protocol == other.ip_protocol
            and self.ingress_interface == other.ingress_interface
            and self.ingress_vrf == other.ingress_vrf
            and self.icmp_type == other.icmp_type
            and self.icmp_code == other.icmp_code
            and self.tcp_syn == other.tcp_syn
            and self.tcp_ack == other.tcp_ack
        )

    def __getstate__(self) -> dict[str, Any]:
        # str hashes differ between processes (PYTHONHASHSEED): a Ray worker must recompute it
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @property
    def protocol_name(self) -> str:
        return PROTOCOL_NAMES.get(self.ip_protocol, str(self.ip_protocol))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ingress_node": self.ingress_node,
            "ingress_interface": self.ingress_interface,
            "ingress_vrf": self.ingress_vrf,
            "src_ip": str(self.src_ip),
            "dst_ip": str(self.dst_ip),
            "protocol": self.protocol_name,
        }
        if self.ip_protocol in (6, 17):
            out["src_port"] = self.src_port
            out["dst_port"] = self.dst_port
        if self.ip_protocol == 1:
            out["icmp_type"] = self.icmp_type
            out["icmp_code"] = self.icmp_code
        return out

    def __str__(self) -> str:
        start = f"{self.ingress_node}[{self.ingress_interface}]" if self.ingress_interface else self.ingress_node
        ports = f" {self.src_port}->{self.dst_port}" if self.ip_protocol in (6, 17) else ""
        return f"{start}: {self.src_ip} -> {self.dst_ip} {self.protocol_name}{ports}"


StepType = Literal[
    "EnterInputInterface",
    "Originate",
    "Filter",
    "Inbound",
    "Routing",
    "ExitOutputInterface",
    "Arp",
    "Loop",
]


@dataclass(frozen=True)
class Step:
    """One step inside a hop. ``detail`` holds Batfish-like fields (interface, filter, routes, arp_ip)."""

    type: StepType
    action: str  # RECEIVED, ORIGINATED, PERMITTED, DENIED, ACCEPTED, FORWARDED, TRANSMITTED, NO_ROUTE, ...
    detail: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    file: str | None = None  # config line responsible (e.g. the ACL line that denied)
    line: int | None = None
    # Soundness: lines the parser could not read that this step's outcome depends on (a partial
    # filter whose evaluation reached them, a partial interface, an undecided route). Non-empty
    # makes every trace through the step *undecided*.
    unparsed: tuple[SourceRef, ...] = ()
    # References to filters that do not exist (``ip access-group NAME`` with NAME undefined): the
    # engine permits as Batfish does, but verdicts that depend on them carry a warning.
    undefined_refs: tuple[SourceRef, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "action": self.action, **self.detail}
        if self.file is not None:
            out["location"] = {"file": self.file, "line": self.line}
        if self.unparsed:
            out["unparsed"] = [str(r) for r in self.unparsed]
        if self.undefined_refs:
            out["undefined_references"] = [str(r) for r in self.undefined_refs]
        return out


@dataclass(frozen=True)
class Hop:
    node: str
    steps: tuple[Step, ...]

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "steps": [s.to_json() for s in self.steps]}


@dataclass(frozen=True)
class Trace:
    """One path of a flow. ``undecided`` lists the unparsed config lines the path depends on: a
    non-empty tuple means the disposition is what the engine computed *without* those lines, so no
    check may take it as proof of delivery or of denial (the soundness rule)."""

    disposition: Disposition
    hops: tuple[Hop, ...]
    undecided: tuple[SourceRef, ...] = ()
    undefined_refs: tuple[SourceRef, ...] = ()  # undefined filters crossed (permitted, as Batfish does)

    @property
    def success(self) -> bool:
        return self.disposition in SUCCESS_DISPOSITIONS

    @property
    def decided(self) -> bool:
        return not self.undecided

    @property
    def path(self) -> list[str]:
        return [h.node for h in self.hops]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"disposition": self.disposition, "hops": [h.to_json() for h in self.hops]}
        if self.undecided:
            out["undecided"] = [str(r) for r in self.undecided]
        if self.undefined_refs:
            out["undefined_references"] = [str(r) for r in self.undefined_refs]
        return out

    @staticmethod
    def of_hops(disposition: Disposition, hops: tuple[Hop, ...]) -> Trace:
        """A trace whose soundness fields are gathered from its steps."""
        unparsed: dict[SourceRef, None] = {}
        undefined: dict[SourceRef, None] = {}
        for hop in hops:
            for step in hop.steps:
                for r in step.unparsed:
                    unparsed[r] = None
                for r in step.undefined_refs:
                    undefined[r] = None
        return Trace(disposition, hops, tuple(sorted(unparsed)), tuple(sorted(undefined)))
