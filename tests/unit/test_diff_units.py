"""Change units and inertness (validator.diff.units / inert / impact) on the planes fixture.

Each case is a text edit of fixtures/planes/base: the stanza it changes must map to the right
units at the right grain, and be inert exactly when it cannot change behaviour.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from validator.checks.blast import without_units
from validator.diff import compute_changeset
from validator.diff.impact import ChangeImpact, analyse_change
from validator.diff.units import Unit, parse_unit
from validator.snapshot.folder import load_snapshot

PLANES = Path(__file__).resolve().parents[2] / "fixtures" / "planes"
BASE = PLANES / "base"


def impact_of(tmp_path: Path, edits: list[tuple[str, str, str]]) -> ChangeImpact:
    head = tmp_path / "head"
    shutil.copytree(BASE, head)
    for rel, old, new in edits:
        path = head / "configs" / rel
        text = path.read_text()
        assert text.count(old) == 1, (rel, old)
        path.write_text(text.replace(old, new))
    base, head_snap = load_snapshot(BASE), load_snapshot(head, strict=False)
    return analyse_change(compute_changeset(base, head_snap).changeset, base, head_snap)


def by_kind(impact: ChangeImpact) -> dict[tuple[str, str], tuple[set[str], bool]]:
    return {(s.stanza.kind, s.stanza.name): ({u.name for u in s.units}, s.inert) for s in impact.stanzas}


NEUTRAL = "ip access-list extended NEUTRAL\n permit ip any any\n!\nend\n"
VTY = "line vty 0 4\n access-class NEUTRAL in\n!\nend\n"
TIMERS = "  neighbor 172.21.2.0 activate\n  neighbor 172.21.2.0 timers 5 15\n"
WEIGHT = "  neighbor 172.21.2.0 activate\n  neighbor 172.21.2.0 weight 5\n"

CASES: list[tuple[str, list[tuple[str, str, str]], tuple[str, str], set[str], bool]] = [
    # (case, edits, stanza (kind, name), its units, inert)
    (
        "interface stanza -> that interface",
        [("az1-core.cfg", " description uplink to plane-a Gi0/1\n", " description x\n shutdown\n")],
        ("interface", "GigabitEthernet0/1"),
        {"iface:az1-core[GigabitEthernet0/1]"},
        False,
    ),
    (
        "ACL -> the interfaces that apply it",
        [("az1-core.cfg", " deny   ip any any\n", " deny   tcp any any eq 23\n deny   ip any any\n")],
        ("acl", "LAN-IN"),
        {"iface:az1-core[GigabitEthernet3/0]"},
        False,
    ),
    (
        "route-map -> the session that applies it",
        [("az1-core.cfg", " set local-preference 50\n", " set local-preference 60\n")],
        ("route-map", "FROM-PLANE-B 10"),
        {"session:az1-core[172.22.1.1]"},
        False,
    ),
    (
        "BGP neighbour -> that session (a line the parser does not model is never inert)",
        [("plane-a.cfg", "  neighbor 172.21.2.0 activate\n", WEIGHT)],
        ("bgp neighbor", "172.21.2.0"),
        {"session:plane-a[172.21.2.0]"},
        False,
    ),
    (
        "neighbour timers are behaviour the engine does not simulate: not inert",
        [("plane-a.cfg", "  neighbor 172.21.2.0 activate\n", TIMERS)],
        ("bgp neighbor", "172.21.2.0"),
        {"session:plane-a[172.21.2.0]"},
        False,
    ),
    (
        "timers bgp -> the process, not inert",
        [("plane-b.cfg", " bgp router-id 10.0.255.22\n", " bgp router-id 10.0.255.22\n timers bgp 10 30\n")],
        ("router bgp", "64602"),
        {"process:plane-b[bgp 64602]"},
        False,
    ),
    (
        "static route -> the node",
        [("az2-core.cfg", "!\nend\n", "!\nip route 192.0.2.0 255.255.255.0 Null0\n!\nend\n")],
        ("static route", "192.0.2.0 255.255.255.0 Null0"),
        {"node:az2-core"},
        False,
    ),
    (
        "OSPF network statement -> the process, not inert (the model keeps it on the interfaces)",
        [
            (
                "az1-core.cfg",
                "router bgp 65001\n",
                "router ospf 1\n network 10.1.10.0 0.0.0.255 area 0\n!\nrouter bgp 65001\n",
            )
        ],
        ("router ospf", "1"),
        {"process:az1-core[ospf 1]"},
        False,
    ),
    (
        "description -> inert",
        [("az1-core.cfg", " description LAN of az1-web\n", " description LAN of az1-web (CHG-7)\n")],
        ("interface", "GigabitEthernet3/0"),
        {"iface:az1-core[GigabitEthernet3/0]"},
        True,
    ),
    (
        "an ACL referenced nowhere -> no unit, inert",
        [("az3-core.cfg", "!\nend\n", "!\n" + NEUTRAL)],
        ("acl", "NEUTRAL"),
        set(),
        True,
    ),
    (
        "an ACL named only in a line the model drops (vty access-class) -> the node, not inert",
        [("az3-core.cfg", "!\nend\n", "!\n" + NEUTRAL.replace("end\n", VTY))],
        ("acl", "NEUTRAL"),
        {"node:az3-core"},
        False,
    ),
    (
        "an ACL on an interface and on the vty lines -> the interface and the node (management plane)",
        [
            ("az2-core.cfg", "!\nend\n", "!\nline vty 0 4\n access-class LAN-IN in\n!\nend\n"),
            ("az2-core.cfg", " deny   ip any any\n", " permit ip any any\n"),
        ],
        ("acl", "LAN-IN"),
        {"iface:az2-core[GigabitEthernet3/0]", "node:az2-core"},
        False,
    ),
    (
        "an ACL line written differently with the same meaning -> inert",
        [("az2-core.cfg", " deny   ip any any\n", " deny ip 0.0.0.0 255.255.255.255 any\n")],
        ("acl", "LAN-IN"),
        {"iface:az2-core[GigabitEthernet3/0]"},
        True,
    ),
]


@pytest.mark.parametrize(("case", "edits", "stanza", "units", "inert"), CASES, ids=[c[0] for c in CASES])
def test_stanza_units_and_inertness(
    tmp_path: Path, case: str, edits: list[tuple[str, str, str]], stanza: tuple[str, str], units: set[str], inert: bool
) -> None:
    found = by_kind(impact_of(tmp_path, edits))
    assert stanza in found, sorted(found)
    assert found[stanza] == (units, inert)


def test_inert_stanzas_contribute_no_unit(tmp_path: Path) -> None:
    impact = impact_of(
        tmp_path,
        [
            ("az1-core.cfg", " description LAN of az1-web\n", " description changed\n"),
            ("az1-core.cfg", " set local-preference 50\n", " set local-preference 60\n"),
        ],
    )
    assert [u.name for u in impact.units] == ["session:az1-core[172.22.1.1]"]
    marked = impact.mark(compute_changeset(load_snapshot(BASE), load_snapshot(BASE)).changeset)
    assert marked.stanzas == ()
    assert [st.name for st in impact.inert] == ["GigabitEthernet3/0"]


def test_unit_names_round_trip() -> None:
    for u in (
        Unit("iface", "r1", "GigabitEthernet0/1"),
        Unit("session", "r1", "10.0.0.1"),
        Unit("node", "r1"),
        Unit("process", "r1", "ospf 1"),
    ):
        assert parse_unit(u.name) == u
    with pytest.raises(ValueError):
        parse_unit("link:r1[Gi0/1]")


def test_failing_a_session_or_process_removes_it_from_the_model() -> None:
    snap = load_snapshot(BASE)
    out = without_units(snap, [Unit("session", "az1-core", "172.21.1.1"), Unit("process", "plane-b", "bgp 64602")])
    az1 = out.nodes["az1-core"].bgp
    assert az1 is not None and [str(n.peer_ip) for n in az1.neighbors] == ["172.22.1.1"]
    assert out.nodes["plane-b"].bgp is None
    assert snap.nodes["plane-b"].bgp is not None  # the input is left alone


def test_an_ospf_network_statement_is_judged_on_the_interfaces_it_places(tmp_path: Path) -> None:
    region = PLANES.parent / "region" / "base"
    head = tmp_path / "region"
    shutil.copytree(region, head)
    cfg = head / "configs" / "az1-r2.cfg"
    text = cfg.read_text()
    old = " network 172.18.1.0 0.0.0.3 area 0\n"
    assert text.count(old) == 1
    cfg.write_text(text.replace(old, " network 172.18.1.0 0.0.0.1 area 0\n"))  # Gi0/1 leaves OSPF
    base, head_snap = load_snapshot(region), load_snapshot(head)
    impact = analyse_change(compute_changeset(base, head_snap).changeset, base, head_snap)
    [s] = impact.stanzas
    assert (s.stanza.kind, s.inert) == ("router ospf", False)
    assert [u.name for u in s.units] == ["process:az1-r2[ospf 1]"]


def test_update_source_is_behaviour_not_documentation() -> None:
    """Only source references are ignored when deciding inertness: ``update_source`` (a field
    whose name ends in ``_source``) changes which address a session uses."""
    from ipaddress import IPv4Address

    from validator.diff.inert import semantic
    from validator.model.config import BgpNeighbor
    from validator.model.source import SourceRef

    a = BgpNeighbor(source=SourceRef("configs/r1.cfg", 10), peer_ip=IPv4Address("10.0.0.2"), update_source="Loopback0")
    b = BgpNeighbor(source=SourceRef("configs/r1.cfg", 12), peer_ip=IPv4Address("10.0.0.2"), update_source=None)
    c = BgpNeighbor(source=SourceRef("configs/r1.cfg", 14), peer_ip=IPv4Address("10.0.0.2"), update_source="Loopback0")
    assert semantic(a) != semantic(b)
    assert semantic(a) == semantic(c)  # the line moved: still inert
