"""Junos stanza families to the one model: interfaces, routing-options, OSPF, BGP, firewall."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from validator.model.config import Node
from validator.parsers.junos import JUNOS_PREFERENCES, parse_junos

F = "configs/r1.cfg"


def parse(lines: str) -> Node:
    return parse_junos("set system host-name R1\n" + lines, F)


def test_interfaces_units_addresses_filters_disable() -> None:
    node = parse(
        "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30\n"
        "set interfaces ge-0/0/0 unit 0 family inet filter input IN\n"
        "set interfaces ge-0/0/1 disable\n"
        "set interfaces ge-0/0/1 unit 0 family inet address 10.0.1.1/30\n"
        "set interfaces xe-0/0/2 unit 5 family inet address 10.0.2.1/24\n"
        "set interfaces xe-0/0/2 unit 5 disable\n"
        "set interfaces lo0 unit 0 family inet address 1.1.1.1/32\n"
        "set firewall family inet filter IN term a then accept\n"
    )
    assert node.name == "r1" and node.vendor == "juniper"
    ge0 = node.interfaces["ge-0/0/0.0"]
    assert ge0.addresses == (IPv4Interface("10.0.0.1/30"),)
    assert ge0.acl_in == "IN" and ge0.acl_in_source is not None and ge0.acl_in_source.line == 3
    assert ge0.source.file == F and ge0.source.line == 2
    assert not node.interfaces["ge-0/0/1.0"].admin_up  # physical disable takes the unit down
    assert not node.interfaces["xe-0/0/2.5"].admin_up
    assert node.interfaces["xe-0/0/2.5"].bandwidth == 10e9
    assert node.interfaces["lo0.0"].kind == "loopback"


def test_unknown_interface_line_is_a_warning_and_inet_option_is_partial() -> None:
    node = parse(
        "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30\n"
        "set interfaces ge-0/0/0 unit 0 family inet rpf-check\n"
        "set interfaces ge-0/0/0 frobnicate\n"
    )
    lines = sorted(w.line for w in node.warnings)
    assert lines == [3, 4]
    assert node.interfaces["ge-0/0/0.0"].unparsed[0].line == 3


def test_static_routes_router_id_asn_and_preferences() -> None:
    node = parse(
        "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30\n"
        "set routing-options router-id 1.1.1.1\n"
        "set routing-options autonomous-system 65001\n"
        "set routing-options static route 0.0.0.0/0 next-hop 10.0.0.2\n"
        "set routing-options static route 10.9.0.0/16 discard\n"
        "set routing-options static route 10.8.0.0/16 reject\n"
        "set routing-options static route 10.7.0.0/16 next-hop 10.0.0.2\n"
        "set routing-options static route 10.7.0.0/16 preference 200\n"
    )
    by_net = {str(s.network): s for s in node.static_routes}
    assert by_net["0.0.0.0/0"].next_hop_ip == IPv4Address("10.0.0.2")
    assert by_net["0.0.0.0/0"].admin_distance == 5  # Junos static preference
    assert by_net["10.9.0.0/16"].discard and by_net["10.8.0.0/16"].discard
    assert by_net["10.7.0.0/16"].admin_distance == 200
    assert node.admin_distances == JUNOS_PREFERENCES
    assert node.admin_distances["bgp"] == node.admin_distances["ibgp"] == 170


def test_ospf_areas_metric_passive_p2p_and_loopback_cost_zero() -> None:
    node = parse(
        "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30\n"
        "set interfaces ge-0/0/1 unit 0 family inet address 10.0.1.1/30\n"
        "set interfaces lo0 unit 0 family inet address 1.1.1.1/32\n"
        "set protocols ospf area 0.0.0.1 interface ge-0/0/0.0 metric 30\n"
        "set protocols ospf area 0.0.0.1 interface ge-0/0/0.0 interface-type p2p\n"
        "set protocols ospf area 0 interface ge-0/0/1 passive\n"
        "set protocols ospf area 0 interface lo0.0\n"
    )
    o0 = node.interfaces["ge-0/0/0.0"].ospf
    assert o0 is not None and o0.area == 1 and o0.cost == 30 and o0.network_type == "point-to-point"
    o1 = node.interfaces["ge-0/0/1.0"].ospf  # a bare physical name means unit 0
    assert o1 is not None and o1.passive and o1.area == 0 and o1.cost is None
    lo = node.interfaces["lo0.0"].ospf
    assert lo is not None and lo.cost == 0  # Batfish: a Junos loopback without metric costs 0
    assert len(node.ospf) == 1 and not node.ospf[0].redistributions


def test_bgp_groups_neighbors_inheritance() -> None:
    node = parse(
        "set interfaces lo0 unit 0 family inet address 1.1.1.1/32\n"
        "set routing-options autonomous-system 65001\n"
        "set protocols bgp group ibgp type internal\n"
        "set protocols bgp group ibgp local-address 1.1.1.1\n"
        "set protocols bgp group ibgp export NHS\n"
        "set protocols bgp group ibgp cluster 1.1.1.1\n"
        "set protocols bgp group ibgp neighbor 2.2.2.2\n"
        "set protocols bgp group ext type external\n"
        "set protocols bgp group ext peer-as 65002\n"
        "set protocols bgp group ext import IN\n"
        "set protocols bgp group ext multipath\n"
        "set protocols bgp group ext neighbor 10.0.0.2\n"
        "set protocols bgp group ext neighbor 10.0.0.6 peer-as 65003\n"
        "set protocols bgp group ext neighbor 10.0.0.6 import [ IN2 IN ]\n"
        "set protocols bgp group ext neighbor 10.0.0.6 local-as 64999\n"
        "set policy-options policy-statement NHS then next-hop self\n"
        "set policy-options policy-statement IN then accept\n"
        "set policy-options policy-statement IN2 then reject\n"
    )
    bgp = node.bgp
    assert bgp is not None and bgp.local_as == 65001
    nbs = {str(n.peer_ip): n for n in bgp.neighbors}
    i = nbs["2.2.2.2"]
    assert i.remote_as == 65001 and i.update_source == "lo0.0" and i.route_reflector_client
    assert i.send_community and i.route_map_in is None and i.route_map_out is not None
    e1, e2 = nbs["10.0.0.2"], nbs["10.0.0.6"]
    assert e1.remote_as == 65002 and e2.remote_as == 65003 and e2.local_as == 64999
    assert e1.route_map_in == "~JUNOS_BGP-IMPORT~IN~"
    assert e2.route_map_in == "~JUNOS_BGP-IMPORT~IN2~IN~"  # the neighbour's chain replaces the group's
    assert bgp.max_paths_ebgp > 1 and bgp.max_paths_ibgp == 1
    assert bgp.cluster_id == IPv4Address("1.1.1.1")


def test_bgp_without_autonomous_system_is_a_warning() -> None:
    node = parse("set protocols bgp group g neighbor 10.0.0.2 peer-as 2\n")
    assert node.bgp is None and node.warnings


def test_firewall_terms_ports_protocols_and_implicit_discard() -> None:
    node = parse(
        "set firewall family inet filter F term web from destination-address 10.1.0.0/16\n"
        "set firewall family inet filter F term web from protocol tcp\n"
        "set firewall family inet filter F term web from destination-port [ http 8000-8080 ]\n"
        "set firewall family inet filter F term web then accept\n"
        "set firewall family inet filter F term count-only then count c\n"
        "set firewall family inet filter F term skip then next term\n"
        "set firewall filter G term t from source-prefix-list PL\n"
        "set firewall filter G term t then reject\n"
        "set policy-options prefix-list PL 192.0.2.0/24\n"
    )
    f = node.acls["F"]
    assert f.default_action == "deny" and not f.unparsed
    web = f.lines[0]
    assert web.action == "permit" and web.protocol == 6 and web.dst_ports == ((80, 80), (8000, 8080))
    assert web.dst[0].ip == IPv4Address("10.1.0.0") and web.name == "web"
    assert f.lines[1].action == "permit" and f.lines[1].protocol is None  # count alone: accept
    assert len(f.lines) == 2  # ``next term`` decides nothing
    g = node.acls["G"]
    assert g.lines[0].action == "deny" and g.lines[0].src[0].ip == IPv4Address("192.0.2.0")


def test_firewall_unreadable_condition_makes_the_filter_partial() -> None:
    node = parse(
        "set firewall family inet filter F term a from source-address 10.0.0.0/8 except\n"
        "set firewall family inet filter F term a then accept\n"
    )
    assert [r.line for r in node.acls["F"].unparsed] == [2]


def test_prefix_lists_communities_and_as_paths() -> None:
    node = parse(
        "set policy-options prefix-list PL 10.0.0.0/8\n"
        "set policy-options prefix-list PL 192.168.1.0/24\n"
        "set policy-options community C members [ 65000:1 65000:2 ]\n"
        "set policy-options community R members ^65000:.*$\n"
        'set policy-options as-path AP "65001 .*"\n'
        'set policy-options as-path ODD "65001 [a-z]"\n'
    )
    pl = node.prefix_lists["PL"]
    assert [(str(ln.prefix), ln.min_len, ln.max_len) for ln in pl.lines] == [
        ("10.0.0.0/8", 8, 8),
        ("192.168.1.0/24", 24, 24),
    ]
    c = node.community_lists["C"]
    assert len(c.lines) == 1 and len(c.lines[0].communities) == 2 and not c.unparsed
    assert node.community_lists["R"].unparsed  # regex members: partial, never guessed
    assert not node.as_path_lists["AP"].unparsed and node.as_path_lists["AP"].lines
    assert node.as_path_lists["ODD"].unparsed  # outside the translated grammar: partial
    assert IPv4Network("10.0.0.0/8") in {ln.prefix for ln in pl.lines}


def test_routing_instance_interface_leaves_the_default_table_and_is_partial() -> None:
    node = parse(
        "set interfaces ge-0/0/5 unit 0 family inet address 10.5.0.1/24\n"
        "set routing-instances CUST instance-type virtual-router\n"
        "set routing-instances CUST interface ge-0/0/5.0\n"
    )
    i = node.interfaces["ge-0/0/5.0"]
    assert i.vrf == "CUST" and [r.line for r in i.unparsed] == [4]
    assert {w.line for w in node.warnings} == {3, 4}
