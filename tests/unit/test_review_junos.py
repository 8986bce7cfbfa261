"""Fail-closed review of the Junos parser: constructs that must never vanish silently."""

from __future__ import annotations

from validator.errors import ConfigParseError
from validator.parsers.junos import flatten, parse_junos

EMPTY_TERM = """\
system {
    host-name r1;
}
interfaces {
    ge-0/0/0 {
        unit 0 {
            family inet {
                filter {
                    output F;
                }
                address 10.0.0.1/24;
            }
        }
    }
}
firewall {
    family inet {
        filter F {
            term allow-all {
            }
            term telnet {
                from {
                    protocol tcp;
                    destination-port telnet;
                }
                then discard;
            }
        }
    }
}
"""


def test_empty_block_is_kept_as_a_flat_statement() -> None:
    # Junos reads ``term t { }`` as ``set ... term t`` (an empty term accepts everything)
    words = [fl.words for fl in flatten(EMPTY_TERM, "r1.cfg")]
    assert ("firewall", "family", "inet", "filter", "F", "term", "allow-all") in words


def test_empty_inactive_block_stays_dropped() -> None:
    text = EMPTY_TERM.replace("term allow-all {", "inactive: term allow-all {")
    words = [fl.words for fl in flatten(text, "r1.cfg")]
    assert not any("allow-all" in w for w in words)


def test_empty_filter_term_makes_the_filter_partial() -> None:
    node = parse_junos(EMPTY_TERM, "configs/r1.cfg")
    acl = node.acls["F"]
    assert acl.unparsed, "an empty term (accept all) dropped silently would let telnet-closed pass"
    assert any(w.line == 19 for w in node.warnings)  # the line of "term allow-all {"


def _ospf_metric(value: str) -> tuple[int | None, list[int]]:
    text = (
        "set system host-name r1\n"
        "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30\n"
        f"set protocols ospf area 0.0.0.0 interface ge-0/0/0.0 metric {value}\n"
    )
    node = parse_junos(text, "configs/r1.cfg")
    ospf = node.interfaces["ge-0/0/0.0"].ospf
    return (ospf.cost if ospf is not None else None), [w.line for w in node.warnings]


def test_ospf_metric_out_of_junos_range_is_warned_not_modelled() -> None:
    # 0 and > 65535 fail commit on Junos; modelled, a metric 10 -> 99999999999999999999 edit passed
    assert _ospf_metric("10") == (10, [])
    for bad in ("0", "65536", "99999999999999999999"):
        cost, warned = _ospf_metric(bad)
        assert cost != int(bad) and warned == [3], bad


def test_bare_set_line_is_bad_input_naming_its_line() -> None:
    # was an IndexError (exit 3) in the stanza dispatcher
    text = "set system host-name r1\nset interfaces lo0 unit 0\nset\n"
    try:
        parse_junos(text, "configs/r1.cfg")
    except ConfigParseError as exc:
        assert exc.line == 3 and "configs/r1.cfg" in str(exc)
    else:
        raise AssertionError("a bare 'set' line must be refused as bad input")


def test_port_with_source_port_makes_the_filter_partial() -> None:
    # ``port 23`` OR-ed over both sides used to drop the ``source-port`` condition on one side:
    # the discard term then also dropped packets from port 23 to anywhere
    text = (
        "set system host-name r1\n"
        "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24\n"
        "set firewall family inet filter F term t from protocol tcp\n"
        "set firewall family inet filter F term t from source-port 5000\n"
        "set firewall family inet filter F term t from port 23\n"
        "set firewall family inet filter F term t then discard\n"
    )
    acl = parse_junos(text, "configs/r1.cfg").acls["F"]
    assert acl.unparsed
    assert all(not (line.src_ports and line.src_ports[0] == (23, 23)) for line in acl.lines)


def test_interface_range_configuration_makes_the_interfaces_partial() -> None:
    # a filter applied through an interface-range was dropped: web-open passed although the
    # member's output filter discarded the web traffic
    text = (
        "set system host-name r1\n"
        "set interfaces ge-0/0/3 unit 0 family inet address 10.0.0.1/24\n"
        "set interfaces interface-range LAN member ge-0/0/3\n"
        "set interfaces interface-range LAN unit 0 family inet filter output F\n"
        "set firewall family inet filter F term t then discard\n"
    )
    node = parse_junos(text, "configs/r1.cfg")
    assert [r.line for r in node.interfaces["ge-0/0/3.0"].unparsed] == [4]
    assert "interface-range.0" not in node.interfaces
    assert {w.line for w in node.warnings} >= {3, 4}


def test_interface_range_members_alone_change_nothing() -> None:
    text = (
        "set system host-name r1\n"
        "set interfaces ge-0/0/3 unit 0 family inet address 10.0.0.1/24\n"
        "set interfaces interface-range LAN member ge-0/0/3\n"
    )
    assert parse_junos(text, "configs/r1.cfg").interfaces["ge-0/0/3.0"].unparsed == ()


def test_undefined_policy_in_a_chain_makes_the_map_partial() -> None:
    # skipped as Batfish does, the default import policy then accepted every route: a routing
    # policy over this neighbour passed although Junos refuses to commit the chain
    text = (
        "set system host-name r1\n"
        "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30\n"
        "set routing-options autonomous-system 65001\n"
        "set protocols bgp group g type external\n"
        "set protocols bgp group g peer-as 2\n"
        "set protocols bgp group g neighbor 10.0.0.2\n"
        "set protocols bgp group g import NOPE\n"
    )
    node = parse_junos(text, "configs/r1.cfg")
    assert node.bgp is not None
    name = node.bgp.neighbors[0].route_map_in
    assert name is not None and [r.line for r in node.route_maps[name].unparsed] == [7]


def test_insert_line_makes_the_filters_partial() -> None:
    # the term order ``insert`` gives was ignored: deny-telnet stayed after accept-all
    text = (
        "set system host-name r1\n"
        "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/24\n"
        "set interfaces ge-0/0/0 unit 0 family inet filter output F\n"
        "set firewall family inet filter F term accept-all then accept\n"
        "set firewall family inet filter F term deny-telnet from protocol tcp\n"
        "set firewall family inet filter F term deny-telnet from destination-port telnet\n"
        "set firewall family inet filter F term deny-telnet then discard\n"
        "insert firewall family inet filter F term deny-telnet before term accept-all\n"
    )
    node = parse_junos(text, "configs/r1.cfg")
    assert [r.line for r in node.acls["F"].unparsed] == [8]
    assert any(w.line == 8 for w in node.warnings)


def test_ospf_interface_all_makes_the_interfaces_partial() -> None:
    # only warned, the model had no OSPF on the device: no routes, so a deny policy passed
    text = (
        "set system host-name r1\n"
        "set interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/30\n"
        "set protocols ospf area 0.0.0.0 interface all\n"
    )
    node = parse_junos(text, "configs/r1.cfg")
    assert [r.line for r in node.interfaces["ge-0/0/0.0"].unparsed] == [3]
