"""Batfish's internal address space is made of interface host IPs, not whole prefixes (issue 9).

ForwardingAnalysisImpl computes ``internalIps`` from ``IpOwners.getAllInterfaceHostIps()``
(``Prefix.toHostIpSpace()``: network and broadcast addresses excluded below /31), so a flow to the
network or broadcast address of a subnet that nobody answers for leaves the network
(EXITS_NETWORK) instead of ending INSUFFICIENT_INFO.
"""

from __future__ import annotations

from ipaddress import IPv4Address

import pytest
from engine_helpers import dataplane

from validator.engine.traceroute import trace
from validator.model.flow import Flow

R1 = """
hostname r1
interface Loopback0
 ip address 1.1.1.1 255.255.255.255
interface GigabitEthernet0/0
 ip address 10.0.12.1 255.255.255.0
ip route 10.0.23.0 255.255.255.0 10.0.12.2
ip route 0.0.0.0 0.0.0.0 10.0.12.254
"""

R2 = """
hostname r2
interface GigabitEthernet0/0
 ip address 10.0.12.2 255.255.255.0
interface GigabitEthernet1/0
 ip address 10.0.23.1 255.255.255.0
interface GigabitEthernet2/0
 ip address 172.16.5.1 255.255.255.0
 shutdown
"""


def _dispositions(dst: str) -> list[str]:
    dp = dataplane(R1, R2)
    return [t.disposition for t in trace(dp, Flow("r1", IPv4Address("1.1.1.1"), IPv4Address(dst)))]


@pytest.mark.parametrize(
    ("dst", "expected"),
    [
        ("10.0.12.255", "EXITS_NETWORK"),  # broadcast of r1's own connected subnet
        ("10.0.12.0", "EXITS_NETWORK"),  # network address of it
        ("10.0.23.255", "EXITS_NETWORK"),  # broadcast of a subnet one hop away (r2 ARPs for it)
        ("10.0.23.0", "EXITS_NETWORK"),
        ("172.16.5.255", "EXITS_NETWORK"),  # broadcast of an inactive interface's subnet, via the default
        ("10.0.23.77", "DELIVERED_TO_SUBNET"),  # a host address of that subnet: unchanged
        ("172.16.5.77", "INSUFFICIENT_INFO"),  # host address of an (inactive) snapshot subnet: internal
    ],
)
def test_network_and_broadcast_addresses_are_outside_the_internal_space(dst: str, expected: str) -> None:
    assert _dispositions(dst) == [expected]
