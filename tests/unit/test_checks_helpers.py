"""Shared helpers for the tests of validator.checks (no tests here).

Fixture networks live in fixtures/unit/checks/<name>/ in Batfish layout; variants are made in
memory by replacing config text, so each test states exactly what it changes.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path

from validator.checks.headerspace import HeaderClass
from validator.checks.ipspace import wildcard_intervals
from validator.engine.dataplane import compute_dataplane
from validator.engine.types import DataPlane, FailureSet
from validator.model.config import AclLine
from validator.model.flow import Flow
from validator.model.snapshot import Snapshot
from validator.policy.loader import load_policies_from_bytes
from validator.policy.model import PolicySet
from validator.snapshot.folder import read_folder_files
from validator.snapshot.loader import load_snapshot_files

TCP, UDP, ICMP = 6, 17, 1

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "unit" / "checks"


def load(name: str, edits: Mapping[str, Sequence[tuple[str, str]]] | None = None, *, strict: bool = True) -> Snapshot:
    """The fixture ``name``; ``edits`` maps a snapshot-relative file to (old, new) text replacements
    (old must occur, so a stale edit fails loudly). A new file is given as ("", text)."""
    files, _skipped = read_folder_files(FIXTURES / name)
    for path, reps in (edits or {}).items():
        text = files[path].decode() if path in files else ""
        for old, new in reps:
            if old:
                assert old in text, f"edit of {path}: {old!r} not found"
                text = text.replace(old, new)
            else:
                text = new
        files[path] = text.encode()
    return load_snapshot_files(files, name=name, source=str(FIXTURES / name), strict=strict)


def dataplane(
    name: str,
    edits: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    failures: FailureSet = FailureSet(),  # noqa: B008
) -> DataPlane:
    return compute_dataplane(load(name, edits), failures)


@dataclass(frozen=True)
class Z:
    """A zone for the check functions (they take anything shaped like policy.model.Zone)."""

    name: str
    prefixes: tuple[IPv4Network, ...] = ()
    nodes: tuple[str, ...] = ()
    interfaces: tuple[str, ...] = ()


def zone(name: str, *, prefixes: Sequence[str] = (), nodes: Sequence[str] = (), interfaces: Sequence[str] = ()) -> Z:
    return Z(name, tuple(IPv4Network(p) for p in prefixes), tuple(nodes), tuple(interfaces))


def policies(yaml_text: str) -> PolicySet:
    return load_policies_from_bytes({"policies/test.yaml": yaml_text.encode()})


def _cell(starts: list[int], v: int) -> int:
    return bisect_right(starts, v) - 1


def _port_cuts(ranges: Iterable[tuple[int, int]]) -> list[int]:
    cuts = {0}
    for lo, hi in ranges:
        cuts |= {lo, hi + 1}
    return sorted(cuts)


def class_of(classes: list[HeaderClass], lines: list[AclLine], f: Flow) -> list[HeaderClass]:
    """Classes whose cells (rebuilt from the same cut points) contain ``f``."""
    src_cuts = sorted(
        {lo for ln in lines for w in ln.src for lo, hi in wildcard_intervals(w).spans}
        | {hi + 1 for ln in lines for w in ln.src for lo, hi in wildcard_intervals(w).spans}
        | {0}
    )
    out = []
    for h in classes:
        if _cell(src_cuts, h.src_ip) != _cell(src_cuts, int(f.src_ip)):
            continue
        if h.protocol != f.ip_protocol:
            # a protocol no line names is represented by the "other" class
            named = {ln.protocol for ln in lines} | {TCP, UDP, ICMP}
            if f.ip_protocol in named or h.protocol in named:
                continue
        if f.ip_protocol in (TCP, UDP):
            pl = [ln for ln in lines if ln.protocol in (None, f.ip_protocol)]
            dcuts = sorted(
                {0} | {lo for ln in pl for lo, _ in ln.dst_ports} | {hi + 1 for ln in pl for _, hi in ln.dst_ports}
            )
            scuts = sorted(
                {0} | {lo for ln in pl for lo, _ in ln.src_ports} | {hi + 1 for ln in pl for _, hi in ln.src_ports}
            )
            if _cell(dcuts, h.dst_port) != _cell(dcuts, f.dst_port) or _cell(scuts, h.src_port) != _cell(
                scuts, f.src_port
            ):
                continue
        if f.ip_protocol == ICMP:
            named_types = {ln.icmp_type for ln in lines if ln.icmp_type is not None}
            if not named_types:
                pass  # one class (type 8) stands for every ICMP flow
            elif f.icmp_type in named_types | {8}:
                if h.icmp_type != f.icmp_type:
                    continue
            elif h.icmp_type in named_types | {8}:
                continue
            # codes named for this type each stand alone; the other codes share one class
            named_codes = {ln.icmp_code for ln in lines if ln.icmp_type == f.icmp_type and ln.icmp_code is not None}
            if named_codes and h.icmp_type == f.icmp_type:
                f_code = f.icmp_code if f.icmp_code in named_codes | {0} else "other"
                h_code = h.icmp_code if h.icmp_code in named_codes | {0} else "other"
                if f_code != h_code:
                    continue
        established = any(ln.tcp_established for ln in lines if ln.protocol in (None, TCP))
        if f.ip_protocol == TCP and established and h.tcp_ack != f.tcp_ack:
            continue
        out.append(h)
    return out
