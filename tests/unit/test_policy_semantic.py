"""Policies against a snapshot: names that resolve to nothing are errors with file, line and key."""

from __future__ import annotations

import textwrap

import pytest

from validator.model.config import Interface, Node
from validator.model.snapshot import Snapshot
from validator.model.source import SourceRef
from validator.policy import (
    PolicySet,
    PolicyValidationError,
    load_policies_from_bytes,
    resolve_interfaces,
    resolve_nodes,
    semantic_diagnostics,
    validate_against,
)


def node(name: str, *ifaces: str, vendor: str = "cisco_ios") -> Node:
    file = f"configs/{name}.cfg"
    return Node(
        name=name,
        hostname=name.upper(),
        file=file,
        vendor=vendor,  # type: ignore[arg-type]
        interfaces={i: Interface(node=name, name=i, source=SourceRef(file, 1)) for i in ifaces},
    )


@pytest.fixture
def snapshot() -> Snapshot:
    nodes = [
        node("border1", "GigabitEthernet0/0", "GigabitEthernet0/1"),
        node("core1", "GigabitEthernet0/1", "GigabitEthernet0/2", "Loopback0"),
        node("core2", "GigabitEthernet0/1"),
        node("web-host-1", "eth0", vendor="host"),
        node("db-host", "eth0", vendor="host"),
    ]
    return Snapshot(name="s", source="mem", nodes={n.name: n for n in nodes})


def policies(text: str) -> PolicySet:
    return load_policies_from_bytes({"p.yaml": textwrap.dedent(text).encode()})


GOOD = """\
version: 1
zones:
  az1: {prefixes: [10.1.0.0/16]}
  hosts: {nodes: ["/HOST/", Core1]}
  internet: {interfaces: ["/border/[gigabitethernet0/0]", "core1[/^gig/]"]}
risk_groups:
  conduit: ["link:core1[GigabitEthernet0/1]", "interface:CORE2[gigabitethernet0/1]", "node:border1"]
policies:
  - {name: p, type: reachability, from: internet, to: hosts, expect: allow}
"""


def test_valid_policies_pass_and_specs_resolve_like_batfish(snapshot: Snapshot) -> None:
    ps = policies(GOOD)
    validate_against(ps, snapshot)
    regex, literal = ps.zones["hosts"].nodes
    assert resolve_nodes(regex, snapshot) == ["db-host", "web-host-1"]  # case-insensitive find
    assert resolve_nodes(literal, snapshot) == ["core1"]
    border, core = ps.zones["internet"].interfaces
    assert resolve_interfaces(border, snapshot) == [("border1", "GigabitEthernet0/0")]
    assert resolve_interfaces(core, snapshot) == [("core1", "GigabitEthernet0/1"), ("core1", "GigabitEthernet0/2")]


# (policy text, expected line, expected key, expected message substring)
SEMANTIC_CASES = [
    (
        "version: 1\nzones:\n  h:\n    nodes: [core1, cor2]\n",
        4,
        "zones.h.nodes[1]",
        "unknown node 'cor2' (did you mean 'core2'?)",
    ),
    ("version: 1\nzones:\n  h: {nodes: ['/spine/']}\n", 3, "zones.h.nodes[0]", "matches no node"),
    ("version: 1\nzones:\n  h: {nodes: ['/^host/']}\n", 3, "zones.h.nodes[0]", "matches no node"),
    (
        "version: 1\nzones:\n  i:\n    interfaces:\n      - 'core1[GigabitEthernet0/9]'\n",
        5,
        "zones.i.interfaces[0]",
        "core1[GigabitEthernet0/9] matches no interface (did you mean 'GigabitEthernet0/",
    ),
    ("version: 1\nzones:\n  i: {interfaces: ['/leaf/[eth0]']}\n", 3, "zones.i.interfaces[0]", "matches no node"),
    ("version: 1\nzones:\n  i: {interfaces: ['bordr1[eth0]']}\n", 3, "zones.i.interfaces[0]", "'border1'"),
    (
        "version: 1\nrisk_groups:\n  g:\n    - node:core1\n    - node:core9\n",
        5,
        "risk_groups.g[1]",
        "unknown node 'core9'",
    ),
    (
        "version: 1\nrisk_groups:\n  g: ['link:core2[GigabitEthernet0/2]']\n",
        3,
        "risk_groups.g[0]",
        "node 'core2' has no interface 'GigabitEthernet0/2'",
    ),
    ("version: 1\nrisk_groups:\n  g: ['interface:nope[eth0]']\n", 3, "risk_groups.g[0]", "unknown node 'nope'"),
]


@pytest.mark.parametrize(("text", "line", "key", "message"), SEMANTIC_CASES)
def test_unknown_names_are_errors(snapshot: Snapshot, text: str, line: int, key: str, message: str) -> None:
    with pytest.raises(PolicyValidationError) as info:
        validate_against(policies(text), snapshot)
    assert [(d.file, d.line, d.key) for d in info.value.diagnostics] == [("p.yaml", line, key)]
    assert message in info.value.diagnostics[0].message


def test_every_problem_is_listed(snapshot: Snapshot) -> None:
    ps = policies(
        """\
        version: 1
        zones:
          a: {nodes: [x1, "/zz/"]}
          b: {interfaces: ["core1[Gi9]"]}
        risk_groups:
          g: ["node:y1"]
        """
    )
    found = semantic_diagnostics(ps, snapshot)
    assert [(d.line, d.key) for d in found] == [
        (3, "zones.a.nodes[0]"),
        (3, "zones.a.nodes[1]"),
        (4, "zones.b.interfaces[0]"),
        (6, "risk_groups.g[0]"),
    ]


def test_prefix_only_zones_need_no_snapshot_names(snapshot: Snapshot) -> None:
    validate_against(policies("version: 1\nzones:\n  far: {prefixes: [192.0.2.0/24]}\n"), snapshot)
