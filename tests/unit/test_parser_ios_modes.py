"""IOS mode rules: a line indented under a stanza the parser ignores is only ignored when it is a
command of that stanza's sub-mode; otherwise IOS runs it in global configuration mode, so the parser
models or warns it like any top-level line (issue 9, item 6)."""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest

from validator.model.config import Node
from validator.parsers.cisco_ios import parse_ios


def parse(text: str) -> Node:
    return parse_ios("hostname r1\n" + text, "configs/r1.cfg")


def test_static_route_under_line_vty_is_installed() -> None:
    node = parse("line vty 0 4\n exec-timeout 5 0\n ip route 10.1.10.0 255.255.255.0 Null0\n transport input ssh\n")
    assert [(r.network, r.discard) for r in node.static_routes] == [(IPv4Network("10.1.10.0/24"), True)]
    assert node.warnings == ()
    assert node.static_routes[0].source.line == 4


def test_invalid_global_command_under_service_is_warned() -> None:
    node = parse("service timestamps debug datetime msec\n no ip access-list extended INTERNET-IN\n")
    assert [w.line for w in node.warnings] == [3]


@pytest.mark.parametrize(
    "head",
    ["line con 0", "line vty 0 4", "service password-encryption", "ntp server 192.0.2.1", "logging host 192.0.2.9"],
)
def test_garbage_under_ignored_stanzas_is_warned(head: str) -> None:
    node = parse(f"{head}\n frobnicate the widgets\n")
    assert [w.line for w in node.warnings] == [3]


def test_known_sub_mode_commands_stay_ignored() -> None:
    node = parse(
        "line vty 0 4\n"
        " exec-timeout 0 0\n"
        " no login\n"
        " privilege level 15\n"
        " logging synchronous\n"
        " transport input ssh telnet\n"
        " access-class MGMT in\n"
        "control-plane\n"
        " service-policy input COPP\n"
        "aaa group server tacacs+ TAC\n"
        " server name T1\n"
        " ip tacacs source-interface Loopback0\n"
        "redundancy\n"
        " mode sso\n"
    )
    assert node.warnings == ()


def test_sub_mode_commands_of_one_stanza_are_not_valid_under_another() -> None:
    # ``server name`` is an aaa server-group command, not a line command: global mode, unknown
    node = parse("line vty 0 4\n server name T1\n")
    assert [w.line for w in node.warnings] == [3]


def test_stanza_opened_under_an_ignored_stanza_keeps_its_children() -> None:
    node = parse("line vty 0 4\n interface Loopback9\n  ip address 192.0.2.9 255.255.255.255\n route-map RM deny 10\n")
    assert node.warnings == ()
    assert str(node.interfaces["Loopback9"].addresses[0]) == "192.0.2.9/32"
    assert node.route_maps["RM"].clauses[0].action == "deny"


def test_indented_line_under_a_single_line_command_is_global() -> None:
    node = parse("ip prefix-list P permit 10.0.0.0/8\n ip route 10.9.0.0 255.255.0.0 Null0\n")
    assert [r.network for r in node.static_routes] == [IPv4Network("10.9.0.0/16")]
    assert node.warnings == ()


def test_deep_nesting_is_warned_not_a_crash() -> None:
    lines = "".join(" " * k + "service x\n" for k in range(0, 200))
    node = parse(lines + " " * 200 + "frobnicate\n")
    assert node.warnings  # the innermost lines are warned (too deep), never a RecursionError
