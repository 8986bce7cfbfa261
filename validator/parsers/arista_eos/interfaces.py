"""EOS ``interface`` stanzas: the lines shared with IOS go through the IOS handler; switchports,
port-channel membership, ``vrf NAME``, ``ip ospf area`` without a process and EOS speeds are here.

EOS semantics that differ from IOS (Batfish ``representation/arista/Interface`` and
``AristaConfiguration.toInterface``):
- ``Ethernet`` and ``Port-Channel`` interfaces are switchports (mode access) by default; only a
  routed port (``no switchport``) carries its IP addresses. Batfish drops the addresses of a
  switchport, and so do we (the line is warned: EOS itself refuses it).
- Proxy ARP is off by default (Batfish leaves ``_proxyArp`` false for Arista).
- Default speeds: Ethernet 1 Gb/s; Port-Channel bandwidth is the sum of its members'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from validator.parsers.arista_eos.tables import (
    DEFAULT_BANDWIDTHS,
    DEFAULT_SPEEDS,
    IGNORED_INTERFACE,
    INTERFACE_PREFIXES,
    OTHER_DEFAULT_BANDWIDTH,
)
from validator.parsers.cisco_ios.common import Context, Line, LineError, Stanza, area
from validator.parsers.cisco_ios.interfaces import InterfaceDraft, interface_line

_NAME = re.compile(r"^([A-Za-z][A-Za-z-]*?)\s*([0-9].*)?$")
_SPEED = re.compile(r"^(\d+)(g|m)?(full|half)?$")


def canonical_eos_interface(name: str) -> str:
    """``Et1`` -> ``Ethernet1``, ``Po1``/``Port-Channel1`` -> ``Port-channel1``; an unknown prefix stays
    as written.

    EOS and Batfish print ``Port-Channel1``; the model keeps the project's one canonical spelling
    ``Port-channel1`` (the IOS rule), because the diff's stanza names, failure specs, locations and
    side files all canonicalise with that rule without knowing the vendor: a second spelling would
    make a changed port-channel stanza name no model interface (and read as inert)."""
    m = _NAME.match(name.strip())
    if m is None:
        return name
    prefix, rest = m.group(1).lower(), (m.group(2) or "").replace(" ", "")
    for canonical in INTERFACE_PREFIXES:
        if canonical.lower().startswith(prefix):
            return canonical + rest
    return name


def eos_interface_words(words: list[str], i: int) -> tuple[str, int]:
    """An interface name at ``words[i]``, allowing ``Ethernet 1`` spacing."""
    first = words[i]
    if i + 1 < len(words) and first.replace("-", "").isalpha() and words[i + 1][:1].isdigit():
        return canonical_eos_interface(first + words[i + 1]), i + 2
    return canonical_eos_interface(first), i + 1


def default_switchport(name: str) -> bool:
    """Batfish Arista ``Interface``: Ethernet and Port-Channel default to switchport mode access."""
    return name.startswith(("Ethernet", "Port-channel"))


@dataclass
class EosInterface:
    """An IOS-shaped draft plus what only EOS has."""

    draft: InterfaceDraft
    switchport: bool
    address_lines: list[Line] = field(default_factory=list)
    channel_group: str | None = None
    ospf_area_without_process: bool = False
    # layer 2, only to decide whether a VLAN interface is up (autostate, see parser._vlan_state)
    trunk: bool = False
    access_vlan: int = 1
    allowed_vlans: frozenset[int] | None = None  # None: all VLANs (the trunk default)
    vlan_unknown: list[Line] = field(default_factory=list)  # switchport lines not understood
    autostate: bool = True

    @property
    def bandwidth(self) -> float:
        d = self.draft
        if d.bandwidth_kbps is not None:
            return d.bandwidth_kbps * 1000.0
        if d.speed_mbps is not None:
            return d.speed_mbps * 1e6
        return eos_default_bandwidth(d.name)


def eos_default_bandwidth(name: str) -> float:
    for prefix, speed in DEFAULT_SPEEDS:
        if name.startswith(prefix):
            return speed
    for prefix, bw in DEFAULT_BANDWIDTHS:
        if name.startswith(prefix):
            return bw
    return OTHER_DEFAULT_BANDWIDTH


def parse_eos_interface(stanza: Stanza, ctx: Context, known: dict[str, EosInterface]) -> EosInterface | None:
    """One ``interface`` stanza; re-entering a known interface continues its draft."""
    head = stanza.head
    if len(head.words) < 2:
        ctx.warn(head, "interface without a name")
        for child in stanza.children:
            ctx.warn(child, "inside an unparsed interface")
        return None
    name, end = eos_interface_words(head.words, 1)
    if end != len(head.words) or "," in name or re.search(r"\d-\d", name):
        # ``interface Ethernet1-4`` / ``Ethernet1,3``: ranges are not expanded
        ctx.warn(head, "interface range not modelled")
        for child in stanza.children:
            ctx.warn(child, "inside an unmodelled interface range")
        return None
    eos = known.get(name)
    if eos is None:
        draft = InterfaceDraft(name=name, source=ctx.src(head), proxy_arp=False)
        eos = EosInterface(draft, default_switchport(name))
    ctx.ok(head)
    for line in stanza.children:
        if not ctx.child(line, lambda ln: _eos_line(eos, ln, ctx), IGNORED_INTERFACE):
            eos.draft.unparsed.append(ctx.src(line))
    return eos


def _eos_line(e: EosInterface, line: Line, ctx: Context) -> bool:
    """Apply one child line; False if it is not modelled (warned, the interface is partial)."""
    w = line.words
    low = [x.lower() for x in w]
    n = len(w)
    d = e.draft
    if low == ["no", "switchport"]:
        e.switchport = False
        return True
    if low == ["switchport"]:
        e.switchport = True
        return True
    if low[0] == "switchport":
        # layer 2 only; VLAN membership feeds the SVI state. A form we cannot read is warned
        # (a change to it blocks) and makes the SVIs partial (parser._vlan_state).
        _switchport(e, line, low)
        return line not in e.vlan_unknown
    if low == ["no", "autostate"]:
        e.autostate = False
        return True
    if low[0] == "channel-group" and n >= 2:
        e.channel_group = w[1]
        return True
    if (low[0] == "vrf" and n == 2) or (low[:2] == ["vrf", "forwarding"] and n == 3):
        d.vrf = w[-1]
        ctx.ref("vrf", w[-1], line)
        return True
    if low[:3] == ["ip", "ospf", "area"] and n == 4:
        # EOS ``ip ospf area A``: no process id; the interface joins the VRF's OSPF process
        d.ospf_area = area(w[3])
        d.ospf_area_line = line
        e.ospf_area_without_process = True
        return True
    if low[:2] == ["ip", "address"] and n >= 3 and low[2] == "virtual":
        return False  # VARP anycast gateway: not modelled
    if low[0] == "speed" and n >= 2 and low[1] != "auto":
        value = low[2] if low[1] == "forced" and n == 3 else low[1] if n == 2 else ""
        m = _SPEED.match(value)
        if m is None:
            raise LineError(f"unknown speed {' '.join(w[1:])!r}")
        d.speed_mbps = float(int(m.group(1)) * (1000 if m.group(2) == "g" else 1))
        return True
    if low[:2] == ["ip", "address"] and n >= 3:
        if not interface_line(d, line, ctx):
            return False
        e.address_lines.append(line)
        return True
    return interface_line(d, line, ctx)


_MAX_VLAN = 4094


def _vlans(text: str) -> frozenset[int]:
    """``10,20-30`` -> the VLAN ids; LineError on anything else."""
    out: set[int] = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            raise LineError(f"bad VLAN list {text!r}")
        first, last = int(lo), int(hi or lo)
        if not 1 <= first <= last <= _MAX_VLAN:
            raise LineError(f"bad VLAN range {part!r}")
        out.update(range(first, last + 1))
    return frozenset(out)


def _switchport(e: EosInterface, line: Line, low: list[str]) -> None:
    """VLAN membership: ``switchport mode access|trunk``, ``switchport access vlan N``,
    ``switchport trunk allowed vlan LIST|all|none``. Other forms that change membership (trunk
    groups, ``add``/``remove``/``except``) are recorded as not understood: the SVIs become partial."""
    rest = low[1:]
    if rest in (["mode", "access"], ["mode", "trunk"]):
        e.trunk = rest[1] == "trunk"
    elif rest[:2] == ["access", "vlan"] and len(rest) == 3 and rest[2].isdigit():
        e.access_vlan = int(rest[2])
    elif rest[:3] == ["trunk", "allowed", "vlan"] and len(rest) == 4:
        if rest[3] == "all":
            e.allowed_vlans = None
        elif rest[3] == "none":
            e.allowed_vlans = frozenset()
        else:
            try:
                e.allowed_vlans = _vlans(rest[3])
            except LineError:
                e.vlan_unknown.append(line)
    elif rest[:2] == ["trunk", "native"] or rest[:1] in (["portfast"], ["port-security"], ["backup-link"]):
        pass  # does not change which VLANs the port carries
    else:
        e.vlan_unknown.append(line)


def carries(e: EosInterface, vlan: int) -> bool:
    """Whether the switchport carries ``vlan`` (access: its access VLAN; trunk: its allowed list)."""
    if not e.trunk:
        return e.access_vlan == vlan
    return e.allowed_vlans is None or vlan in e.allowed_vlans
