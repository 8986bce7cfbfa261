"""BGP session statuses as Batfish's bgpSessionStatus names them (engine/bgp_status.py).

Small networks written for this project: a ``bgp listen range`` speaker and three LAN peers, and
an iBGP pair over loopbacks without ``update-source``.
"""

from __future__ import annotations

from engine_helpers import dataplane

from validator.checks.hygiene import check_hygiene
from validator.engine.types import DataPlane
from validator.model.dataplane import BgpSession

HUB = """
hostname hub
interface GigabitEthernet0/0
 ip address 10.0.12.1 255.255.255.0
 {acl}
ip access-list extended NO-R3-BGP
 deny tcp host 10.0.12.3 any eq bgp
 permit ip any any
router bgp 65001
 bgp router-id 1.1.1.1
 neighbor SPOKES peer-group
 neighbor SPOKES remote-as 65002
 bgp listen range {prefix} peer-group SPOKES
"""


def spoke(name: str, ip: str, remote_as: int = 65001) -> str:
    return f"""
hostname {name}
interface GigabitEthernet0/0
 ip address {ip} 255.255.255.0
router bgp 65002
 bgp router-id {ip}
 neighbor 10.0.12.1 remote-as {remote_as}
"""


def hub(prefix: str = "10.0.12.0/24", acl: str = "") -> str:
    return HUB.format(prefix=prefix, acl=acl)


def rows(dp: DataPlane, node: str) -> list[tuple[str, str, str, str | None, int | None, str, str]]:
    return sorted(
        (str(s.remote_ip), s.status, str(s.local_ip), s.remote_node, s.remote_as, s.session_type, s.reason)
        for s in dp.bgp_sessions
        if s.node == node
    )


def test_listen_range_gives_one_row_per_compatible_remote_peer() -> None:
    dp = dataplane(hub(), spoke("r2", "10.0.12.2"), spoke("r3", "10.0.12.3"), spoke("r4", "10.0.12.4", 65099))
    assert rows(dp, "hub") == [
        ("10.0.12.2", "ESTABLISHED", "10.0.12.1", "r2", 65002, "EBGP_SINGLEHOP", ""),
        ("10.0.12.3", "ESTABLISHED", "10.0.12.1", "r3", 65002, "EBGP_SINGLEHOP", ""),
        # r4 expects AS 65099 on the hub: not compatible, so no row of the hub names it
    ]
    assert all(s.status != "DYNAMIC_LISTEN" for s in dp.bgp_sessions)
    assert rows(dp, "r2") == [("10.0.12.1", "ESTABLISHED", "10.0.12.2", "hub", 65001, "EBGP_SINGLEHOP", "")]
    assert rows(dp, "r4")[0][1] == "NOT_COMPATIBLE"


def test_compatible_remote_that_cannot_connect_is_not_established() -> None:
    dp = dataplane(hub(acl="ip access-group NO-R3-BGP in"), spoke("r2", "10.0.12.2"), spoke("r3", "10.0.12.3"))
    assert [(r[0], r[1], r[3]) for r in rows(dp, "hub")] == [
        ("10.0.12.2", "ESTABLISHED", "r2"),
        ("10.0.12.3", "NOT_ESTABLISHED", "r3"),
    ]
    # r3's own statement has a unique compatible remote that it cannot reach: NOT_ESTABLISHED
    assert rows(dp, "r3")[0][:4] == ("10.0.12.1", "NOT_ESTABLISHED", "10.0.12.3", "hub")


def test_listen_range_without_peers_is_one_not_established_row_and_no_hygiene_error() -> None:
    dp = dataplane(hub(prefix="10.9.0.0/16"), spoke("r2", "10.0.12.2"))
    (s,) = [s for s in dp.bgp_sessions if s.node == "hub"]
    assert (str(s.remote_ip), s.status, s.local_ip, s.remote_node, s.session_type) == (
        "10.9.0.0/16",
        "NOT_ESTABLISHED",
        None,
        None,
        "UNSET",
    )
    msgs = [f.message for f in check_hygiene(policy="h", dp=dp, require=["bgp_sessions_up"])]
    assert not any("10.9.0.0/16" in m for m in msgs)


# --- iBGP over loopbacks without update-source ---------------------------------------------------


def ibgp(name: str, lo: str, links: list[tuple[str, str]], statics: list[str], peer: str, extra: str = "") -> str:
    text = f"hostname {name}\ninterface Loopback0\n ip address {lo} 255.255.255.255\n"
    for i, (ifname_ip, mask) in enumerate(links):
        text += f"interface GigabitEthernet{i}/0\n ip address {ifname_ip} {mask}\n"
    text += "".join(f"ip route {s}\n" for s in statics)
    return text + f"router bgp 65000\n bgp router-id {lo}\n neighbor {peer} remote-as 65000\n{extra}"


M24 = "255.255.255.0"


def _session(dp: DataPlane, node: str) -> BgpSession:
    (s,) = [s for s in dp.bgp_sessions if s.node == node]
    return s


def test_ibgp_without_update_source_uses_the_address_the_fib_chooses() -> None:
    """r1 peers with r3's interface address two hops away, r3 with r1's; neither has a connected
    subnet towards the other, so the local IP is unknown statically and comes from the FIB."""
    r1 = ibgp("r1", "1.1.1.1", [("10.0.12.1", M24)], ["10.0.23.0 255.255.255.0 10.0.12.2"], "10.0.23.3")
    r2 = ibgp("r2", "2.2.2.2", [("10.0.12.2", M24), ("10.0.23.2", M24)], [], "9.9.9.9")
    r3 = ibgp("r3", "3.3.3.3", [("10.0.23.3", M24)], ["10.0.12.0 255.255.255.0 10.0.23.2"], "10.0.12.1")
    dp = dataplane(r1, r2, r3)
    s1, s3 = _session(dp, "r1"), _session(dp, "r3")
    assert (s1.status, str(s1.local_ip), s1.remote_node) == ("ESTABLISHED", "10.0.12.1", "r3")
    assert (s3.status, str(s3.local_ip), s3.remote_node) == ("ESTABLISHED", "10.0.23.3", "r1")


def test_ibgp_without_update_source_towards_loopbacks_is_local_ip_unknown_statically() -> None:
    """Each side sources from its interface (FIB), but the other expects its loopback."""
    r1 = ibgp("r1", "1.1.1.1", [("10.0.12.1", M24)], ["2.2.2.2 255.255.255.255 10.0.12.2"], "2.2.2.2")
    r2 = ibgp("r2", "2.2.2.2", [("10.0.12.2", M24)], ["1.1.1.1 255.255.255.255 10.0.12.1"], "1.1.1.1")
    dp = dataplane(r1, r2)
    for node in ("r1", "r2"):
        s = _session(dp, node)
        assert (s.status, s.local_ip, s.remote_node, s.reason) == (
            "NOT_COMPATIBLE",
            None,
            None,
            "LOCAL_IP_UNKNOWN_STATICALLY",
        )


def test_one_side_with_update_source_establishes_both() -> None:
    """r2 sources from its loopback (static local IP) and r1 expects it: r2 initiates, and r1's
    statement shows the IP it uses in that session (its loopback)."""
    r1 = ibgp("r1", "1.1.1.1", [("10.0.12.1", M24)], ["2.2.2.2 255.255.255.255 10.0.12.2"], "2.2.2.2")
    r2 = ibgp(
        "r2",
        "2.2.2.2",
        [("10.0.12.2", M24)],
        ["1.1.1.1 255.255.255.255 10.0.12.1"],
        "1.1.1.1",
        " neighbor 1.1.1.1 update-source Loopback0\n",
    )
    dp = dataplane(r1, r2)
    assert (_session(dp, "r1").status, str(_session(dp, "r1").local_ip)) == ("ESTABLISHED", "1.1.1.1")
    assert (_session(dp, "r2").status, str(_session(dp, "r2").local_ip)) == ("ESTABLISHED", "2.2.2.2")


def test_shutdown_neighbor_shows_its_configured_local_ip_and_no_compatibility_reason() -> None:
    r1 = ibgp("r1", "1.1.1.1", [("10.0.12.1", M24)], [], "10.0.12.2", " neighbor 10.0.12.2 shutdown\n")
    r2 = ibgp("r2", "2.2.2.2", [("10.0.12.2", M24)], [], "10.0.12.1")
    s = _session(dataplane(r1, r2), "r1")
    assert (s.status, str(s.local_ip), s.reason) == ("NOT_COMPATIBLE", "10.0.12.1", "")


def test_update_source_without_an_address_falls_back_to_the_fib() -> None:
    """CiscoConfiguration.getUpdateSource gives no IP for an update-source interface without an
    address, so Batfish infers the source from the FIB as for a neighbour without update-source."""
    r1 = ibgp(
        "r1",
        "1.1.1.1",
        [("10.0.12.1", M24)],
        ["10.0.23.0 255.255.255.0 10.0.12.2"],
        "10.0.23.3",
        " neighbor 10.0.23.3 update-source Loopback9\n",
    )
    r2 = ibgp("r2", "2.2.2.2", [("10.0.12.2", M24), ("10.0.23.2", M24)], [], "9.9.9.9")
    r3 = ibgp("r3", "3.3.3.3", [("10.0.23.3", M24)], ["10.0.12.0 255.255.255.0 10.0.23.2"], "10.0.12.1")
    s1 = _session(dataplane(r1 + "interface Loopback9\n", r2, r3), "r1")
    assert (s1.status, str(s1.local_ip)) == ("ESTABLISHED", "10.0.12.1")
