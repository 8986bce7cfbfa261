"""OSPF rules (semantics §3): costs, passive interfaces, network statements, E2, ECMP."""

from __future__ import annotations

from engine_helpers import dataplane, protocols, rows


def _router(name: str, ifaces: list[tuple[str, str, str]], ospf: str, loop: str | None = None) -> str:
    """ifaces: (name, address/mask text, extra interface lines)."""
    text = f"hostname {name}\n"
    if loop:
        text += f"interface Loopback0\n ip address {loop} 255.255.255.255\n"
    for iname, addr, extra in ifaces:
        text += f"interface {iname}\n ip address {addr}\n{extra}"
    return text + ospf


R1 = _router(
    "r1",
    [
        ("GigabitEthernet0/0", "10.0.12.1 255.255.255.0", ""),
        ("GigabitEthernet1/0", "10.0.13.1 255.255.255.0", ""),
        ("GigabitEthernet3/0", "10.0.15.1 255.255.255.0", ""),
    ],
    "router ospf 1\n passive-interface GigabitEthernet3/0\n network 10.0.0.0 0.255.255.255 area 0\n",
    loop="1.1.1.1",
)
R2 = _router(
    "r2",
    [
        ("GigabitEthernet0/0", "10.0.12.2 255.255.255.0", ""),
        ("GigabitEthernet1/0", "10.0.23.2 255.255.255.0", ""),
        ("Ethernet0/0", "10.0.24.2 255.255.255.0", ""),
        ("GigabitEthernet2/0", "172.16.9.2 255.255.255.0", ""),
    ],
    "router ospf 1\n redistribute connected subnets\n network 10.0.0.0 0.255.255.255 area 0\n",
)
R3 = _router(
    "r3",
    [
        ("GigabitEthernet0/0", "10.0.13.3 255.255.255.0", ""),
        ("GigabitEthernet1/0", "10.0.23.3 255.255.255.0", ""),
        ("GigabitEthernet2/0", "172.16.9.3 255.255.255.0", ""),
        ("GigabitEthernet3/0", "172.16.3.1 255.255.255.0", ""),
    ],
    "router ospf 1\n redistribute connected subnets\n network 10.0.0.0 0.255.255.255 area 0\n",
)
R4 = _router(
    "r4",
    [("Ethernet0/0", "10.0.24.4 255.255.255.0", "")],
    "router ospf 1\n passive-interface Loopback0\n network 10.0.0.0 0.255.255.255 area 0\n"
    " network 4.4.4.4 0.0.0.0 area 0\n",
    loop="4.4.4.4",
)
R5 = _router(
    "r5",
    [("GigabitEthernet0/0", "10.0.15.5 255.255.255.0", ""), ("GigabitEthernet1/0", "10.0.55.5 255.255.255.0", "")],
    "router ospf 1\n network 10.0.0.0 0.255.255.255 area 0\n",
)


def test_intra_area_ecmp_and_metric() -> None:
    dp = dataplane(R1, R2, R3, R4, R5)
    assert rows(dp, "r1", "10.0.23.0/24") == [
        ("10.0.23.0/24", "ospf", "GigabitEthernet0/0 via 10.0.12.2", 110, 2),
        ("10.0.23.0/24", "ospf", "GigabitEthernet1/0 via 10.0.13.3", 110, 2),
    ]


def test_cost_from_bandwidth_and_passive_loopback() -> None:
    dp = dataplane(R1, R2, R3, R4, R5)
    # r4's passive loopback is advertised (cost 1); r1 -> r2 (1) -> r4 over Ethernet (10)
    assert rows(dp, "r1", "4.4.4.4/32") == [("4.4.4.4/32", "ospf", "GigabitEthernet0/0 via 10.0.12.2", 110, 12)]
    # Ethernet out (10) + r2's link to r1 or r3 (1) + the stub (1)
    assert rows(dp, "r4", "10.0.13.0/24") == [("10.0.13.0/24", "ospf", "Ethernet0/0 via 10.0.24.2", 110, 12)]
    # r1's loopback is outside every network statement and r1 does not redistribute
    assert rows(dp, "r4", "1.1.1.1/32") == []


def test_passive_interface_forms_no_adjacency_but_is_advertised() -> None:
    dp = dataplane(R1, R2, R3, R4, R5)
    assert rows(dp, "r1", "10.0.55.0/24") == []  # behind passive Gi3/0
    assert protocols(dp, "r2", "10.0.15.0/24") == {"ospf"}
    assert rows(dp, "r5", "1.1.1.1/32") == []


def test_e2_metric_constant_and_ecmp_across_asbrs() -> None:
    dp = dataplane(R1, R2, R3, R4, R5)
    assert rows(dp, "r1", "172.16.9.0/24") == [
        ("172.16.9.0/24", "ospfE2", "GigabitEthernet0/0 via 10.0.12.2", 110, 20),
        ("172.16.9.0/24", "ospfE2", "GigabitEthernet1/0 via 10.0.13.3", 110, 20),
    ]
    # E2 keeps metric 20 far away; selection by cost to the advertiser picks r2 for r4
    assert rows(dp, "r4", "172.16.3.0/24") == [("172.16.3.0/24", "ospfE2", "Ethernet0/0 via 10.0.24.2", 110, 20)]
    # redistributed prefixes that are also intra-area stay intra-area
    assert protocols(dp, "r1", "10.0.24.0/24") == {"ospf"}


def test_explicit_cost_and_network_statement_scope() -> None:
    r1 = R1.replace(
        "interface GigabitEthernet1/0\n ip address 10.0.13.1 255.255.255.0\n",
        "interface GigabitEthernet1/0\n ip address 10.0.13.1 255.255.255.0\n ip ospf cost 5\n",
    )
    dp = dataplane(r1, R2, R3, R4, R5)
    assert rows(dp, "r1", "10.0.23.0/24") == [("10.0.23.0/24", "ospf", "GigabitEthernet0/0 via 10.0.12.2", 110, 2)]
    # r3's Gi3/0 is outside the network statements: known only as E2
    assert protocols(dp, "r1", "172.16.3.0/24") == {"ospfE2"}


def test_no_subnets_keyword_redistributes_only_classful() -> None:
    r3 = R3.replace("redistribute connected subnets", "redistribute connected")
    dp = dataplane(R1, R2.replace("redistribute connected subnets\n", ""), r3, R4, R5)
    assert rows(dp, "r1", "172.16.3.0/24") == []


def test_interface_failure_reroutes() -> None:
    from validator.engine.types import FailureSet

    dp = dataplane(R1, R2, R3, R4, R5, failures=FailureSet(interfaces=frozenset({("r1", "GigabitEthernet0/0")})))
    assert rows(dp, "r1", "4.4.4.4/32") == [("4.4.4.4/32", "ospf", "GigabitEthernet1/0 via 10.0.13.3", 110, 13)]
