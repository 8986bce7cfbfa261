"""Turning traces into evidence a person can act on: the flow, the path, the config lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address

from validator.engine.types import DataPlane
from validator.model.flow import Flow, Trace
from validator.model.snapshot import Snapshot
from validator.model.verdict import Location


def snapshot_location(snapshot: Snapshot, file: str, line: int) -> Location:
    """A config line, with its text quoted from the snapshot for humans."""
    text = snapshot.files.get(file)
    lines = text.splitlines() if text is not None else []
    return Location(file, line, lines[line - 1].strip() if 0 < line <= len(lines) else None)


def loc(dp: DataPlane, file: str, line: int) -> Location:
    return snapshot_location(dp.snapshot, file, line)


def failing_hop(t: Trace) -> str:
    return t.hops[-1].node if t.hops else "?"


def trace_locations(dp: DataPlane, flow: Flow, traces: Iterable[Trace]) -> list[Location]:
    """Config lines responsible for where the traces end: the filter line that denied and the
    ``ip access-group`` that applied it, or the static route that null-routed; for a delivered
    flow, the filter lines that let it through."""
    out: list[Location] = []
    for t in traces:
        if not t.hops:
            continue
        if t.success:
            for hop in t.hops:
                for step in hop.steps:
                    if step.type == "Filter" and step.file is not None and step.line is not None:
                        out.append(loc(dp, step.file, step.line))
            continue
        hop = t.hops[-1]
        node = dp.snapshot.nodes.get(hop.node)
        for step in hop.steps:
            if step.type == "Filter" and step.action.upper().startswith("DEN"):
                if step.file is not None and step.line is not None:
                    out.append(loc(dp, step.file, step.line))
                name = step.detail.get("filter") or step.detail.get("name")
                if node is not None:
                    acl = node.acls.get(str(name))
                    if acl is not None and step.file is None:
                        out.append(loc(dp, acl.source.file, acl.source.line))
                    direction = step.detail.get("direction")
                    iface = step.detail.get("interface")
                    for intf in node.interfaces.values():
                        if iface not in (None, intf.name):
                            continue
                        if direction != "out" and intf.acl_in == name and intf.acl_in_source is not None:
                            out.append(loc(dp, intf.acl_in_source.file, intf.acl_in_source.line))
                        if direction != "in" and intf.acl_out == name and intf.acl_out_source is not None:
                            out.append(loc(dp, intf.acl_out_source.file, intf.acl_out_source.line))
        if t.disposition == "NULL_ROUTED" and node is not None:
            dst = IPv4Address(flow.dst_ip)
            for sr in node.static_routes:
                if sr.discard and dst in sr.network:
                    out.append(loc(dp, sr.source.file, sr.source.line))
    return dedupe(out)


def dedupe(locs: Iterable[Location]) -> list[Location]:
    seen: set[tuple[str, int]] = set()
    out: list[Location] = []
    for item in locs:
        if (item.file, item.line) not in seen:
            seen.add((item.file, item.line))
            out.append(item)
    return out


def describe(traces: Sequence[Trace]) -> str:
    """One line: the disposition(s) and where the first failing branch ends."""
    if not traces:
        return "no trace (no active start location)"
    disp = sorted({t.disposition for t in traces})
    bad = next((t for t in traces if not t.success), traces[0])
    path = " -> ".join(bad.path)
    return f"{'/'.join(disp)} at {failing_hop(bad)} (path {path})"
