"""Shared helpers for the tests of validator.checks (no tests here).

Fixture networks live in fixtures/unit/checks/<name>/ in Batfish layout; variants are made in
memory by replacing config text, so each test states exactly what it changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network
from pathlib import Path

from validator.engine.dataplane import compute_dataplane
from validator.engine.types import DataPlane, FailureSet
from validator.model.snapshot import Snapshot
from validator.policy.loader import load_policies_from_bytes
from validator.policy.model import PolicySet
from validator.snapshot.folder import read_folder_files
from validator.snapshot.loader import load_snapshot_files

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
