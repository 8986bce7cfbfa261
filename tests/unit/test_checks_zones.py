"""validator.checks.zones: zones as start locations (Batfish location rules) and as destinations.

On fixtures/unit/checks/line plus a shut interface r3[Gi0/3] 10.3.1.1/24 and a loopback on r2.
"""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest
from test_checks_helpers import Z, dataplane, policies, zone

from validator.checks.ipspace import Intervals
from validator.checks.zones import link_host_space, sources_in_both, zone_destination, zone_nodes, zone_sources
from validator.engine.types import DataPlane, FailureSet
from validator.errors import PolicyError

EDITS = {
    "configs/r3.cfg": [
        (
            "ip access-list extended TO-LAN",
            "interface GigabitEthernet0/3\n ip address 10.3.1.1 255.255.255.0\n shutdown\n!\n"
            "ip access-list extended TO-LAN",
        )
    ],
    "configs/r2.cfg": [
        (
            "ip access-list extended FROM-EDGE",
            "interface Loopback0\n ip address 10.2.255.2 255.255.255.255\n!\nip access-list extended FROM-EDGE",
        )
    ],
}


def _dp(failures: FailureSet = FailureSet()) -> DataPlane:  # noqa: B008
    return dataplane("line", EDITS, failures)


def r(*pairs: tuple[str, str]) -> Intervals:
    return Intervals.of((int(IPv4Address(a)), int(IPv4Address(b))) for a, b in pairs)


def ips(*addrs: str) -> Intervals:
    return Intervals.of((int(IPv4Address(a)),) * 2 for a in addrs)


SOURCES: list[tuple[str, Z, list[tuple[str, str | None, Intervals]]]] = [
    # (case, zone, expected [(node, interface, source space)])
    ("node: its active own addresses", zone("z", nodes=["r1"]), [("r1", None, ips("10.0.12.1", "203.0.113.1"))]),
    (
        "node regex, case-insensitive, loopback included, shut interface not",
        zone("z", nodes=["/^R[23]$/"]),
        [("r2", None, ips("10.0.12.2", "10.0.23.1", "10.2.255.2")), ("r3", None, ips("10.0.23.2", "10.3.0.1"))],
    ),
    (
        "interface /29: link hosts minus network, broadcast and owned",
        zone("z", interfaces=["r1[GigabitEthernet0/0]"]),
        [("r1", "GigabitEthernet0/0", r(("203.0.113.2", "203.0.113.6")))],
    ),
    ("interface /30: no host can sit there", zone("z", interfaces=["r1[GigabitEthernet0/1]"]), []),
    ("inactive interface", zone("z", interfaces=["r3[GigabitEthernet0/3]"]), []),
    (
        "prefix: hosts originate, router LAN interfaces enter (owned addresses excluded)",
        zone("z", prefixes=["10.3.0.0/28"]),
        [
            ("h3", None, ips("10.3.0.5")),
            ("r3", "GigabitEthernet0/0", r(("10.3.0.2", "10.3.0.4"), ("10.3.0.6", "10.3.0.14"))),
        ],
    ),
    (
        "prefix narrower than the subnet",
        zone("z", prefixes=["10.3.0.4/30"]),
        [("h3", None, ips("10.3.0.5")), ("r3", "GigabitEthernet0/0", ips("10.3.0.4", "10.3.0.6", "10.3.0.7"))],
    ),
    ("prefix of /30 links only", zone("z", prefixes=["10.0.0.0/16"]), []),
    ("prefix on a shut interface", zone("z", prefixes=["10.3.1.0/24"]), []),
    ("prefix of a loopback", zone("z", prefixes=["10.2.255.0/24"]), []),
]


@pytest.mark.parametrize(("case", "z", "want"), SOURCES, ids=[c[0] for c in SOURCES])
def test_zone_sources(case: str, z: Z, want: list[tuple[str, str | None, Intervals]]) -> None:
    got = [(s.node, s.interface, s.space) for s in zone_sources(_dp(), z)]
    assert sorted(got, key=lambda t: (t[0], t[1] or "")) == want


REGEX_WANT = [
    ("r1", "GigabitEthernet0/0", r(("203.0.113.2", "203.0.113.6"))),
    ("r3", "GigabitEthernet0/0", r(("10.3.0.2", "10.3.0.4"), ("10.3.0.6", "10.3.0.14"))),
]


def test_interface_regex_zone_from_policy_file() -> None:
    pset = policies(
        "version: 1\nzones:\n  z: {interfaces: ['/r[13]/[/GigabitEthernet0/0/]']}\n"
        "policies:\n  - {name: p, type: reachability, from: z, to: z, expect: allow}\n"
    )
    got = [(s.node, s.interface, s.space) for s in zone_sources(_dp(), pset.zones["z"])]
    assert got == REGEX_WANT


def test_interface_regex_zone_as_plain_string() -> None:
    got = [
        (s.node, s.interface, s.space)
        for s in zone_sources(_dp(), zone("z", interfaces=["/r[13]/[/GigabitEthernet0/0/]"]))
    ]
    assert got == REGEX_WANT


def test_failed_interface_is_no_source_and_failed_node_originates_nothing() -> None:
    dp = _dp(FailureSet(interfaces=frozenset({("r3", "GigabitEthernet0/0")}), nodes=frozenset({"r1"})))
    assert [s.node for s in zone_sources(dp, zone("z", prefixes=["10.3.0.0/28"]))] == ["h3"]
    assert zone_sources(dp, zone("z", nodes=["r1"])) == []
    assert zone_sources(dp, zone("z", interfaces=["r1[GigabitEthernet0/0]"])) == []


def test_link_host_space_excludes_every_owned_address_even_inactive() -> None:
    # a second router address on the LAN, on a shut interface: still owned, so no source
    dp = dataplane(
        "line",
        {
            "configs/r3.cfg": [
                (
                    "ip access-list extended TO-LAN",
                    "interface GigabitEthernet0/4\n ip address 10.3.0.9 255.255.255.240\n shutdown\n!\n"
                    "ip access-list extended TO-LAN",
                )
            ]
        },
    )
    space = link_host_space(dp, "r3", "GigabitEthernet0/0")
    assert not space.contains(int(IPv4Address("10.3.0.9")))
    assert space.contains(int(IPv4Address("10.3.0.8")))


DESTS: list[tuple[str, Z, bool, Intervals]] = [
    # (case, zone, assigned_only, expected destination space)
    ("prefix, in use: subnet hosts and owned", zone("z", prefixes=["10.3.0.0/28"]), True, r(("10.3.0.1", "10.3.0.14"))),
    ("prefix, all", zone("z", prefixes=["10.3.0.0/28"]), False, r(("10.3.0.0", "10.3.0.15"))),
    ("prefix on shut interface, in use: nothing", zone("z", prefixes=["10.3.1.0/24"]), True, Intervals()),
    ("prefix on shut interface, all", zone("z", prefixes=["10.3.1.0/24"]), False, r(("10.3.1.0", "10.3.1.255"))),
    ("prefix nobody uses, in use", zone("z", prefixes=["192.0.2.0/24"]), True, Intervals()),
    ("/30 link, in use: both ends' hosts", zone("z", prefixes=["10.0.12.0/30"]), True, r(("10.0.12.1", "10.0.12.2"))),
    ("node, in use: active addresses", zone("z", nodes=["r3"]), True, ips("10.0.23.2", "10.3.0.1")),
    ("node, all: also the shut interface", zone("z", nodes=["r3"]), False, ips("10.0.23.2", "10.3.0.1", "10.3.1.1")),
    ("interface", zone("z", interfaces=["r2[Loopback0]"]), True, ips("10.2.255.2")),
    ("shut interface, in use", zone("z", interfaces=["r3[GigabitEthernet0/3]"]), True, Intervals()),
]


@pytest.mark.parametrize(("case", "z", "assigned", "want"), DESTS, ids=[c[0] for c in DESTS])
def test_zone_destination(case: str, z: Z, assigned: bool, want: Intervals) -> None:
    assert zone_destination(_dp(), z, assigned_only=assigned) == want


def test_zone_nodes_are_start_and_end_points() -> None:
    dp = _dp()
    assert zone_nodes(dp, zone("z", interfaces=["r1[GigabitEthernet0/0]"])) == {"r1"}
    # the LAN's owners (h3, r3) and the node where its flows enter (r3)
    assert zone_nodes(dp, zone("z", prefixes=["10.3.0.0/28"])) == {"h3", "r3"}


def test_sources_in_both_keeps_shared_locations_and_space() -> None:
    base = zone_sources(_dp(), zone("z", prefixes=["10.3.0.0/28"]))
    head = zone_sources(_dp(FailureSet(interfaces=frozenset({("h3", "eth0")}))), zone("z", prefixes=["10.3.0.0/28"]))
    both = sources_in_both(head, base)
    assert [(s.node, s.interface) for s in both] == [("r3", "GigabitEthernet0/0")]


def test_bad_specifiers_are_policy_errors() -> None:
    with pytest.raises(PolicyError):
        zone_sources(_dp(), zone("z", nodes=["/[unclosed/"]))
    with pytest.raises(PolicyError):
        zone_sources(_dp(), zone("z", interfaces=["r1-without-brackets"]))
