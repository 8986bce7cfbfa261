"""Cisco IOS parser: objects with lines the parser could not read are marked partial (issue 9).

A partial object keeps the warning AND names the lost lines in its ``unparsed`` tuple, so the
engine can refuse to decide a verdict on it instead of treating the lost line as absent.
"""

from __future__ import annotations

from validator.model.config import Node
from validator.model.source import SourceRef
from validator.parsers.cisco_ios import parse_ios

FILE = "configs/r1.cfg"


def parse(text: str) -> Node:
    return parse_ios(text, FILE)


def num(text: str, needle: str) -> int:
    """1-based line number of the first line containing ``needle``."""
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(needle)


def refs(text: str, *needles: str) -> tuple[SourceRef, ...]:
    return tuple(sorted(SourceRef(FILE, num(text, n)) for n in needles))


def warned(node: Node) -> set[int]:
    return {w.line for w in node.warnings}


def test_named_acl_with_unreadable_entries_is_partial() -> None:
    text = """hostname r1
ip access-list extended EDGE
 permit tcp any any eq 22
 permit tcp any any eq 80 fragments
 frobnicate everything
 permit tcp any 10.0.0.1 0.0.0.0 eq 443 frobnicate
 deny ip any any
"""
    node = parse(text)
    acl = node.acls["EDGE"]
    assert [line.text for line in acl.lines] == ["permit tcp any any eq 22", "deny ip any any"]
    assert acl.unparsed == refs(text, "fragments", "frobnicate", "eq 443")
    assert {r.line for r in acl.unparsed} <= warned(node)


def test_complete_acl_is_not_partial() -> None:
    node = parse(
        "hostname r1\nip access-list extended OK\n permit ip any any\n remark fine\naccess-list 5 permit any\n"
    )
    assert node.acls["OK"].unparsed == ()
    assert node.acls["5"].unparsed == ()
    assert node.warnings == ()


def test_numbered_acl_entry_unreadable_is_partial() -> None:
    text = (
        "hostname r1\n"
        "access-list 101 permit tcp any any eq 22\n"
        "access-list 101 permit tcp any any xyz\n"
        "access-list 102\n"
    )
    node = parse(text)
    assert node.acls["101"].unparsed == refs(text, "xyz")
    assert len(node.acls["101"].lines) == 1
    assert node.acls["102"].unparsed == refs(text, "access-list 102")


def test_unsupported_named_acl_form_keeps_a_partial_filter() -> None:
    text = "hostname r1\nip access-list webtype WEB\n permit url any\ninterface Gi0/0\n ip access-group WEB in\n"
    node = parse(text)
    assert node.acls["WEB"].unparsed == refs(text, "webtype", "permit url")
    # defined (partial), not an undefined reference that Batfish would permit through
    assert all(name != "WEB" for _, name, _ in node.undefined_references)


def test_prefix_list_unreadable_entry_is_partial_and_truncated_seq_does_not_crash() -> None:
    text = (
        "hostname r1\n"
        "ip prefix-list P seq 5 permit 10.0.0.0/8 le 24\n"
        "ip prefix-list P seq\n"
        "ip prefix-list P seq 15 permit 10.0.0.0\n"
        "ip prefix-list Q\n"
    )
    node = parse(text)
    p = node.prefix_lists["P"]
    assert len(p.lines) == 1
    assert p.unparsed == (SourceRef(FILE, 3), SourceRef(FILE, 4))
    assert node.prefix_lists["Q"].unparsed == (SourceRef(FILE, 5),)
    assert {3, 4, 5} <= warned(node)


def test_community_list_unreadable_entry_is_partial() -> None:
    text = (
        "hostname r1\n"
        "ip community-list standard C permit 65000:1\n"
        "ip community-list standard C permit 70000:1\n"
        "ip community-list 600 permit 1:1\n"
    )
    node = parse(text)
    assert node.community_lists["C"].unparsed == refs(text, "70000:1")
    assert len(node.community_lists["C"].lines) == 1
    assert node.community_lists["600"].unparsed == refs(text, "600")


def test_route_map_clause_with_unreadable_lines_is_partial() -> None:
    text = """hostname r1
route-map RM permit 10
 match ip address prefix-list P
 match interface Gi0/0
 set metric
 set local-preference 200
route-map RM permit 20
 description all good
 set metric 5
"""
    node = parse(text)
    c10, c20 = node.route_maps["RM"].clauses
    assert c10.unparsed == (SourceRef(FILE, 4), SourceRef(FILE, 5))
    assert len(c10.matches) == 1 and len(c10.sets) == 1
    assert c20.unparsed == ()
    assert node.route_maps["RM"].unparsed == ()


def test_bare_set_and_match_are_warnings_not_crashes() -> None:
    text = "hostname r1\nroute-map RM permit 10\n set\n match\n set local-preference 5\n"
    node = parse(text)
    clause = node.route_maps["RM"].clauses[0]
    assert clause.unparsed == (SourceRef(FILE, 3), SourceRef(FILE, 4))
    assert {3, 4} <= warned(node)
    assert len(clause.sets) == 1


def test_unparsable_route_map_head_marks_the_map_partial() -> None:
    text = "hostname r1\nroute-map RM permit 10\n set metric 1\nroute-map RM permit 20 extra\n set metric 2\n"
    node = parse(text)
    rm = node.route_maps["RM"]
    assert [c.seq for c in rm.clauses] == [10]
    assert rm.unparsed == (SourceRef(FILE, 4), SourceRef(FILE, 5))


def test_reentered_route_map_clause_is_merged_as_ios_does() -> None:
    text = "hostname r1\nroute-map RM permit 10\n set metric 1\nroute-map RM permit 10\n set local-preference 7\n"
    clause = parse(text).route_maps["RM"].clauses[0]
    assert len(clause.sets) == 2
    assert clause.unparsed == ()


def test_forwarding_interface_lines_mark_the_interface_partial() -> None:
    text = """hostname r1
interface GigabitEthernet0/0
 description uplink
 duplex auto
 ip address 10.0.0.1 255.255.255.0
 ip policy route-map PBR
 ip nat inside
 ip verify unicast source reachable-via rx
 zone-member security INSIDE
 frobnicate
interface GigabitEthernet0/1
 description clean
 ip address 10.0.1.1 255.255.255.0
 no ip redirects
"""
    node = parse(text)
    gi0 = node.interfaces["GigabitEthernet0/0"]
    # zone-member is modelled by the zone-based firewall (zones.py): the interface's zone, not a loss
    assert gi0.unparsed == refs(text, "ip policy", "ip nat", "ip verify", "frobnicate")
    assert gi0.security_zone == "INSIDE"
    assert {r.line for r in gi0.unparsed} <= warned(node)
    assert node.interfaces["GigabitEthernet0/1"].unparsed == ()
