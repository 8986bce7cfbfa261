"""Change intent files: schema, inline zones, headers, and resolution against the policies."""

from __future__ import annotations

import hashlib
import textwrap
from ipaddress import IPv4Network
from pathlib import Path

import pytest

from validator.errors import PolicyError
from validator.model.config import Interface, Node
from validator.model.snapshot import Snapshot
from validator.model.source import SourceRef
from validator.policy import (
    PolicyValidationError,
    Zone,
    load_intent,
    load_policies_from_bytes,
    resolve_zone,
    validate_intent,
)

INTENT = textwrap.dedent(
    """\
    version: 1
    description: open the web tier
    changes:
      - {from: internet, to: {nodes: [host-www]}, protocol: tcp, ports: [80], expect: allow}
      - from: {prefixes: [10.9.0.0/24]}
        to: az1
        expect: deny
        description: retire the lab subnet
    """
).encode()

POLICIES = load_policies_from_bytes(
    {"p.yaml": b"version: 1\nzones:\n  internet: {interfaces: ['border1[Gi0/0]']}\n  az1: {prefixes: [10.1.0.0/16]}\n"}
)


def test_intent_from_bytes() -> None:
    intent = load_intent(INTENT, file=".validator/intent.yaml")
    assert intent.file == ".validator/intent.yaml"
    assert intent.digest == hashlib.sha256(INTENT).hexdigest()
    assert intent.description == "open the web tier"
    first, second = intent.changes
    assert first.from_zone == "internet"
    assert isinstance(first.to_zone, Zone)
    assert [n.text for n in first.to_zone.nodes] == ["host-www"]
    assert first.to_zone.name == "changes[0].to"
    assert (first.expect, first.headers.protocols, first.headers.dst_ports) == ("allow", (6,), ((80, 80),))
    assert first.source.line == 4
    assert isinstance(second.from_zone, Zone) and second.from_zone.prefixes == (IPv4Network("10.9.0.0/24"),)
    assert second.to_zone == "az1" and second.expect == "deny" and second.headers.any_protocol
    assert second.description == "retire the lab subnet" and second.source.line == 5


def test_intent_from_path(tmp_path: Path) -> None:
    path = tmp_path / "intent.yaml"
    path.write_bytes(INTENT)
    intent = load_intent(path)
    assert intent.file == str(path) and len(intent.changes) == 2
    with pytest.raises(PolicyError, match="no such intent file"):
        load_intent(tmp_path / "missing.yaml")


def test_empty_change_list_is_valid() -> None:
    assert load_intent(b"version: 1\nchanges: []\n").changes == ()


INTENT_VIOLATIONS = [
    (b"version: 1\n", 1, "changes", "missing required key"),
    (b"version: 1\nchanges:\n  - {from: a, to: b}\n", 3, "changes[0].expect", "missing required key"),
    (b"version: 1\nchanges:\n  - {from: a, to: b, expect: allow, why: x}\n", 3, "changes[0].why", "unknown key"),
    (b"version: 1\nchanges:\n  - {from: a, to: {hosts: [x]}, expect: allow}\n", 3, "changes[0].to.hosts", "unknown"),
    (b"version: 1\nchanges:\n  - {from: a, to: {}, expect: allow}\n", 3, "changes[0].to", "must not be empty"),
    (b"version: 1\nchanges:\n  - {from: 3, to: a, expect: allow}\n", 3, "changes[0].from", "zone name or an inline"),
    (
        b"version: 1\nchanges:\n  - from: a\n    to: {prefixes: [10.0.0.1/8]}\n    expect: allow\n",
        4,
        "changes[0].to.prefixes[0]",
        "host bits",
    ),
    (b"version: 1\nchanges:\n  - {from: a, to: b, expect: allow, ports: [99999]}\n", 3, "changes[0].ports[0]", "65535"),
    (b"version: 2\nchanges: []\n", 1, "version", "must be 1"),
    (b"changes: [\n", 2, "yaml", "malformed YAML"),
]


@pytest.mark.parametrize(("text", "line", "key", "message"), INTENT_VIOLATIONS)
def test_intent_violations(text: bytes, line: int, key: str, message: str) -> None:
    with pytest.raises(PolicyValidationError) as info:
        load_intent(text, file="i.yaml")
    found = [(d.line, d.key, d.message) for d in info.value.diagnostics]
    assert any(ln == line and key in k and message in m for ln, k, m in found), found


def test_resolve_and_validate_against_policies() -> None:
    intent = load_intent(INTENT)
    validate_intent(intent, POLICIES)
    assert resolve_zone("az1", POLICIES) is POLICIES.zones["az1"]
    inline = intent.changes[0].to_zone
    assert isinstance(inline, Zone) and resolve_zone(inline, POLICIES) is inline
    with pytest.raises(PolicyError, match="undefined zone 'dmz'"):
        resolve_zone("dmz", POLICIES)


def test_undefined_zone_in_intent() -> None:
    intent = load_intent(b"version: 1\nchanges:\n  - {from: internet, to: dmz, expect: allow}\n", file="i.yaml")
    with pytest.raises(PolicyValidationError) as info:
        validate_intent(intent, POLICIES)
    (d,) = info.value.diagnostics
    assert (d.file, d.line, d.key) == ("i.yaml", 3, "changes[0].to")
    assert "undefined zone 'dmz'" in d.message


def test_inline_zone_checked_against_snapshot() -> None:
    n = Node(
        name="host-www",
        hostname="host-www",
        file="hosts/www.json",
        vendor="host",
        interfaces={"eth0": Interface(node="host-www", name="eth0", source=SourceRef("hosts/www.json", 1))},
    )
    snapshot = Snapshot(name="s", source="mem", nodes={"host-www": n})
    intent = load_intent(INTENT)
    validate_intent(intent, POLICIES, snapshot)
    bad = load_intent(b"version: 1\nchanges:\n  - {from: az1, to: {nodes: [host-ww]}, expect: allow}\n")
    with pytest.raises(PolicyValidationError, match=r"unknown node 'host-ww' \(did you mean 'host-www'\?\)"):
        validate_intent(bad, POLICIES, snapshot)
