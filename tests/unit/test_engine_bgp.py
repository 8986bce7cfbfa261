"""BGP rules (semantics §4): sessions, best-path order, multipath, reflection, aggregates,
route-map semantics, AS-path loop prevention."""

from __future__ import annotations

import pytest
from engine_helpers import dataplane, rows, session_status


def router(name: str, asn: int, rid: str, links: list[tuple[str, str]], bgp: str, extra: str = "") -> str:
    text = f"hostname {name}\n"
    for i, addr in enumerate(links):
        text += f"interface GigabitEthernet{i}/0\n ip address {addr[0]} {addr[1]}\n"
    text += extra
    text += f"router bgp {asn}\n bgp router-id {rid}\n{bgp}"
    return text


M24 = "255.255.255.0"
NULL_ROUTE = "ip route 192.0.2.0 255.255.255.0 Null0\n"

# r1 (AS 65001) peers with r2 and r3 (both AS 65002), which both originate 192.0.2.0/24.
R2 = router(
    "r2",
    65002,
    "2.2.2.2",
    [("10.0.12.2", M24)],
    " neighbor 10.0.12.1 remote-as 65001\n network 192.0.2.0 mask 255.255.255.0\n",
    NULL_ROUTE,
)
R3 = router(
    "r3",
    65002,
    "3.3.3.3",
    [("10.0.13.3", M24)],
    " neighbor 10.0.13.1 remote-as 65001\n network 192.0.2.0 mask 255.255.255.0\n",
    NULL_ROUTE,
)


def r1(bgp_extra: str = "", extra: str = "") -> str:
    return router(
        "r1",
        65001,
        "1.1.1.1",
        [("10.0.12.1", M24), ("10.0.13.1", M24)],
        " neighbor 10.0.12.2 remote-as 65002\n neighbor 10.0.13.3 remote-as 65002\n" + bgp_extra,
        extra,
    )


def test_sessions_established_over_connected_subnets() -> None:
    dp = dataplane(r1(), R2, R3)
    assert session_status(dp, "r1", "10.0.12.2") == "ESTABLISHED"
    assert session_status(dp, "r2", "10.0.12.1") == "ESTABLISHED"
    s = next(s for s in dp.bgp_sessions if s.node == "r1" and str(s.remote_ip) == "10.0.13.3")
    assert (s.session_type, s.remote_node, str(s.local_ip)) == ("EBGP_SINGLEHOP", "r3", "10.0.13.1")


def test_single_best_path_without_multipath() -> None:
    dp = dataplane(r1(), R2, R3)
    got = rows(dp, "r1", "192.0.2.0/24")
    assert len(got) == 1 and got[0][1:] == ("bgp", got[0][2], 20, 0)


def test_ebgp_multipath() -> None:
    dp = dataplane(r1(" maximum-paths 4\n"), R2, R3)
    assert rows(dp, "r1", "192.0.2.0/24") == [
        ("192.0.2.0/24", "bgp", "ip 10.0.12.2", 20, 0),
        ("192.0.2.0/24", "bgp", "ip 10.0.13.3", 20, 0),
    ]


def test_maximum_paths_ibgp_alone_still_enables_multipath_rib() -> None:
    dp = dataplane(r1(" maximum-paths ibgp 4\n"), R2, R3)
    assert len(rows(dp, "r1", "192.0.2.0/24")) == 2


def test_local_preference_beats_as_path_length() -> None:
    rm = "route-map PREFER permit 10\n set local-preference 200\n"
    r3 = R3.replace("network 192.0.2.0", "neighbor 10.0.13.1 route-map PREP out\n network 192.0.2.0")
    r3 = r3.replace("router bgp", "route-map PREP permit 10\n set as-path prepend 65002 65002\nrouter bgp")
    dp = dataplane(r1(" maximum-paths 4\n neighbor 10.0.13.3 route-map PREFER in\n", rm), R2, r3)
    assert rows(dp, "r1", "192.0.2.0/24") == [("192.0.2.0/24", "bgp", "ip 10.0.13.3", 20, 0)]
    # without the local-preference the shorter AS path wins
    dp = dataplane(r1(" maximum-paths 4\n"), R2, r3)
    assert rows(dp, "r1", "192.0.2.0/24") == [("192.0.2.0/24", "bgp", "ip 10.0.12.2", 20, 0)]


def test_lowest_med_wins_and_breaks_multipath() -> None:
    def with_med(cfg: str, peer: str, med: int) -> str:
        cfg = cfg.replace("network 192.0.2.0", f"neighbor {peer} route-map MED out\n network 192.0.2.0")
        return cfg.replace("router bgp", f"route-map MED permit 10\n set metric {med}\nrouter bgp")

    dp = dataplane(r1(" maximum-paths 4\n"), with_med(R2, "10.0.12.1", 10), with_med(R3, "10.0.13.1", 5))
    assert rows(dp, "r1", "192.0.2.0/24") == [("192.0.2.0/24", "bgp", "ip 10.0.13.3", 20, 5)]


def test_undefined_inbound_route_map_denies_everything() -> None:
    dp = dataplane(r1(" neighbor 10.0.12.2 route-map NOPE in\n neighbor 10.0.13.3 route-map NOPE in\n"), R2, R3)
    assert rows(dp, "r1", "192.0.2.0/24") == []
    assert session_status(dp, "r1", "10.0.12.2") == "ESTABLISHED"


def test_acl_as_route_filter_matches_exact_length() -> None:
    r2 = (
        R2.replace(
            "network 192.0.2.0 mask 255.255.255.0\n",
            "network 192.0.2.0 mask 255.255.255.0\n network 192.0.2.0 mask 255.255.255.128\n",
        )
        + "ip route 192.0.2.0 255.255.255.128 Null0\n"
    )
    extra = (
        "access-list 101 permit ip host 192.0.2.0 host 255.255.255.0\n"
        "route-map FROM_R2 permit 10\n match ip address 101\n set metric 7\n"
    )
    dp = dataplane(r1(" neighbor 10.0.12.2 route-map FROM_R2 in\n", extra), r2)
    assert rows(dp, "r1", "192.0.2.0/24") == [("192.0.2.0/24", "bgp", "ip 10.0.12.2", 20, 7)]
    assert rows(dp, "r1", "192.0.2.0/25") == []  # implicit deny at the end of the route-map


R2_TAGGED = router(
    "r2",
    65002,
    "2.2.2.2",
    [("10.0.12.2", M24)],
    " neighbor 10.0.12.1 remote-as 65001\n"
    " neighbor 10.0.12.1 send-community\n"
    " neighbor 10.0.12.1 route-map TAG out\n"
    " network 192.0.2.0 mask 255.255.255.0\n"
    " network 198.51.100.0 mask 255.255.255.0\n",
    NULL_ROUTE
    + "ip route 198.51.100.0 255.255.255.0 Null0\n"
    + "ip prefix-list P1 seq 5 permit 192.0.2.0/24\n"
    + "route-map TAG permit 10\n match ip address prefix-list P1\n set community 65001:2\n"
    + "route-map TAG permit 20\n set community 2:65001\n",
)


@pytest.mark.parametrize(
    ("regex", "learned"),
    [("_65001:", ["192.0.2.0/24"]), ("_2:", ["198.51.100.0/24"]), ("_65001:2_", ["192.0.2.0/24"])],
)
def test_community_regex_with_underscore(regex: str, learned: list[str]) -> None:
    """192.0.2.0/24 carries 65001:2 and 198.51.100.0/24 carries 2:65001."""
    extra = f"ip community-list expanded C1 permit {regex}\nroute-map IN permit 10\n match community C1\n"
    dp = dataplane(r1(" neighbor 10.0.12.2 route-map IN in\n", extra), R2_TAGGED)
    assert [r[0] for r in rows(dp, "r1") if r[1] == "bgp"] == learned


def test_communities_need_send_community() -> None:
    r2 = R2.replace("router bgp", "route-map TAG permit 10\n set community 65001:2\nrouter bgp").replace(
        "network 192.0.2.0", "neighbor 10.0.12.1 route-map TAG out\n network 192.0.2.0"
    )
    extra = "ip community-list expanded C1 permit _65001:\nroute-map IN permit 10\n match community C1\n"
    dp = dataplane(r1(" neighbor 10.0.12.2 route-map IN in\n", extra), r2)
    assert rows(dp, "r1", "192.0.2.0/24") == []


def test_as_path_loop_prevention() -> None:
    # r2 (AS 65002) passes r1's route on to r3, which is in r1's AS 65001
    r1_ = router(
        "r1",
        65001,
        "1.1.1.1",
        [("10.0.12.1", M24)],
        " neighbor 10.0.12.2 remote-as 65002\n network 192.0.2.0 mask 255.255.255.0\n",
        NULL_ROUTE,
    )
    r2 = router(
        "r2",
        65002,
        "2.2.2.2",
        [("10.0.12.2", M24), ("10.0.23.2", M24)],
        " neighbor 10.0.12.1 remote-as 65001\n neighbor 10.0.23.3 remote-as 65001\n",
    )
    r3 = router("r3", 65001, "3.3.3.3", [("10.0.23.3", M24)], " neighbor 10.0.23.2 remote-as 65002\n")
    dp = dataplane(r1_, r2, r3)
    assert rows(dp, "r2", "192.0.2.0/24") == [("192.0.2.0/24", "bgp", "ip 10.0.12.1", 20, 0)]
    assert rows(dp, "r3", "192.0.2.0/24") == []
    r3_allow = r3.replace("remote-as 65002\n", "remote-as 65002\n neighbor 10.0.23.2 allowas-in\n")
    dp = dataplane(r1_, r2, r3_allow)
    assert rows(dp, "r3", "192.0.2.0/24") == [("192.0.2.0/24", "bgp", "ip 10.0.23.2", 20, 0)]


def test_session_needs_both_ends_and_matching_as() -> None:
    r2_silent = router(
        "r2", 65002, "2.2.2.2", [("10.0.12.2", M24)], " network 192.0.2.0 mask 255.255.255.0\n", NULL_ROUTE
    )
    dp = dataplane(r1(), r2_silent, R3)
    assert session_status(dp, "r1", "10.0.12.2") == "NOT_COMPATIBLE"
    assert rows(dp, "r1", "192.0.2.0/24") == [("192.0.2.0/24", "bgp", "ip 10.0.13.3", 20, 0)]
    r2_wrong_as = R2.replace("remote-as 65001", "remote-as 65009")
    dp = dataplane(r1(), r2_wrong_as)
    assert session_status(dp, "r1", "10.0.12.2") == "NOT_COMPATIBLE"
    assert rows(dp, "r1", "192.0.2.0/24") == []


def test_acl_blocking_bgp_keeps_session_down() -> None:
    block = "ip access-list extended NO_BGP\n deny tcp any any eq bgp\n deny tcp any eq bgp any\n permit ip any any\n"
    r2 = R2.replace(
        " ip address 10.0.12.2 255.255.255.0\n", " ip address 10.0.12.2 255.255.255.0\n ip access-group NO_BGP in\n"
    )
    r2 = r2.replace("router bgp", block + "router bgp")
    dp = dataplane(r1(), r2)
    assert session_status(dp, "r1", "10.0.12.2") == "NOT_ESTABLISHED"
    assert rows(dp, "r1", "192.0.2.0/24") == []


def test_aggregate_summary_only() -> None:
    statics = "ip route 10.1.1.0 255.255.255.0 Null0\nip route 10.1.2.0 255.255.255.0 Null0\n"
    nets = " network 10.1.1.0 mask 255.255.255.0\n network 10.1.2.0 mask 255.255.255.0\n"
    r1_ = router(
        "r1",
        65001,
        "1.1.1.1",
        [("10.0.12.1", M24)],
        " neighbor 10.0.12.2 remote-as 65002\n" + nets + " aggregate-address 10.1.0.0 255.255.0.0 summary-only\n",
        statics,
    )
    r2 = router("r2", 65002, "2.2.2.2", [("10.0.12.2", M24)], " neighbor 10.0.12.1 remote-as 65001\n")
    dp = dataplane(r1_, r2)
    assert rows(dp, "r1", "10.1.0.0/16") == [("10.1.0.0/16", "aggregate", "discard", 200, 0)]
    assert [r[:2] for r in rows(dp, "r2") if r[1] == "bgp"] == [("10.1.0.0/16", "bgp")]
    # without summary-only the more specifics go out too
    dp = dataplane(r1_.replace(" summary-only", ""), r2)
    assert [r[0] for r in rows(dp, "r2") if r[1] == "bgp"] == ["10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24"]
    # no contributor, no aggregate; locally originated routes never show as bgp on the originator
    dp = dataplane(r1_.replace(nets, ""), r2)
    assert rows(dp, "r1", "10.1.0.0/16") == []
    assert all(r[1] != "bgp" for r in rows(dp, "r1"))


def _ibgp_triangle(reflect: bool) -> list[str]:
    """r1 is r2's and r3's iBGP peer (AS 100); r2 learns 203.0.113.0/24 from external r4 (AS 200)."""
    rr = " neighbor 10.0.12.2 route-reflector-client\n neighbor 10.0.13.3 route-reflector-client\n" if reflect else ""
    r1_ = router(
        "r1",
        100,
        "1.1.1.1",
        [("10.0.12.1", M24), ("10.0.13.1", M24)],
        " neighbor 10.0.12.2 remote-as 100\n neighbor 10.0.13.3 remote-as 100\n" + rr,
    )
    r2 = router(
        "r2",
        100,
        "2.2.2.2",
        [("10.0.12.2", M24), ("10.0.24.2", M24)],
        " neighbor 10.0.12.1 remote-as 100\n neighbor 10.0.24.4 remote-as 200\n",
    )
    r3 = router(
        "r3",
        100,
        "3.3.3.3",
        [("10.0.13.3", M24)],
        " neighbor 10.0.13.1 remote-as 100\n",
        "ip route 10.0.0.0 255.0.0.0 10.0.13.1\n",
    )
    r4 = router(
        "r4",
        200,
        "4.4.4.4",
        [("10.0.24.4", M24)],
        " neighbor 10.0.24.2 remote-as 100\n network 203.0.113.0 mask 255.255.255.0\n",
        "ip route 203.0.113.0 255.255.255.0 Null0\n",
    )
    return [r1_, r2, r3, r4]


def test_ibgp_routes_not_readvertised_without_reflection() -> None:
    cfgs = _ibgp_triangle(reflect=False)
    cfgs[0] += "ip route 10.0.24.0 255.255.255.0 10.0.12.2\n"
    dp = dataplane(*cfgs)
    assert rows(dp, "r1", "203.0.113.0/24") == [("203.0.113.0/24", "ibgp", "ip 10.0.24.4", 200, 0)]
    assert rows(dp, "r2", "203.0.113.0/24") == [("203.0.113.0/24", "bgp", "ip 10.0.24.4", 20, 0)]
    assert rows(dp, "r3", "203.0.113.0/24") == []


def test_route_reflector_passes_client_routes_on() -> None:
    cfgs = _ibgp_triangle(reflect=True)
    cfgs[0] += "ip route 10.0.24.0 255.255.255.0 10.0.12.2\n"
    dp = dataplane(*cfgs)
    assert rows(dp, "r1", "203.0.113.0/24") == [("203.0.113.0/24", "ibgp", "ip 10.0.24.4", 200, 0)]
    assert rows(dp, "r3", "203.0.113.0/24") == [("203.0.113.0/24", "ibgp", "ip 10.0.24.4", 200, 0)]


def test_unresolvable_next_hop_is_not_installed() -> None:
    cfgs = _ibgp_triangle(reflect=True)  # r1 has no route to 10.0.24.4
    dp = dataplane(*cfgs)
    assert rows(dp, "r1", "203.0.113.0/24") == []


def test_default_originate_sends_a_default_route_past_the_outbound_policy() -> None:
    r2 = R2.replace(
        "network 192.0.2.0",
        "neighbor 10.0.12.1 default-originate\n neighbor 10.0.12.1 route-map NONE out\n network 192.0.2.0",
    ).replace("router bgp", "route-map NONE deny 10\nrouter bgp")
    dp = dataplane(r1(), r2)
    assert rows(dp, "r1", "0.0.0.0/0") == [("0.0.0.0/0", "bgp", "ip 10.0.12.2", 20, 0)]
    assert rows(dp, "r1", "192.0.2.0/24") == []  # the route-map still filters everything else
    assert rows(dp, "r2", "0.0.0.0/0") == []
