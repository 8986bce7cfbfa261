"""Vendor parsers behind one explicit registry, with Batfish-style vendor detection.

Supported: Cisco IOS (``cisco_ios``) and Arista EOS (``arista_eos``); Juniper Junos registers as
``juniper`` in its own package. Detection follows Batfish's VendorConfigurationFormatDetector
(``BATFISH_FORMAT`` / RANCID headers, then Arista's tells, then the other vendors' syntax cues,
IOS last) and refuses every other vendor loudly with ``UnsupportedVendorError``: parsing a Juniper
file with the IOS grammar would "succeed" with nothing but warnings and the gate would then reason
about an empty device. Parser modules are imported lazily so that loading the registry stays cheap
and a broken parser only fails the snapshots that need it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from validator.errors import ConfigParseError, UnsupportedVendorError
from validator.model.config import Node

ConfigParser = Callable[[str, str], Node]  # (text, snapshot-relative file) -> Node


def _parse_cisco_ios(text: str, file: str) -> Node:
    from validator.parsers.cisco_ios import parse_ios

    return parse_ios(text, file)


def _parse_arista_eos(text: str, file: str) -> Node:
    from validator.parsers.arista_eos import parse_eos

    return parse_eos(text, file)


def _parse_juniper(text: str, file: str) -> Node:
    from validator.parsers.junos import parse_junos

    return parse_junos(text, file)


PARSERS: dict[str, ConfigParser] = {
    "cisco_ios": _parse_cisco_ios,
    "arista_eos": _parse_arista_eos,
    "juniper": _parse_juniper,
}

# Detection label -> registry key: a label whose key is registered is parsed, any other refused.
_KEYS = {
    "cisco_ios": "cisco_ios",
    "Arista EOS": "arista_eos",
    "Juniper": "juniper",
    "Juniper (set syntax)": "juniper",
    "Juniper (brace syntax)": "juniper",
}
# BATFISH_FORMAT values (Batfish ConfigurationFormat names, lower case) -> detection label
_BATFISH_FORMATS = {
    "cisco_ios": "cisco_ios",
    "arista": "Arista EOS",
    "juniper": "Juniper",
    "flat_juniper": "Juniper",
    "junos": "Juniper",
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
    "juniper": "Juniper",
    "juniper-srx": "Juniper",
    "junos": "Juniper",
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
# Batfish VendorConfigurationFormatDetector.ARISTA_PATTERN, searched over the whole file: the
# ``! device: NAME (DCS-..., EOS-4.x)`` header EOS writes, a ``boot system flash:...swi`` line,
# or ``ip community-list regexp`` (an EOS-only spelling).
_ARISTA_TELLS = re.compile(
    r"^! device: .*\(.*EOS-\d|^.*boot system flash.*\.swi|^ip (ext)?community-list regexp", re.MULTILINE
)

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


def _supported(label: str) -> str | None:
    key = _KEYS.get(label)
    return key if key is not None and key in PARSERS else None


def supported_vendors() -> tuple[str, ...]:
    """Registry keys of the vendors this installation parses."""
    return tuple(PARSERS)


def detect_vendor(text: str, file: str) -> str:
    """The registry key for ``text``; UnsupportedVendorError naming the file for a recognised
    vendor we do not parse, ConfigParseError for an empty file."""
    if not text.strip():
        raise ConfigParseError("empty configuration file", file=file, line=1)
    head = "\n".join(text.splitlines()[:_HEAD_LINES])
    fmt = _BATFISH_FORMAT_RE.search(head)
    if fmt:
        label = _BATFISH_FORMATS.get(fmt.group(1).lower(), fmt.group(1))
        key = _supported(label)
        if key is not None:
            return key
        raise UnsupportedVendorError(
            f"unsupported vendor {fmt.group(1)!r} (BATFISH_FORMAT)", vendor=label, file=file, line=1
        )
    m = _RANCID_RE.search(head)
    if m and m.group(1).lower() != "cisco":
        label = _RANCID.get(m.group(1).lower(), m.group(1))
        key = _supported(label)
        if key is not None:
            return key
        raise UnsupportedVendorError(
            f"unsupported vendor {label!r} (RANCID-CONTENT-TYPE)", vendor=label, file=file, line=1
        )
    if _ARISTA_TELLS.search(text) and "arista_eos" in PARSERS:
        return "arista_eos"
    other = _sniff(text) or _cisco_flavour(text)
    if other is not None:
        key = _supported(other)
        if key is not None:
            return key
        names = ", ".join(_NAMES.get(k, k) for k in PARSERS)
        if other.startswith("JSON"):  # misplaced input the user must fix, not a device of another vendor
            raise ConfigParseError(f"unsupported vendor: looks like {other}; supported: {names}", file=file)
        raise UnsupportedVendorError(
            f"unsupported vendor: looks like {other}; supported: {names}", vendor=other, file=file
        )
    return "cisco_ios"


_NAMES = {"cisco_ios": "Cisco IOS", "arista_eos": "Arista EOS", "juniper": "Juniper Junos"}


def parse_config(text: str, file: str) -> Node:
    """Detect the vendor of a ``configs/`` file and parse it."""
    return PARSERS[detect_vendor(text, file)](text, file)


def canonical_interface_name(name: str, vendor: str = "cisco_ios") -> str:
    """IOS interface name as Batfish prints it (``gi0/0`` → ``GigabitEthernet0/0``).

    Side files (layer-1 topology, blacklists) are written by humans with abbreviations while the
    model keys interfaces by canonical name; the IOS parser's own rule keeps both in agreement.
    """
    if vendor == "juniper":
        return name  # Junos names (``ge-0/0/0.0``) have no abbreviations to expand
    if vendor == "arista_eos":
        from validator.parsers.arista_eos import canonical_eos_interface

        return canonical_eos_interface(name)
    from validator.parsers.cisco_ios.common import canonical_interface

    return canonical_interface(name)
