"""Junos flattening: both forms give the same ``set`` lines, each with its original file line."""

from __future__ import annotations

import pytest

from validator.errors import ConfigParseError
from validator.parsers import detect_vendor
from validator.parsers.junos import flatten, looks_like_junos, parse_junos

HIER = """\
## Last commit: 2026-01-01
system {
    host-name r1;
}
interfaces {
    ge-0/0/0 {
        unit 0 {
            family inet {
                address 10.0.0.1/30;
            }
        }
    }
    inactive: ge-0/0/1 {
        unit 0 {
            family inet {
                address 10.0.1.1/30;
            }
        }
    }
    /* the loopback */
    replace: lo0 {
        unit 0 {
            family inet {
                address 1.1.1.1/32;
            }
        }
    }
}
protocols {
    bgp {
        group g {
            export [ A B ];
        }
    }
}
"""

SET = """\
set system host-name r1
set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30
set interfaces ge-0/0/1 unit 0 family inet address 10.0.1.1/30
deactivate interfaces ge-0/0/1
set interfaces lo0 unit 0 family inet address 1.1.1.1/32
set interfaces ge-0/0/2 unit 0 family inet address 10.0.2.1/30
delete interfaces ge-0/0/2
set protocols bgp group g export [ A B ]
"""


def test_both_forms_flatten_to_the_same_statements() -> None:
    hier = flatten(HIER, "configs/r1.cfg")
    flat = flatten(SET, "configs/r1.cfg")
    assert [f.words for f in hier] == [f.words for f in flat]
    assert [f.text for f in hier][:2] == [
        "set system host-name r1",
        "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30",
    ]


def test_flat_lines_keep_their_file_lines() -> None:
    hier = {f.text: f.line for f in flatten(HIER, "f")}
    assert hier["set system host-name r1"] == 3
    assert hier["set interfaces lo0 unit 0 family inet address 1.1.1.1/32"] == 24
    assert hier["set protocols bgp group g export [ A B ]"] == 32
    flat = {f.text: f.line for f in flatten(SET, "f")}
    assert flat["set protocols bgp group g export [ A B ]"] == 8


def test_inactive_and_deactivated_statements_are_dropped() -> None:
    for text in (HIER, SET):
        node = parse_junos(text, "configs/r1.cfg")
        assert sorted(node.interfaces) == ["ge-0/0/0.0", "lo0.0"]


def test_unbalanced_braces_name_file_and_line() -> None:
    with pytest.raises(ConfigParseError) as exc:
        flatten("system {\n    host-name r1;\n", "configs/bad.cfg")
    assert "configs/bad.cfg" in str(exc.value)
    with pytest.raises(ConfigParseError) as exc2:
        flatten("system {\n    host-name r1\n}\n", "configs/bad.cfg")
    assert exc2.value.line == 2


def test_detection_routes_both_forms_and_rancid_to_the_junos_parser() -> None:
    assert looks_like_junos(HIER) and looks_like_junos(SET)
    assert detect_vendor(HIER, "f") == "juniper"
    assert detect_vendor(SET, "f") == "juniper"
    assert detect_vendor("#RANCID-CONTENT-TYPE: junos\n" + SET, "f") == "juniper"
    assert detect_vendor("!RANCID-CONTENT-TYPE: juniper\n" + HIER, "f") == "juniper"
    assert detect_vendor("hostname r1\ninterface Loopback0\n ip address 1.1.1.1 255.255.255.255\n", "f") == "cisco_ios"


def test_apply_groups_makes_the_device_partial() -> None:
    node = parse_junos(SET + "set apply-groups COMMON\n", "configs/r1.cfg")
    assert all(i.unparsed for i in node.interfaces.values())
    assert any("apply-groups" in w.reason for w in node.warnings)


def test_junos_files_load_through_the_snapshot_loader() -> None:
    from validator.snapshot.loader import load_snapshot_files

    snap = load_snapshot_files(
        {
            "configs/r1.cfg": SET.encode(),
            "configs/r2.cfg": b"system {\n    host-name r2;\n}\ninterfaces {\n}\n",
        },
        name="t",
        source="m",
    )
    assert sorted(snap.nodes) == ["r1", "r2"]
    assert {n.vendor for n in snap.nodes.values()} == {"juniper"}
    # a RANCID juniper header over text that is not Junos: bad input naming the file and line
    with pytest.raises(ConfigParseError) as exc:
        parse_junos("#RANCID-CONTENT-TYPE: juniper\nhostname r1\n", "configs/x.cfg")
    assert exc.value.file == "configs/x.cfg" and exc.value.line == 2
