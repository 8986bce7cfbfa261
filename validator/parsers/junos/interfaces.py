"""``interfaces``: logical units (``ge-0/0/0.0``) with ``family inet`` addresses and filters.

Batfish models every unit as its own interface named ``PHYS.UNIT``; addresses, filters and OSPF
live on units. ``disable`` on the physical interface takes every unit down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Interface

from validator.model.config import Interface, InterfaceKind
from validator.model.source import SourceRef
from validator.parsers.junos.common import Ctx, iface_address
from validator.parsers.junos.flatten import FlatLine

# Default speeds by name prefix (Batfish JuniperConfiguration default bandwidths: fe 100M,
# ge 1G, xe 10G, et 100G); anything else 1G.
_SPEEDS = {"fe": 100e6, "ge": 1e9, "xe": 10e9, "et": 100e9}


@dataclass
class UnitDraft:
    name: str
    source: SourceRef
    addresses: list[tuple[IPv4Interface, bool]] = field(default_factory=list)  # (address, primary)
    disabled: bool = False
    description: str | None = None
    filter_in: tuple[str, SourceRef] | None = None
    filter_out: tuple[str, SourceRef] | None = None
    unparsed: list[SourceRef] = field(default_factory=list)


@dataclass
class PhysDraft:
    name: str
    source: SourceRef
    disabled: bool = False
    description: str | None = None
    units: dict[str, UnitDraft] = field(default_factory=dict)


# lines of an interface that cannot change IPv4 forwarding in the model (accepted silently)
_PHYS_IGNORED = {"description", "gigether-options", "ether-options", "speed", "link-mode", "mtu", "traceoptions"}


def parse_interface_line(fl: FlatLine, ifaces: dict[str, PhysDraft], ctx: Ctx) -> None:
    w = fl.words  # ("interfaces", NAME, ...)
    if len(w) < 2:
        ctx.warn(fl)
        return
    if w[1] == "interface-range":
        # a range configures its members (units, addresses, filters): not expanded, so whatever
        # it sets on them is unknown and the device's interfaces are made partial (parser._build)
        ctx.warn(fl, "interface-range not expanded")
        if len(w) > 4 and w[3] not in ("member", "member-range", "description"):
            ctx.ranges.append(ctx.src(fl))
        return
    phys = ifaces.get(w[1])
    if phys is None:
        phys = ifaces[w[1]] = PhysDraft(w[1], ctx.src(fl))
    rest = w[2:]
    if not rest:
        return
    if rest[0] == "disable" and len(rest) == 1:
        phys.disabled = True
        return
    if rest[0] == "description" and len(rest) >= 2:
        phys.description = " ".join(rest[1:])
        return
    if rest[0] == "unit" and len(rest) >= 2:
        name = f"{w[1]}.{rest[1]}"
        unit = phys.units.get(name)
        if unit is None:
            unit = phys.units[name] = UnitDraft(name, ctx.src(fl))
        _unit_line(fl, unit, rest[2:], ctx)
        return
    if rest[0] in _PHYS_IGNORED:
        ctx.warn(fl, "interface setting not modelled")
        return
    ctx.warn(fl)


def _unit_line(fl: FlatLine, unit: UnitDraft, rest: tuple[str, ...], ctx: Ctx) -> None:
    if not rest:
        return
    if rest == ("disable",):
        unit.disabled = True
        return
    if rest[0] == "description" and len(rest) >= 2:
        unit.description = " ".join(rest[1:])
        return
    if rest[:2] == ("family", "inet"):
        inet = rest[2:]
        if not inet:
            return
        if inet[0] == "address" and len(inet) >= 2:
            addr = iface_address(inet[1])
            if addr is None:
                ctx.warn(fl, "unreadable address")
                unit.unparsed.append(ctx.src(fl))
                return
            flags = inet[2:]
            if any(f not in ("primary", "preferred") for f in flags):
                # vrrp-group, arp, broadcast...: the address is modelled, the rest is not
                ctx.warn(fl, "address option not modelled")
            unit.addresses.append((addr, "primary" in flags))
            return
        if inet[0] == "filter" and len(inet) == 3 and inet[1] in ("input", "output"):
            ref = (inet[2], ctx.src(fl))
            if inet[1] == "input":
                unit.filter_in = ref
            else:
                unit.filter_out = ref
            return
        if inet[0] == "mtu":
            ctx.warn(fl, "interface setting not modelled")
            return
        # anything else on family inet can change forwarding (filter lists, rpf-check, policer)
        ctx.warn(fl)
        unit.unparsed.append(ctx.src(fl))
        return
    if rest[0] == "family":
        ctx.warn(fl, "non-IPv4 family not modelled")
        return
    ctx.warn(fl)


def build_interfaces(node: str, ifaces: dict[str, PhysDraft]) -> dict[str, Interface]:
    out: dict[str, Interface] = {}
    for phys in ifaces.values():
        kind: InterfaceKind = "loopback" if phys.name.startswith("lo") else "physical"
        bw = _SPEEDS.get(phys.name.split("-", 1)[0], 1e9)
        for unit in phys.units.values():
            addrs = [a for a, first in unit.addresses if first] + [a for a, first in unit.addresses if not first]
            out[unit.name] = Interface(
                node=node,
                name=unit.name,
                source=unit.source,
                kind=kind,
                addresses=tuple(addrs),
                admin_up=not (phys.disabled or unit.disabled),
                description=unit.description or phys.description,
                bandwidth=bw,
                acl_in=unit.filter_in[0] if unit.filter_in else None,
                acl_out=unit.filter_out[0] if unit.filter_out else None,
                acl_in_source=unit.filter_in[1] if unit.filter_in else None,
                acl_out_source=unit.filter_out[1] if unit.filter_out else None,
                unparsed=tuple(unit.unparsed),
            )
    return out
