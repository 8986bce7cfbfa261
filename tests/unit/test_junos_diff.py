"""Stanza-level change sets for Junos files in both forms: flat ``set`` statements compared, each
mapped back to its file line."""

from __future__ import annotations

from pathlib import Path

from validator.diff.stanzas import canonical_interface_name, segment_ios, segment_junos
from validator.parsers.junos import flatten

PE1 = Path(__file__).resolve().parents[2] / "fixtures" / "junos-core" / "base" / "configs" / "pe1.cfg"


def as_set_form(text: str) -> str:
    return "\n".join(fl.text for fl in flatten(text, "f")) + "\n"


def test_hierarchical_and_set_forms_have_the_same_stanzas() -> None:
    hier = PE1.read_text()
    flat = as_set_form(hier)
    a, b = segment_junos(hier), segment_junos(flat)
    assert set(a) == set(b)
    assert all(a[k].normalised == b[k].normalised for k in a)
    assert segment_ios(hier).keys() == a.keys()  # the one entry point dispatches on the syntax


def test_stanza_kinds_and_file_lines() -> None:
    st = segment_junos(PE1.read_text())
    kinds = {(k, s.name) for (k, _), s in st.items()}
    assert {
        ("interface", "ge-0/0/0.0"),
        ("interface", "lo0.0"),
        ("bgp neighbor", "core"),
        ("bgp neighbor", "10.255.0.2"),
        ("route-map", "EXPORT-LAN lan"),
        ("acl", "PROTECT-LAN"),
        ("hostname", "pe1"),
    } <= kinds
    iface = st[("interface", "ge-0/0/0.0")]
    # the address and the OSPF metric of the unit, each at the line a person edits
    assert [(ln.line, ln.text) for ln in iface.lines] == [
        (11, "set interfaces ge-0/0/0 unit 0 family inet address 10.0.1.1/30"),
        (50, "set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 interface-type p2p"),
        (51, "set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 metric 10"),
    ]


def test_reformatting_is_no_change_and_a_leaf_change_is_one_stanza() -> None:
    hier = PE1.read_text()
    reindented = hier.replace("    ", "  ")
    assert {k: s.normalised for k, s in segment_junos(hier).items()} == {
        k: s.normalised for k, s in segment_junos(reindented).items()
    }
    changed = hier.replace("metric 100;", "metric 120;")
    a, b = segment_junos(hier), segment_junos(changed)
    diff = [k for k in a if a[k].normalised != b[k].normalised]
    assert diff == [("interface", "ge-0/0/1.0")]


def test_set_form_change_and_deactivate() -> None:
    flat = as_set_form(PE1.read_text())
    deactivated = flat + "deactivate firewall family inet filter PROTECT-LAN term telnet\n"
    a, b = segment_junos(flat), segment_junos(deactivated)
    assert [k for k in a if a[k].normalised != b[k].normalised] == [("acl", "PROTECT-LAN")]


def test_junos_unit_names_are_not_expanded_as_ios_names() -> None:
    assert canonical_interface_name("ge-0/0/0.0") == "ge-0/0/0.0"
    assert canonical_interface_name("lo0.0") == "lo0.0"
    assert canonical_interface_name("Gi0/0") == "GigabitEthernet0/0"


def test_statements_under_a_renamed_block_count_as_changed_lines() -> None:
    from validator.diff.changeset import changed_lines

    base = PE1.read_text().replace(
        '        description "customer LAN";', '        description "customer LAN";\n        speed 1g;'
    )
    head = base.replace("    ge-0/0/3 {", "    ge-0/0/4 {")
    head_lines, base_lines = changed_lines(base, head)
    speed = next(i for i, ln in enumerate(head.splitlines(), 1) if "speed 1g" in ln)
    assert speed in head_lines and speed in base_lines  # the leaf's own text line is unchanged
