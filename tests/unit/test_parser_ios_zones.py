"""Parsing the IOS zone-based firewall stanzas into ``Node.security_zones`` / ``Node.zone_pairs``."""

from __future__ import annotations

import textwrap

from validator.model.source import SourceRef
from validator.model.zones import InspectClass
from validator.parsers.cisco_ios import parse_ios

F = "configs/fw.cfg"

TEXT = """\
hostname fw
ip access-list extended WEB
 permit tcp any any eq 80
class-map type inspect match-any WEB-CLASS
 match access-group name WEB
 match protocol http
 match class-map OTHER
class-map type inspect ICMP
 match protocol icmp
policy-map type inspect P
 class type inspect WEB-CLASS
  inspect
 class type inspect ICMP
  pass log
 class type inspect MISSING
  drop
 class class-default
  pass
 some-unknown-option
zone security in
 description inside
zone security out
zone-pair security IN-OUT source in destination out
 service-policy type inspect P
zone-pair security OUT-IN source out destination nowhere
 service-policy type inspect UNDEFINED
 frobnicate
interface GigabitEthernet0/0
 ip address 10.0.0.1 255.255.255.0
 zone-member security in
interface Gi0/1
 ip address 10.0.1.1 255.255.255.0
 zone-member security ghost
"""


def node():  # type: ignore[no-untyped-def]
    return parse_ios(textwrap.dedent(TEXT), F)


def test_zones_and_members() -> None:
    n = node()
    assert n.security_zones == {"in": SourceRef(F, 20), "out": SourceRef(F, 22)}
    gi0 = n.interfaces["GigabitEthernet0/0"]
    assert (gi0.security_zone, gi0.security_zone_source) == ("in", SourceRef(F, 30))
    assert n.interfaces["GigabitEthernet0/1"].security_zone == "ghost"


def test_zone_pair_resolves_policy_classes_and_class_maps() -> None:
    pair = next(p for p in node().zone_pairs if p.name == "IN-OUT")
    assert (pair.source_zone, pair.destination_zone, pair.policy) == ("in", "out", "P")
    assert pair.unparsed == (SourceRef(F, 19),)  # the policy-map's unknown line
    assert pair.classes == (
        InspectClass(
            "WEB-CLASS",
            "inspect",
            SourceRef(F, 12),
            match_all=False,
            acls=("WEB",),
            protocols=("http",),
            unparsed=(SourceRef(F, 7),),
        ),
        InspectClass("ICMP", "pass", SourceRef(F, 14), match_all=True, protocols=("icmp",)),
        # MISSING has no class-map: left out, as Batfish does
        InspectClass("class-default", "pass", SourceRef(F, 18)),
    )


def test_undefined_policy_zone_and_class_map_are_undefined_references() -> None:
    n = node()
    pair = next(p for p in n.zone_pairs if p.name == "OUT-IN")
    assert pair.classes == () and pair.unparsed == (SourceRef(F, 27),)
    refs = {(kind, name) for kind, name, _ in n.undefined_references}
    assert {
        ("security-zone", "nowhere"),
        ("security-zone", "ghost"),
        ("inspect-policy-map", "UNDEFINED"),
        ("inspect-class-map", "MISSING"),
    } <= refs


def test_unreadable_lines_are_warnings_and_everything_else_is_modelled() -> None:
    warned = sorted(w.line for w in node().warnings)
    assert warned == [7, 19, 27]


def test_policy_without_class_default_drops_by_default() -> None:
    text = TEXT.replace(" class class-default\n  pass\n", "")
    pair = next(p for p in parse_ios(text, F).zone_pairs if p.name == "IN-OUT")
    assert pair.classes[-1] == InspectClass("class-default", "drop", SourceRef(F, 10))


def test_unreadable_zone_member_line_makes_the_interface_partial() -> None:
    text = (
        "hostname fw\nzone security in\n"
        "interface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n zone-member security in extra\n"
    )
    n = parse_ios(text, F)
    iface = n.interfaces["GigabitEthernet0/0"]
    assert iface.security_zone is None and iface.unparsed == (SourceRef(F, 5),)
    assert [w.line for w in n.warnings] == [5]
