"""Cisco IOS parser: interfaces, OSPF, static routes, warnings, errors and the Batfish example."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path

import pytest

from validator.errors import ConfigParseError, InputError
from validator.model.config import Node
from validator.parsers.cisco_ios import parse_ios
from validator.parsers.cisco_ios.common import canonical_interface

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "unit" / "ios"
EXAMPLE = ROOT.parent / "shared" / "reference" / "batfish-example"


def parse_fixture(name: str) -> Node:
    return parse_ios((FIXTURES / name).read_text(), f"configs/{name}")


def line_of(name: str, needle: str) -> int:
    """1-based line number of the first line of a fixture containing ``needle``."""
    for num, text in enumerate((FIXTURES / name).read_text().splitlines(), start=1):
        if needle in text:
            return num
    raise AssertionError(f"{needle!r} not in {name}")


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Gi0/0", "GigabitEthernet0/0"),
        ("gi0/0.100", "GigabitEthernet0/0.100"),
        ("Fa1/0", "FastEthernet1/0"),
        ("E0/0", "Ethernet0/0"),
        ("Eth1", "Ethernet1"),
        ("Te2/0/1", "TenGigabitEthernet2/0/1"),
        ("Lo0", "Loopback0"),
        ("loopback10", "Loopback10"),
        ("Po1", "Port-channel1"),
        ("Tu5", "Tunnel5"),
        ("Vl10", "Vlan10"),
        ("Null0", "Null0"),
        ("GigabitEthernet0/0", "GigabitEthernet0/0"),
        ("Weird9", "Weird9"),
        # Batfish's CiscoConfiguration table (IOS-XE / IOS-XR / NX-OS / EOS spellings)
        ("HundredGigE0/0/0/0.2302", "HundredGigabitEthernet0/0/0/0.2302"),
        ("Hu0/1", "HundredGigabitEthernet0/1"),
        ("Fo1/0/1", "FortyGigabitEthernet1/0/1"),
        ("FortyGigE0/0/0/2", "FortyGigabitEthernet0/0/0/2"),
        ("Twe1/0/1", "TwentyFiveGigE1/0/1"),
        ("TwentyFiveGigabitEthernet1/0/2", "TwentyFiveGigE1/0/2"),
        ("Tw1/0/3", "TwoGigabitEthernet1/0/3"),
        ("TenGigE0/0/0/1", "TenGigabitEthernet0/0/0/1"),
        ("Bundle-Ether10", "Bundle-Ethernet10"),
        ("MgmtEth0/RP0/CPU0/0", "ManagementEthernet0/RP0/CPU0/0"),
        ("Ma1", "Management1"),
        ("mgmt0", "mgmt0"),
        ("BDI10", "BDI10"),
        ("Dot11Radio0", "Dot11Radio0"),
        ("Port-Channel5", "Port-channel5"),
        ("Se0/0/0:1", "Serial0/0/0:1"),
    ],
)
def test_canonical_interface_names(typed: str, canonical: str) -> None:
    assert canonical_interface(typed) == canonical


def test_hostname_lowercased_and_file_stem_fallback() -> None:
    node = parse_fixture("interfaces.cfg")
    assert node.name == "edge-rtr1"
    assert node.hostname == "Edge-RTR1"
    assert node.vendor == "cisco_ios"
    assert node.file == "configs/interfaces.cfg"
    anonymous = parse_ios("interface Loopback0\n ip address 1.1.1.1 255.255.255.255\n", "configs/Core-9.cfg")
    assert anonymous.name == "core-9"
    assert anonymous.interfaces["Loopback0"].node == "core-9"


# --- interfaces ----------------------------------------------------------------------------------


def test_interface_addresses_kinds_and_state() -> None:
    ifs = parse_fixture("interfaces.cfg").interfaces
    gi = ifs["GigabitEthernet0/0"]
    assert gi.addresses == (IPv4Interface("10.1.1.1/24"), IPv4Interface("10.1.2.1/24"))
    assert gi.description == "uplink to core"
    assert gi.mtu == 9000
    assert gi.proxy_arp is False
    assert gi.kind == "physical"
    assert gi.source.line == line_of("interfaces.cfg", "interface GigabitEthernet0/0")
    assert ifs["GigabitEthernet0/1"].addresses == (IPv4Interface("10.2.2.1/30"),)
    assert ifs["Loopback0"].kind == "loopback"
    assert ifs["GigabitEthernet0/0.100"].kind == "logical"
    assert ifs["Vlan10"].kind == "vlan"
    assert ifs["Tunnel1"].kind == "tunnel"
    fa = ifs["FastEthernet1/0"]
    assert fa.addresses == () and fa.admin_up is False
    assert ifs["Ethernet1/1"].admin_up is True
    assert ifs["Loopback0"].proxy_arp is True


def test_interface_vrf_forms() -> None:
    ifs = parse_fixture("interfaces.cfg").interfaces
    assert ifs["TenGigabitEthernet2/0"].vrf == "CUST"
    assert ifs["GigabitEthernet0/0.100"].vrf == "CUST"
    assert ifs["GigabitEthernet0/0"].vrf == "default"


@pytest.mark.parametrize(
    ("name", "bandwidth"),
    [
        ("GigabitEthernet0/1", 5e6),  # bandwidth 5000 kbps beats speed 100
        ("TenGigabitEthernet2/0", 1e9),  # speed 1000 Mbps beats the 10G default speed
        ("GigabitEthernet0/0", 1e9),
        ("FastEthernet1/0", 100e6),
        ("Ethernet1/1", 10e6),
        ("Loopback0", 8e9),
        ("Vlan10", 1e9),
        ("Tunnel1", 100e3),
        ("Serial0/0/0", 1e12),
    ],
)
def test_effective_bandwidth(name: str, bandwidth: float) -> None:
    assert parse_fixture("interfaces.cfg").interfaces[name].bandwidth == bandwidth


def test_access_groups_and_undefined_acl() -> None:
    node = parse_fixture("interfaces.cfg")
    gi = node.interfaces["GigabitEthernet0/0"]
    assert gi.acl_in == "IN_FILTER"
    assert gi.acl_out == "MISSING_ACL"
    assert gi.acl_in_source is not None and gi.acl_in_source.line == line_of("interfaces.cfg", "IN_FILTER in")
    assert gi.acl_out_source is not None and gi.acl_out_source.line == line_of("interfaces.cfg", "MISSING_ACL out")
    undefined = [(k, n, s.line) for k, n, s in node.undefined_references]
    assert undefined == [("acl", "MISSING_ACL", line_of("interfaces.cfg", "MISSING_ACL out"))]


def test_ignorable_interface_lines_are_silent_but_tunnel_options_warn() -> None:
    node = parse_fixture("interfaces.cfg")
    assert [(w.line, w.text) for w in node.warnings] == [
        (line_of("interfaces.cfg", "tunnel destination"), "tunnel destination 192.0.2.1")
    ]


# --- OSPF ----------------------------------------------------------------------------------------


def test_ospf_process_settings() -> None:
    node = parse_fixture("ospf.cfg")
    (proc,) = node.ospf
    assert proc.process_id == "1"
    assert proc.router_id == IPv4Address("192.168.0.1")
    assert proc.reference_bandwidth == 10000e6
    assert proc.default_metric == 30
    assert proc.max_paths == 4
    connected, static = proc.redistributions
    assert (connected.protocol, connected.subnets, connected.metric, connected.metric_type) == (
        "connected",
        False,
        None,
        2,
    )
    assert (static.protocol, static.subnets, static.metric, static.metric_type, static.route_map) == (
        "static",
        True,
        100,
        1,
        "STATIC_TO_OSPF",
    )


def test_ospf_network_matching_uses_batfish_order_not_longest_match() -> None:
    ifs = parse_fixture("ospf.cfg").interfaces
    # 10.1.2.0/24 area 2 is listed first and is more specific, but Batfish sorts networks by
    # (prefix, wildcard, area) and 10.0.0.0/8 sorts first: the interface lands in area 0.
    gi1 = ifs["GigabitEthernet0/1"].ospf
    assert gi1 is not None and gi1.area == 0
    assert ifs["FastEthernet1/0"].ospf is not None and ifs["FastEthernet1/0"].ospf.area == 0


def test_ospf_primary_address_only_and_area_override() -> None:
    ifs = parse_fixture("ospf.cfg").interfaces
    assert ifs["GigabitEthernet0/3"].ospf is None  # 172.16.5.1 matches no network
    gi2 = ifs["GigabitEthernet0/2"].ospf
    assert gi2 is not None and gi2.area == 9 and gi2.dead_interval == 60 and gi2.hello_interval == 10
    lo = ifs["Loopback0"].ospf
    assert lo is not None and lo.area == 0 and lo.cost == 1


def test_ospf_passive_default_and_exceptions() -> None:
    ifs = parse_fixture("ospf.cfg").interfaces
    passive = {name: i.ospf.passive for name, i in ifs.items() if i.ospf is not None}
    assert passive == {
        "Loopback0": True,
        "GigabitEthernet0/0": False,  # no passive-interface Gi0/0 (abbreviated)
        "GigabitEthernet0/1": False,
        "GigabitEthernet0/2": True,
        "FastEthernet1/0": True,
        "Ethernet2/0": True,
    }


def test_ospf_interface_cost_type_and_timers() -> None:
    ifs = parse_fixture("ospf.cfg").interfaces
    gi0 = ifs["GigabitEthernet0/0"].ospf
    assert gi0 is not None
    assert (gi0.process_id, gi0.cost, gi0.network_type) == ("1", 7, "point-to-point")
    gi1 = ifs["GigabitEthernet0/1"].ospf
    assert gi1 is not None and (gi1.cost, gi1.hello_interval, gi1.dead_interval) == (None, 5, 20)
    eth = ifs["Ethernet2/0"].ospf
    assert eth is not None and (eth.network_type, eth.hello_interval, eth.dead_interval) == ("non-broadcast", 30, 120)


def test_ospf_unmodelled_area_option_warns_with_line() -> None:
    node = parse_fixture("ospf.cfg")
    assert [(w.line, w.text) for w in node.warnings] == [(47, "area 3 stub")]
    assert line_of("ospf.cfg", "area 3 stub") == 47


def test_ip_ospf_area_for_unknown_process_warns() -> None:
    text = "hostname r\ninterface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n ip ospf 7 area 0\n"
    node = parse_ios(text, "configs/r.cfg")
    assert node.interfaces["GigabitEthernet0/0"].ospf is None
    assert [(w.line, w.reason) for w in node.warnings] == [(4, "OSPF process 7 is not configured")]


# --- static routes -------------------------------------------------------------------------------


def test_static_route_forms() -> None:
    node = parse_fixture("static.cfg")
    routes = {str(r.network): r for r in node.static_routes}
    default = routes["0.0.0.0/0"]
    assert default.next_hop_ip == IPv4Address("10.0.0.254") and default.next_hop_interface is None
    assert default.admin_distance == 1 and default.tag is None and default.vrf == "default"
    assert routes["192.168.0.0/16"].discard and routes["192.168.0.0/16"].next_hop_ip is None
    both = routes["172.16.0.0/12"]
    assert (both.next_hop_interface, both.next_hop_ip, both.admin_distance, both.tag) == (
        "GigabitEthernet0/0",
        IPv4Address("10.0.0.2"),
        200,
        42,
    )
    assert routes["172.20.0.0/16"].next_hop_interface == "GigabitEthernet0/0"
    assert routes["172.20.0.0/16"].next_hop_ip is None
    assert routes["10.10.0.0/16"].vrf == "CUST"
    tracked = routes["172.30.0.0/16"]
    assert tracked.admin_distance == 1  # ``track 7`` is not a distance
    assert "172.31.0.0/16" not in routes
    assert default.source.line == line_of("static.cfg", "ip route 0.0.0.0")


def test_static_route_problems_warn() -> None:
    node = parse_fixture("static.cfg")
    assert [w.line for w in node.warnings] == [line_of("static.cfg", "track 7"), line_of("static.cfg", "172.31.0.0")]
    assert "track" in node.warnings[0].reason


# --- warnings and errors -------------------------------------------------------------------------


def test_unmodelled_lines_warn_and_ignorable_ones_do_not() -> None:
    node = parse_fixture("warnings.cfg")
    got = [(w.line, w.text) for w in node.warnings]
    assert got == [
        (17, "ip policy route-map PBR"),
        (18, "standby 1 ip 10.0.0.254"),
        (21, "ip sla 5"),
        (22, "icmp-echo 10.0.0.9"),
        (24, "ip nat inside source list 1 interface GigabitEthernet0/0 overload"),
    ]
    assert all(w.file == "configs/warnings.cfg" for w in node.warnings)
    # the banner body mentions "router bgp" but is text, not config
    assert node.bgp is None
    assert node.interfaces["GigabitEthernet0/0"].addresses == (IPv4Interface("10.0.0.1/24"),)


def test_binary_input_raises_config_parse_error() -> None:
    with pytest.raises(ConfigParseError) as info:
        parse_ios("hostname r1\n\x00\x01\x02garbage", "configs/r1.cfg")
    assert isinstance(info.value, InputError)
    assert info.value.file == "configs/r1.cfg" and info.value.line == 2
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("configs/r1.cfg:2:")


def test_unrecognisable_text_raises() -> None:
    with pytest.raises(ConfigParseError, match=r"configs/notes\.cfg:1: no recognisable"):
        parse_ios("Dear team,\nplease deploy on Friday.\n", "configs/notes.cfg")
    with pytest.raises(ConfigParseError):
        parse_ios("", "configs/empty.cfg")


def test_unknown_stanza_children_warn() -> None:
    text = "hostname r\npolicy-map QOS\n class x\n  police 8000\n"
    node = parse_ios(text, "configs/r.cfg")
    assert [w.line for w in node.warnings] == [2, 3, 4]


def test_ignorable_top_stanza_children_are_silent() -> None:
    text = "hostname r\nline vty 0 4\n transport input ssh\n access-class 5 in\ncontrol-plane\n service-policy x\n"
    assert parse_ios(text, "configs/r.cfg").warnings == ()


# --- the Batfish example network -----------------------------------------------------------------

# Every warning we accept on the example snapshots, by (file name, line text): none today.
DELIBERATE_EXAMPLE_WARNINGS: set[tuple[str, str]] = set()


def _example_configs() -> list[Path]:
    return sorted(EXAMPLE.glob("*/configs/*.cfg"))


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason=f"reference data missing: {EXAMPLE}")
def test_parse_every_example_config() -> None:
    files = _example_configs()
    assert len(files) >= 13
    for path in files:
        node = parse_ios(path.read_text(), f"configs/{path.name}")
        assert node.name == path.stem
        assert node.interfaces, path
        for warning in node.warnings:
            assert (path.name, warning.text) in DELIBERATE_EXAMPLE_WARNINGS, str(warning)


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason=f"reference data missing: {EXAMPLE}")
def test_example_undefined_reference_matches_batfish() -> None:
    # init.ref lists exactly one undefined reference in the live snapshot: as2core2 line 110
    refs: list[tuple[str, str, str]] = []
    for path in sorted((EXAMPLE / "live" / "configs").glob("*.cfg")):
        node = parse_ios(path.read_text(), f"configs/{path.name}")
        refs.extend((kind, name, str(src)) for kind, name, src in node.undefined_references)
    assert refs == [("route-map", "filter-bogons", "configs/as2core2.cfg:110")]


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason=f"reference data missing: {EXAMPLE}")
def test_example_as2dist1_ospf_excludes_gi2() -> None:
    path = EXAMPLE / "live" / "configs" / "as2dist1.cfg"
    node = parse_ios(path.read_text(), "configs/as2dist1.cfg")
    assert node.interfaces["GigabitEthernet2/0"].ospf is None  # 2.34.101.3 matches neither network
    gi0 = node.interfaces["GigabitEthernet0/0"].ospf
    assert gi0 is not None and gi0.area == 1
    border = parse_ios((EXAMPLE / "live" / "configs" / "as1border1.cfg").read_text(), "configs/as1border1.cfg")
    lo = border.interfaces["Loopback0"].ospf
    assert lo is not None and lo.passive  # ospfStatus.ref: ENABLED_PASSIVE
    assert border.interfaces["GigabitEthernet1/0"].ospf is None


@pytest.mark.skipif(not EXAMPLE.is_dir(), reason=f"reference data missing: {EXAMPLE}")
def test_example_slash_address_in_isp_snapshot() -> None:
    path = EXAMPLE / "live-with-isp" / "configs" / "as2border1.cfg"
    node = parse_ios(path.read_text(), "configs/as2border1.cfg")
    assert IPv4Interface("240.2.2.2/31") in node.interfaces["GigabitEthernet0/0"].addresses
    assert IPv4Network("240.2.2.2/31") == node.interfaces["GigabitEthernet0/0"].addresses[0].network


def test_spaced_interface_names_exit_lines_and_bom() -> None:
    text = (
        "\ufeffhostname r\n"
        "interface GigabitEthernet 0/1\n ip address 10.0.0.1 255.255.255.0\n exit\n"
        "interface Gi0/2.5 point-to-point\n ip address 10.0.1.1 255.255.255.0\n"
        "router ospf 1\n network 10.0.0.0 0.0.0.255 area 0\n passive-interface GigabitEthernet 0/1\n exit\n"
    )
    node = parse_ios(text, "configs/r.cfg")
    assert node.name == "r"
    assert set(node.interfaces) == {"GigabitEthernet0/1", "GigabitEthernet0/2.5"}
    ospf = node.interfaces["GigabitEthernet0/1"].ospf
    assert ospf is not None and ospf.passive
    assert node.warnings == ()
