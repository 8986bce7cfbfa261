"""The one place a snapshot's files become a Snapshot: shared by the folder and git loaders.

Input is a plain ``{snapshot-relative POSIX path: bytes}`` map, so the folder and git front ends
only differ in how they collect bytes and cannot drift apart in what they accept. The Batfish
layout is honoured (design §2): every file under ``configs/`` is a device, ``hosts/`` holds host
JSON, and the side files give topology, blacklists, runtime data and external announcements.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from validator.errors import ConfigParseError, InputError, UnsupportedVendorError
from validator.model.config import Node
from validator.model.snapshot import BgpAnnouncement, FileError, Layer1Edge, Snapshot
from validator.parsers import canonical_interface_name, parse_config
from validator.parsers.hosts import apply_overlay, is_overlay, overlay_hostname, parse_host
from validator.snapshot.foreign import mark_foreign_neighbours

CONFIGS = "configs/"
HOSTS = "hosts/"
IPTABLES = "iptables/"
LAYER1 = ("batfish/layer1_topology.json", "layer1_topology.json")
INTERFACE_BLACKLIST = ("interface_blacklist", "batfish/interface_blacklist")
NODE_BLACKLIST = ("node_blacklist", "batfish/node_blacklist")
RUNTIME_DATA = ("batfish/runtime_data.json", "runtime_data.json")
ANNOUNCEMENTS = ("external_bgp_announcements.json", "batfish/external_bgp_announcements.json")
ISP_CONFIG = ("batfish/isp_config.json",)


def _is_hidden(path: str) -> bool:
    return any(part.startswith(".") for part in path.split("/"))


def decode(path: str, data: bytes) -> str:
    """Strict text decoding: binary or non-UTF-8 input is an error naming the file, never guessed at."""
    if b"\x00" in data:
        raise ConfigParseError("binary file (contains NUL bytes), not a text configuration", file=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigParseError(f"not valid UTF-8 (byte offset {exc.start})", file=path, line=line) from exc
    return text.removeprefix("\ufeff")


def _json(path: str, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg} (column {exc.colno})", file=path, line=exc.lineno) from exc


def _line_of(text: str, needle: str, occurrence: int) -> int | None:
    """Line of the ``occurrence``-th (0-based) ``needle``; JSON parsing forgets positions."""
    pos = -1
    for _ in range(occurrence + 1):
        pos = text.find(needle, pos + 1)
        if pos < 0:
            return None
    return text.count("\n", 0, pos) + 1


@dataclass
class _State:
    texts: dict[str, str]
    strict: bool
    errors: list[FileError] = field(default_factory=list)

    def fail(self, exc: InputError, path: str) -> None:
        if self.strict:
            raise exc
        self.errors.append(FileError(exc.file or path, exc.line or 0, exc.message))

    def first(self, candidates: Iterable[str]) -> str | None:
        return next((p for p in candidates if p in self.texts), None)


def _ifname(nodes: dict[str, Node], node: str, name: str) -> str:
    """Canonical interface name for IOS nodes (side files abbreviate); host names stay as written."""
    n = nodes.get(node)
    if n is None or n.vendor == "host" or name in n.interfaces:
        return name
    return canonical_interface_name(name, n.vendor)


def _layer1(path: str, text: str, nodes: dict[str, Node]) -> tuple[Layer1Edge, ...]:
    data = _json(path, text)
    edges = data.get("edges") if isinstance(data, dict) else None
    if not isinstance(edges, list):
        raise InputError('layer-1 topology must be {"edges": [...]}', file=path, line=1)
    out: list[Layer1Edge] = []
    for i, edge in enumerate(edges):
        line = _line_of(text, '"node1"', i)
        try:
            ends = []
            for key in ("node1", "node2"):
                end = edge[key]
                host = str(end["hostname"]).lower()
                ends.append((host, _ifname(nodes, host, str(end["interfaceName"]))))
        except (KeyError, TypeError) as exc:
            raise InputError(
                f"layer-1 edge {i + 1} needs node1/node2 with hostname and interfaceName", file=path, line=line
            ) from exc
        out.append(Layer1Edge(ends[0][0], ends[0][1], ends[1][0], ends[1][1]))
    return tuple(out)


def _interface_blacklist(path: str, text: str, nodes: dict[str, Node]) -> frozenset[tuple[str, str]]:
    data = _json(path, text)
    if not isinstance(data, list):
        raise InputError("interface_blacklist must be a JSON list of {hostname, interface}", file=path, line=1)
    out: set[tuple[str, str]] = set()
    for i, item in enumerate(data):
        if not isinstance(item, dict) or "hostname" not in item or "interface" not in item:
            line = _line_of(text, "{", i)
            raise InputError("interface_blacklist entries need hostname and interface", file=path, line=line)
        host = str(item["hostname"]).lower()
        out.add((host, _ifname(nodes, host, str(item["interface"]))))
    return frozenset(out)


def _node_blacklist(path: str, text: str) -> frozenset[str]:
    data = _json(path, text)
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        raise InputError("node_blacklist must be a JSON list of hostnames", file=path, line=1)
    return frozenset(x.lower() for x in data)


def _runtime_down(path: str, text: str, nodes: dict[str, Node]) -> frozenset[tuple[str, str]]:
    data = _json(path, text)
    runtime = data.get("runtimeData") if isinstance(data, dict) else None
    if not isinstance(runtime, dict):
        raise InputError('runtime data must be {"runtimeData": {host: {"interfaces": {...}}}}', file=path, line=1)
    out: set[tuple[str, str]] = set()
    for host, hdata in runtime.items():
        ifaces = hdata.get("interfaces", {}) if isinstance(hdata, dict) else None
        if not isinstance(ifaces, dict):
            raise InputError(
                f"runtime data for {host!r} must have an interfaces object",
                file=path,
                line=_line_of(text, f'"{host}"', 0),
            )
        node = str(host).lower()
        for iface, idata in ifaces.items():
            if isinstance(idata, dict) and idata.get("lineUp") is False:
                out.add((node, _ifname(nodes, node, str(iface))))
    return frozenset(out)


def _community(value: Any) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and ":" in value:
        hi, lo = value.split(":", 1)
        return (int(hi) << 16) | int(lo)
    return int(str(value))


def _announcements(path: str, text: str) -> tuple[BgpAnnouncement, ...]:
    data = _json(path, text)
    items = data.get("Announcements") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InputError('external BGP announcements must be {"Announcements": [...]}', file=path, line=1)
    out: list[BgpAnnouncement] = []
    for i, a in enumerate(items):
        line = _line_of(text, '"network"', i)
        try:
            as_path = tuple(
                tuple(int(x) for x in seg) if isinstance(seg, list) else (int(seg),) for seg in a.get("asPath", [])
            )
            out.append(
                BgpAnnouncement(
                    network=IPv4Network(a["network"]),
                    dst_node=str(a["dstNode"]).lower(),
                    dst_ip=IPv4Address(a["dstIp"]),
                    src_ip=IPv4Address(a["srcIp"]),
                    next_hop_ip=IPv4Address(a.get("nextHopIp", a["srcIp"])),
                    as_path=as_path,
                    communities=tuple(_community(c) for c in a.get("communities", [])),
                    med=int(a.get("med", 0)),
                    local_preference=int(a.get("localPreference", 0)),
                    origin=str(a.get("originType", "igp")).lower(),
                    dst_vrf=str(a.get("dstVrf", "default")),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise InputError(f"bad BGP announcement {i + 1}: {what}", file=path, line=line) from exc
    return tuple(out)


def _isp_config(path: str, text: str) -> dict[str, Any]:
    data = _json(path, text)
    if not isinstance(data, dict):
        raise InputError("isp_config.json must be a JSON object", file=path, line=1)
    return data


def _apply_overlay(nodes: dict[str, Node], path: str, texts: dict[str, str]) -> None:
    """Merge an overlay host file into the device of the same hostname (Batfish: orphaned if none)."""
    host = overlay_hostname(texts[path], path)
    node = nodes.get(host)
    if node is None or node.vendor == "host":  # Batfish overlays only devices of configs/
        # Batfish marks an overlay without a device ORPHANED and ignores it; the iptables it names
        # then filter nothing, which is never what its author meant: refuse, naming the file
        raise ConfigParseError(
            f"overlay host file names {host!r}, but no device configuration has that hostname", file=path
        )
    nodes[host] = apply_overlay(node, texts[path], path, texts)


def _iptables_refs(host_paths: Iterable[str], texts: dict[str, str]) -> set[str]:
    """Snapshot paths of the iptables files the host files point at (the only ones read)."""
    out: set[str] = set()
    for path in host_paths:
        try:
            doc = json.loads(texts[path])
        except ValueError:
            continue
        if not isinstance(doc, dict):
            continue
        ref = next((v for k, v in doc.items() if k.lower() == "iptablesfile"), None)
        if isinstance(ref, str):
            out.add(posixpath.normpath(ref.replace("\\", "/").strip()))
    return out


def load_snapshot_files(
    files: dict[str, bytes],
    *,
    name: str,
    source: str,
    strict: bool = True,
    skipped_files: Iterable[str] = (),
) -> Snapshot:
    """Parse a snapshot given as raw files.

    ``strict`` (the default) raises the first ConfigParseError; otherwise unparseable device files
    and side files are recorded in ``Snapshot.file_errors`` and loading continues (the gate then
    fails closed on them). Hidden files (a path part starting with ".") are not parsed, as in
    Batfish, and are listed in ``Snapshot.skipped_files``.
    """
    state = _State(texts={}, strict=strict)
    skipped = set(skipped_files)
    used = [p for p in files if p.startswith((CONFIGS, HOSTS, IPTABLES))]
    side = {
        p
        for group in (LAYER1, INTERFACE_BLACKLIST, NODE_BLACKLIST, RUNTIME_DATA, ANNOUNCEMENTS, ISP_CONFIG)
        for p in group
    }
    for path in sorted(files):
        if _is_hidden(path):
            skipped.add(path)
            continue
        try:
            state.texts[path] = decode(path, files[path])
        except ConfigParseError as exc:
            if path in side or path in used:
                state.fail(exc, path)
            # other files (pictures, docs next to the snapshot) are not part of the analysis

    nodes: dict[str, Node] = {}
    origin: dict[str, str] = {}

    def add(node: Node) -> None:
        if node.name in nodes:
            raise InputError(f"duplicate hostname {node.name!r} in {origin[node.name]} and {node.file}", file=node.file)
        nodes[node.name] = node
        origin[node.name] = node.file

    config_paths = sorted(p for p in state.texts if p.startswith(CONFIGS))
    host_paths = sorted(p for p in state.texts if p.startswith(HOSTS))
    bad_device_files = [e for e in state.errors if e.file.startswith((CONFIGS, HOSTS))]
    if not config_paths and not host_paths and not bad_device_files:
        raise InputError("snapshot has no device configurations", file=source)

    foreign: list[UnsupportedVendorError] = []
    for path in config_paths:
        try:
            node = parse_config(state.texts[path], path)
        except UnsupportedVendorError as exc:
            foreign.append(exc)  # every foreign file is named, not only the first
            continue
        except ConfigParseError as exc:
            state.fail(exc, path)
            continue
        if node.file != path:
            node = replace(node, file=path)
        add(node)
    if foreign and strict:
        listed = "; ".join(f"{e.file} ({e.vendor})" for e in foreign)
        raise ConfigParseError(f"unsupported vendor in {len(foreign)} file(s): {listed}", file=foreign[0].file, line=1)
    for err in foreign:
        state.errors.append(FileError(err.file or "", err.line or 1, err.message, vendor=err.vendor))
    overlays = [p for p in host_paths if is_overlay(state.texts[p])]
    for path in host_paths:
        if path in overlays:
            continue
        try:
            node = parse_host(state.texts[path], path, state.texts)
        except ConfigParseError as exc:
            state.fail(exc, path)
            continue
        add(node)
    for path in overlays:
        try:
            _apply_overlay(nodes, path, state.texts)
        except ConfigParseError as exc:
            state.fail(exc, path)
    if foreign:  # after hosts too: a host whose gateway is the unknown device is next to it
        mark_foreign_neighbours(nodes, {e.file or "": state.texts[e.file or ""] for e in foreign})

    readers: dict[str, tuple[tuple[str, ...], Callable[[str, str], Any]]] = {
        "layer1": (LAYER1, lambda p, t: _layer1(p, t, nodes)),
        "interfaces": (INTERFACE_BLACKLIST, lambda p, t: _interface_blacklist(p, t, nodes)),
        "nodes": (NODE_BLACKLIST, _node_blacklist),
        "runtime": (RUNTIME_DATA, lambda p, t: _runtime_down(p, t, nodes)),
        "announcements": (ANNOUNCEMENTS, _announcements),
        "isp": (ISP_CONFIG, _isp_config),
    }
    side_data: dict[str, Any] = {}
    for key, (candidates, reader) in readers.items():
        side_path = state.first(candidates)
        if side_path is None:
            continue
        try:
            side_data[key] = reader(side_path, state.texts[side_path])
        except InputError as exc:
            state.fail(exc, side_path)

    read = set(config_paths) | set(host_paths) | _iptables_refs(host_paths, state.texts)
    read |= {p for p in (state.first(c) for c, _r in readers.values()) if p is not None}
    read |= {e.file for e in state.errors}
    unread = tuple(sorted(p for p in files if not _is_hidden(p) and p not in read))
    return Snapshot(
        name=name,
        source=source,
        nodes=dict(sorted(nodes.items())),
        files=state.texts,
        layer1=side_data.get("layer1"),
        blacklisted_interfaces=side_data.get("interfaces", frozenset()),
        blacklisted_nodes=side_data.get("nodes", frozenset()),
        runtime_line_down=side_data.get("runtime", frozenset()),
        bgp_announcements=side_data.get("announcements", ()),
        isp_config=side_data.get("isp"),
        file_errors=tuple(state.errors),
        skipped_files=tuple(sorted(skipped)),
        unread_files=unread,
        raw_files=dict(files),
    )
