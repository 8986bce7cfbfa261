"""Fixed vocabularies of IOS: ignorable lines, interface names, protocols, ports, ICMP types.

Kept as data so the closing note of the parser issue (and reviewers) can read exactly which lines
are dropped on purpose and why; anything not listed here and not modelled becomes a ParseWarning,
which makes the gate fail closed on a change touching it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ignorable:
    """Lines starting with ``words`` (compared lower-case, word by word) are read and dropped.

    At top level, an ignorable head line also covers every child line of its stanza.
    """

    words: tuple[str, ...]
    reason: str


def _ig(words: str, reason: str) -> Ignorable:
    return Ignorable(tuple(words.lower().split()), reason)


_MGMT = "management-plane only; no effect on forwarding or routing"

# ``line``, ``aaa``, ``snmp-server``, ``logging``, ``ntp``, ``ip ssh``, ``ip http``, TACACS/RADIUS and
# ``control-plane`` are modelled (parsers/cisco_ios/management.py), not ignored.
IGNORED_TOP: tuple[Ignorable, ...] = (
    _ig("end", "end of configuration marker"),
    _ig("version", "software version banner"),
    _ig("service", "management services (timestamps, password encryption)"),
    _ig("boot-start-marker", "boot image markers"),
    _ig("boot-end-marker", "boot image markers"),
    _ig("boot", "boot image selection"),
    _ig("no ip domain lookup", "DNS resolution of CLI names: " + _MGMT),
    _ig("no ip domain-lookup", "DNS resolution of CLI names: " + _MGMT),
    _ig("ip domain name", "DNS domain name: " + _MGMT),
    _ig("ip domain-name", "DNS domain name: " + _MGMT),
    _ig("ip domain lookup", "DNS resolution of CLI names: " + _MGMT),
    _ig("ip name-server", "DNS server: " + _MGMT),
    _ig("ip cef", "CEF switching is the forwarding model already assumed"),
    _ig("no ipv6 cef", "IPv6 switching; the model is IPv4 only"),
    _ig("ipv6 cef", "IPv6 switching; the model is IPv4 only"),
    _ig("multilink", "PPP multilink bundle naming; no layer-3 effect"),
    _ig("ip tcp synwait-time", "TCP timer for router-terminated sessions; " + _MGMT),
    _ig("ip forward-protocol nd", "UDP broadcast forwarding default; no unicast routing effect"),
    _ig("ip bgp-community new-format", "display format of communities only"),
    _ig("no ip icmp rate-limit", "ICMP unreachable rate limiting; no routing effect"),
    _ig("ip icmp rate-limit", "ICMP unreachable rate limiting; no routing effect"),
    _ig("banner", "login banners: " + _MGMT),
    _ig("enable", "enable password: " + _MGMT),
    _ig("username", "local users: " + _MGMT),
    _ig("clock", "clock settings: " + _MGMT),
    _ig("archive", "config archive: " + _MGMT),
    _ig("memory-size", "memory tuning: " + _MGMT),
    _ig("redundancy", "supervisor redundancy: " + _MGMT),
    _ig("ip routing", "IPv4 routing on (the IOS default)"),
    _ig("ip subnet-zero", "subnet zero allowed (the IOS default)"),
    _ig("ip classless", "classless forwarding (the IOS default)"),
    _ig("cdp", "neighbour discovery: " + _MGMT),
    _ig("no cdp", "neighbour discovery: " + _MGMT),
    _ig("lldp", "neighbour discovery: " + _MGMT),
    _ig("no lldp", "neighbour discovery: " + _MGMT),
    _ig("mmi", "modem management: " + _MGMT),
    _ig("no mmi", "modem management: " + _MGMT),
    _ig("no service", "management services: " + _MGMT),
)

# --- sub-modes of ignored top-level stanzas -------------------------------------------------------
#
# IOS falls back to global configuration mode when a line is not a command of the current sub-mode
# (the device does not look at indentation). So an indented line under an ignored stanza is only
# ignored when it is a known command of that stanza's sub-mode; anything else is parsed as a global
# command (modelled or warned). Heads not listed here have no sub-mode at all (``service ...``,
# ``ntp ...``, ``logging ...``): every indented line under them is a global command.
# Sources: Cisco IOS Configuration Fundamentals / Terminal Services command references (line
# configuration mode), IOS Security command reference (aaa server groups), IOS High Availability
# (redundancy), IOS archive and control-plane configuration modes. Matching ignores a leading ``no``.

_LINE_MODE = "line (console/aux/vty) sub-mode: " + _MGMT

SUBMODES: dict[tuple[str, ...], tuple[Ignorable, ...]] = {
    ("line",): tuple(
        _ig(cmd, _LINE_MODE)
        for cmd in (
            "exec-timeout",
            "session-timeout",
            "absolute-timeout",
            "logout-warning",
            "password",
            "login",
            "logging synchronous",
            "privilege level",
            "stopbits",
            "databits",
            "parity",
            "speed",
            "rxspeed",
            "txspeed",
            "flowcontrol",
            "transport",
            "access-class",
            "ipv6 access-class",
            "exec",
            "exec-banner",
            "motd-banner",
            "history",
            "length",
            "width",
            "escape-character",
            "autoselect",
            "autocommand",
            "modem",
            "authorization",
            "accounting",
            "location",
            "vacant-message",
            "activation-character",
            "session-disconnect-warning",
            "timeout login response",
            "terminal-type",
            "notify",
            "rotary",
            "refuse-message",
            "data-character-bits",
            "exec-character-bits",
            "special-character-bits",
            "padding",
            "hold-character",
            "disconnect-character",
            "start-character",
            "stop-character",
            "insecure",
            "monitor",
            "international",
            "full-help",
            "editing",
            "lockable",
            "password-encryption",
            "domain-lookup",
            "escape",
            "transport preferred",
            "cdp",
            "media-type",
            "physical-layer",
            "session-limit",
            "privilege",
            "telnet",
            "script",
            "dispatch-character",
            "dispatch-timeout",
            "ip netmask-format",
            "transport-map",
        )
    ),
    ("aaa", "group", "server"): tuple(
        _ig(cmd, "AAA server group sub-mode: " + _MGMT)
        for cmd in (
            "server",
            "server-private",
            "ip tacacs source-interface",
            "ip radius source-interface",
            "ip vrf forwarding",
            "deadtime",
            "load-balance",
        )
    ),
    ("control-plane",): (_ig("service-policy", "control-plane policing applies to traffic to the router only"),),
    ("redundancy",): tuple(
        _ig(cmd, "supervisor redundancy sub-mode: " + _MGMT)
        for cmd in ("mode", "main-cpu", "auto-sync", "maintenance-mode", "keepalive-enable")
    ),
    ("archive",): tuple(
        _ig(cmd, "config archive sub-mode: " + _MGMT)
        for cmd in (
            "path",
            "write-memory",
            "maximum",
            "time-period",
            "log config",
            "logging enable",
            "logging size",
            "notify syslog",
            "hidekeys",
            "rollback",
        )
    ),
}


def submode_table(head: list[str]) -> tuple[Ignorable, ...]:
    """Known sub-mode commands of an ignored top-level stanza (longest head match; none = no sub-mode)."""
    low = tuple(w.lower() for w in head)
    best: tuple[str, ...] = ()
    for key in SUBMODES:
        if low[: len(key)] == key and len(key) > len(best):
            best = key
    return SUBMODES.get(best, ())


IGNORED_INTERFACE: tuple[Ignorable, ...] = (
    _ig("duplex", "physical-layer setting; no layer-3 effect"),
    _ig("negotiation", "physical-layer autonegotiation; no layer-3 effect"),
    _ig("media-type", "physical connector type; no layer-3 effect"),
    _ig("load-interval", "statistics interval"),
    _ig("no ip redirects", "ICMP redirects; no forwarding effect"),
    _ig("ip redirects", "ICMP redirects; no forwarding effect"),
    _ig("no ip unreachables", "ICMP unreachable generation; no forwarding effect"),
    _ig("ip unreachables", "ICMP unreachable generation; no forwarding effect"),
    _ig("no ip route-cache", "switching cache; no forwarding decision effect"),
    _ig("ip route-cache", "switching cache; no forwarding decision effect"),
    _ig("no ip mroute-cache", "multicast switching cache; unicast model only"),
    _ig("cdp", "neighbour discovery: " + _MGMT),
    _ig("no cdp", "neighbour discovery: " + _MGMT),
    _ig("no mop", "DECnet MOP; " + _MGMT),
    _ig("keepalive", "link keepalives; the model has no layer-1 failure detection"),
    _ig("no keepalive", "link keepalives; the model has no layer-1 failure detection"),
    _ig("logging", "link event logging: " + _MGMT),
    _ig("no logging", "link event logging: " + _MGMT),
    _ig("ip helper-address", "DHCP relay; no routing effect"),
    _ig("no switchport", "routed port; every interface is modelled as layer 3"),
    _ig("encapsulation dot1q", "802.1Q tag: layer 2 only; edges come from subnets (semantics section 7)"),
    _ig("snmp", "SNMP traps: " + _MGMT),
    _ig("no snmp", "SNMP traps: " + _MGMT),
)

IGNORED_OSPF: tuple[Ignorable, ...] = (
    _ig("log-adjacency-changes", "adjacency logging"),
    _ig("no log-adjacency-changes", "adjacency logging"),
    _ig("timers throttle", "SPF throttling; no effect on the converged state"),
    _ig("timers lsa", "LSA pacing; no effect on the converged state"),
    _ig("timers pacing", "LSA pacing; no effect on the converged state"),
)

IGNORED_BGP: tuple[Ignorable, ...] = (
    _ig("bgp log-neighbor-changes", "session logging"),
    _ig("no bgp log-neighbor-changes", "session logging"),
    _ig("bgp dampening", "flap damping; no effect on the converged state Batfish computes"),
    _ig("no synchronization", "IGP synchronisation off (the default)"),
    _ig("synchronization", "IGP synchronisation: Batfish does not model it"),
    _ig("no auto-summary", "auto-summary off (the default)"),
    _ig("bgp graceful-restart", "restart timers; no effect on the converged state"),
    _ig("bgp listen limit", "dynamic peer count limit"),
    _ig("timers bgp", "keepalive/hold timers; no effect on the converged state"),
    _ig("exit-address-family", "end of an address-family block"),
)

# Neighbor sub-commands (after ``neighbor X``) that are read and dropped.
IGNORED_NEIGHBOR: tuple[Ignorable, ...] = (
    _ig("advertise additional-paths", "Batfish does not handle it (semantics section 4f)"),
    _ig("timers", "keepalive/hold timers; no effect on the converged state"),
    _ig("soft-reconfiguration", "stores received routes for refresh; no policy effect"),
    _ig("version", "BGP version 4 (the only one)"),
    _ig("log-neighbor-changes", "session logging"),
)

IGNORED_ROUTE_MAP: tuple[Ignorable, ...] = (_ig("description", "comment"),)


def match_ignorable(words: list[str], table: tuple[Ignorable, ...]) -> Ignorable | None:
    low = [w.lower() for w in words]
    for entry in table:
        n = len(entry.words)
        if len(low) >= n and tuple(low[:n]) == entry.words:
            return entry
    return None


# --- interface names ------------------------------------------------------------------------

# Ordered (typed prefix -> canonical prefix): a typed prefix resolves to the first entry whose
# lower-case key starts with it, exactly as Batfish's CiscoConfiguration.CISCO_INTERFACE_PREFIXES /
# getCanonicalInterfaceNamePrefix (IOS, IOS-XE, and the IOS-XR / NX-OS / EOS spellings that the
# Cisco grammar accepts): ``Gi`` -> GigabitEthernet, ``Te`` -> TenGigabitEthernet, ``Hu`` /
# ``HundredGigE`` -> HundredGigabitEthernet, ``Fo`` -> FortyGigabitEthernet, ``Twe`` ->
# TwentyFiveGigE, ``Tw`` -> TwoGigabitEthernet, ``Eth`` -> Ethernet, ``Po`` -> Port-channel, ``Lo``
# -> Loopback, ``Vl`` -> Vlan, ``Tu`` -> Tunnel, ``Ma`` -> Management, ``mgmt``, ``BDI``, ... The
# last entries are not in Batfish's table (it refuses those names): full names stay as written.
INTERFACE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("Async", "Async"),
    ("ATM", "ATM"),
    ("BDI", "BDI"),
    ("BRI", "BRI"),
    ("Bundle-Ether", "Bundle-Ethernet"),
    ("Bundle-Ethernet", "Bundle-Ethernet"),
    ("BVI", "BVI"),
    ("Cable", "Cable"),
    ("cable-downstream", "cable-downstream"),
    ("cable-mac", "cable-mac"),
    ("cable-upstream", "cable-upstream"),
    ("Cellular", "Cellular"),
    ("Crypto-Engine", "Crypto-Engine"),
    ("cmp-mgmt", "cmp-mgmt"),
    ("Dialer", "Dialer"),
    ("Dot11Radio", "Dot11Radio"),
    ("Ethernet", "Ethernet"),
    ("Embedded-Service-Engine", "Embedded-Service-Engine"),
    ("FastEthernet", "FastEthernet"),
    ("fc", "fc"),
    ("fe", "FastEthernet"),
    ("fortyGigE", "FortyGigabitEthernet"),
    ("FortyGigabitEthernet", "FortyGigabitEthernet"),
    ("GigabitEthernet", "GigabitEthernet"),
    ("ge", "GigabitEthernet"),
    ("GMPLS", "GMPLS"),
    ("HundredGigE", "HundredGigabitEthernet"),
    ("HundredGigabitEthernet", "HundredGigabitEthernet"),
    ("ip", "ip"),
    ("Group-Async", "Group-Async"),
    ("lo", "Loopback"),
    ("LongReachEthernet", "LongReachEthernet"),
    ("Loopback", "Loopback"),
    ("ma", "Management"),
    ("Management", "Management"),
    ("ManagementEthernet", "ManagementEthernet"),
    ("mfr", "mfr"),
    ("mgmt", "mgmt"),
    ("MgmtEth", "ManagementEthernet"),
    ("Modular-Cable", "Modular-Cable"),
    ("Multilink", "Multilink"),
    ("Null", "Null"),
    ("nve", "nve"),
    ("Port-channel", "Port-channel"),
    ("POS", "POS"),
    ("PTP", "PTP"),
    ("Redundant", "Redundant"),
    ("Serial", "Serial"),
    ("Service-Engine", "Service-Engine"),
    ("TenGigabitEthernet", "TenGigabitEthernet"),
    ("TenGigE", "TenGigabitEthernet"),
    ("te", "TenGigabitEthernet"),
    ("trunk", "trunk"),
    ("Tunnel", "Tunnel"),
    ("tunnel-ip", "tunnel-ip"),
    ("tunnel-te", "tunnel-te"),
    ("tw", "TwoGigabitEthernet"),
    ("twe", "TwentyFiveGigE"),
    ("TwentyFiveGigE", "TwentyFiveGigE"),
    ("TwentyFiveGigabitEthernet", "TwentyFiveGigE"),
    ("TwoGigabitEthernet", "TwoGigabitEthernet"),
    ("vasileft", "vasileft"),
    ("vasiright", "vasiright"),
    ("ve", "VirtualEthernet"),
    ("VirtualEthernet", "VirtualEthernet"),
    ("Virtual-Template", "Virtual-Template"),
    ("Vlan", "Vlan"),
    ("Vxlan", "Vxlan"),
    ("Wideband-Cable", "Wideband-Cable"),
    ("Wlan-ap", "Wlan-ap"),
    ("Wlan-GigabitEthernet", "Wlan-GigabitEthernet"),
    # not in Batfish's table (kept so abbreviations of these IOS-XE names still resolve)
    ("FiftyGigE", "FiftyGigE"),
    ("FiveGigabitEthernet", "FiveGigabitEthernet"),
    ("Virtual-Access", "Virtual-Access"),
)

PHYSICAL_PREFIXES: tuple[str, ...] = (
    "Ethernet",
    "FastEthernet",
    "GigabitEthernet",
    "TenGigabitEthernet",
    "TwentyFiveGigE",
    "FortyGigabitEthernet",
    "FiftyGigE",
    "HundredGigabitEthernet",
    "TwoGigabitEthernet",
    "FiveGigabitEthernet",
    "Serial",
    "Management",
    "POS",
    "ATM",
)

# Batfish cisco Interface.getDefaultSpeed (bits/s), checked with str.startswith in this order.
DEFAULT_SPEEDS: tuple[tuple[str, float], ...] = (
    ("Ethernet", 10e6),
    ("FastEthernet", 100e6),
    ("GigabitEthernet", 1e9),
    ("TenGigabitEthernet", 10e9),
    ("TwentyFiveGigE", 25e9),
    ("FortyGig", 40e9),
    ("FiftyGig", 50e9),
    ("HundredGig", 100e9),
    ("TwoGigabitEthernet", 2.5e9),
    ("FiveGigabit", 5e9),
)

# Batfish cisco Interface.getDefaultBandwidth when there is no default speed.
DEFAULT_BANDWIDTHS: tuple[tuple[str, float], ...] = (
    ("Loopback", 8e9),
    ("Vlan", 1e9),
    ("Tunnel", 100e3),
)
OTHER_DEFAULT_BANDWIDTH = 1e12

# --- IP protocols, ports, ICMP ----------------------------------------------------------------

PROTOCOLS: dict[str, int | None] = {
    "ip": None,
    "ipv4": None,
    "icmp": 1,
    "igmp": 2,
    "ipinip": 4,
    "tcp": 6,
    "udp": 17,
    "gre": 47,
    "esp": 50,
    "ahp": 51,
    "eigrp": 88,
    "ospf": 89,
    "nos": 94,
    "pim": 103,
    "pcp": 108,
    "vrrp": 112,
    "sctp": 132,
}

PORTS: dict[str, int] = {
    "echo": 7,
    "discard": 9,
    "daytime": 13,
    "chargen": 19,
    "ftp-data": 20,
    "ftp": 21,
    "ssh": 22,
    "telnet": 23,
    "smtp": 25,
    "time": 37,
    "nameserver": 42,
    "whois": 43,
    "tacacs": 49,
    "domain": 53,
    "bootps": 67,
    "bootpc": 68,
    "tftp": 69,
    "gopher": 70,
    "finger": 79,
    "www": 80,
    "http": 80,
    "hostname": 101,
    "pop2": 109,
    "pop3": 110,
    "sunrpc": 111,
    "ident": 113,
    "nntp": 119,
    "ntp": 123,
    "netbios-ns": 137,
    "netbios-dgm": 138,
    "netbios-ss": 139,
    "imap": 143,
    "imap4": 143,
    "snmp": 161,
    "snmptrap": 162,
    "xdmcp": 177,
    "bgp": 179,
    "irc": 194,
    "dnsix": 195,
    "ldap": 389,
    "mobile-ip": 434,
    "https": 443,
    "pim-auto-rp": 496,
    "isakmp": 500,
    "biff": 512,
    "exec": 512,
    "login": 513,
    "who": 513,
    "cmd": 514,
    "syslog": 514,
    "lpd": 515,
    "talk": 517,
    "rip": 520,
    "uucp": 540,
    "klogin": 543,
    "kshell": 544,
    "ldaps": 636,
    "non500-isakmp": 4500,
}

# name -> (type, code or None)
ICMP_TYPES: dict[str, tuple[int, int | None]] = {
    "echo-reply": (0, None),
    "unreachable": (3, None),
    "net-unreachable": (3, 0),
    "host-unreachable": (3, 1),
    "protocol-unreachable": (3, 2),
    "port-unreachable": (3, 3),
    "packet-too-big": (3, 4),
    "administratively-prohibited": (3, 13),
    "source-quench": (4, None),
    "redirect": (5, None),
    "alternate-address": (6, None),
    "echo": (8, None),
    "router-advertisement": (9, None),
    "router-solicitation": (10, None),
    "time-exceeded": (11, None),
    "ttl-exceeded": (11, 0),
    "parameter-problem": (12, None),
    "timestamp-request": (13, None),
    "timestamp-reply": (14, None),
    "information-request": (15, None),
    "information-reply": (16, None),
    "mask-request": (17, None),
    "mask-reply": (18, None),
    "traceroute": (30, None),
}

# Well-known communities (RFC 1997 and friends) as (high, low).
WELL_KNOWN_COMMUNITIES: dict[str, tuple[int, int]] = {
    "internet": (0, 0),
    "gshut": (65535, 0),
    "no-export": (65535, 65281),
    "no-advertise": (65535, 65282),
    "local-as": (65535, 65283),
}
