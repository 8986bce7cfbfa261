"""Arista EOS parser, per stanza family (issue 16 part A): EOS semantics where they differ from IOS."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest

from validator.parsers import detect_vendor, parse_config
from validator.parsers.arista_eos import canonical_eos_interface, parse_eos

F = "configs/sw1.cfg"


def eos(body: str) -> str:
    return "! device: sw1 (DCS-7050SX3-48YC8, EOS-4.30.2F)\nhostname sw1\n" + body


# --- interfaces ---------------------------------------------------------------------------------


def test_ethernet_is_a_switchport_until_no_switchport() -> None:
    n = parse_eos(
        eos(
            "interface Ethernet1\n   no switchport\n   ip address 10.0.0.0/31\n"
            "interface Ethernet2\n   ip address 10.0.0.2/31\n"
            "interface Loopback0\n   ip address 10.255.0.1/32\n"
            "interface Vlan10\n   ip address 10.10.0.1/24\n"
        ),
        F,
    )
    assert n.vendor == "arista_eos"
    assert n.interfaces["Ethernet1"].addresses == (IPv4Interface("10.0.0.0/31"),)
    # Batfish drops the address of a switchport; the line is warned (EOS itself refuses it)
    assert n.interfaces["Ethernet2"].addresses == ()
    assert any(w.line == 7 and "switchport" in w.reason for w in n.warnings)
    assert n.interfaces["Loopback0"].addresses and n.interfaces["Vlan10"].addresses  # not switchports


def test_interface_defaults_and_eos_lines() -> None:
    n = parse_eos(
        eos(
            "interface Et3\n   no switchport\n   speed forced 100gfull\n   vrf BLUE\n   ip address 10.1.0.1/24\n"
            "   shutdown\n   ip access-group EDGE in\n"
            "interface Ethernet4\n   no switchport\n   ip address 10.2.0.1/24\n   ip address virtual 10.2.0.254/24\n"
            "vrf instance BLUE\n"
        ),
        F,
    )
    e3 = n.interfaces["Ethernet3"]
    assert (e3.bandwidth, e3.vrf, e3.admin_up, e3.acl_in, e3.proxy_arp) == (100e9, "BLUE", False, "EDGE", False)
    assert n.interfaces["Ethernet4"].bandwidth == 1e9  # EOS Ethernet default speed (IOS: 10 Mb/s)
    assert n.interfaces["Ethernet4"].unparsed  # VARP address: partial
    assert ("acl", "EDGE") in {(k, r) for k, r, _ in n.undefined_references}


def test_port_channel_bandwidth_is_the_sum_of_up_members() -> None:
    n = parse_eos(
        eos(
            "interface Ethernet1\n   channel-group 10 mode active\n"
            "interface Ethernet2\n   channel-group 10 mode active\n"
            "interface Ethernet3\n   channel-group 10 mode active\n   shutdown\n"
            "interface Port-Channel10\n   no switchport\n   ip address 10.0.0.1/31\n"
            "interface Port-Channel20\n   no switchport\n   ip address 10.0.0.3/31\n"
        ),
        F,
    )
    assert n.interfaces["Port-channel10"].bandwidth == 2e9 and n.interfaces["Port-channel10"].admin_up
    assert not n.interfaces["Port-channel20"].admin_up  # no member: down


def test_interface_names() -> None:
    assert canonical_eos_interface("Et1/1") == "Ethernet1/1"
    assert canonical_eos_interface("Po5") == canonical_eos_interface("Port-Channel5") == "Port-channel5"
    assert canonical_eos_interface("Ma1") == "Management1"
    assert canonical_eos_interface("Vx1") == "Vxlan1"


# --- BGP ------------------------------------------------------------------------------------------

BGP = eos(
    "interface Loopback0\n   ip address 10.255.0.1/32\n"
    "router bgp 65001\n"
    "   router-id 10.255.0.1\n"
    "   maximum-paths 4 ecmp 8\n"
    "   neighbor SPINE peer group\n"
    "   neighbor SPINE remote-as 65000\n"
    "   neighbor SPINE send-community\n"
    "   neighbor 10.0.0.0 peer group SPINE\n"
    "   neighbor 10.0.0.2 peer-group SPINE\n"
    "   neighbor 10.0.0.4 remote-as 65009\n"
    "   neighbor 10.0.0.4 route-map RM in\n"
    "   neighbor 10.0.0.4 prefix-list PL in\n"
    "   neighbor 10.0.0.4 update-source Lo0\n"
    "   redistribute connected\n"
    "   redistribute ospf route-map RM\n"
    "   vrf RED\n"
    "      neighbor 10.9.9.9 remote-as 65010\n"
    "route-map RM permit 10\n"
    "ip prefix-list PL seq 10 permit 10.0.0.0/8 le 32\n"
)


def test_bgp_peer_groups_multipath_distances_and_communities() -> None:
    n = parse_eos(BGP, F)
    assert n.bgp is not None
    b = n.bgp
    assert (b.max_paths_ebgp, b.max_paths_ibgp, b.multipath_relax) == (4, 4, True)
    assert (b.ebgp_admin, b.ibgp_admin) == (200, 200)
    by_ip = {str(nb.peer_ip): nb for nb in b.neighbors}
    assert set(by_ip) == {"10.0.0.0", "10.0.0.2", "10.0.0.4"}  # the VRF neighbor is not modelled
    spine = by_ip["10.0.0.0"]
    assert (spine.remote_as, spine.peer_group, spine.send_community, spine.active) == (65000, "SPINE", True, True)
    assert by_ip["10.0.0.2"].remote_as == 65000  # old ``peer-group`` spelling
    other = by_ip["10.0.0.4"]
    # EOS sends no communities by default (Batfish: firstNonNull(getSendCommunity(), FALSE))
    assert other.send_community is False
    # route-map and prefix-list in one direction: Batfish prefers the route-map
    assert (other.route_map_in, other.prefix_list_in, other.update_source) == ("RM", None, "Loopback0")
    conn, ospf = b.redistributions
    assert (conn.protocol, conn.origin) == ("connected", "igp")
    assert (ospf.protocol, ospf.include_external, ospf.route_map) == ("ospf", True, "RM")
    warned = {w.line for w in n.warnings}
    assert {19, 20} <= warned  # the vrf block, line by line


def test_no_bgp_default_ipv4_unicast_needs_activate() -> None:
    n = parse_eos(
        eos(
            "router bgp 65001\n   no bgp default ipv4-unicast\n   distance bgp 20 200 200\n"
            "   neighbor 10.0.0.0 remote-as 65000\n   neighbor 10.0.0.2 remote-as 65000\n"
            "   neighbor 10.0.0.4 remote-as 65000\n"
            "   address-family ipv4\n      neighbor 10.0.0.0 activate\n      no neighbor 10.0.0.4 activate\n"
            "   address-family evpn\n      neighbor 10.0.0.2 activate\n"
        ),
        F,
    )
    assert n.bgp is not None
    active = {str(nb.peer_ip): nb.active for nb in n.bgp.neighbors}
    assert active == {"10.0.0.0": True, "10.0.0.2": False, "10.0.0.4": False}
    assert n.bgp.ebgp_admin == 20
    assert {w.line for w in n.warnings} == {12, 13}  # evpn: not modelled


def test_default_ipv4_unicast_activates_and_no_multipath_relax() -> None:
    n = parse_eos(
        eos("router bgp 1\n   no bgp bestpath as-path multipath-relax\n   neighbor 10.0.0.0 remote-as 2\n"), F
    )
    assert n.bgp is not None and n.bgp.neighbors[0].active and not n.bgp.multipath_relax


# --- OSPF, statics, filters -----------------------------------------------------------------------


def test_ospf_eos_defaults_and_interface_area() -> None:
    n = parse_eos(
        eos(
            "interface Ethernet1\n   no switchport\n   ip address 10.0.0.0/31\n   ip ospf area 0.0.0.0\n"
            "   ip ospf network point-to-point\n"
            "interface Ethernet2\n   no switchport\n   ip address 10.1.0.1/24\n   ip ospf cost 50\n"
            "router ospf 1\n   router-id 10.255.0.1\n   passive-interface Et2\n   network 10.1.0.0/24 area 1\n"
            "   max-lsa 12000\n   redistribute connected\n"
        ),
        F,
    )
    (proc,) = n.ospf
    assert (proc.reference_bandwidth, proc.default_metric) == (10e6, 10)  # Batfish's Arista defaults
    assert proc.redistributions[0].subnets
    e1, e2 = n.interfaces["Ethernet1"].ospf, n.interfaces["Ethernet2"].ospf
    assert e1 is not None and (e1.area, e1.network_type, e1.passive) == (0, "point-to-point", False)
    assert e2 is not None and (e2.area, e2.cost, e2.passive) == (1, 50, True)
    assert not n.warnings


def test_ip_ospf_area_without_a_process_is_partial() -> None:
    n = parse_eos(eos("interface Ethernet1\n   no switchport\n   ip address 10.0.0.0/31\n   ip ospf area 0\n"), F)
    assert n.interfaces["Ethernet1"].ospf is None and n.interfaces["Ethernet1"].unparsed


def test_static_routes_acls_prefix_lists_route_maps() -> None:
    n = parse_eos(
        eos(
            "ip route 0.0.0.0/0 10.0.0.1\nip route 10.9.0.0/16 Null0\nip route vrf BLUE 10.8.0.0/16 10.0.0.1 250\n"
            "ip access-list EDGE\n   10 permit tcp 10.0.0.0/8 any eq 443\n   20 deny ip any any\n"
            "ip access-list standard MGMT\n   10 permit 10.1.0.0/16\n"
            "ip prefix-list PL\n   seq 10 permit 10.0.0.0/8 ge 24 le 32\n"
            "route-map RM deny 10\n   match ip address prefix-list PL\n"
            "route-map RM permit 20\n   set local-preference 200\n"
        ),
        F,
    )
    r0, r1, r2 = n.static_routes
    assert (r0.network, r0.next_hop_ip) == (IPv4Network("0.0.0.0/0"), IPv4Address("10.0.0.1"))
    assert r1.discard and (r2.vrf, r2.admin_distance) == ("BLUE", 250)
    edge = n.acls["EDGE"]
    assert [ln.action for ln in edge.lines] == ["permit", "deny"] and edge.lines[0].dst_ports == ((443, 443),)
    assert n.acls["MGMT"].kind == "standard"
    (pl,) = n.prefix_lists["PL"].lines
    assert (pl.seq, pl.min_len, pl.max_len) == (10, 24, 32)
    assert [c.action for c in n.route_maps["RM"].clauses] == ["deny", "permit"]


def test_management_plane_is_partial_and_unknown_lines_are_warned() -> None:
    n = parse_eos(
        eos("username admin secret sha512 x\nmanagement api http-commands\n   no shutdown\nip virtual-router mac 1\n"),
        F,
    )
    assert [r.line for r in n.management.unparsed] == [2, 3, 4, 5]  # first line: the whole plane
    assert {w.line for w in n.warnings} == {6}  # VARP: changes forwarding, not modelled


# --- detection ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "! device: leaf1 (DCS-7050SX3-48YC8, EOS-4.30.2F)\nhostname leaf1\n",
        "!RANCID-CONTENT-TYPE: arista\nhostname leaf1\n",
        "!BATFISH_FORMAT: arista\nhostname leaf1\n",
        "hostname leaf1\nboot system flash:/EOS-4.30.2F.swi\n",
        "hostname leaf1\nip community-list regexp CL permit _65000_\n",
    ],
)
def test_eos_detection(text: str) -> None:
    assert detect_vendor(text, F) == "arista_eos"
    assert parse_config(text + "interface Loopback0\n   ip address 10.0.0.1/32\n", F).vendor == "arista_eos"


def test_eos_like_text_without_tells_stays_ios_as_in_batfish() -> None:
    assert (
        detect_vendor("hostname r1\ninterface Ethernet1\n no switchport\n ip address 10.0.0.1/31\n", F) == "cisco_ios"
    )


def test_interfaces_of_an_unmodelled_bgp_vrf_are_partial() -> None:
    n = parse_eos(
        eos(
            "vrf instance RED\ninterface Ethernet1\n   no switchport\n   vrf RED\n   ip address 10.0.0.0/31\n"
            "interface Ethernet2\n   no switchport\n   ip address 10.0.1.0/31\n"
            "router bgp 1\n   vrf RED\n      neighbor 10.0.0.1 remote-as 2\n"
        ),
        F,
    )
    assert n.interfaces["Ethernet1"].unparsed and not n.interfaces["Ethernet2"].unparsed


def test_vlan_interface_is_up_only_while_an_up_switchport_carries_its_vlan() -> None:
    n = parse_eos(
        eos(
            "interface Ethernet1\n   switchport access vlan 10\n"
            "interface Ethernet2\n   switchport mode trunk\n   switchport trunk allowed vlan 20-21,30\n   shutdown\n"
            "interface Ethernet3\n   switchport mode trunk\n   switchport trunk allowed vlan 40\n"
            "interface Ethernet4\n   switchport trunk group MLAG\n"
            "interface Vlan10\n   ip address 10.10.0.1/24\n"
            "interface Vlan20\n   ip address 10.20.0.1/24\n"
            "interface Vlan30\n   no autostate\n   ip address 10.30.0.1/24\n"
            "interface Vlan40\n   ip address 10.40.0.1/24\n"
        ),
        F,
    )
    up = {name: i.admin_up for name, i in n.interfaces.items() if name.startswith("Vlan")}
    assert up == {"Vlan10": True, "Vlan20": False, "Vlan30": True, "Vlan40": True}
    # a trunk group may change the VLANs a port carries: warned, every SVI partial
    assert any(w.line == 13 for w in n.warnings)
    assert all(n.interfaces[v].unparsed for v in ("Vlan10", "Vlan20", "Vlan40"))


def test_counters_per_entry_and_undeclared_peer_group() -> None:
    n = parse_eos(
        eos(
            "ip access-list A\n   counters per-entry\n   10 permit ip any any\n"
            "router bgp 1\n   neighbor G send-community\n"
        ),
        F,
    )
    assert not n.acls["A"].unparsed and not n.warnings
    assert ("bgp peer-group", "G") in {(k, r) for k, r, _ in n.undefined_references}
