"""``interface`` stanzas: addresses, state, filters, bandwidth and per-interface OSPF settings.

Interfaces are kept as mutable drafts until ``router ospf`` (which may come later in the file) has
been read, because OSPF membership and passivity are resolved onto the interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Interface
from typing import Literal

from validator.model.config import InterfaceKind
from validator.model.prefix import InterfaceAddress
from validator.model.source import SourceRef
from validator.parsers.cisco_ios.common import (
    Context,
    Line,
    LineError,
    Stanza,
    area,
    integer,
    interface_words,
    ip,
    mask_len,
)
from validator.parsers.cisco_ios.tables import (
    DEFAULT_BANDWIDTHS,
    DEFAULT_SPEEDS,
    IGNORED_INTERFACE,
    OTHER_DEFAULT_BANDWIDTH,
    PHYSICAL_PREFIXES,
)

NetworkType = Literal["broadcast", "point-to-point", "non-broadcast", "point-to-multipoint"]


@dataclass
class InterfaceDraft:
    name: str
    source: SourceRef
    addresses: list[IPv4Interface] = field(default_factory=list)  # [0] is primary once set
    has_primary: bool = False
    admin_up: bool = True
    vrf: str = "default"
    description: str | None = None
    mtu: int = 1500
    bandwidth_kbps: float | None = None
    speed_mbps: float | None = None
    acl_in: str | None = None
    acl_out: str | None = None
    acl_in_source: SourceRef | None = None
    acl_out_source: SourceRef | None = None
    proxy_arp: bool = True
    ospf_process: str | None = None
    ospf_area: int | None = None
    ospf_area_line: Line | None = None
    ospf_cost: int | None = None
    ospf_network: NetworkType | None = None
    ospf_hello: int | None = None
    ospf_dead: int | None = None
    ospf_passive: bool = False
    # lines that may govern forwarding but are not modelled: the interface is partial
    unparsed: list[SourceRef] = field(default_factory=list)

    @property
    def kind(self) -> InterfaceKind:
        return interface_kind(self.name)

    @property
    def bandwidth(self) -> float:
        """Semantics section 1: bandwidth command, speed command, default speed, default bandwidth."""
        if self.bandwidth_kbps is not None:
            return self.bandwidth_kbps * 1000.0
        if self.speed_mbps is not None:
            return self.speed_mbps * 1e6
        return default_bandwidth(self.name)


def interface_kind(name: str) -> InterfaceKind:
    if name.startswith("Loopback"):
        return "loopback"
    if name.startswith("Null"):
        return "null"
    if name.startswith("Vlan"):
        return "vlan"
    if name.startswith("Tunnel"):
        return "tunnel"
    if "." in name:
        return "logical"
    if name.startswith(PHYSICAL_PREFIXES):
        return "physical"
    return "other"


def default_bandwidth(name: str) -> float:
    for prefix, speed in DEFAULT_SPEEDS:
        if name.startswith(prefix):
            return speed
    for prefix, bw in DEFAULT_BANDWIDTHS:
        if name.startswith(prefix):
            return bw
    return OTHER_DEFAULT_BANDWIDTH


_NETWORK_TYPES: dict[str, NetworkType] = {
    "broadcast": "broadcast",
    "point-to-point": "point-to-point",
    "non-broadcast": "non-broadcast",
    "point-to-multipoint": "point-to-multipoint",
}


def parse_interface(
    stanza: Stanza, ctx: Context, known: dict[str, InterfaceDraft] | None = None
) -> InterfaceDraft | None:
    """One ``interface`` stanza. Re-entering an interface already in ``known`` continues that draft
    (IOS re-enters the interface's sub-mode and applies the new lines to it, as Batfish does)."""
    head = stanza.head
    if len(head.words) < 2:
        ctx.warn(head, "interface without a name")
        for child in stanza.children:
            ctx.warn(child, "inside an unparsed interface")
        return None
    name, _ = interface_words(head.words, 1)  # trailing ``point-to-point``/``multipoint`` is layer 2 only
    draft = (known or {}).get(name) or InterfaceDraft(name=name, source=ctx.src(head))
    ctx.ok(head)
    if name.startswith("Port-channel"):
        ctx.warn(head, "Port-channel bandwidth and state derive from members; not modelled")
    for line in stanza.children:
        # IGNORED_INTERFACE lists the lines that cannot change forwarding; every other line not
        # modelled (ip policy route-map, ip nat, ip verify unicast, zone-member, unknown commands)
        # is warned and recorded so flows crossing this interface are undecided.
        if not ctx.child(line, lambda ln: _interface_line(draft, ln, ctx), IGNORED_INTERFACE):
            draft.unparsed.append(ctx.src(line))
    return draft


def _interface_line(d: InterfaceDraft, line: Line, ctx: Context) -> bool:
    """Apply one child line; False if the line is not modelled."""
    w = line.words
    low = [x.lower() for x in w]
    n = len(w)
    if low[0] == "ip" and n >= 3 and low[1] == "address":
        if low[2] in ("dhcp", "negotiated", "pool"):
            return False
        secondary = low[-1] == "secondary"
        if "/" in w[2]:
            addr_s, _, plen_s = w[2].partition("/")
            addr = InterfaceAddress((ip(addr_s), integer(plen_s, 0, 32)))
            rest = 3
        else:
            if n < 4:
                raise LineError("missing netmask")
            addr = InterfaceAddress((ip(w[2]), mask_len(w[3])))
            rest = 4
        if len(w) > rest + (1 if secondary else 0):
            return False
        if secondary:
            if not d.has_primary:
                # IOS refuses a secondary before the primary; keep it but say so
                ctx.warn(line, "secondary address without a primary")
            d.addresses.append(addr)
        elif d.has_primary:
            d.addresses[0] = addr
        else:
            d.addresses.insert(0, addr)
            d.has_primary = True
        return True
    if low[:3] == ["no", "ip", "address"]:
        d.addresses.clear()
        d.has_primary = False
        return True
    if low == ["shutdown"]:
        d.admin_up = False
        return True
    if low == ["no", "shutdown"]:
        d.admin_up = True
        return True
    if low[0] == "description":
        d.description = line.text[len(w[0]) :].strip()
        return True
    if low[0] == "mtu" and n == 2:
        d.mtu = integer(w[1], 64, 65535)
        return True
    if low[0] == "bandwidth" and n == 2:
        d.bandwidth_kbps = float(integer(w[1], 1))
        return True
    if low[0] == "speed" and n == 2:
        if low[1] == "auto":
            d.speed_mbps = None
        else:
            d.speed_mbps = float(integer(w[1], 1))
        return True
    vrf_cmd = low[:2] == ["vrf", "forwarding"] or low[:3] == ["ip", "vrf", "forwarding"]
    if vrf_cmd and n == low.index("forwarding") + 2:
        d.vrf = w[-1]
        return True
    if low[:2] == ["ip", "access-group"] and n == 4 and low[3] in ("in", "out"):
        if low[3] == "in":
            d.acl_in, d.acl_in_source = w[2], ctx.src(line)
        else:
            d.acl_out, d.acl_out_source = w[2], ctx.src(line)
        ctx.ref("acl", w[2], line)
        return True
    if low == ["no", "ip", "proxy-arp"]:
        d.proxy_arp = False
        return True
    if low == ["ip", "proxy-arp"]:
        d.proxy_arp = True
        return True
    if low[:2] == ["ip", "ospf"] and n >= 3:
        return _ospf_line(d, line, low)
    return False


def _ospf_line(d: InterfaceDraft, line: Line, low: list[str]) -> bool:
    w = line.words
    n = len(w)
    if low[2] == "cost" and n == 4:
        d.ospf_cost = integer(w[3], 1, 65535)
        return True
    if low[2] == "network" and n == 4 and low[3] in _NETWORK_TYPES:
        d.ospf_network = _NETWORK_TYPES[low[3]]
        return True
    if low[2] == "hello-interval" and n == 4:
        d.ospf_hello = integer(w[3], 1, 65535)
        return True
    if low[2] == "dead-interval" and n == 4 and low[3] != "minimal":
        d.ospf_dead = integer(w[3], 1, 65535)
        return True
    if low[2] == "passive-interface" and n == 3:
        d.ospf_passive = True
        return True
    if n == 5 and low[3] == "area" and w[2].isdigit():
        d.ospf_process = w[2]
        d.ospf_area = area(w[4])
        d.ospf_area_line = line
        return True
    return False


# Public name of the per-line handler: the Arista EOS parser applies the interface lines EOS
# shares with IOS (addresses, shutdown, MTU, filters, ``ip ospf ...``) through it.
interface_line = _interface_line
