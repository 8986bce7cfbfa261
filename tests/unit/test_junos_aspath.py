"""Junos AS-path regular expressions (whole AS numbers, implicit anchors) as Batfish converts them."""

from __future__ import annotations

import re

import pytest

from validator.engine.routing_policy import PolicyRoute, apply_route_map
from validator.parsers.junos import parse_junos
from validator.parsers.junos.aspath import junos_as_path_regex


@pytest.mark.parametrize(
    ("regex", "path", "hit"),
    [
        ("65001 .*", "65001", True),
        ("65001 .*", "65001 2 3", True),
        ("65001 .*", "2 65001", False),
        ("65001 .*", "650012", False),
        (".* 65001", "3 4 65001", True),
        (".*", "", True),
        ("()", "", True),
        ("()", "1", False),
        ("65000-65010", "65005", True),
        ("65000-65010", "65011", False),
        ("[64512-65534]+", "64512 65000", True),
        ("(1 | 2) 3", "2 3", True),
        ("(1 | 2) 3", "1 2 3", False),
        ("^1 2{2} 3$", "1 2 2 3", True),
        ("1 .? 3", "1 3", True),
        ("1 .? 3", "1 7 8 3", False),
    ],
)
def test_junos_as_path_regex(regex: str, path: str, hit: bool) -> None:
    py = junos_as_path_regex(regex)
    assert py is not None
    assert (re.search(py, path) is not None) is hit


def test_unknown_syntax_is_refused() -> None:
    assert junos_as_path_regex("65001 [a-z]") is None
    assert junos_as_path_regex("(1 2") is None


def test_as_path_list_in_a_policy() -> None:
    node = parse_junos(
        "set system host-name r1\n"
        "set routing-options autonomous-system 65000\n"
        'set policy-options as-path FROM-1 "1 .*"\n'
        "set policy-options policy-statement P term t from as-path FROM-1\n"
        "set policy-options policy-statement P term t then reject\n"
        "set protocols bgp group g peer-as 2\n"
        "set protocols bgp group g import P\n"
        "set protocols bgp group g neighbor 10.0.0.2\n",
        "configs/r1.cfg",
    )
    assert not node.as_path_lists["FROM-1"].unparsed
    assert node.bgp is not None
    rm = node.route_maps[node.bgp.neighbors[0].route_map_in or ""]
    from ipaddress import IPv4Network

    net = IPv4Network("10.9.0.0/16")
    assert apply_route_map(node, rm, PolicyRoute(net, as_path=(1, 5))) is None
    assert apply_route_map(node, rm, PolicyRoute(net, as_path=(5, 1))) is not None
