"""Connected, local and static route rules (semantics §2, §6) and FIB resolution (§5)."""

from __future__ import annotations

from ipaddress import IPv4Address

from engine_helpers import dataplane, rows

from validator.engine.types import FailureSet

R1 = """
hostname r1
interface Loopback0
 ip address 1.1.1.1 255.255.255.255
interface Loopback1
 ip address 7.7.7.1 255.255.255.0
interface GigabitEthernet0/0
 ip address 10.0.0.1 255.255.255.0
 ip address 10.9.0.1 255.255.255.0 secondary
interface GigabitEthernet1/0
 ip address 10.1.0.1 255.255.255.0
 shutdown
interface GigabitEthernet2/0
 ip address 10.5.0.1 255.255.255.0
interface GigabitEthernet3/0
 ip address 10.5.0.2 255.255.255.0
ip route 192.0.2.0 255.255.255.0 Null0
ip route 198.51.100.0 255.255.255.0 10.0.0.2
ip route 198.51.101.0 255.255.255.0 172.16.0.1
ip route 198.51.102.0 255.255.255.0 GigabitEthernet1/0
ip route 198.51.103.0 255.255.255.0 GigabitEthernet0/0 10.0.0.3 50
ip route 10.0.0.0 255.0.0.0 10.0.0.2
ip route 203.0.113.0 255.255.255.0 203.0.113.1
ip route 198.51.104.0 255.255.255.0 198.51.100.7
"""


def test_connected_and_local_rules() -> None:
    dp = dataplane(R1)
    assert rows(dp, "r1", "1.1.1.1/32") == [("1.1.1.1/32", "connected", "Loopback0", 0, 0)]
    assert rows(dp, "r1", "7.7.7.1/32") == [("7.7.7.1/32", "local", "Loopback1", 0, 0)]
    assert ("10.9.0.0/24", "connected", "GigabitEthernet0/0", 0, 0) in rows(dp, "r1")
    assert ("10.9.0.1/32", "local", "GigabitEthernet0/0", 0, 0) in rows(dp, "r1")
    assert rows(dp, "r1", "10.1.0.0/24") == []  # shut down
    assert rows(dp, "r1", "10.5.0.0/24") == [
        ("10.5.0.0/24", "connected", "GigabitEthernet2/0", 0, 0),
        ("10.5.0.0/24", "connected", "GigabitEthernet3/0", 0, 0),
    ]


def test_static_installation_rules() -> None:
    dp = dataplane(R1)
    assert rows(dp, "r1", "192.0.2.0/24") == [("192.0.2.0/24", "static", "discard", 1, 0)]
    assert rows(dp, "r1", "198.51.100.0/24") == [("198.51.100.0/24", "static", "ip 10.0.0.2", 1, 0)]
    assert rows(dp, "r1", "198.51.101.0/24") == []  # next hop unresolvable
    assert rows(dp, "r1", "198.51.102.0/24") == []  # interface down
    assert rows(dp, "r1", "198.51.103.0/24") == [
        ("198.51.103.0/24", "static", "GigabitEthernet0/0 via 10.0.0.3", 50, 0)
    ]
    # next hop inside the route's own prefix needs a more specific match: 10.0.0.0/24 exists
    assert rows(dp, "r1", "10.0.0.0/8") == [("10.0.0.0/8", "static", "ip 10.0.0.2", 1, 0)]
    assert rows(dp, "r1", "203.0.113.0/24") == []  # resolves only through itself
    # a static resolving through another static
    assert rows(dp, "r1", "198.51.104.0/24") == [("198.51.104.0/24", "static", "ip 198.51.100.7", 1, 0)]


def test_null_static_survives_node_failure() -> None:
    dp = dataplane(R1, failures=FailureSet(nodes=frozenset({"r1"})))
    assert rows(dp, "r1") == [("192.0.2.0/24", "static", "discard", 1, 0)]
    assert not dp.active_interfaces


def test_fib_resolution() -> None:
    dp = dataplane(R1)
    fib = dp.fibs["r1"]["default"]
    (e,) = fib.lookup(IPv4Address("198.51.104.9"))
    assert (e.action.interface, e.action.arp_ip, e.action.null_route) == (
        "GigabitEthernet0/0",
        IPv4Address("10.0.0.2"),
        False,
    )
    assert [str(r.network) for r in e.resolution] == ["198.51.100.0/24", "10.0.0.0/24"]
    (e,) = fib.lookup(IPv4Address("192.0.2.5"))
    assert e.action.null_route
    (e,) = fib.lookup(IPv4Address("10.0.0.77"))
    assert (e.action.interface, e.action.arp_ip) == ("GigabitEthernet0/0", None)  # ARP for the destination
    (e,) = fib.lookup(IPv4Address("198.51.103.1"))
    assert e.action.arp_ip == IPv4Address("10.0.0.3")
    assert fib.lookup(IPv4Address("8.8.8.8")) == []


def test_ip_owners_include_inactive() -> None:
    dp = dataplane(R1)
    assert dp.ip_owners[IPv4Address("10.1.0.1")] == frozenset({("r1", "GigabitEthernet1/0")})
    assert ("r1", "GigabitEthernet1/0") not in dp.active_interfaces
