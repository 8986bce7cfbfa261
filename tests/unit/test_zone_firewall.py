"""IOS zone-based policy firewall in the tracer, with Batfish's semantics (engine/zonefw.py).

One router ``fw`` with four zoned interfaces (outside, dmz, two inside) and one unzoned LAN;
flows enter on one interface and leave by another, so each test reads one zone decision.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from engine_helpers import dataplane

from validator.engine.traceroute import trace
from validator.model.flow import Flow, Trace

FW = """
hostname fw
ip access-list extended WEB
 permit tcp any host 10.2.0.10 eq 80
ip access-list extended SSH
 permit tcp any any eq 22
ip access-list extended NO-TELNET
 deny tcp any any eq 23
 permit ip any any
class-map type inspect match-any WEB-CLASS
 match access-group name WEB
class-map type inspect match-all B-ALL-TCP
 match protocol tcp
class-map type inspect match-all A-SSH
 match access-group name SSH
class-map type inspect match-all ODD
 match protocol dns
policy-map type inspect OUT-TO-DMZ
 class type inspect WEB-CLASS
  inspect
 class class-default
  drop log
policy-map type inspect DMZ-TO-OUT
 class type inspect B-ALL-TCP
  pass
 class type inspect A-SSH
  drop
policy-map type inspect IN-TO-DMZ
 class type inspect ODD
  pass
 class class-default
  pass
zone security outside
zone security dmz
zone security inside
zone-pair security OUT-DMZ source outside destination dmz
 service-policy type inspect OUT-TO-DMZ
zone-pair security DMZ-OUT source dmz destination outside
 service-policy type inspect DMZ-TO-OUT
zone-pair security IN-DMZ source inside destination dmz
 service-policy type inspect IN-TO-DMZ
zone-pair security SELF-OUT source self destination outside
 service-policy type inspect OUT-TO-DMZ
interface GigabitEthernet0/0
 ip address 203.0.113.1 255.255.255.0
 zone-member security outside
interface GigabitEthernet0/1
 ip address 10.1.0.1 255.255.255.0
 zone-member security inside
interface GigabitEthernet0/2
 ip address 10.2.0.1 255.255.255.0
 zone-member security dmz
interface GigabitEthernet0/3
 ip address 10.3.0.1 255.255.255.0
 zone-member security inside
 ip access-group NO-TELNET out
interface GigabitEthernet0/4
 ip address 10.4.0.1 255.255.255.0
"""

OUTSIDE, INSIDE, DMZ, INSIDE2, UNZONED = (f"GigabitEthernet0/{i}" for i in range(5))
SRC = {OUTSIDE: "203.0.113.9", INSIDE: "10.1.0.9", DMZ: "10.2.0.9", INSIDE2: "10.3.0.9", UNZONED: "10.4.0.9"}


def _trace(in_iface: str | None, dst: str, proto: int = 6, port: int = 80) -> Trace:
    dp = dataplane(FW)
    src = SRC[in_iface] if in_iface is not None else "10.2.0.1"
    flow = Flow("fw", IPv4Address(src), IPv4Address(dst), ingress_interface=in_iface, ip_protocol=proto, dst_port=port)
    (t,) = trace(dp, flow)
    return t


def _zone_step(t: Trace) -> dict[str, object] | None:
    for s in t.hops[-1].steps:
        if s.type == "Filter" and str(s.detail.get("filter", "")).startswith("~ZONE_OUTGOING_ACL~"):
            return {"action": s.action, "line": s.line, **s.detail}
    return None


def test_zone_pair_inspect_class_permits() -> None:
    t = _trace(OUTSIDE, "10.2.0.10", port=80)
    assert t.disposition == "DELIVERED_TO_SUBNET"
    step = _zone_step(t)
    assert step is not None and step["action"] == "PERMITTED" and step["filter"] == "~ZONE_OUTGOING_ACL~dmz~"
    assert step["acls"] == ["WEB"]


def test_class_default_drops_what_no_class_matches() -> None:
    t = _trace(OUTSIDE, "10.2.0.10", port=22)
    assert t.disposition == "DENIED_OUT"
    step = _zone_step(t)
    assert step is not None and step["action"] == "DENIED" and "class-default" in str(step["line"])


def test_inter_zone_without_zone_pair_is_denied_out() -> None:
    t = _trace(OUTSIDE, "10.1.0.50")  # outside -> inside: no zone-pair
    assert t.disposition == "DENIED_OUT"
    step = _zone_step(t)
    assert step is not None and "no zone-pair" in str(step["line"])
    assert step["line"] == "no zone-pair from 'outside' to 'inside'"


def test_same_zone_is_permitted() -> None:
    assert _trace(INSIDE, "10.3.0.50").disposition == "DELIVERED_TO_SUBNET"


def test_classes_are_tried_in_name_order_as_batfish_does() -> None:
    """DMZ-TO-OUT lists B-ALL-TCP (pass) before A-SSH (drop); Batfish keeps classes in a TreeMap,
    so A-SSH is tried first and drops SSH while other TCP passes."""
    assert _trace(DMZ, "203.0.113.50", port=22).disposition == "DENIED_OUT"
    assert _trace(DMZ, "203.0.113.50", port=80).disposition == "DELIVERED_TO_SUBNET"


def test_drop_class_and_default_drop_without_class_default_line() -> None:
    # DMZ-TO-OUT has no class-default line: UDP matches no class and is dropped
    assert _trace(DMZ, "203.0.113.50", proto=17, port=53).disposition == "DENIED_OUT"


def test_unzoned_ingress_to_zoned_egress_is_denied() -> None:
    assert _trace(UNZONED, "10.2.0.10", port=80).disposition == "DENIED_OUT"


def test_zoned_to_unzoned_passes_as_in_batfish() -> None:
    """Batfish filters only zone members on egress; the unzoned interface has no zone filter."""
    t = _trace(OUTSIDE, "10.4.0.50")
    assert t.disposition == "DELIVERED_TO_SUBNET" and _zone_step(t) is None


def test_self_zone_never_filters() -> None:
    # to the router: accepted before any egress filter; the SELF-OUT zone-pair is ignored
    assert _trace(OUTSIDE, "10.2.0.1", port=22).disposition == "ACCEPTED"
    # from the router: originated traffic passes every zone filter
    t = _trace(None, "203.0.113.50", port=22)
    assert t.disposition == "DELIVERED_TO_SUBNET"
    step = _zone_step(t)
    assert step is not None and step["action"] == "PERMITTED"


def test_inspect_creates_no_return_session() -> None:
    """Batfish sets no firewall session info for IOS zones: the reply dmz -> outside needs the
    DMZ-OUT zone-pair, which drops SSH replies here although OUT-DMZ inspected nothing of them."""
    assert _trace(DMZ, "203.0.113.50", port=22).disposition == "DENIED_OUT"


def test_interface_acl_and_zone_policy_both_apply() -> None:
    # inside -> inside2 is same-zone, but the out ACL still denies telnet
    t = _trace(INSIDE, "10.3.0.50", port=23)
    assert t.disposition == "DENIED_OUT"
    filters = [s.detail.get("filter") for s in t.hops[-1].steps if s.type == "Filter"]
    assert filters == ["NO-TELNET"]
    t = _trace(OUTSIDE, "10.3.0.50", port=80)  # the ACL permits, the zone policy denies
    filters = [s.detail.get("filter") for s in t.hops[-1].steps if s.type == "Filter"]
    assert t.disposition == "DENIED_OUT" and filters == ["NO-TELNET", "~ZONE_OUTGOING_ACL~inside~"]


def test_unsupported_match_protocol_makes_the_decision_undecided() -> None:
    t = _trace(INSIDE, "10.2.0.10", proto=17, port=53)
    step = _zone_step(t)
    assert step is not None and step["action"] == "PERMITTED"
    assert step["unparsed"] == ["configs/r0.cfg:17"]  # ` match protocol dns` of class-map ODD
