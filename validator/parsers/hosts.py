"""Batfish host JSON (``hosts/*.json``) → a ``host`` Node, following HostConfiguration (semantics §6, §8c).

A host is a few physical interfaces, one default route and optionally its iptables filters. The
filters are attached only when the iptables file is "simple", because that is when Batfish
enforces them; otherwise the node gets a warning and no filter, exactly like Batfish.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import replace
from ipaddress import IPv4Interface
from typing import Any

from validator.errors import ConfigParseError
from validator.model.config import Acl, Interface, Node, StaticRoute
from validator.model.prefix import Address, InterfaceAddress
from validator.model.prefix import prefix as as_prefix
from validator.model.source import ParseWarning, SourceRef
from validator.parsers.iptables import parse_iptables

_KNOWN_HOST_KEYS = {"hostname", "hostinterfaces", "iptablesfile", "overlay"}
_KNOWN_IFACE_KEYS = {"name", "prefix", "gateway", "bandwidth", "otherprefixes", "shared"}


def _line_of(text: str, needle: str, start: int = 0) -> tuple[int, int]:
    """(1-based line, offset) of the first ``needle`` at or after ``start``; JSON loses positions."""
    pos = text.find(needle, start)
    if pos < 0:
        return 1, start
    return text.count("\n", 0, pos) + 1, pos


def _get(obj: dict[str, Any], key: str) -> Any:
    """Batfish's Jackson mapping is case-insensitive for host files (``hostName`` works)."""
    if key in obj:
        return obj[key]
    for k, v in obj.items():
        if k.lower() == key.lower():
            return v
    return None


def _snapshot_path(ref: str, file: str, line: int) -> str:
    path = ref.replace("\\", "/").strip()
    norm = posixpath.normpath(path)
    if path.startswith("/") or norm == ".." or norm.startswith("../"):
        raise ConfigParseError(f"iptablesFile {ref!r} points outside the snapshot", file=file, line=line)
    return norm


def parse_host(text: str, file: str, iptables: dict[str, str]) -> Node:
    """Build the host Node; ``iptables`` maps snapshot-relative paths to file text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigParseError(
            f"malformed host JSON: {exc.msg} (column {exc.colno})", file=file, line=exc.lineno
        ) from exc
    if not isinstance(data, dict):
        raise ConfigParseError("host JSON must be an object", file=file, line=1)
    warnings: list[ParseWarning] = []
    for key in data:
        if key.lower() not in _KNOWN_HOST_KEYS:
            line, _ = _line_of(text, f'"{key}"')
            warnings.append(ParseWarning(file, line, key, "unmodelled host property"))

    hostname = _get(data, "hostname")
    if not isinstance(hostname, str) or not hostname.strip():
        raise ConfigParseError('host JSON has no "hostname"', file=file, line=1)
    hostname = hostname.strip()
    node = hostname.lower()

    raw_ifaces = _get(data, "hostInterfaces") or {}
    if isinstance(raw_ifaces, list):  # tolerate a list of interface objects
        raw_ifaces = {str(i.get("name", "")) if isinstance(i, dict) else "": i for i in raw_ifaces}
    if not isinstance(raw_ifaces, dict):
        raise ConfigParseError(
            '"hostInterfaces" must be an object', file=file, line=_line_of(text, '"hostInterfaces"')[0]
        )

    interfaces: dict[str, Interface] = {}
    static_routes: list[StaticRoute] = []
    first_iface: str | None = None
    cursor = 0
    for key, spec in raw_ifaces.items():
        line, cursor = _line_of(text, f'"{key}"', cursor)
        if not isinstance(spec, dict):
            raise ConfigParseError(f"host interface {key!r} must be an object", file=file, line=line)
        name = _get(spec, "name") or key
        if not isinstance(name, str) or not name:
            raise ConfigParseError(f"host interface {key!r} has no name", file=file, line=line)
        for k in spec:
            if k.lower() not in _KNOWN_IFACE_KEYS:
                warnings.append(
                    ParseWarning(file, _line_of(text, f'"{k}"', cursor)[0], k, "unmodelled host interface property")
                )
        addresses: list[IPv4Interface] = []
        prefixes = [_get(spec, "prefix"), *list(_get(spec, "otherPrefixes") or [])]
        for prefix in prefixes:
            if prefix is None:
                continue
            try:
                if "/" not in str(prefix):
                    raise ValueError("no prefix length")
                addr = InterfaceAddress(str(prefix))
            except ValueError as exc:
                pline = _line_of(text, str(prefix), cursor)[0]
                raise ConfigParseError(f"bad interface prefix {prefix!r} (want ip/len)", file=file, line=pline) from exc
            addresses.append(addr)
        bandwidth = _get(spec, "bandwidth")
        src = SourceRef(file, line)
        interfaces[name] = Interface(
            node=node,
            name=name,
            source=src,
            kind="physical",
            addresses=tuple(addresses),
            bandwidth=float(bandwidth) if isinstance(bandwidth, (int, float)) else 1e9,
            proxy_arp=False,
        )
        if first_iface is None:
            first_iface = name
        gateway = _get(spec, "gateway")
        if gateway is not None and not static_routes:
            gline = _line_of(text, '"gateway"', cursor)[0]
            try:
                gw = Address(str(gateway))
            except ValueError as exc:
                raise ConfigParseError(f"bad gateway {gateway!r}", file=file, line=gline) from exc
            static_routes.append(
                StaticRoute(
                    network=as_prefix("0.0.0.0/0"),
                    source=SourceRef(file, gline),
                    next_hop_ip=gw,
                    next_hop_interface=name,
                    admin_distance=1,
                )
            )
    if not static_routes and first_iface is not None:
        static_routes.append(
            StaticRoute(
                network=as_prefix("0.0.0.0/0"),
                source=interfaces[first_iface].source,
                next_hop_interface=first_iface,
                admin_distance=1,
            )
        )

    acls: dict[str, Acl] = {}
    ipt_ref = _get(data, "iptablesFile")
    if ipt_ref is not None:
        iline = _line_of(text, '"iptablesFile"')[0]
        if not isinstance(ipt_ref, str):
            raise ConfigParseError('"iptablesFile" must be a string', file=file, line=iline)
        ipt_path = _snapshot_path(ipt_ref, file, iline)
        if ipt_path not in iptables:
            raise ConfigParseError(f"iptablesFile {ipt_ref!r} not found in the snapshot", file=file, line=iline)
        result = parse_iptables(iptables[ipt_path], ipt_path)
        acls = dict(result.acls)
        warnings.extend(result.warnings)
        if result.simple:
            acl_in = "filter::INPUT" if "filter::INPUT" in acls else None
            acl_out = "filter::OUTPUT" if "filter::OUTPUT" in acls else None
            for name, iface in list(interfaces.items()):
                interfaces[name] = replace(
                    iface,
                    acl_in=acl_in,
                    acl_out=acl_out,
                    acl_in_source=acls[acl_in].source if acl_in else None,
                    acl_out_source=acls[acl_out].source if acl_out else None,
                )
        else:
            warnings.append(
                ParseWarning(
                    file, iline, ipt_ref, "host iptables not simple: no filter applied to the host's interfaces"
                )
            )

    return Node(
        name=node,
        hostname=hostname,
        file=file,
        vendor="host",
        interfaces=interfaces,
        acls=acls,
        static_routes=tuple(static_routes),
        warnings=tuple(warnings),
    )


# --- overlay host files ------------------------------------------------------------------------

_OVERLAY_CHAINS = {"mangle::PREROUTING": "ingress", "mangle::POSTROUTING": "egress"}


def is_overlay(text: str) -> bool:
    """True for a host file with ``"overlay": true``: it adds iptables to a device, it is no node."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return False
    return isinstance(data, dict) and _get(data, "overlay") is True


def overlay_hostname(text: str, file: str) -> str:
    """The lower-cased hostname an overlay host file applies to."""
    data = json.loads(text)
    hostname = _get(data, "hostname")
    if not isinstance(hostname, str) or not hostname.strip():
        raise ConfigParseError('overlay host JSON has no "hostname"', file=file, line=1)
    return hostname.strip().lower()


def apply_overlay(node: Node, text: str, file: str, iptables: dict[str, str]) -> Node:
    """``node`` with the overlay host file's iptables merged in, as Batfish merges them.

    Batfish (``ConvertConfigurationJob`` and ``IptablesVendorConfiguration.applyAsOverlay``) adds
    the overlay's iptables chains to the device, removes ``mangle::PREROUTING`` and
    ``mangle::POSTROUTING``, and then requires the device to have no other ACL at all (its own or
    another iptables table): otherwise conversion fails. Each interface then gets
    ``iptables_<iface>_ingress`` (PREROUTING) as incoming and ``iptables_<iface>_egress``
    (POSTROUTING) as outgoing filter, and an interface that already has a filter is an error.
    Those failures are refused here naming the host file, rather than guessed around.

    Batfish keeps a rule's ``-i``/``-o`` match to apply it on that interface only; the iptables
    parser ignores those matches (with a warning), so such rules make the merged filters
    *partial* (their lines are recorded as unparsed): the engine never decides on them.
    """
    data = json.loads(text)
    ipt_ref = _get(data, "iptablesFile")
    if ipt_ref is None:
        return node  # Batfish: no iptables, nothing to merge
    iline = _line_of(text, '"iptablesFile"')[0]
    if not isinstance(ipt_ref, str):
        raise ConfigParseError('"iptablesFile" must be a string', file=file, line=iline)
    ipt_path = _snapshot_path(ipt_ref, file, iline)
    if ipt_path not in iptables:
        raise ConfigParseError(f"iptablesFile {ipt_ref!r} not found in the snapshot", file=file, line=iline)
    result = parse_iptables(iptables[ipt_path], ipt_path)
    others = sorted(set(result.acls) - set(_OVERLAY_CHAINS))
    if others:
        raise ConfigParseError(
            f"overlay iptables for {node.name!r} has chains {', '.join(others)}: Batfish merges only "
            "mangle PREROUTING/POSTROUTING into a device and fails on anything else",
            file=file,
            line=iline,
        )
    if node.acls:
        raise ConfigParseError(
            f"overlay iptables cannot be merged into {node.name!r}: the device already has ACLs "
            f"({', '.join(sorted(node.acls)[:5])}), which Batfish refuses",
            file=file,
            line=iline,
        )
    lost: dict[str, tuple[SourceRef, ...]] = {}
    for chain, ref, _text in result.interface_matches:
        lost[chain] = (*lost.get(chain, ()), ref)
    acls: dict[str, Acl] = {}
    interfaces = dict(node.interfaces)
    for chain, direction in _OVERLAY_CHAINS.items():
        acl = result.acls.get(chain)
        if acl is None:
            continue
        for name, iface in list(interfaces.items()):
            current = iface.acl_in if direction == "ingress" else iface.acl_out
            if current is not None:
                raise ConfigParseError(
                    f"overlay iptables: {node.name}[{name}] already has a filter ({current}), which Batfish "
                    "cannot combine with iptables rules",
                    file=file,
                    line=iline,
                )
            acl_name = f"iptables_{name}_{direction}"
            acls[acl_name] = replace(acl, name=acl_name, unparsed=acl.unparsed + lost.get(chain, ()))
            if direction == "ingress":
                interfaces[name] = replace(iface, acl_in=acl_name, acl_in_source=acl.source)
            else:
                interfaces[name] = replace(iface, acl_out=acl_name, acl_out_source=acl.source)
    # "not simple" concerns host files only (whether Batfish filters a host); an overlay's chains
    # are applied whatever they hold, so that warning does not apply here
    kept = tuple(w for w in result.warnings if not w.reason.startswith("iptables not simple"))
    return replace(node, interfaces=interfaces, acls=acls, warnings=node.warnings + kept)
