"""Location specifiers, source-IP inference (semantics §8a) and traceroute flow construction."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

import pytest
from test_tracer import Net

from validator.engine.locations import flows_for, parse_location_spec, resolve_ip, resolve_locations
from validator.engine.types import DataPlane
from validator.errors import InputError


def campus() -> DataPlane:
    """core1: Gi0/0 1.0.2.1/24 (1.0.2.2 owned by edge), Gi1/0 1.0.1.1/24, Gi2/0 10.0.0.1/30, Lo0, Gi3/0 down.

    host1 eth0 1.0.1.101/24.
    """
    net = Net()
    net.node("core1")
    net.node("edge")
    net.node("host1", vendor="host")
    net.iface("core1", "GigabitEthernet0/0", "1.0.2.1/24")
    net.iface("core1", "GigabitEthernet1/0", "1.0.1.1/24", "1.0.1.129/25")
    net.iface("core1", "GigabitEthernet2/0", "10.0.0.1/30")
    net.iface("core1", "Loopback0", "1.1.1.1/32", kind="loopback")
    net.iface("core1", "GigabitEthernet3/0", "1.0.3.1/24", active=False)
    net.iface("edge", "GigabitEthernet0/0", "1.0.2.2/24")
    net.iface("edge", "GigabitEthernet1/0", "1.0.2.3/24", active=False)  # inactive owners still own
    net.iface("host1", "eth0", "1.0.1.101/24")
    return net.build()


def test_parse_terms() -> None:
    terms = parse_location_spec(r"@enter(/^as1/[/Gig.*0\/0/]), core1[GigabitEthernet0/0] , host1")
    assert [(t.node.text, t.interface.text if t.interface else None, t.entering) for t in terms] == [
        ("/^as1/", r"/Gig.*0\/0/", True),
        ("core1", "GigabitEthernet0/0", False),
        ("host1", None, False),
    ]
    assert terms[0].node.matches("AS1core1") and not terms[0].node.matches("xas1")
    assert terms[0].interface is not None and terms[0].interface.matches("GigabitEthernet0/0")


@pytest.mark.parametrize(
    "spec",
    ["", "core1[Gi0", "@enter(core1", "@enter(core1]", "/unterminated", "core1 x", "@leave(core1)", "/[/", "a,,b"],
)
def test_malformed_specifiers_raise(spec: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_location_spec(spec)
    assert "\n" not in str(exc.value)


def test_interface_locations_use_own_active_ips() -> None:
    locs = resolve_locations(campus(), "core1")
    assert [(x.origin_interface, x.interface, x.entering, [str(n) for n in x.src_ips]) for x in locs] == [
        ("GigabitEthernet0/0", None, False, ["1.0.2.1/32"]),
        ("GigabitEthernet1/0", None, False, ["1.0.1.1/32", "1.0.1.129/32"]),
        ("GigabitEthernet2/0", None, False, ["10.0.0.1/32"]),
        ("Loopback0", None, False, ["1.1.1.1/32"]),
    ]


def test_link_locations_exclude_owned_ips_p2p_and_loopbacks() -> None:
    locs = {x.interface: x for x in resolve_locations(campus(), "@enter(core1)")}
    assert set(locs) == {"GigabitEthernet0/0", "GigabitEthernet1/0", "GigabitEthernet2/0", "Loopback0"}
    assert all(x.entering for x in locs.values())
    gi0 = locs["GigabitEthernet0/0"]
    assert gi0.min_ip == IPv4Address("1.0.2.4")  # .1, .2, .3 are owned (.3 by an inactive interface)
    assert IPv4Address("1.0.2.254") in IPv4Network("1.0.2.0/24") and any(
        IPv4Address("1.0.2.254") in n for n in gi0.src_ips
    )
    assert not any(IPv4Address("1.0.2.255") in n for n in gi0.src_ips)  # broadcast excluded
    gi1 = locs["GigabitEthernet1/0"]
    assert gi1.min_ip == IPv4Address("1.0.1.2")
    assert not any(IPv4Address(a) in n for n in gi1.src_ips for a in ("1.0.1.101", "1.0.1.129", "1.0.1.1"))
    assert any(IPv4Address("1.0.1.128") in n for n in gi1.src_ips)  # broadcast of /25 but a host of /24
    assert locs["GigabitEthernet2/0"].src_ips == ()  # /30: no hosts
    assert locs["Loopback0"].src_ips == ()


def test_hosts() -> None:
    dp = campus()
    (loc,) = resolve_locations(dp, "host1")
    assert loc.src_ips == (IPv4Network("1.0.1.101/32"),)
    (link,) = resolve_locations(dp, "@enter(host1[eth0])")
    assert link.src_ips == ()


def test_regex_and_interface_selection() -> None:
    dp = campus()
    assert {x.node for x in resolve_locations(dp, "/CORE|host/")} == {"core1", "host1"}
    assert resolve_locations(dp, "/nomatch/") == []
    (x,) = resolve_locations(dp, "@enter(CORE1[gigabitethernet1/0])")
    assert x.interface == "GigabitEthernet1/0"
    assert [x.interface for x in resolve_locations(dp, "@enter(core1[/Ethernet[01]/])")] == [
        "GigabitEthernet0/0",
        "GigabitEthernet1/0",
    ]
    assert resolve_locations(dp, "core1[GigabitEthernet3/0]") == []  # inactive: dropped
    (abbrev,) = resolve_locations(dp, "@enter(core1[Gi1/0])")
    assert abbrev.interface == "GigabitEthernet1/0"


def test_unknown_names_raise() -> None:
    dp = campus()
    with pytest.raises(InputError, match="unknown node"):
        resolve_locations(dp, "core9")
    with pytest.raises(InputError, match=r"unknown interface core1\[Gi9/9\]"):
        resolve_locations(dp, "@enter(core1[Gi9/9])")


def test_flows_pick_smallest_ip_and_traceroute_defaults() -> None:
    dp = campus()
    flows = flows_for(dp, "@enter(core1)", "host1")
    assert [(f.ingress_interface, str(f.src_ip)) for f in flows] == [
        ("GigabitEthernet0/0", "1.0.2.4"),
        ("GigabitEthernet1/0", "1.0.1.2"),
    ]
    f = flows[0]
    assert f.dst_ip == IPv4Address("1.0.1.101")
    assert (f.ip_protocol, f.src_port, f.dst_port) == (17, 49152, 33434)


def test_originated_flows_per_interface() -> None:
    flows = flows_for(campus(), "core1", "9.9.9.9")
    assert all(f.ingress_interface is None and f.ingress_vrf == "default" for f in flows)
    assert sorted(str(f.src_ip) for f in flows) == ["1.0.1.1", "1.0.2.1", "1.1.1.1", "10.0.0.1"]
    assert [str(f.src_ip) for f in flows] == ["1.0.1.1", "1.0.2.1", "1.1.1.1", "10.0.0.1"]


def test_protocols() -> None:
    dp = campus()
    (tcp,) = flows_for(dp, "host1", IPv4Address("1.0.1.1"), protocol="tcp")
    assert (tcp.ip_protocol, tcp.dst_port, tcp.src_port, tcp.tcp_syn, tcp.tcp_ack) == (6, 80, 49152, True, False)
    (tcp22,) = flows_for(dp, "host1", "1.0.1.1", protocol="TCP", dst_port=22)
    assert tcp22.dst_port == 22
    (icmp,) = flows_for(dp, "host1", "1.0.1.1", protocol="icmp")
    assert (icmp.ip_protocol, icmp.icmp_type, icmp.icmp_code) == (1, 8, 0)
    with pytest.raises(InputError):
        flows_for(dp, "host1", "1.0.1.1", protocol="sctp-ish")


def test_no_source_ip_anywhere_is_an_error() -> None:
    dp = campus()
    with pytest.raises(InputError, match="no active start location"):
        flows_for(dp, "@enter(core1[GigabitEthernet2/0])", "1.0.1.1")
    with pytest.raises(InputError):
        flows_for(dp, "/nomatch/", "1.0.1.1")


def test_resolve_ip() -> None:
    dp = campus()
    assert resolve_ip(dp, "core1") == IPv4Address("1.0.1.1")
    assert resolve_ip(dp, " 8.8.8.8 ") == IPv4Address("8.8.8.8")
    with pytest.raises(InputError):
        resolve_ip(dp, "/nomatch/")
