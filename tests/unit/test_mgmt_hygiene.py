"""``hygiene`` management-plane requirements (checks/mgmt_hygiene.py, issue 12 item 4): each is
opt-in by name, and each finding names the device and the config line."""

from __future__ import annotations

import pytest
from engine_helpers import dataplane

from validator.checks.hygiene import check_hygiene

GOOD = """
hostname r1
interface GigabitEthernet0/0
 ip address 10.0.12.1 255.255.255.0
router bgp 65001
 neighbor 10.0.12.2 remote-as 65002
 neighbor 10.0.12.2 maximum-prefix 1000
 neighbor 10.0.12.3 remote-as 65001
aaa new-model
aaa authentication login default group tacacs+ local
aaa authentication login VTY group tacacs+ enable
logging host 10.8.0.20
ntp server 10.8.0.30
line vty 0 4
 login authentication VTY
 transport input ssh
"""


def _messages(config: str, *require: str) -> list[tuple[str, int | None]]:
    findings = check_hygiene(policy="h", dp=dataplane(config), require=require)
    return [(f.message, f.locations[0].line if f.locations else None) for f in findings]


ALL = ("aaa_fallback_local", "logging_configured", "ntp_configured", "ssh_only", "ebgp_max_prefix")


def test_a_well_managed_router_passes_every_requirement() -> None:
    assert _messages(GOOD, *ALL) == []


@pytest.mark.parametrize(
    ("old", "new", "requirement", "needle", "line"),
    [
        ("group tacacs+ local", "group tacacs+", "aaa_fallback_local", "'default' (group tacacs+) has no local", 10),
        (" login authentication VTY", " login authentication VTTY", "aaa_fallback_local", "'VTTY' is not defined", 15),
        ("logging host 10.8.0.20\n", "", "logging_configured", "no syslog host", 1),
        ("ntp server 10.8.0.30\n", "", "ntp_configured", "no NTP server", 1),
        (" transport input ssh", " transport input ssh telnet", "ssh_only", "admits telnet", 16),
        (" transport input ssh\n", "", "ssh_only", "no 'transport input'", 14),
        (" neighbor 10.0.12.2 maximum-prefix 1000\n", "", "ebgp_max_prefix", "10.0.12.2 (AS 65002)", 6),
    ],
)
def test_each_requirement_fails_on_its_own_problem_only_when_required(
    old: str, new: str, requirement: str, needle: str, line: int
) -> None:
    config = GOOD.replace(old, new)
    assert config != GOOD
    found = _messages(config, *ALL)
    assert len(found) == 1 and needle in found[0][0] and found[0][0].startswith("r1: "), found
    assert found[0][1] == line
    others = tuple(r for r in ALL if r != requirement)
    assert _messages(config, *others) == []  # opt-in by name


def test_without_aaa_new_model_there_is_no_method_list_to_fall_back_from() -> None:
    config = GOOD.replace("aaa new-model\n", "").replace("group tacacs+ local", "group tacacs+")
    assert _messages(config, "aaa_fallback_local") == []
