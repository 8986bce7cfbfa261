"""The shared snapshot core: layout, side files, decoding, duplicate and error handling."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import pytest
from snapshot_helpers import fake_parser  # noqa: F401  (fixture)

from validator.errors import ConfigParseError, InputError
from validator.model.snapshot import BgpAnnouncement, Layer1Edge
from validator.parsers import canonical_interface_name, detect_vendor
from validator.snapshot.loader import load_snapshot_files

pytestmark = pytest.mark.usefixtures("fake_parser")

R1 = b"hostname R1\ninterface GigabitEthernet0/0\ninterface Loopback0\n"
R2 = b"hostname r2\ninterface GigabitEthernet0/0\n"


def load(files: dict[str, bytes], **kw: bool) -> object:
    return load_snapshot_files(files, name="t", source="mem", **kw)


def test_configs_hosts_and_files_map() -> None:
    host = b'{"hostname": "h1", "iptablesFile": "iptables/h1", "hostInterfaces": {"eth0": {"prefix": "1.1.1.1/24"}}}'
    ipt = b"*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n"
    snap = load_snapshot_files(
        {"configs/r1.cfg": R1, "configs/sub/r2": R2, "hosts/h1.json": host, "iptables/h1": ipt, "README.md": b"hi"},
        name="t",
        source="mem",
    )
    assert list(snap.nodes) == ["h1", "r1", "r2"]
    assert snap.nodes["r2"].file == "configs/sub/r2"
    assert snap.nodes["h1"].interfaces["eth0"].acl_in == "filter::INPUT"
    assert set(snap.files) == {"configs/r1.cfg", "configs/sub/r2", "hosts/h1.json", "iptables/h1", "README.md"}
    assert snap.files["configs/r1.cfg"] == R1.decode()
    assert (snap.name, snap.source, snap.layer1, snap.file_errors) == ("t", "mem", None, ())


def test_side_files_are_read_and_names_canonicalised() -> None:
    layer1 = b"""{"edges": [{"node1": {"hostname": "R1", "interfaceName": "Gi0/0"},
                               "node2": {"hostname": "r2", "interfaceName": "GigabitEthernet0/0"}}]}"""
    snap = load_snapshot_files(
        {
            "configs/r1.cfg": R1,
            "configs/r2.cfg": R2,
            "batfish/layer1_topology.json": layer1,
            "interface_blacklist": b'[{"hostname": "R2", "interface": "gi0/0"}]',
            "node_blacklist": b'["R1"]',
            "batfish/runtime_data.json": b'{"runtimeData": {"R1": {"interfaces": {"Lo0": {"lineUp": false},'
            b' "Gi0/0": {"lineUp": true}}}}}',
        },
        name="t",
        source="mem",
    )
    assert snap.layer1 == (Layer1Edge("r1", "GigabitEthernet0/0", "r2", "GigabitEthernet0/0"),)
    assert snap.blacklisted_interfaces == frozenset({("r2", "GigabitEthernet0/0")})
    assert snap.blacklisted_nodes == frozenset({"r1"})
    assert snap.runtime_line_down == frozenset({("r1", "Loopback0")})


def test_announcements_and_isp_config() -> None:
    ann = b"""{"Announcements": [
      {"network": "4.0.0.0/8", "nextHopIp": "10.0.0.4", "srcIp": "10.0.0.4", "dstNode": "AS1",
       "dstIp": "10.0.0.1", "originType": "egp", "med": 20, "asPath": [[1239], [7018, 7019]],
       "communities": [262145, "1:2"]}]}"""
    snap = load_snapshot_files(
        {"configs/r1.cfg": R1, "external_bgp_announcements.json": ann, "batfish/isp_config.json": b'{"a": [1]}'},
        name="t",
        source="mem",
    )
    assert snap.bgp_announcements == (
        BgpAnnouncement(
            network=IPv4Network("4.0.0.0/8"),
            dst_node="as1",
            dst_ip=IPv4Address("10.0.0.1"),
            src_ip=IPv4Address("10.0.0.4"),
            next_hop_ip=IPv4Address("10.0.0.4"),
            as_path=((1239,), (7018, 7019)),
            communities=(262145, 65538),
            med=20,
            origin="egp",
        ),
    )
    assert snap.isp_config == {"a": [1]}


def test_bad_announcement_names_file_and_line() -> None:
    ann = b'{"Announcements": [\n {"network": "4.0.0.0/8", "srcIp": "1.1.1.1"},\n {"network": "x"}]}'
    with pytest.raises(InputError, match="dstNode") as ei:
        load({"configs/r1.cfg": R1, "external_bgp_announcements.json": ann})
    assert (ei.value.file, ei.value.line) == ("external_bgp_announcements.json", 2)


def test_malformed_side_json() -> None:
    with pytest.raises(InputError) as ei:
        load({"configs/r1.cfg": R1, "interface_blacklist": b'[{"hostname": "r1",\n "interface": }]'})
    assert (ei.value.file, ei.value.line) == ("interface_blacklist", 2)
    with pytest.raises(InputError, match="hostname and interface"):
        load({"configs/r1.cfg": R1, "interface_blacklist": b'[{"host": "r1"}]'})


@pytest.mark.parametrize(
    "files",
    [{}, {"configs/.gitkeep": b""}, {"iptables/x": b"*filter\nCOMMIT\n", "README": b"x"}],
)
def test_no_device_configurations(files: dict[str, bytes]) -> None:
    with pytest.raises(InputError, match="snapshot has no device configurations"):
        load(files)


@pytest.mark.parametrize(
    ("data", "what"),
    [(b"hostname r1\n\x00\x01\x02", "binary"), (b"hostname r1\ndescription caf\xe9\n", "UTF-8")],
)
def test_binary_or_non_utf8_config(data: bytes, what: str) -> None:
    with pytest.raises(ConfigParseError, match=what) as ei:
        load({"configs/r1.cfg": data, "configs/r2.cfg": R2})
    assert ei.value.file == "configs/r1.cfg"


def test_binary_file_outside_the_layout_is_ignored() -> None:
    snap = load_snapshot_files({"configs/r1.cfg": R1, "diagram.png": b"\x89PNG\x00\x00"}, name="t", source="m")
    assert "diagram.png" not in snap.files and list(snap.nodes) == ["r1"]


def test_duplicate_hostnames_name_both_files() -> None:
    with pytest.raises(InputError) as ei:
        load({"configs/a.cfg": R1, "configs/b.cfg": b"hostname r1\n"})
    msg = str(ei.value)
    assert "configs/a.cfg" in msg and "configs/b.cfg" in msg and "'r1'" in msg
    host = b'{"hostname": "R2", "hostInterfaces": {}}'
    with pytest.raises(InputError, match=r"hosts/r2\.json"):
        load({"configs/r2.cfg": R2, "hosts/r2.json": host})


def test_parse_error_strict_and_lenient() -> None:
    files = {"configs/r1.cfg": R1, "configs/bad.cfg": b"hostname bad\n!FAIL here\n"}
    with pytest.raises(ConfigParseError) as ei:
        load(files)
    assert (ei.value.file, ei.value.line) == ("configs/bad.cfg", 2)
    snap = load_snapshot_files(files, name="t", source="m", strict=False)
    assert list(snap.nodes) == ["r1"]
    ((err),) = snap.file_errors
    assert (err.file, err.line, err.message) == ("configs/bad.cfg", 2, "fake parse failure")


def test_lenient_records_binary_and_bad_side_files() -> None:
    snap = load_snapshot_files(
        {"configs/r1.cfg": R1, "configs/blob": b"\x00\xff", "node_blacklist": b"{"},
        name="t",
        source="m",
        strict=False,
    )
    assert [e.file for e in snap.file_errors] == ["configs/blob", "node_blacklist"]
    assert snap.blacklisted_nodes == frozenset()


def test_hidden_files_are_skipped_and_reported() -> None:
    snap = load_snapshot_files(
        {"configs/r1.cfg": R1, "configs/.gitkeep": b"", "configs/.r9.cfg.swp": b"\x00"},
        name="t",
        source="m",
        skipped_files=["configs/.git"],
    )
    assert list(snap.nodes) == ["r1"]
    assert snap.skipped_files == ("configs/.git", "configs/.gitkeep", "configs/.r9.cfg.swp")


@pytest.mark.parametrize(
    "text",
    [
        "#TMSH-VERSION: 13.1.0\nsys global-settings {\n}\n",  # F5 (Arista EOS and Junos are parsed now)
        '{"hostname": "h"}',
    ],
)
def test_unsupported_vendor(text: str) -> None:
    with pytest.raises(ConfigParseError, match="unsupported vendor") as ei:
        detect_vendor(text, "configs/x.cfg")
    assert ei.value.file == "configs/x.cfg"
    with pytest.raises(ConfigParseError, match=r"configs/x\.cfg"):
        load({"configs/x.cfg": text.encode()})


def test_ios_detection() -> None:
    assert detect_vendor("!RANCID-CONTENT-TYPE: cisco\nhostname r1\n", "f") == "cisco_ios"
    assert detect_vendor("!\nversion 15.2\nhostname r1\ninterface Gi0/0\n", "f") == "cisco_ios"
    with pytest.raises(ConfigParseError, match="empty"):
        detect_vendor(" \n\n", "f")


def test_canonical_interface_name() -> None:
    assert canonical_interface_name("Gi0/0") == "GigabitEthernet0/0"
    assert canonical_interface_name("te1/0/1") == "TenGigabitEthernet1/0/1"
    assert canonical_interface_name("Lo0") == "Loopback0"
    assert canonical_interface_name("GigabitEthernet0/0.10") == "GigabitEthernet0/0.10"
