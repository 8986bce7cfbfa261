"""Stanza-level change set on small hand-written snapshots (fixtures/unit/diff)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from validator.diff import (
    canonical_interface_name,
    changed_lines,
    compute_changeset,
    segment_ios,
    touched_elements,
    unmodelled_findings,
)
from validator.model.config import BgpNeighbor, BgpProcess, Interface, Node
from validator.model.snapshot import FileError, Layer1Edge, Snapshot
from validator.model.source import ParseWarning, SourceRef
from validator.model.verdict import ChangedStanza

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "unit" / "diff"


def _node_for(path: str, text: str) -> Node:
    if path.startswith("hosts/"):
        host = json.loads(text)["hostname"]
        return Node(name=host.lower(), hostname=host, file=path, vendor="host")
    m = re.search(r"^hostname\s+(\S+)", text, re.MULTILINE)
    assert m, path
    return Node(name=m.group(1).lower(), hostname=m.group(1), file=path, vendor="cisco_ios")


def load(side: str, **extra: object) -> Snapshot:
    root = FIXTURES / side
    files = {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}
    nodes = {}
    for path, text in files.items():
        if path.startswith(("configs/", "hosts/")):
            node = _node_for(path, text)
            nodes[node.name] = node
    return Snapshot(name=side, source=str(root), nodes=nodes, files=files, **extra)  # type: ignore[arg-type]


def snap(files: dict[str, str], nodes: dict[str, Node] | None = None, **extra: object) -> Snapshot:
    if nodes is None:
        nodes = {}
        for path, text in files.items():
            if path.startswith(("configs/", "hosts/")):
                n = _node_for(path, text)
                nodes[n.name] = n
    return Snapshot(name="s", source="mem", nodes=nodes, files=files, **extra)  # type: ignore[arg-type]


def by_key(stanzas: tuple[ChangedStanza, ...]) -> dict[tuple[str, str, str], ChangedStanza]:
    out = {(s.file, s.kind, s.name): s for s in stanzas}
    assert len(out) == len(stanzas), "duplicate stanza keys"
    return out


@pytest.fixture(scope="module")
def fixture_change() -> dict[tuple[str, str, str], ChangedStanza]:
    result = compute_changeset(load("base"), load("head"))
    return by_key(result.changeset.stanzas)


R1 = "configs/r1.cfg"


def test_interface_modified_with_lines_on_both_sides(fixture_change: dict[tuple[str, str, str], ChangedStanza]) -> None:
    st = fixture_change[(R1, "interface", "GigabitEthernet0/0")]
    assert (st.op, st.line, st.base_line, st.device) == ("modified", 8, 8, "r1")


def test_abbreviated_interface_name_and_whitespace_are_no_change(
    fixture_change: dict[tuple[str, str, str], ChangedStanza],
) -> None:
    # head writes "interface Gi0/1" and re-indents Loopback0 / "version   15.2": same objects
    assert (R1, "interface", "GigabitEthernet0/1") not in fixture_change
    assert (R1, "interface", "Loopback0") not in fixture_change
    assert not any(k[1] == "other" and k[0] == R1 for k in fixture_change)


def test_neighbor_added_in_address_family(fixture_change: dict[tuple[str, str, str], ChangedStanza]) -> None:
    st = fixture_change[(R1, "bgp neighbor", "10.0.0.3")]
    assert (st.op, st.line, st.base_line) == ("added", 25, None)
    # the existing neighbor and the process itself are untouched
    assert (R1, "bgp neighbor", "10.0.0.2") not in fixture_change
    assert (R1, "router bgp", "65001") not in fixture_change


def test_route_map_clause_modified(fixture_change: dict[tuple[str, str, str], ChangedStanza]) -> None:
    st = fixture_change[(R1, "route-map", "TO_R2 10")]
    assert (st.op, st.line, st.base_line) == ("modified", 45, 43)
    assert (R1, "route-map", "TO_R2 20") not in fixture_change


def test_acl_line_added(fixture_change: dict[tuple[str, str, str], ChangedStanza]) -> None:
    st = fixture_change[(R1, "acl", "EDGE_IN")]
    assert (st.op, st.line, st.base_line) == ("modified", 36, 35)
    assert (R1, "acl", "101") not in fixture_change


def test_static_route_removed(fixture_change: dict[tuple[str, str, str], ChangedStanza]) -> None:
    st = fixture_change[(R1, "static route", "192.0.2.0 255.255.255.0 10.1.13.3")]
    assert (st.op, st.line, st.base_line) == ("removed", 32, 32)
    assert (R1, "static route", "198.51.100.0 255.255.255.0 Null0") not in fixture_change


def test_r1_changes_are_exactly_these(fixture_change: dict[tuple[str, str, str], ChangedStanza]) -> None:
    r1 = sorted((k[1], k[2]) for k in fixture_change if k[0] == R1)
    assert r1 == [
        ("acl", "EDGE_IN"),
        ("bgp neighbor", "10.0.0.3"),
        ("interface", "GigabitEthernet0/0"),
        ("route-map", "TO_R2 10"),
        ("static route", "192.0.2.0 255.255.255.0 10.1.13.3"),
    ]


def test_files_added_and_removed(fixture_change: dict[tuple[str, str, str], ChangedStanza]) -> None:
    added = fixture_change[("configs/r2.cfg", "interface", "GigabitEthernet0/0")]
    assert (added.op, added.line, added.device) == ("added", 3, "r2")
    assert fixture_change[("configs/r2.cfg", "hostname", "R2")].op == "added"
    removed = fixture_change[("configs/r3.cfg", "interface", "GigabitEthernet0/0")]
    assert (removed.op, removed.line, removed.base_line, removed.device) == ("removed", 3, 3, "r3")


def test_host_json_and_iptables_are_file_stanzas(fixture_change: dict[tuple[str, str, str], ChangedStanza]) -> None:
    host = fixture_change[("hosts/h1.json", "host", "h1")]
    assert (host.op, host.device, host.line) == ("modified", "h1", 5)
    ipt = fixture_change[("iptables/h1.iptables", "iptables", "h1")]
    # the iptables file belongs to the host that names it
    assert (ipt.op, ipt.device, ipt.line, ipt.base_line) == ("modified", "h1", 6, 6)


def test_changeset_devices_files_and_order() -> None:
    cs = compute_changeset(load("base"), load("head")).changeset
    assert cs.devices == ("h1", "r1", "r2", "r3")
    assert cs.files == ("configs/r1.cfg", "configs/r2.cfg", "configs/r3.cfg", "hosts/h1.json", "iptables/h1.iptables")
    keys = [(s.device, s.file, s.line) for s in cs.stanzas]
    assert keys == sorted(keys)
    assert cs.to_json()["stanzas"][0]["device"] == "h1"


def test_identical_snapshots_have_no_change() -> None:
    result = compute_changeset(load("base"), load("base"))
    assert result.changeset.stanzas == () and result.changeset.files == () and result.unmodelled == []


def test_whitespace_only_and_comment_only_change_is_no_change() -> None:
    base = "hostname r9\n!\ninterface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n!\n"
    head = "hostname   r9\n! a new comment\n\ninterface Gi0/0\n    ip  address 10.0.0.1   255.255.255.0  \n!\n"
    result = compute_changeset(snap({"configs/r9.cfg": base}), snap({"configs/r9.cfg": head}))
    assert result.changeset.stanzas == () and result.changeset.devices == () and result.changeset.files == ()


def test_json_reformatting_is_no_change() -> None:
    a = '{"hostname": "h", "hostInterfaces": {}}'
    b = '{\n  "hostInterfaces": {},\n  "hostname": "h"\n}\n'
    result = compute_changeset(snap({"hosts/h.json": a}), snap({"hosts/h.json": b}))
    assert result.changeset.files == ()


def test_neighbor_moved_between_address_families_is_modified() -> None:
    base = (
        "hostname r\nrouter bgp 1\n neighbor 1.1.1.1 remote-as 2\n address-family ipv4\n  neighbor 1.1.1.1 activate\n"
    )
    head = (
        "hostname r\nrouter bgp 1\n neighbor 1.1.1.1 remote-as 2\n address-family ipv4\n"
        " exit-address-family\n address-family ipv4 vrf X\n  neighbor 1.1.1.1 activate\n"
    )
    stanzas = by_key(compute_changeset(snap({"configs/r.cfg": base}), snap({"configs/r.cfg": head})).changeset.stanzas)
    assert stanzas[("configs/r.cfg", "bgp neighbor", "1.1.1.1")].op == "modified"
    assert stanzas[("configs/r.cfg", "router bgp", "1")].op == "modified"


def test_grouped_kinds_and_route_map_action_change() -> None:
    base = (
        "hostname r\nip prefix-list P seq 5 permit 10.0.0.0/8\naccess-list 10 permit 1.1.1.1\n"
        "ip community-list standard C permit 1:1\nroute-map M permit 10\n set metric 5\n"
        "ip prefix-list P seq 10 deny 0.0.0.0/0 le 32\n"
    )
    head = (
        "hostname r\nip prefix-list P seq 5 permit 10.0.0.0/8\naccess-list 10 permit 1.1.1.1\n"
        "access-list 10 deny any\nip community-list standard C permit 1:1\nroute-map M deny 10\n set metric 5\n"
        "ip prefix-list P seq 10 deny 0.0.0.0/0 le 32\n"
    )
    stanzas = by_key(compute_changeset(snap({"configs/r.cfg": base}), snap({"configs/r.cfg": head})).changeset.stanzas)
    f = "configs/r.cfg"
    assert set(stanzas) == {(f, "acl", "10"), (f, "route-map", "M 10")}
    assert stanzas[(f, "acl", "10")].line == 3
    assert stanzas[(f, "route-map", "M 10")].line == 6


def test_hostname_change_is_one_modified_stanza() -> None:
    stanzas = compute_changeset(snap({"configs/r.cfg": "hostname a\n"}), snap({"configs/r.cfg": "hostname b\n"}))
    assert [(s.kind, s.name, s.op, s.device) for s in stanzas.changeset.stanzas] == [("hostname", "b", "modified", "b")]


def test_banner_lines_belong_to_the_banner() -> None:
    text = "hostname r\nbanner motd ^C\nhello\ninterface fake\n^C\ninterface Gi0/0\n shutdown\n"
    st = segment_ios(text)
    assert [ln.line for ln in st[("other", "banner motd")].lines] == [2, 3, 4, 5]
    assert ("interface", "fake") not in st
    assert st[("interface", "GigabitEthernet0/0")].first_line == 6


def test_side_files_are_topology_and_runtime_stanzas() -> None:
    l1a = '{"edges": []}'
    l1b = '{"edges": [{"node1": {"hostname": "r1", "interfaceName": "Gi0/0"}}]}'
    base = snap({"batfish/layer1_topology.json": l1a, "interface_blacklist": "r1:Gi0/0\n"})
    head = snap({"batfish/layer1_topology.json": l1b, "external_bgp_announcements.json": "[]"})
    kinds = {(s.file, s.kind, s.op) for s in compute_changeset(base, head).changeset.stanzas}
    assert kinds == {
        ("batfish/layer1_topology.json", "topology", "modified"),
        ("external_bgp_announcements.json", "runtime", "added"),
        ("interface_blacklist", "runtime", "removed"),
    }


def test_unmodelled_changed_line_is_reported() -> None:
    base_text = "hostname r\ninterface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n"
    head_text = (
        "hostname r\ninterface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n ip wccp web-cache redirect in\n"
        " frobnicate old\n"
    )
    old_text = base_text + " frobnicate old\n"
    warnings = (
        ParseWarning("configs/r.cfg", 4, " ip wccp web-cache redirect in"),
        ParseWarning("configs/r.cfg", 5, " frobnicate old"),  # unchanged line: not a change
    )
    head_node = Node(name="r", hostname="r", file="configs/r.cfg", vendor="cisco_ios", warnings=warnings)
    base = snap({"configs/r.cfg": old_text})
    head = snap({"configs/r.cfg": head_text}, nodes={"r": head_node})
    result = compute_changeset(base, head)
    assert [(u.file, u.line, u.text) for u in result.unmodelled] == [
        ("configs/r.cfg", 4, "ip wccp web-cache redirect in")
    ]
    assert "unmodelled change at configs/r.cfg:4" in str(result.unmodelled[0])
    assert result.unmodelled[0].location().line == 4
    (finding,) = unmodelled_findings(result)
    assert (finding.policy, finding.check, finding.severity) == ("change", "unmodelled", "error")
    assert finding.locations[0].file == "configs/r.cfg" and finding.locations[0].line == 4


def test_unmodelled_includes_head_file_errors() -> None:
    base = snap({"configs/r.cfg": "hostname r\n"})
    head = Snapshot(
        name="h",
        source="mem",
        nodes={},
        files={"configs/r.cfg": "\x00\x01garbage\n"},
        file_errors=(FileError("configs/r.cfg", 1, "not a configuration"),),
    )
    result = compute_changeset(base, head)
    assert [(u.file, u.line, u.reason) for u in result.unmodelled] == [("configs/r.cfg", 1, "file not parsed")]
    # the device is still named from the base model
    assert result.changeset.devices == ("r",)


def test_changed_lines_ignore_whitespace() -> None:
    head_changed, base_changed = changed_lines("a\nb\nc\n", "a\n  b \nx\nc\n")
    assert (head_changed, base_changed) == ({3}, set())


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Gi0/0", "GigabitEthernet0/0"),
        ("gigabitethernet1/0.10", "GigabitEthernet1/0.10"),
        ("Fa0/1", "FastEthernet0/1"),
        ("e0/0", "Ethernet0/0"),
        ("Eth1/1", "Ethernet1/1"),
        ("Te1/0/1", "TenGigabitEthernet1/0/1"),
        ("Lo0", "Loopback0"),
        ("Po10", "Port-channel10"),
        ("Tu1", "Tunnel1"),
        ("Vlan100", "Vlan100"),
        ("Weird9", "Weird9"),
    ],
)
def test_canonical_interface_name(typed: str, canonical: str) -> None:
    assert canonical_interface_name(typed) == canonical


def _iface(node: str, name: str, acl_in: str | None = None) -> Interface:
    return Interface(node=node, name=name, source=SourceRef("configs/r.cfg", 1), acl_in=acl_in)


def test_touched_elements_map_policy_objects_to_their_users() -> None:
    base0, head0 = load("base"), load("head")
    # give r1 a model so the ACL and the route-map find their users; add a layer-1 edge in the head
    r1 = Node(
        name="r1",
        hostname="r1",
        file="configs/r1.cfg",
        vendor="cisco_ios",
        interfaces={"GigabitEthernet0/1": _iface("r1", "GigabitEthernet0/1", acl_in="EDGE_IN")},
        bgp=BgpProcess(
            local_as=65001,
            source=SourceRef("configs/r1.cfg", 21),
            neighbors=(BgpNeighbor(source=SourceRef("configs/r1.cfg", 22), route_map_out="TO_R2"),),
        ),
    )
    l1 = "batfish/layer1_topology.json"
    base = Snapshot(name="b", source="mem", nodes=base0.nodes, files={**base0.files, l1: "{}"})
    head = Snapshot(
        name="h",
        source="mem",
        nodes={**head0.nodes, "r1": r1},
        files={**head0.files, l1: '{"edges": [1]}'},
        layer1=(Layer1Edge("r2", "GigabitEthernet0/0", "r3", "GigabitEthernet0/0"),),
    )
    cs = compute_changeset(base, head).changeset
    touched = touched_elements(cs, base, head)
    assert ("r1", "GigabitEthernet0/0") in touched.interfaces  # interface stanza
    assert ("r1", "GigabitEthernet0/1") in touched.interfaces  # via ACL EDGE_IN
    assert ("r1", "bgp") in touched.processes  # via neighbor and route-map TO_R2
    assert ("r1", "ospf") not in touched.processes
    assert {("r2", "GigabitEthernet0/0"), ("r3", "GigabitEthernet0/0")} <= touched.interfaces  # layer1 edge
    assert touched.devices == {"h1", "r1", "r2", "r3"}
    assert "node:r1" in touched.specs() and "interface:r1[GigabitEthernet0/1]" in touched.specs()


def test_touched_elements_route_map_unused_touches_no_process() -> None:
    base = "hostname r\nroute-map M permit 10\n set metric 5\n"
    head = "hostname r\nroute-map M permit 10\n set metric 6\n"
    b, h = snap({"configs/r.cfg": base}), snap({"configs/r.cfg": head})
    touched = touched_elements(compute_changeset(b, h).changeset, b, h)
    assert touched.devices == {"r"} and touched.processes == frozenset() and touched.interfaces == frozenset()


REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "batfish-example"


def _reference_snapshot(side: str) -> Snapshot:
    root = REFERENCE / side
    files = {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}
    return snap(files)


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"reference data missing: {REFERENCE}")
def test_reference_live_to_candidate_is_two_interfaces_on_as2dept1() -> None:
    result = compute_changeset(_reference_snapshot("live"), _reference_snapshot("candidate"))
    cs = result.changeset
    assert cs.devices == ("as2dept1",)
    assert cs.files == ("configs/as2dept1.cfg",)
    assert all(s.kind == "interface" and s.op == "modified" for s in cs.stanzas)
    assert len(cs.stanzas) == 2
    text = (REFERENCE / "candidate" / "configs" / "as2dept1.cfg").read_text().splitlines()
    for st in cs.stanzas:
        assert text[st.line - 1].startswith("interface ")


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"reference data missing: {REFERENCE}")
def test_segmentation_keeps_every_reference_line() -> None:
    for cfg in sorted((REFERENCE / "live" / "configs").glob("*.cfg")):
        text = cfg.read_text()
        covered = {ln.line for st in segment_ios(text).values() for ln in st.lines}
        meaningful = {
            i
            for i, raw in enumerate(text.splitlines(), 1)
            if raw.strip() and not raw.startswith("!") and raw.strip() != "end"
        }
        assert meaningful <= covered, (cfg.name, sorted(meaningful - covered)[:5])
