"""The IOS management plane in the model (parsers/cisco_ios/management.py, issue 12 item 1):
every setting with its file and line, unparsable lines make the plane partial, and indented lines
that are not commands of a sub-mode still go to global mode."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from validator.model.config import Node
from validator.model.source import SourceRef
from validator.parsers.cisco_ios import parse_ios

F = "configs/r1.cfg"


def parse(text: str) -> Node:
    return parse_ios("hostname r1\n" + text, F)


def test_vty_line_settings_with_lines() -> None:
    node = parse(
        "line vty 0 4\n"
        " access-class NOC in vrf-also\n"
        " exec-timeout 5 0\n"
        " login authentication VTY\n"
        " transport input ssh telnet\n"
        "line vty 5 15\n"
        " transport input none\n"
        "line con 0\n"
        " login local\n"
    )
    assert node.warnings == ()
    vty0, vty5, con = node.management.lines
    assert (vty0.kind, vty0.first, vty0.last, vty0.source) == ("vty", 0, 4, SourceRef(F, 2))
    assert (vty0.access_class_in, vty0.access_class_in_source) == ("NOC", SourceRef(F, 3))
    assert (vty0.login_list, vty0.login_source) == ("VTY", SourceRef(F, 5))
    assert vty0.transport_input == ("ssh", "telnet") and vty0.admits("telnet")
    assert vty5.transport_input == () and not vty5.admits("ssh")
    assert con.kind == "con" and con.login_local
    assert node.management.vty_lines == (vty0, vty5)
    # the vty ACL is a reference like an interface ACL: undefined here
    assert ("acl", "NOC", SourceRef(F, 3)) in node.undefined_references


def test_vty_without_transport_input_admits_every_protocol() -> None:
    (vty,) = parse("line vty 0 4\n login\n").management.lines
    assert vty.transport_input is None and vty.admits("telnet") and vty.admits("ssh")


def test_aaa_method_lists_servers_and_groups() -> None:
    m = parse(
        "aaa new-model\n"
        "aaa group server tacacs+ TAC\n"
        " server name TAC1\n"
        " server 10.8.0.11\n"
        " ip tacacs source-interface Loopback1\n"
        "aaa authentication login default group TAC local\n"
        "aaa authentication login CONSOLE none\n"
        "aaa authorization commands 15 default group tacacs+ if-authenticated\n"
        "aaa accounting exec default start-stop group TAC\n"
        "tacacs server TAC1\n"
        " address ipv4 10.8.0.10\n"
        " key 7 0822455D0A16\n"
        "tacacs-server host 10.8.0.12 key secret\n"
        "radius server R1\n"
        " address ipv4 10.8.0.13 auth-port 1812 acct-port 1813\n"
        "ip tacacs source-interface Loopback0\n"
    ).management
    assert m.aaa_new_model and m.aaa_new_model_source == SourceRef(F, 2)
    login = m.method_list("authentication login", "default")
    assert login is not None and login.methods == ("group TAC", "local") and login.local_fallback
    assert login.source == SourceRef(F, 7)
    assert m.method_list("authorization commands 15", "default") is not None
    acct = m.method_list("accounting exec", "default")
    assert acct is not None and acct.methods == ("group TAC",) and not acct.local_fallback
    assert [(s.protocol, s.name, s.address) for s in m.servers] == [
        ("tacacs", "TAC1", IPv4Address("10.8.0.10")),
        ("tacacs", "", IPv4Address("10.8.0.12")),
        ("radius", "R1", IPv4Address("10.8.0.13")),
    ]
    group = m.group("TAC")
    assert group is not None and group.members == ("TAC1", "10.8.0.11")
    assert (group.source_interface, group.source_interface_source) == ("Loopback1", SourceRef(F, 6))
    si = m.source_interface("tacacs")
    assert si is not None and (si.interface, si.source) == ("Loopback0", SourceRef(F, 17))
    assert m.unparsed == ()


def test_monitoring_servers_and_source_interfaces() -> None:
    node = parse(
        "snmp-server community n0c RO 20\n"
        "snmp-server community rw-all RW\n"
        "snmp-server host 10.8.0.40 version 2c n0c\n"
        "snmp-server trap-source Loopback0\n"
        "snmp-server location lab\n"
        "logging host 10.8.0.20\n"
        "logging 10.8.0.21\n"
        "logging source-interface Loopback0\n"
        "logging buffered 64000\n"
        "ntp server 10.8.0.30 prefer source Loopback1\n"
        "ntp server vrf MGMT 10.8.0.31\n"
        "ntp source Loopback0\n"
        "ntp access-group peer 30\n"
        "ip ssh version 2\n"
        "ip ssh source-interface Loopback0\n"
        "ip http secure-server\n"
        "no ip http server\n"
        "ip http access-class 40\n"
        "control-plane\n"
        " service-policy input COPP\n"
    )
    assert node.warnings == ()
    m = node.management
    assert [(c.name, c.access, c.acl) for c in m.snmp_communities] == [("n0c", "ro", "20"), ("rw-all", "rw", None)]
    assert [(t.service, str(t.address), t.source.line) for t in m.targets] == [
        ("snmp-trap", "10.8.0.40", 4),
        ("logging", "10.8.0.20", 7),
        ("logging", "10.8.0.21", 8),
        ("ntp", "10.8.0.30", 11),
        ("ntp", "10.8.0.31", 12),
    ]
    assert m.targets_of("ntp")[0].source_interface == "Loopback1"
    assert m.targets_of("ntp")[1].vrf == "MGMT"
    assert {s.service: s.interface for s in m.source_interfaces} == {
        "snmp-trap": "Loopback0",
        "logging": "Loopback0",
        "ntp": "Loopback0",
        "ssh": "Loopback0",
    }
    assert [(a.kind, a.acl) for a in m.ntp_access_groups] == [("peer", "30")]
    assert m.ssh_version == 2 and m.https_server and not m.http_server and m.http_access_class == "40"
    assert m.control_plane == ("control-plane", "service-policy input COPP")


def test_unparsable_management_lines_are_warned_and_make_the_plane_partial() -> None:
    node = parse(
        "logging host not-an-address\n"
        "aaa authentication login default\n"
        "line vty 0 4\n"
        " transport input carrier-pigeon\n"
        " access-class\n"
        "snmp-server frobnicate\n"
    )
    assert sorted(w.line for w in node.warnings) == [2, 3, 5, 6, 7]
    assert node.management.unparsed == tuple(SourceRef(F, n) for n in (2, 3, 5, 6, 7))


def test_non_sub_mode_lines_under_management_stanzas_are_global() -> None:
    node = parse(
        "line vty 0 4\n"
        " transport input ssh\n"
        " ip route 10.1.10.0 255.255.255.0 Null0\n"
        "logging host 10.8.0.20\n"
        " ip route 10.1.11.0 255.255.255.0 Null0\n"
        "tacacs server T\n"
        " address ipv4 10.8.0.10\n"
        " frobnicate\n"
    )
    assert [r.network for r in node.static_routes] == [IPv4Network("10.1.10.0/24"), IPv4Network("10.1.11.0/24")]
    assert [w.line for w in node.warnings] == [9]  # the unknown line, as a global command


def test_bgp_neighbor_password_and_maximum_prefix() -> None:
    node = parse(
        "router bgp 65001\n"
        " neighbor 10.0.0.2 remote-as 65002\n"
        " neighbor 10.0.0.2 password 7 0822455D0A16\n"
        " neighbor 10.0.0.2 maximum-prefix 1000 80 warning-only\n"
        " neighbor 10.0.0.3 remote-as 65003\n"
        " neighbor 10.0.0.3 password cisco\n"
        " neighbor 10.0.0.4 remote-as 65004\n"
    )
    assert node.warnings == ()
    assert node.bgp is not None
    by_peer = {str(n.peer_ip): n for n in node.bgp.neighbors}
    # type 7 is only obfuscated: it equals the same key in clear text on the other end
    assert by_peer["10.0.0.2"].password == by_peer["10.0.0.3"].password == "cisco"
    assert by_peer["10.0.0.2"].maximum_prefix == 1000
    assert by_peer["10.0.0.4"].password is None and by_peer["10.0.0.4"].maximum_prefix is None
