"""IOS as-path access-lists, ``match as-path`` and community-list forms (issue 9, item 3).

Batfish semantics: an as-path list is a first-match list of Cisco regexes searched in the AS path
rendered as ``"65001 65002 {1,2}"`` with ``_`` rewritten to ``(,|\\{|\\}|^|$| )``; no match denies;
an undefined list in ``match as-path`` matches nothing. ``ip community-list NAME permit 20:30``
(no keyword, non-numeric name) is a standard list.
"""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest

from validator.engine.routing_policy import PolicyRoute, apply_route_map, as_path_list_permits, as_path_string
from validator.model.config import Community, MatchAsPath, Node
from validator.model.source import SourceRef
from validator.parsers.cisco_ios import parse_ios

CFG = """hostname r1
ip as-path access-list 10 permit ^65001_
ip as-path access-list 10 deny _65666_
ip as-path access-list 10 permit _65002$
ip as-path access-list ORIGIN seq 5 permit ^$
ip community-list OLD permit 20:30
ip community-list OLD deny 20:31 no-export
ip community-list 120 permit _65001:
ip community-list expanded EXP seq 10 permit "^65000:[0-9]+$"
route-map IN permit 10
 match as-path 10
 set local-preference 200
route-map LOCAL permit 10
 match as-path ORIGIN NOSUCH
route-map UNDEF permit 10
 match as-path NOSUCH
route-map COMM permit 10
 match community OLD
"""


@pytest.fixture(scope="module")
def node() -> Node:
    return parse_ios(CFG, "configs/r1.cfg")


def route(*path: int | frozenset[int], communities: tuple[int, ...] = ()) -> PolicyRoute:
    return PolicyRoute(IPv4Network("10.0.0.0/24"), as_path=tuple(path), communities=frozenset(communities))


def test_as_path_lists_are_parsed_without_warnings(node: Node) -> None:
    assert node.warnings == ()
    apl = node.as_path_lists["10"]
    assert [(ln.action, ln.regex) for ln in apl.lines] == [
        ("permit", "^65001_"),
        ("deny", "_65666_"),
        ("permit", "_65002$"),
    ]
    assert apl.unparsed == ()
    assert node.as_path_lists["ORIGIN"].lines[0].regex == "^$"
    clause = node.route_maps["IN"].clauses[0]
    assert clause.matches == (MatchAsPath(("10",), SourceRef("configs/r1.cfg", 11)),)
    assert ("as-path-list", "NOSUCH") in {(k, n) for k, n, _ in node.undefined_references}


def test_as_path_rendering_matches_batfish() -> None:
    assert as_path_string((65001, frozenset({3, 1}), 7)) == "65001 {1,3} 7"
    assert as_path_string(()) == ""


@pytest.mark.parametrize(
    ("path", "permitted"),
    [
        ((65001, 65666), True),  # first line wins
        ((650011,), False),  # _ is a boundary: 650011 is not 65001
        ((1, 65666, 65002), False),  # deny line before the last permit
        ((1, 65002), True),
        ((65002, 1), False),  # $ anchors the origin AS
        ((), False),  # no line matches: deny
        ((frozenset({65001, 5}),), False),  # "{5,65001}" does not start with 65001
    ],
)
def test_as_path_list_evaluation(node: Node, path: tuple[int | frozenset[int], ...], permitted: bool) -> None:
    assert as_path_list_permits(node.as_path_lists["10"], path) is permitted


def test_match_as_path_in_route_map(node: Node) -> None:
    accepted = apply_route_map(node, node.route_maps["IN"], route(65001, 3))
    assert accepted is not None and accepted.local_pref == 200
    assert apply_route_map(node, node.route_maps["IN"], route(3, 65001)) is None  # no clause matches
    # ORIGIN permits the empty path; the undefined NOSUCH next to it matches nothing
    assert apply_route_map(node, node.route_maps["LOCAL"], route()) is not None
    assert apply_route_map(node, node.route_maps["LOCAL"], route(1)) is None
    assert apply_route_map(node, node.route_maps["UNDEF"], route()) is None


def test_old_style_community_list_is_standard(node: Node) -> None:
    old = node.community_lists["OLD"]
    assert old.kind == "standard"
    assert [ln.communities for ln in old.lines] == [(Community(20, 30),), (Community(20, 31), Community(65535, 65281))]
    assert apply_route_map(node, node.route_maps["COMM"], route(communities=((20 << 16) | 30,))) is not None
    assert apply_route_map(node, node.route_maps["COMM"], route(communities=((20 << 16) | 31,))) is None


def test_numbered_and_quoted_expanded_community_lists(node: Node) -> None:
    assert node.community_lists["120"].kind == "expanded"
    assert node.community_lists["120"].lines[0].regex == "_65001:"
    assert node.community_lists["EXP"].lines[0].regex == "^65000:[0-9]+$"


@pytest.mark.parametrize(
    "line",
    [
        "ip as-path access-list 10 permit (",  # regex that does not compile
        "ip as-path access-list 10 allow ^1_",
        "ip as-path access-list 10 permit",
    ],
)
def test_bad_as_path_entry_warns_and_marks_the_list_partial(line: str) -> None:
    node = parse_ios(f"hostname r1\nip as-path access-list 10 permit ^1_\n{line}\n", "configs/r1.cfg")
    assert [w.line for w in node.warnings] == [3]
    assert node.as_path_lists["10"].unparsed == (SourceRef("configs/r1.cfg", 3),)
    assert len(node.as_path_lists["10"].lines) == 1


def test_community_list_number_out_of_range_is_partial() -> None:
    node = parse_ios("hostname r1\nip community-list 501 permit 1:1\n", "configs/r1.cfg")
    assert node.community_lists["501"].unparsed == (SourceRef("configs/r1.cfg", 2),)
