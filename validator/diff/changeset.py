"""The change between two snapshots, as named stanzas, plus the changed lines nobody modelled.

The gate must never pass a change it did not understand: a changed line that the head parser
recorded as a warning (or a head file that did not parse at all) is returned in ``unmodelled`` so
the caller can block with "unmodelled change at file:line" instead of analysing a model that
silently lacks the change.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from typing import Literal

from validator.diff.linediff import opcodes
from validator.diff.stanzas import (
    Stanza,
    canonical_interface_name,
    junos_changed_lines,
    normalise_line,
    segment_ios,
)
from validator.diff.unmodelled import Unmodelled as Unmodelled  # re-exported: it used to live here
from validator.diff.unmodelled import dedupe, management_changes, removed_unmodelled
from validator.model.config import Node
from validator.model.snapshot import Snapshot
from validator.model.verdict import ChangedStanza, ChangeSet, Finding

Op = Literal["added", "removed", "modified"]

# side files of the Batfish layout and the stanza kind a change in them is reported as
_SIDE_FILES: dict[str, str] = {
    "batfish/layer1_topology.json": "topology",
    "layer1_topology.json": "topology",
    "batfish/isp_config.json": "topology",
    "interface_blacklist": "runtime",
    "batfish/interface_blacklist": "runtime",
    "batfish/runtime_data.json": "runtime",
    "runtime_data.json": "runtime",
    "external_bgp_announcements.json": "runtime",
    "batfish/external_bgp_announcements.json": "runtime",
}


@dataclass(frozen=True)
class ChangeResult:
    changeset: ChangeSet
    unmodelled: list[Unmodelled] = field(default_factory=list)


def file_kind(path: str) -> str:
    """How a snapshot file is compared: ``config``, ``host``, ``iptables``, a side kind, or ``file``."""
    if path in _SIDE_FILES:
        return _SIDE_FILES[path]
    top = path.split("/", 1)[0]
    if top == "configs":
        return "config"
    if top == "hosts" and path.endswith(".json"):
        return "host"
    if top == "iptables":
        return "iptables"
    return "file"


UNMODELLED_POLICY = "change"
UNMODELLED_CHECK = "unmodelled"


def unmodelled_findings(result: ChangeResult) -> list[Finding]:
    """Blocking findings for the unmodelled changed lines (the gate fails closed on them).

    Pseudo-policy ``change`` / check ``unmodelled``: the reports show them as JUnit test case
    ``change:unmodelled`` and SARIF rule ``unmodelled``.
    """
    return [
        Finding(
            policy=UNMODELLED_POLICY,
            check=UNMODELLED_CHECK,
            message=u.message(),
            locations=(u.location(),),
        )
        for u in result.unmodelled
    ]


# --- line level --------------------------------------------------------------------------------


def _norm_lines(text: str) -> list[str]:
    return [normalise_line(x) for x in text.splitlines()]


def changed_lines(base_text: str | None, head_text: str | None) -> tuple[set[int], set[int]]:
    """(changed head line numbers, changed base line numbers), 1-based, whitespace-insensitive.

    A pure deletion marks no head line; callers that need a head position use the returned base
    lines and :func:`_head_anchor`.
    """
    base = _norm_lines(base_text or "")
    head = _norm_lines(head_text or "")
    head_changed: set[int] = set()
    base_changed: set[int] = set()
    for tag, i1, i2, j1, j2 in opcodes(base, head):
        if tag == "equal":
            continue
        head_changed.update(j + 1 for j in range(j1, j2) if head[j])
        base_changed.update(i + 1 for i in range(i1, i2) if base[i])
    junos_head, junos_base = junos_changed_lines(base_text, head_text)  # statements under a renamed block
    return head_changed | junos_head, base_changed | junos_base


def _first_change(base_text: str | None, head_text: str | None) -> tuple[int, int | None]:
    """Head line of the first change (for a pure deletion: the head line where it happened), base line."""
    base = _norm_lines(base_text or "")
    head = _norm_lines(head_text or "")
    for tag, i1, _i2, j1, _j2 in opcodes(base, head):
        if tag != "equal":
            return max(1, min(j1 + 1, len(head))) if head else 1, (i1 + 1 if base else None)
    return 1, None


def _same_content(path: str, base_text: str, head_text: str) -> bool:
    """JSON files compare as data, everything else as whitespace-insensitive lines."""
    if path.endswith(".json"):
        try:
            return bool(json.loads(base_text) == json.loads(head_text))
        except ValueError:
            pass
    strip = [x for x in _norm_lines(base_text) if x]
    return strip == [x for x in _norm_lines(head_text) if x]


# --- device naming ------------------------------------------------------------------------------

_HOSTNAME_RE = re.compile(r"^hostname\s+(\S+)", re.MULTILINE)


def _file_owners(snap: Snapshot) -> dict[str, str]:
    """Snapshot file -> node name, including the iptables files that host JSON files point at."""
    owners: dict[str, str] = {}
    for name, node in snap.nodes.items():
        owners.setdefault(node.file, name)
        for w in node.warnings:
            owners.setdefault(w.file, name)
    for path, text in snap.files.items():
        if file_kind(path) != "host":
            continue
        try:
            doc = json.loads(text)
        except ValueError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("iptablesFile"), str):
            ipt = posixpath.normpath(doc["iptablesFile"])
            host = owners.get(path) or str(doc.get("hostname", "")).lower()
            if host:
                owners.setdefault(ipt, host)
    return owners


def _fallback_device(path: str, text: str | None) -> str:
    if text is not None and file_kind(path) == "config":
        m = _HOSTNAME_RE.search(text)
        if m:
            return m.group(1).lower()
    if text is not None and file_kind(path) == "host":
        try:
            doc = json.loads(text)
            if isinstance(doc, dict) and isinstance(doc.get("hostname"), str):
                return str(doc["hostname"]).lower()
        except ValueError:
            pass
    stem = posixpath.basename(path)
    return stem.rsplit(".", 1)[0].lower() if "." in stem else stem.lower()


# --- stanza comparison --------------------------------------------------------------------------


def _config_changes(device: str, path: str, base_text: str | None, head_text: str | None) -> list[ChangedStanza]:
    base = segment_ios(base_text) if base_text is not None else {}
    head = segment_ios(head_text) if head_text is not None else {}
    out: list[ChangedStanza] = []
    for key in sorted(set(base) | set(head)):
        b: Stanza | None = base.get(key)
        h: Stanza | None = head.get(key)
        if h is not None and b is None:
            if h.normalised:
                out.append(ChangedStanza(device, path, h.first_line, h.kind, h.name, "added"))
        elif h is None and b is not None:
            if b.normalised:
                out.append(ChangedStanza(device, path, b.first_line, b.kind, b.name, "removed", b.first_line))
        elif h is not None and b is not None and h.normalised != b.normalised:
            out.append(ChangedStanza(device, path, h.first_line, h.kind, h.name, "modified", b.first_line))
    return out


def _whole_file_change(
    device: str, path: str, kind: str, name: str, base_text: str | None, head_text: str | None
) -> ChangedStanza:
    if base_text is None:
        return ChangedStanza(device, path, 1, kind, name, "added")
    if head_text is None:
        return ChangedStanza(device, path, 1, kind, name, "removed", 1)
    head_line, base_line = _first_change(base_text, head_text)
    return ChangedStanza(device, path, head_line, kind, name, "modified", base_line)


def compute_changeset(base: Snapshot, head: Snapshot) -> ChangeResult:
    """Stanza-level change from ``base`` to ``head`` and the changed lines the head does not model.

    ``ChangeSet.policies_changed`` is left False: policies are not snapshot files; the caller sets it.
    """
    base_owner = _file_owners(base)
    head_owner = _file_owners(head)
    stanzas: list[ChangedStanza] = []
    files: list[str] = []
    head_changed_lines: dict[str, set[int]] = {}
    base_changed_lines: dict[str, set[int]] = {}
    for path in sorted(set(base.files) | set(head.files)):
        b_text = base.files.get(path)
        h_text = head.files.get(path)
        if b_text is not None and h_text is not None and _same_content(path, b_text, h_text):
            continue
        kind = file_kind(path)
        device = head_owner.get(path) or base_owner.get(path) or _fallback_device(path, h_text or b_text)
        if kind == "config":
            found = _config_changes(device, path, b_text, h_text)
            if not found and b_text is not None and h_text is not None:
                continue  # only ``!`` comment lines moved: no change to the device
            if not found:  # an empty file appeared or vanished
                found = [_whole_file_change(device, path, "other", posixpath.basename(path), b_text, h_text)]
        elif kind in ("host", "iptables"):
            found = [_whole_file_change(device, path, kind, device, b_text, h_text)]
        else:
            found = [_whole_file_change("", path, kind, path, b_text, h_text)]
        stanzas.extend(found)
        files.append(path)
        head_lines, base_lines = changed_lines(b_text, h_text)
        if h_text is not None:
            head_changed_lines[path] = head_lines
        if b_text is not None:
            base_changed_lines[path] = base_lines

    devices = sorted({s.device for s in stanzas if s.device})
    stanzas.sort(key=lambda s: (s.device, s.file, s.line, s.kind, s.name, s.op))
    changeset = ChangeSet(devices=tuple(devices), stanzas=tuple(stanzas), files=tuple(files))
    unmodelled = _unmodelled(head, head_changed_lines)
    unmodelled += removed_unmodelled(base, base_changed_lines)
    unmodelled += management_changes(head, head_changed_lines, "head")
    unmodelled += management_changes(base, base_changed_lines, "base")
    return ChangeResult(changeset, dedupe(unmodelled))


def _unmodelled(head: Snapshot, changed: dict[str, set[int]]) -> list[Unmodelled]:
    found: dict[tuple[str, int], Unmodelled] = {}
    for name in sorted(head.nodes):
        for w in head.nodes[name].warnings:
            if w.line in changed.get(w.file, ()):
                found.setdefault((w.file, w.line), Unmodelled(w.file, w.line, w.text.strip(), w.reason))
    # a head file that did not parse is unmodelled whether or not it changed: the model lacks it
    for err in head.file_errors:
        if err.vendor is not None and err.file not in changed:
            continue  # an unchanged file of an unsupported vendor: reported alone, paths through it undecided
        found.setdefault((err.file, err.line), Unmodelled(err.file, err.line, err.message, "file not parsed"))
    return [found[k] for k in sorted(found)]


# --- touched model elements ---------------------------------------------------------------------


@dataclass(frozen=True)
class TouchedElements:
    """What a change touches, coarse to fine: devices, (node, interface), (node, process)."""

    devices: frozenset[str] = frozenset()
    interfaces: frozenset[tuple[str, str]] = frozenset()
    processes: frozenset[tuple[str, str]] = frozenset()  # process in {"ospf", "bgp"}

    def specs(self) -> list[str]:
        """Failure specs (design §4) failing the touched devices / interfaces."""
        return [f"node:{d}" for d in sorted(self.devices)] + [f"interface:{n}[{i}]" for n, i in sorted(self.interfaces)]


def _route_map_users(nodes: list[Node], rm: str) -> set[str]:
    """Processes that apply route-map ``rm`` on a node (base and head views)."""
    procs: set[str] = set()
    for node in nodes:
        if node.bgp is not None:
            bgp = node.bgp
            if (
                any(rm in (n.route_map_in, n.route_map_out) for n in bgp.neighbors)
                or any(n.route_map == rm for n in bgp.networks)
                or any(r.route_map == rm for r in bgp.redistributions)
            ):
                procs.add("bgp")
        for ospf in node.ospf:
            if any(r.route_map == rm for r in ospf.redistributions):
                procs.add("ospf")
    return procs


def _maps_matching(nodes: list[Node], attr: str, name: str) -> set[str]:
    out: set[str] = set()
    for node in nodes:
        for rm in node.route_maps.values():
            for clause in rm.clauses:
                for m in clause.matches:
                    if name in getattr(m, attr, ()):
                        out.add(rm.name)
    return out


def _element_users(nodes: list[Node], kind: str, name: str) -> tuple[set[str], set[str]]:
    """(processes, interface names) a policy object of ``kind``/``name`` feeds into."""
    procs: set[str] = set()
    ifaces: set[str] = set()
    route_maps: set[str] = set()
    if kind == "route-map":
        route_maps.add(name.rsplit(" ", 1)[0])
    elif kind == "acl":
        for node in nodes:
            ifaces.update(i.name for i in node.interfaces.values() if name in (i.acl_in, i.acl_out))
        route_maps |= _maps_matching(nodes, "acls", name)
    elif kind == "prefix-list":
        route_maps |= _maps_matching(nodes, "prefix_lists", name)
        for node in nodes:
            if node.bgp and any(name in (n.prefix_list_in, n.prefix_list_out) for n in node.bgp.neighbors):
                procs.add("bgp")
    elif kind == "community-list":
        route_maps |= _maps_matching(nodes, "community_lists", name)
    for rm in route_maps:
        procs |= _route_map_users(nodes, rm)
    return procs, ifaces


_PROCESS_OF_KIND = {
    "router ospf": "ospf",
    "router bgp": "bgp",
    "bgp neighbor": "bgp",
    "bgp network": "bgp",
    "bgp aggregate": "bgp",
}


def touched_elements(changeset: ChangeSet, base: Snapshot, head: Snapshot) -> TouchedElements:
    """Model elements the change touches, for blast-radius analysis.

    Policy objects (ACLs, route-maps, prefix/community lists) count where they are applied, in the
    base or the head: an ACL on an interface touches that interface, a route-map on a BGP neighbor
    touches the BGP process. Side-file changes touch the interfaces and nodes they name.
    """
    devices: set[str] = set(changeset.devices)
    ifaces: set[tuple[str, str]] = set()
    procs: set[tuple[str, str]] = set()
    for st in changeset.stanzas:
        if not st.device:
            continue
        views = [n for n in (base.nodes.get(st.device), head.nodes.get(st.device)) if n is not None]
        if st.kind == "interface":
            ifaces.add((st.device, canonical_interface_name(st.name)))
        elif st.kind in _PROCESS_OF_KIND:
            procs.add((st.device, _PROCESS_OF_KIND[st.kind]))
        elif st.kind in ("route-map", "acl", "prefix-list", "community-list"):
            p, i = _element_users(views, st.kind, st.name)
            procs.update((st.device, x) for x in p)
            ifaces.update((st.device, x) for x in i)
    side_kinds = {st.file for st in changeset.stanzas if not st.device}
    if side_kinds:
        _side_file_elements(base, head, devices, ifaces, procs)
    devices.update(n for n, _ in ifaces)
    devices.update(n for n, _ in procs)
    return TouchedElements(frozenset(devices), frozenset(ifaces), frozenset(procs))


def _side_file_elements(
    base: Snapshot,
    head: Snapshot,
    devices: set[str],
    ifaces: set[tuple[str, str]],
    procs: set[tuple[str, str]],
) -> None:
    """Elements named by the parsed side files that differ between base and head."""
    b_edges = set(base.layer1 or ())
    h_edges = set(head.layer1 or ())
    for e in b_edges ^ h_edges:
        ifaces.add((e.node1, e.interface1))
        ifaces.add((e.node2, e.interface2))
    ifaces.update(base.blacklisted_interfaces ^ head.blacklisted_interfaces)
    ifaces.update(base.runtime_line_down ^ head.runtime_line_down)
    devices.update(base.blacklisted_nodes ^ head.blacklisted_nodes)
    for ann in set(base.bgp_announcements) ^ set(head.bgp_announcements):
        procs.add((ann.dst_node, "bgp"))
