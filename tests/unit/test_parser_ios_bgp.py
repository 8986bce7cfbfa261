"""Cisco IOS parser: router bgp, peer-group inheritance and origination."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from validator.model.config import BgpNeighbor, BgpProcess
from validator.parsers.cisco_ios import parse_ios

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "unit" / "ios"
EXAMPLE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "batfish-example"


def bgp() -> BgpProcess:
    node = parse_ios((FIXTURES / "bgp.cfg").read_text(), "configs/bgp.cfg")
    assert node.bgp is not None
    return node.bgp


def neighbor(proc: BgpProcess, peer: str) -> BgpNeighbor:
    if "/" in peer:
        return next(n for n in proc.neighbors if n.peer_prefix == IPv4Network(peer))
    return next(n for n in proc.neighbors if n.peer_ip == IPv4Address(peer))


def line_of(needle: str) -> int:
    for num, text in enumerate((FIXTURES / "bgp.cfg").read_text().splitlines(), start=1):
        if needle in text:
            return num
    raise AssertionError(needle)


def test_process_settings() -> None:
    p = bgp()
    assert p.local_as == 65000
    assert p.router_id == IPv4Address("1.1.1.1")
    assert p.cluster_id == IPv4Address("9.9.9.9")
    assert p.multipath_relax is True
    assert (p.max_paths_ebgp, p.max_paths_ibgp) == (4, 3)
    assert p.client_to_client_reflection is True


def test_peer_groups_are_not_neighbors() -> None:
    peers = {str(n.peer_ip or n.peer_prefix) for n in bgp().neighbors}
    assert peers == {"2.2.2.2", "3.3.3.3", "10.0.0.2", "10.0.0.3", "10.50.0.0/16"}


def test_member_inherits_process_and_af_level_group_settings() -> None:
    n = neighbor(bgp(), "2.2.2.2")
    assert n.peer_group == "IBGP"
    assert n.remote_as == 65000
    assert n.update_source == "Loopback0"  # ``Lo0`` canonicalised
    assert n.route_reflector_client is True
    assert n.send_community and n.send_community_extended  # ``both``, set inside the AF
    assert n.next_hop_self is True
    assert n.route_map_out == "IBGP_OUT"
    assert n.description == "core two"
    assert n.active is True
    assert n.source.line == line_of("neighbor 2.2.2.2 peer-group")


def test_member_own_settings_override_group() -> None:
    n = neighbor(bgp(), "3.3.3.3")
    assert n.update_source == "GigabitEthernet0/0"
    assert n.route_map_out == "RR_OUT_3"
    assert n.route_reflector_client is True


def test_af_level_additional_paths_reach_every_neighbor_via_master() -> None:
    p = bgp()
    for n in p.neighbors:
        assert n.additional_paths_select_all, n
    ibgp = neighbor(p, "2.2.2.2")
    assert ibgp.additional_paths_send and ibgp.additional_paths_receive
    ebgp = neighbor(p, "10.0.0.2")  # its own ``additional-paths send`` overrides send+receive
    assert ebgp.additional_paths_send and not ebgp.additional_paths_receive


def test_plain_neighbor_settings() -> None:
    n = neighbor(bgp(), "10.0.0.2")
    assert n.peer_group is None
    assert n.remote_as == 65100
    assert n.ebgp_multihop and n.allowas_in
    assert n.send_community_extended and not n.send_community
    assert n.prefix_list_in == "PL_IN"
    assert n.route_map_in == "UNDEFINED_RM"
    assert n.next_hop_self is False and n.route_reflector_client is False


def test_shutdown_and_deactivated_neighbor() -> None:
    n = neighbor(bgp(), "10.0.0.3")
    assert n.shutdown is True
    assert n.active is False


def test_listen_range_is_a_passive_neighbor_with_group_settings() -> None:
    n = neighbor(bgp(), "10.50.0.0/16")
    assert n.peer_ip is None
    assert n.peer_group == "DYN"
    assert n.remote_as == 65300  # group declared inside the AF, after the listen line
    assert n.route_map_in == "DYN_IN"
    assert n.source.line == line_of("bgp listen range")


def test_networks_aggregates_and_redistribution() -> None:
    p = bgp()
    assert [(str(n.prefix), n.route_map) for n in p.networks] == [
        ("1.1.1.1/32", None),
        ("20.0.0.0/8", None),  # classful mask when none is given
        ("30.1.0.0/16", "NET_RM"),
    ]
    assert [(str(a.prefix), a.summary_only, a.as_set) for a in p.aggregates] == [
        ("30.0.0.0/8", True, True),
        ("40.0.0.0/8", False, False),
    ]
    assert [(r.protocol, r.route_map, r.metric) for r in p.redistributions] == [
        ("connected", "NET_RM", None),
        ("static", None, 5),
        ("ospf", "NET_RM", None),
    ]


def test_undefined_route_map_and_ipv6_af_warnings() -> None:
    node = parse_ios((FIXTURES / "bgp.cfg").read_text(), "configs/bgp.cfg")
    assert [(k, n, s.line) for k, n, s in node.undefined_references] == [
        ("route-map", "UNDEFINED_RM", line_of("UNDEFINED_RM"))
    ]
    assert [w.line for w in node.warnings] == [line_of("address-family ipv6"), line_of("2001:db8::1")]


def test_maximum_paths_forms() -> None:
    base = "hostname r\nrouter bgp 1\n neighbor 10.0.0.2 remote-as 2\n"
    cases = {
        "maximum-paths 3": (3, 1),
        "maximum-paths ibgp 4": (1, 4),
        "maximum-paths eibgp 5": (5, 5),
        "maximum-paths 64 ecmp 64": (64, 1),  # Arista dialect: N paths
        "maximum-paths 4 ecmp 8": (4, 1),
        "maximum-paths ibgp 6 selective": (1, 6),
    }
    for line, expected in cases.items():
        node = parse_ios(base + f" {line}\n", "configs/r.cfg")
        assert node.bgp is not None
        assert (node.bgp.max_paths_ebgp, node.bgp.max_paths_ibgp) == expected, line


def test_undeclared_peer_group_is_an_undefined_reference_not_a_warning() -> None:
    # Batfish: both lines reference an undeclared ``bgp peer-group``; the GHOST settings go nowhere
    text = "hostname r\nrouter bgp 1\n neighbor 10.0.0.2 peer-group NOPE\n neighbor GHOST remote-as 3\n"
    node = parse_ios(text, "configs/r.cfg")
    assert [(k, n, s.line) for k, n, s in node.undefined_references] == [
        ("bgp peer-group", "NOPE", 3),
        ("bgp peer-group", "GHOST", 4),
    ]
    assert node.warnings == ()
    assert node.bgp is not None and [str(n.peer_ip) for n in node.bgp.neighbors] == ["10.0.0.2"]


def test_example_border_route_reflector_inherits_af_settings() -> None:
    path = EXAMPLE / "live" / "configs" / "as2core1.cfg"
    if not path.exists():
        pytest.skip(f"reference data missing: {path}")
    node = parse_ios(path.read_text(), "configs/as2core1.cfg")
    assert node.bgp is not None
    clients = [n for n in node.bgp.neighbors if n.route_reflector_client]
    assert clients and all(n.peer_group == "as2" and n.send_community for n in clients)


@pytest.mark.parametrize(
    "line",
    ["maximum-paths 99999", "maximum-paths 0", "maximum-paths 8 ecmp 4", "maximum-paths 4 ecmp", "maximum-paths x"],
)
def test_maximum_paths_out_of_range_or_malformed_warns(line: str) -> None:
    node = parse_ios(f"hostname r\nrouter bgp 1\n {line}\n", "configs/r.cfg")
    assert [w.line for w in node.warnings] == [3], line
    assert node.bgp is not None and node.bgp.max_paths_ebgp == 1


def test_router_id_forms_under_router_bgp() -> None:
    for line in ("router-id 192.0.2.7", "bgp router-id 192.0.2.7"):
        node = parse_ios(f"hostname r\nrouter bgp 1\n {line}\n", "configs/r.cfg")
        assert node.warnings == ()
        assert node.bgp is not None and str(node.bgp.router_id) == "192.0.2.7"
    bad = parse_ios("hostname r\nrouter bgp 1\n router-id 999.1.1.1\n", "configs/r.cfg")
    assert [w.line for w in bad.warnings] == [3]
    assert bad.bgp is not None and bad.bgp.router_id is None


def test_router_bgp_with_a_bad_as_number_warns() -> None:
    node = parse_ios("hostname r\nrouter bgp notanumber\n neighbor 10.0.0.1 remote-as 2\n", "configs/r.cfg")
    assert node.bgp is None
    assert [w.line for w in node.warnings] == [2, 3]
