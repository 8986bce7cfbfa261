"""The ``routing`` policy type: loading, schema and build errors with their line, and the semantic
lint that refuses a peer selector guarding nothing."""

from __future__ import annotations

import textwrap
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from validator.policy import PolicyValidationError, load_policies
from validator.policy.model import RoutingPolicy
from validator.policy.semantic import semantic_diagnostics
from validator.snapshot.folder import load_snapshot

BORDERS = Path(__file__).resolve().parents[2] / "fixtures" / "borders"

VALID = textwrap.dedent(
    """\
    version: 1
    policies:
      - name: no-private-leaks
        type: routing
        peers: {remote_as: [65100, 65200], groups: [ISPS], sessions: ["border1[192.0.2.2]"], neighbors: [198.51.100.6]}
        export:
          never: [10.0.0.0/8 le 32, 172.16.0.0/12 le 32, "192.168.0.0/16  ge 24 le 32"]
          only: [203.0.113.0/24]
        import:
          reject: [0.0.0.0/0]
          max_prefix_length: 24
      - {name: all-peers, type: routing, peers: all, import: {max_prefix_length: 24}}
      - {name: core-peers, type: routing, peers: {nodes: [border2]}, export: {only: []}}
    """
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


def test_routing_policy_loads(tmp_path: Path) -> None:
    ps = load_policies(_write(tmp_path, VALID))
    p = ps.policy("no-private-leaks")
    assert isinstance(p, RoutingPolicy)
    assert p.peers.remote_as == (65100, 65200) and p.peers.groups == ("ISPS",)
    assert p.peers.neighbors == (IPv4Address("198.51.100.6"),)
    assert [(r.prefix, r.lo, r.hi) for r in p.export_never] == [
        (IPv4Network("10.0.0.0/8"), 8, 32),
        (IPv4Network("172.16.0.0/12"), 12, 32),
        (IPv4Network("192.168.0.0/16"), 24, 32),
    ]
    assert p.export_never[2].text == "192.168.0.0/16 ge 24 le 32"
    assert p.export_only is not None and [r.text for r in p.export_only] == ["203.0.113.0/24"]
    assert p.import_max_prefix_length == 24
    assert p.peers.matches("border1", IPv4Address("192.0.2.2"), 65300, None)
    assert p.peers.matches("x", IPv4Address("1.1.1.1"), 1, "isps")
    assert not p.peers.matches("border2", IPv4Address("192.0.2.2"), 65300, None)
    everyone = ps.policy("all-peers")
    assert isinstance(everyone, RoutingPolicy) and everyone.peers.all_peers and everyone.export_only is None
    core = ps.policy("core-peers")
    assert isinstance(core, RoutingPolicy) and core.export_only == ()  # nothing may be announced
    assert core.peers.matches("border2", IPv4Address("1.1.1.1"), 1, None)
    assert not core.peers.matches("border1", IPv4Address("1.1.1.1"), 1, None)


@pytest.mark.parametrize(
    ("body", "line", "needle"),
    [
        ("peers: all\n    export: {never: [10.0.0.1/8]}", 6, "bad prefix range '10.0.0.1/8'"),
        ("peers: all\n    export: {never: [10.0.0.0/8 le 4]}", 6, "need 8 <= ge <= le <= 32"),
        ("peers: all\n    export: {never: [10.0.0.0/8 between 4]}", 6, "a prefix range is PREFIX"),
        ("peers: {neighbors: [not-an-ip]}\n    import: {max_prefix_length: 24}", 5, "not an IPv4 address"),
        ("peers: {sessions: [border1]}\n    import: {max_prefix_length: 24}", 5, "sessions"),
        ("peers: all", 3, "at least one of export and import"),
        ("peers: all\n    import: {max_prefix_length: 33}", 6, "max_prefix_length"),
        ("peers: {colour: red}\n    import: {reject: [0.0.0.0/0]}", 5, "peers"),
    ],
)
def test_bad_routing_policies_name_file_and_line(tmp_path: Path, body: str, line: int, needle: str) -> None:
    text = f"version: 1\npolicies:\n  - name: x\n    type: routing\n    {body}\n"
    with pytest.raises(PolicyValidationError) as exc:
        load_policies(_write(tmp_path, text))
    rendered = [str(d) for d in exc.value.diagnostics]
    assert any(needle in r for r in rendered), rendered
    assert all(r.startswith(f"{tmp_path / 'p.yaml'}:") for r in rendered)
    assert any(f"p.yaml:{line}:" in r for r in rendered), rendered


def test_peers_selecting_no_external_neighbour_are_refused(tmp_path: Path) -> None:
    snapshot = load_snapshot(BORDERS / "base")
    good = load_policies(BORDERS / "policies" / "borders.yaml")
    assert semantic_diagnostics(good, snapshot) == []
    bad = load_policies(
        _write(
            tmp_path,
            "version: 1\npolicies:\n  - {name: x, type: routing, peers: {remote_as: [64999]}, "
            "import: {max_prefix_length: 24}}\n  - {name: y, type: routing, peers: {remote_as: [65000]}, "
            "import: {max_prefix_length: 24}}\n",
        )
    )
    found = semantic_diagnostics(bad, snapshot)
    # AS 65000 peers are the iBGP neighbours inside the snapshot: not external either
    assert [(d.line, "select no BGP neighbour outside the snapshot" in d.message) for d in found] == [
        (3, True),
        (4, True),
    ]
