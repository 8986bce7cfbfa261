"""Vendor parsers behind one explicit registry, with Batfish-style vendor detection.

Only Cisco IOS is supported. Detection exists mainly to refuse the other vendors loudly: parsing a
Juniper or Arista file with the IOS grammar would "succeed" with nothing but warnings and the gate
would then reason about an empty device. Parser modules are imported lazily so that loading the
registry stays cheap and a broken parser only fails the snapshots that need it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from validator.errors import ConfigParseError
from validator.model.config import Node

ConfigParser = Callable[[str, str], Node]  # (text, snapshot-relative file) -> Node


def _parse_cisco_ios(text: str, file: str) -> Node:
    from validator.parsers.cisco_ios import parse_ios

    return parse_ios(text, file)


PARSERS: dict[str, ConfigParser] = {
    "cisco_ios": _parse_cisco_ios,
}

# RANCID-CONTENT-TYPE values (Batfish VendorConfigurationFormatDetector) → our vendor or a label
_RANCID = {
    "cisco": "cisco_ios",
    "cisco-nx": "Cisco NX-OS",
    "cisco-xr": "Cisco IOS-XR",
    "arista": "Arista EOS",
    "juniper": "Juniper",
    "junos": "Juniper",
    "paloalto": "Palo Alto",
    "fortigate": "Fortinet",
    "force10": "Force10",
    "foundry": "Foundry",
    "mrv": "MRV",
    "bigip": "F5 BIG-IP",
    "f5": "F5 BIG-IP",
}
_RANCID_RE = re.compile(r"^\s*[!#]\s*RANCID-CONTENT-TYPE\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_HEAD_LINES = 60


def _sniff(text: str) -> str | None:
    """Name of a recognised non-IOS format, or None when the text looks like IOS (Batfish's default)."""
    head = text.lstrip("\ufeff")
    stripped = head.lstrip()
    if stripped.startswith(("{", "[")):
        return "JSON (host files belong in hosts/)"
    lines = [ln.strip() for ln in head.splitlines()[:_HEAD_LINES] if ln.strip()]
    if any(ln.startswith("!! IOS XR") for ln in lines):
        return "Cisco IOS-XR"
    if any(re.match(r"^(ASA|PIX|FWSM) Version", ln) for ln in lines):
        return "Cisco ASA"
    if any(ln.startswith("#TMSH-VERSION") for ln in lines):
        return "F5 BIG-IP"
    if any(ln.startswith(("config system", "#config-version=")) for ln in lines):
        return "Fortinet"
    if any(ln.startswith("net add ") for ln in lines):
        return "Cumulus NCLU"
    if any(re.match(r"^feature \S+$", ln) for ln in lines) and any(ln.startswith("version ") for ln in lines):
        return "Cisco NX-OS"
    if any(ln.startswith("! device: ") or ln.startswith("! boot system flash:") for ln in lines):
        return "Arista EOS"
    code = [ln for ln in lines if not ln.startswith(("#", "!"))]
    if code and sum(ln.startswith(("set ", "deactivate ")) for ln in code) * 2 > len(code):
        return "Juniper (set syntax)"
    if code and any(re.match(r"^[A-Za-z][\w-]*( \S+)* \{$", ln) for ln in code[:10]):
        return "Juniper (brace syntax)"
    return None


def detect_vendor(text: str, file: str) -> str:
    """The registry key for ``text``; ConfigParseError naming the file for anything else."""
    if not text.strip():
        raise ConfigParseError("empty configuration file", file=file, line=1)
    m = _RANCID_RE.search("\n".join(text.splitlines()[:_HEAD_LINES]))
    if m:
        label = _RANCID.get(m.group(1).lower(), m.group(1))
        if label in PARSERS:
            return label
        raise ConfigParseError(f"unsupported vendor {label!r} (RANCID-CONTENT-TYPE)", file=file, line=1)
    other = _sniff(text)
    if other is not None:
        raise ConfigParseError(f"unsupported vendor: looks like {other}; only Cisco IOS is supported", file=file)
    return "cisco_ios"


def parse_config(text: str, file: str) -> Node:
    """Detect the vendor of a ``configs/`` file and parse it."""
    return PARSERS[detect_vendor(text, file)](text, file)


def canonical_interface_name(name: str) -> str:
    """IOS interface name as Batfish prints it (``gi0/0`` → ``GigabitEthernet0/0``).

    Side files (layer-1 topology, blacklists) are written by humans with abbreviations while the
    model keys interfaces by canonical name; the IOS parser's own rule keeps both in agreement.
    """
    from validator.parsers.cisco_ios.common import canonical_interface

    return canonical_interface(name)
