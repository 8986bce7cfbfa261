"""Shared parse context for the Junos stanza parsers: source references, warnings, small readers."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from validator.model.prefix import Address, InterfaceAddress
from validator.model.prefix import prefix as as_prefix
from validator.model.source import ParseWarning, SourceRef
from validator.parsers.junos.flatten import FlatLine

PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "ospf": 89, "gre": 47, "esp": 50, "ah": 51, "pim": 103, "vrrp": 112}
# Junos port keywords (Junos "firewall filter match conditions" port names)
PORTS = {
    "bgp": 179,
    "domain": 53,
    "ftp": 21,
    "ftp-data": 20,
    "http": 80,
    "https": 443,
    "ldap": 389,
    "ntp": 123,
    "smtp": 25,
    "snmp": 161,
    "snmptrap": 162,
    "ssh": 22,
    "syslog": 514,
    "tacacs": 49,
    "telnet": 23,
    "tftp": 69,
    "radius": 1812,
}
ICMP_TYPES = {
    "echo-reply": 0,
    "unreachable": 3,
    "redirect": 5,
    "echo-request": 8,
    "time-exceeded": 11,
    "parameter-problem": 12,
}


@dataclass
class Ctx:
    """What every stanza parser writes to: warnings (unmodelled lines), undefined references."""

    file: str
    warnings: list[ParseWarning] = field(default_factory=list)
    undefined: list[tuple[str, str, SourceRef]] = field(default_factory=list)
    handled: set[int] = field(default_factory=set)
    # lines that configure interfaces not named (``interface-range`` settings, OSPF ``interface
    # all``): not expanded, so every interface of the device is partial (parser._build)
    ranges: list[SourceRef] = field(default_factory=list)

    def src(self, fl: FlatLine) -> SourceRef:
        return SourceRef(self.file, fl.line)

    def warn(self, fl: FlatLine, reason: str = "unmodelled line") -> None:
        self.warnings.append(ParseWarning(self.file, fl.line, fl.text, reason))


def values(word: str) -> list[str]:
    """``[ a b ]`` -> [a, b]; a plain word -> [word]."""
    if word.startswith("[") and word.endswith("]"):
        return word[1:-1].split()
    return [word]


def ip(word: str) -> IPv4Address | None:
    try:
        return Address(word)
    except ValueError:
        return None


def prefix(word: str) -> IPv4Network | None:
    """``10.0.0.0/8`` (host bits cleared, as Junos normalises), or a bare address as a /32."""
    try:
        return as_prefix(word if "/" in word else f"{word}/32", strict=False)
    except ValueError:
        return None


def iface_address(word: str) -> IPv4Interface | None:
    try:
        return InterfaceAddress(word) if "/" in word else None
    except ValueError:
        return None


def integer(word: str) -> int | None:
    return int(word) if word.isdigit() else None


def area_id(word: str) -> int | None:
    """Junos areas are dotted (``0.0.0.1``) or plain integers."""
    a = ip(word)
    if a is not None:
        return int(a)
    return integer(word)


def port_range(word: str) -> tuple[int, int] | None:
    """``22``, ``ssh``, ``1024-65535``."""
    if "-" in word and word not in PORTS:
        lo, _, hi = word.partition("-")
        a, b = _port(lo), _port(hi)
        return (a, b) if a is not None and b is not None and a <= b else None
    p = _port(word)
    return (p, p) if p is not None else None


def _port(word: str) -> int | None:
    if word.isdigit() and int(word) <= 65535:
        return int(word)
    return PORTS.get(word)


def unit_name(word: str) -> str:
    """An interface reference as the model names it: a unit (``ge-0/0/0.0``); a bare physical name
    means unit 0, as in Junos ``protocols`` statements."""
    return word if "." in word else f"{word}.0"
