"""The management plane: how operators reach a device and what the device itself must reach.

The outage behind this project was made long by the recovery path: authentication broke and the
operators' monitoring went blind. So the lines that decide operator access (``line vty``), login
(AAA method lists and servers) and monitoring (syslog, NTP, SNMP) are modelled, with the line they
came from, and the ``management`` policy proves them (``validator.checks.management``).

Vendor-neutral: service names are the model's (``tacacs``, ``radius``, ``logging``, ``ntp``,
``snmp``, ``snmp-trap``, ``ssh``, ``http``), interface names are canonical. A non-empty
``unparsed`` makes the plane *partial*: a check that depends on it cannot pass (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import Literal

from validator.model.source import SourceRef

ServerService = Literal["tacacs", "radius", "logging", "ntp", "snmp-trap"]
LineKind = Literal["vty", "con", "aux", "other"]

# The protocols a ``transport input`` keyword admits on a line (Cisco IOS Terminal Services
# command reference, ``transport input``): ``all`` admits every one, ``none`` none of them.
TRANSPORT_PROTOCOLS = ("ssh", "telnet", "rlogin", "lat", "mop", "pad", "udptn", "v120", "lapb-ta")


@dataclass(frozen=True)
class TerminalLine:
    """A ``line vty A B`` (or ``con``/``aux``) stanza.

    ``transport_input`` None means the line does not configure it: IOS 12.x/15.x then admits
    every protocol on vty lines (``transport input all`` is the documented default of classic
    IOS; IOS-XE 16.x changed it to ``none`` / ``ssh`` per platform), so the checks treat None as
    admitting telnet (``ssh_only`` fails) and ssh (operator access is not assumed blocked).
    """

    kind: LineKind
    first: int
    last: int
    source: SourceRef
    access_class_in: str | None = None
    access_class_in_source: SourceRef | None = None
    access_class_out: str | None = None
    access_class_out_source: SourceRef | None = None
    transport_input: tuple[str, ...] | None = None
    transport_input_source: SourceRef | None = None
    login_list: str | None = None  # ``login authentication LIST``
    login_local: bool = False  # ``login local``: the local user database, no AAA list
    login_source: SourceRef | None = None
    unparsed: tuple[SourceRef, ...] = ()

    def admits(self, protocol: str) -> bool:
        """Whether ``transport input`` lets ``protocol`` (ssh, telnet, ...) start a session."""
        if self.transport_input is None:
            return True
        return "all" in self.transport_input or protocol in self.transport_input


@dataclass(frozen=True)
class AaaMethodList:
    """``aaa authentication login NAME METHOD...`` (and authorization/accounting).

    ``kind`` is the words before the list name (``authentication login``, ``authorization exec``,
    ``authorization commands 15``, ``accounting exec``); ``methods`` keeps ``group X`` as one item.
    """

    kind: str
    name: str
    methods: tuple[str, ...]
    source: SourceRef

    @property
    def local_fallback(self) -> bool:
        """The list ends in a method that works without any server (IOS tries methods in order
        and moves on only when a server does not answer): ``local``, ``local-case``, ``enable``,
        ``line`` or ``none``."""
        return bool(self.methods) and self.methods[-1] in ("local", "local-case", "enable", "line", "none")


@dataclass(frozen=True)
class AaaServer:
    """A configured TACACS+/RADIUS server (``tacacs server NAME`` + ``address ipv4``, or the
    legacy ``tacacs-server host``/``radius-server host``)."""

    protocol: Literal["tacacs", "radius"]
    address: IPv4Address | None
    source: SourceRef
    name: str = ""  # empty for the legacy host form


@dataclass(frozen=True)
class AaaServerGroup:
    """``aaa group server tacacs+|radius NAME`` with its members and own source interface."""

    protocol: Literal["tacacs", "radius"]
    name: str
    members: tuple[str, ...]  # server names or addresses as written
    source: SourceRef
    source_interface: str | None = None
    source_interface_source: SourceRef | None = None
    vrf: str = "default"


@dataclass(frozen=True)
class ServerRef:
    """A server the device sends to: syslog, NTP, SNMP trap receivers.

    ``source_interface`` is a per-server override (``ntp server X source IF``)."""

    service: ServerService
    address: IPv4Address
    source: SourceRef
    vrf: str = "default"
    source_interface: str | None = None


@dataclass(frozen=True)
class SourceInterface:
    """``ip tacacs source-interface IF``, ``logging source-interface IF``, ``ntp source IF``, ..."""

    service: str  # tacacs, radius, logging, ntp, snmp-trap, snmp, ssh
    interface: str
    source: SourceRef


@dataclass(frozen=True)
class SnmpCommunity:
    """``snmp-server community NAME [view V] [RO|RW] [ACL]``: the ACL filters SNMP requesters."""

    name: str
    access: Literal["ro", "rw"]
    source: SourceRef
    acl: str | None = None


@dataclass(frozen=True)
class NtpAccessGroup:
    """``ntp access-group peer|serve|serve-only|query-only ACL``."""

    kind: str
    acl: str
    source: SourceRef


@dataclass(frozen=True)
class ManagementPlane:
    """Everything management-plane of one device (empty for hosts and minimal configs)."""

    aaa_new_model: bool = False
    aaa_new_model_source: SourceRef | None = None
    method_lists: tuple[AaaMethodList, ...] = ()
    servers: tuple[AaaServer, ...] = ()
    server_groups: tuple[AaaServerGroup, ...] = ()
    targets: tuple[ServerRef, ...] = ()  # syslog, NTP, SNMP trap receivers
    source_interfaces: tuple[SourceInterface, ...] = ()
    lines: tuple[TerminalLine, ...] = ()
    snmp_communities: tuple[SnmpCommunity, ...] = ()
    ntp_access_groups: tuple[NtpAccessGroup, ...] = ()
    ssh_version: int | None = None
    http_server: bool = False  # ``ip http server`` (plain HTTP management)
    https_server: bool = False  # ``ip http secure-server``
    http_access_class: str | None = None  # ``ip http access-class ACL``: filters HTTP(S) clients
    http_access_class_source: SourceRef | None = None
    # ``control-plane`` stanza lines as written: policing is not simulated, only present/changed
    control_plane: tuple[str, ...] = ()
    control_plane_source: SourceRef | None = None
    unparsed: tuple[SourceRef, ...] = ()

    @property
    def vty_lines(self) -> tuple[TerminalLine, ...]:
        return tuple(ln for ln in self.lines if ln.kind == "vty")

    def source_interface(self, service: str) -> SourceInterface | None:
        """The last ``... source-interface`` line for ``service`` (a later line replaces an earlier)."""
        found = [s for s in self.source_interfaces if s.service == service]
        return found[-1] if found else None

    def method_list(self, kind: str, name: str) -> AaaMethodList | None:
        found = [m for m in self.method_lists if m.kind == kind and m.name == name]
        return found[-1] if found else None

    def targets_of(self, service: ServerService) -> tuple[ServerRef, ...]:
        return tuple(t for t in self.targets if t.service == service)

    def group(self, name: str) -> AaaServerGroup | None:
        found = [g for g in self.server_groups if g.name == name]
        return found[-1] if found else None
