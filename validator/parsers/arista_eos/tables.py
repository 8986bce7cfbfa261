"""Fixed vocabularies of Arista EOS: ignorable lines, interface names and default speeds.

Kept as data, like ``cisco_ios/tables.py``, so a reader can see exactly which EOS lines are dropped
on purpose and why; anything else that is not modelled becomes a ParseWarning (fail closed).
"""

from __future__ import annotations

from validator.parsers.cisco_ios.tables import Ignorable

_MGMT = "management-plane only; no effect on forwarding or routing"
_L2 = "layer 2 only; the model is layer 3 (edges come from subnets)"


def _ig(words: str, reason: str) -> Ignorable:
    return Ignorable(tuple(words.lower().split()), reason)


# Top-level EOS lines that cannot change IPv4 unicast forwarding or routing. An ignorable head also
# covers its children (EOS ``show running-config`` indents every sub-mode line under its head).
IGNORED_TOP: tuple[Ignorable, ...] = (
    _ig("end", "end of configuration marker"),
    _ig("boot", "boot image selection"),
    _ig("transceiver", "optics mode: physical layer"),
    _ig("service routing protocols model", "routing agent architecture (ribd / multi-agent); same results"),
    _ig("spanning-tree", "spanning tree: " + _L2),
    _ig("no spanning-tree", "spanning tree: " + _L2),
    _ig("vlan", "VLAN database: " + _L2),
    _ig("no aaa root", "root account: " + _MGMT),
    _ig("ip routing", "IPv4 routing on; Batfish's Arista conversion routes whether or not it is set"),
    _ig("ipv6", "IPv6; the model is IPv4 only"),
    _ig("no ipv6", "IPv6; the model is IPv4 only"),
    _ig("ip domain lookup", "DNS resolution of CLI names: " + _MGMT),
    _ig("ip domain-name", "DNS domain name: " + _MGMT),
    _ig("dns domain", "DNS domain name: " + _MGMT),
    _ig("ip name-server", "DNS server: " + _MGMT),
    _ig("clock", "clock settings: " + _MGMT),
    _ig("lldp", "neighbour discovery: " + _MGMT),
    _ig("no lldp", "neighbour discovery: " + _MGMT),
    _ig("errdisable", "port error recovery timers: " + _L2),
    _ig("queue-monitor", "buffer monitoring: " + _MGMT),
    _ig("hardware counter", "counters: " + _MGMT),
    _ig("load-interval", "statistics interval"),
    _ig("interface defaults", "default MTU of new interfaces only when they are created"),
    _ig("mac address-table", "MAC learning: " + _L2),
    _ig("port-channel load-balance", "member selection hash; the model has one logical link"),
    _ig("prompt", "CLI prompt: " + _MGMT),
    _ig("terminal", "CLI session settings: " + _MGMT),
    _ig("alias", "CLI aliases: " + _MGMT),
    _ig("event-handler", "scripted event handler: " + _MGMT),
    _ig("daemon", "on-box agents (TerminAttr): " + _MGMT),
    _ig("banner", "login banners: " + _MGMT),
)

# Top-level heads of the management plane (AAA, users, API, SSH, SNMP, NTP, syslog). EOS syntax
# differs from IOS here and the management model is IOS-shaped, so on EOS these lines are read
# but not modelled: the device's management plane is partial, a ``management`` policy on it is
# undecided (they cannot change forwarding, so no other check depends on them).
MANAGEMENT_HEADS: tuple[tuple[str, ...], ...] = (
    ("username",),
    ("enable",),
    ("aaa",),
    ("no", "aaa"),
    ("management",),
    ("tacacs-server",),
    ("radius-server",),
    ("snmp-server",),
    ("ntp",),
    ("logging",),
    ("ip", "ssh"),
    ("ip", "http"),
    ("ip", "tacacs"),
    ("ip", "radius"),
    ("control-plane",),
    ("system", "control-plane"),
    ("role",),
)

IGNORED_INTERFACE: tuple[Ignorable, ...] = (
    _ig("duplex", "physical-layer setting; no layer-3 effect"),
    _ig("load-interval", "statistics interval"),
    _ig("logging event", "link event logging: " + _MGMT),
    _ig("no logging event", "link event logging: " + _MGMT),
    _ig("spanning-tree", "spanning tree: " + _L2),
    _ig("lldp", "neighbour discovery: " + _MGMT),
    _ig("no lldp", "neighbour discovery: " + _MGMT),
    _ig("storm-control", "broadcast storm limits: " + _L2),
    _ig("flowcontrol", "pause frames: physical layer"),
    _ig("error-correction", "FEC: physical layer"),
    _ig("no ip redirects", "ICMP redirects; no forwarding effect"),
    _ig("ip redirects", "ICMP redirects; no forwarding effect"),
    _ig("no ip unreachables", "ICMP unreachable generation; no forwarding effect"),
    _ig("ip helper-address", "DHCP relay; no routing effect"),
    _ig("ipv6", "IPv6; the model is IPv4 only"),
    _ig("no ipv6", "IPv6; the model is IPv4 only"),
    _ig("bfd", "failure detection timers; no effect on the converged state"),
    _ig("no autostate", "SVI state tracking; Batfish does not compute SVI autostate from VLAN members"),
    _ig("autostate", "SVI state tracking; Batfish does not compute SVI autostate from VLAN members"),
    _ig("arp timeout", "ARP cache timer; no effect on forwarding decisions"),
    _ig("snmp", "SNMP traps: " + _MGMT),
)

IGNORED_OSPF: tuple[Ignorable, ...] = (
    _ig("log-adjacency-changes", "adjacency logging"),
    _ig("no log-adjacency-changes", "adjacency logging"),
    # Batfish's Arista OSPF model has no LSA limit: ``max-lsa`` only shuts OSPF down when a
    # database overflows, which the converged state Batfish computes never reaches.
    _ig("max-lsa", "LSA database overload guard; Batfish does not model it"),
    _ig("timers", "SPF / LSA pacing; no effect on the converged state"),
    _ig("bfd", "failure detection; no effect on the converged state"),
    _ig("no bfd", "failure detection; no effect on the converged state"),
    _ig("graceful-restart", "restart timers; no effect on the converged state"),
)

IGNORED_BGP: tuple[Ignorable, ...] = (
    _ig("bgp log-neighbor-changes", "session logging"),
    _ig("no bgp log-neighbor-changes", "session logging"),
    _ig("timers bgp", "keepalive/hold timers; no effect on the converged state"),
    _ig("graceful-restart", "restart timers; no effect on the converged state"),
    _ig("graceful-restart-helper", "restart timers; no effect on the converged state"),
    _ig("bgp graceful-restart", "restart timers; no effect on the converged state"),
    _ig("bgp listen limit", "dynamic peer count limit"),
    _ig("dynamic peer max", "dynamic peer count limit"),
    _ig("exit-address-family", "end of an address-family block"),
    _ig("exit", "end of a sub-mode block"),
)

IGNORED_NEIGHBOR: tuple[Ignorable, ...] = (
    _ig("bfd", "failure detection; no effect on the converged state"),
    _ig("timers", "keepalive/hold timers; no effect on the converged state"),
    _ig("soft-reconfiguration", "stores received routes for refresh; no policy effect"),
    _ig("graceful-restart", "restart timers; no effect on the converged state"),
    _ig("graceful-restart-helper", "restart timers; no effect on the converged state"),
    _ig("idle-restart-timer", "session restart pacing; no effect on the converged state"),
)

# Batfish Arista Interface.getDefaultSpeed / getDefaultBandwidth (bits/s): Ethernet is 1 Gb/s on
# EOS (10 Mb/s on IOS), Port-Channel bandwidth is the sum of its members, other types 1e12.
DEFAULT_SPEEDS: tuple[tuple[str, float], ...] = (("Ethernet", 1e9),)
DEFAULT_BANDWIDTHS: tuple[tuple[str, float], ...] = (
    ("Loopback", 8e9),
    ("Vlan", 1e9),
)
OTHER_DEFAULT_BANDWIDTH = 1e12

# Batfish's Arista OSPF reference bandwidth (arista OspfProcess.getReferenceOspfBandwidth: 10 Mb/s)
# and default metric of redistributed routes (getEffectiveDefaultMetric: 10).
OSPF_REFERENCE_BANDWIDTH = 10e6
OSPF_DEFAULT_METRIC = 10

# Arista interface name prefixes (canonical spelling as EOS and Batfish print them). Abbreviations
# resolve to the first entry whose lower-case name starts with what was typed.
INTERFACE_PREFIXES: tuple[str, ...] = (
    "Ethernet",
    "Loopback",
    "Management",
    "Port-channel",  # EOS prints Port-Channel: see interfaces.canonical_eos_interface
    "Vlan",
    "Vxlan",
    "Tunnel",
    "Null",
    "Recirc-Channel",
)
