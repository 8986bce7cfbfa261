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


def _parse_juniper(text: str, file: str) -> Node:
    from validator.parsers.junos import parse_junos

    return parse_junos(text, file)


PARSERS: dict[str, ConfigParser] = {
    "cisco_ios": _parse_cisco_ios,
    "juniper": _parse_juniper,
}

# RANCID-CONTENT-TYPE values (Batfish VendorConfigurationFormatDetector.checkRancid) → our vendor
# or a label. ``cisco`` is deliberately absent: old RANCID uses it for every Cisco-like OS, so
# Batfish (and we) decide by the syntax heuristics below.
_RANCID = {
    "ios": "cisco_ios",
    "cisco-ncs": "cisco_ios",
    "cisco-nx": "Cisco NX-OS",
    "ios-nx": "Cisco NX-OS",
    "cisco-xr": "Cisco IOS-XR",
    "ios-xr": "Cisco IOS-XR",
    "ios-xr7": "Cisco IOS-XR",
    "cisco-xr7": "Cisco IOS-XR",
    "ios-exr": "Cisco IOS-XR",
    "cisco-exr": "Cisco IOS-XR",
    "arista": "Arista EOS",
    "a10": "A10",
    "juniper": "juniper",
    "juniper-srx": "Juniper",
    "junos": "juniper",
    "paloalto": "Palo Alto",
    "fortigate": "Fortinet",
    "fortigate-full": "Fortinet",
    "force10": "Force10",
    "dnos9": "Force10",
    "dnos10": "Force10",
    "foundry": "Foundry",
    "mrv": "MRV",
    "bigip": "F5 BIG-IP",
    "bigip13": "F5 BIG-IP",
    "f5": "F5 BIG-IP",
}
_RANCID_RE = re.compile(r"^\s*[!#]\s*RANCID-CONTENT-TYPE\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
_BATFISH_FORMAT_RE = re.compile(r"^[!#] *BATFISH[-_]FORMAT *: *([a-zA-Z0-9_-]+)", re.MULTILINE)
_HEAD_LINES = 60

# Batfish checkCiscoXr / checkCisco: IOS-XR and NX-OS cues anywhere in the file. Batfish takes any
# "IOS XR" text; we only take it from a comment line (``!! IOS XR Configuration 7.3.2``) so an
# interface description mentioning IOS XR does not refuse an IOS file.
_XR_CUES = re.compile(
    r"^\s*!.*IOS XR|^\s*(interface Bundle-Ether|end-policy\b|end-set\b|ipv4 access-list\b)", re.MULTILINE
)
_NXOS_CUES = re.compile(
    r"^\s*(no\s*)?feature\s+\S"  # ``feature bgp`` (NEXUS_FEATURE_LINE_PATTERN)
    r"|boot nxos|bootflash:(n\d+|/?nxos)"  # NEXUS_BOOT_NXOS_PATTERN, NEXUS_BOOTFLASH_PATTERN
    r"|^version \d+\.\d+\(\d+\)",  # NX-OS ``version 9.3(5)``; IOS writes ``version 15.2``
    re.MULTILINE,
)


def _sniff(text: str) -> str | None:
    """Name of a recognised non-IOS format, or None when the text looks like IOS (Batfish's default)."""
    head = text.lstrip("\ufeff")
    stripped = head.lstrip()
    if stripped.startswith(("{", "[")):
        return "JSON (host files belong in hosts/)"
    lines = [ln.strip() for ln in head.splitlines()[:_HEAD_LINES] if ln.strip()]
    if any(re.match(r"^(ASA|PIX|FWSM) Version", ln) for ln in lines):
        return "Cisco ASA"
    if any(ln.startswith("#TMSH-VERSION") for ln in lines):
        return "F5 BIG-IP"
    if any(ln.startswith(("config system", "#config-version=")) for ln in lines):
        return "Fortinet"
    if any(ln.startswith("net add ") for ln in lines):
        return "Cumulus NCLU"
    if any(ln.startswith("! device: ") or ln.startswith("! boot system flash:") for ln in lines):
        return "Arista EOS"
    code = [ln for ln in lines if not ln.startswith(("#", "!"))]
    if code and sum(ln.startswith(("set ", "deactivate ")) for ln in code) * 2 > len(code):
        return "Juniper (set syntax)"
    if code and any(re.match(r"^[A-Za-z][\w-]*( \S+)* \{$", ln) for ln in code[:10]):
        return "Juniper (brace syntax)"
    return None


def _cisco_flavour(text: str) -> str | None:
    """IOS-XR or NX-OS by Batfish's syntax cues (checked after the other vendors, as Batfish does)."""
    if _XR_CUES.search(text):
        return "Cisco IOS-XR"
    if _NXOS_CUES.search(text):
        return "Cisco NX-OS"
    return None


def detect_vendor(text: str, file: str) -> str:
    """The registry key for ``text``; ConfigParseError naming the file for anything else."""
    if not text.strip():
        raise ConfigParseError("empty configuration file", file=file, line=1)
    head = "\n".join(text.splitlines()[:_HEAD_LINES])
    fmt = _BATFISH_FORMAT_RE.search(head)
    if fmt:
        if fmt.group(1).lower() == "cisco_ios":
            return "cisco_ios"
        if fmt.group(1).lower() in ("juniper", "flat_juniper"):
            return "juniper"
        raise ConfigParseError(f"unsupported vendor {fmt.group(1)!r} (BATFISH_FORMAT)", file=file, line=1)
    m = _RANCID_RE.search(head)
    if m and m.group(1).lower() != "cisco":
        label = _RANCID.get(m.group(1).lower(), m.group(1))
        if label in PARSERS:
            return label
        raise ConfigParseError(f"unsupported vendor {label!r} (RANCID-CONTENT-TYPE)", file=file, line=1)
    other = _sniff(text) or _cisco_flavour(text)
    if other is not None and other.startswith("Juniper ("):
        return "juniper"  # brace or set syntax (Batfish checkJuniper / FLAT_JUNIPER)
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
