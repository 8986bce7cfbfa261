"""The soundness rule in the engine (issue 9): a trace that evaluates a partial filter up to or past
an unparsed line, crosses a partial interface, or depends on a route whose policy reached an
unparsed line is *undecided* and names those lines; a match before every unparsed line decides."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from engine_helpers import snapshot
from soundness_helpers import (
    R0,
    R1_FILE,
    R1_TEMPLATE,
    bgp_snapshot,
    dp_of,
    filtered,
    line_no,
    mark_interface,
)

from validator.engine.acl import evaluate_acl_sound, unparsed_positions
from validator.engine.traceroute import trace
from validator.engine.undecided import undecided_routes
from validator.model.config import Acl, AclLine
from validator.model.flow import Flow
from validator.model.source import SourceRef

R1 = R1_TEMPLATE.format(acl="FILTER")
PERMIT80 = line_no(R1, "permit tcp any any eq 80")
DENY = line_no(R1, "deny   ip any any")


def web(dport: int = 80) -> Flow:
    return Flow(
        "r0", IPv4Address("10.0.1.10"), IPv4Address("10.0.2.5"), "GigabitEthernet0/0", ip_protocol=6, dst_port=dport
    )


def _acl(*line_numbers: int, unparsed: tuple[int, ...]) -> Acl:
    lines = tuple(
        AclLine("permit", f"l{n}", SourceRef("c.cfg", n), protocol=6, dst_ports=((n, n),)) for n in line_numbers
    )
    return Acl("A", lines, SourceRef("c.cfg", 1), unparsed=tuple(SourceRef("c.cfg", u) for u in unparsed))


def test_positions_follow_file_order() -> None:
    acl = _acl(10, 20, 30, unparsed=(5, 25, 40))
    assert unparsed_positions(acl.lines, acl.unparsed) == (0, 2, 3)


def test_positions_unknown_when_lines_are_not_in_file_order() -> None:
    # lines reordered (e.g. by sequence number): an unparsed line's place is unknown -> first
    acl = _acl(30, 10, unparsed=(20,))
    assert unparsed_positions(acl.lines, acl.unparsed) == (0,)


def test_acl_match_before_unparsed_line_is_decided_after_is_not() -> None:
    acl = _acl(10, 20, 30, unparsed=(25,))

    def flow(port: int) -> Flow:
        return Flow("n", IPv4Address(1), IPv4Address(2), ip_protocol=6, dst_port=port)

    assert evaluate_acl_sound(acl, flow(10))[2] == ()
    assert evaluate_acl_sound(acl, flow(20))[2] == ()
    assert evaluate_acl_sound(acl, flow(30))[2] == (SourceRef("c.cfg", 25),)
    # no line matches: the default action was reached past every line
    verdict, line, refs = evaluate_acl_sound(acl, flow(99))
    assert (verdict, line, refs) == ("deny", None, (SourceRef("c.cfg", 25),))


def test_complete_network_traces_are_decided() -> None:
    (t,) = trace(dp_of(filtered()), web())
    assert t.disposition == "DELIVERED_TO_SUBNET" and t.undecided == ()
    assert "undecided" not in t.to_json()


def test_unparsed_line_before_the_deciding_line_makes_both_outcomes_undecided() -> None:
    dp = dp_of(filtered(unparsed_lines=(PERMIT80 - 0,)))  # same line as the permit: at or before it
    bad = SourceRef(R1_FILE, PERMIT80)
    (ok,) = trace(dp, web(80))
    (denied,) = trace(dp, web(22))
    assert ok.disposition == "DELIVERED_TO_SUBNET" and ok.undecided == (bad,)
    assert denied.disposition == "DENIED_IN" and denied.undecided == (bad,)
    step = next(s for h in denied.to_json()["hops"] for s in h["steps"] if s["type"] == "Filter")
    assert step["unparsed"] == [str(bad)]
    assert denied.to_json()["undecided"] == [str(bad)]


def test_unparsed_line_after_the_deciding_line_leaves_the_trace_decided() -> None:
    # the unparsed line sits between the permit and the deny: web traffic is decided by the permit
    dp = dp_of(filtered(unparsed_lines=(DENY,)))
    (ok,) = trace(dp, web(80))
    (denied,) = trace(dp, web(22))
    assert ok.undecided == ()
    assert denied.undecided == (SourceRef(R1_FILE, DENY),)


def test_partial_interface_makes_crossing_traces_undecided() -> None:
    ref = SourceRef("configs/r0.cfg", 2)
    dp = dp_of(mark_interface(filtered(), "r0", "GigabitEthernet0/1", (ref,)))
    (t,) = trace(dp, web(80))
    assert t.disposition == "DELIVERED_TO_SUBNET" and t.undecided == (ref,)


def test_undefined_filter_permits_and_is_recorded() -> None:
    dp = dp_of(filtered(acl="NO-SUCH-ACL"))
    (t,) = trace(dp, web(22))
    assert t.disposition == "DELIVERED_TO_SUBNET"  # Batfish: an undefined ACL filters nothing
    assert t.undecided == ()
    assert t.undefined_refs == (SourceRef(R1_FILE, line_no(R1_TEMPLATE, "ip access-group {acl} in")),)
    assert t.to_json()["undefined_references"] == [f"{R1_FILE}:4"]


def test_route_map_clause_with_unparsed_line_makes_reaching_routes_undecided() -> None:
    complete = dp_of(bgp_snapshot(partial=False))
    assert not undecided_routes(complete)
    dp = dp_of(bgp_snapshot(partial=True))
    ur = undecided_routes(dp)
    # 10.0.3.0/24 is permitted by clause 10 before the partial clause; 10.0.2.0/24 reaches it
    assert ur.prefixes == {IPv4Network("10.0.2.0/24")}
    assert ("r0", IPv4Network("10.0.2.0/24")) in ur.by_node


def test_trace_to_an_undecided_prefix_is_undecided_even_without_a_route() -> None:
    dp = dp_of(bgp_snapshot(partial=True))
    to2 = Flow("r0", IPv4Address("10.0.1.1"), IPv4Address("10.0.2.5"), ip_protocol=6, dst_port=80)
    to3 = Flow("r0", IPv4Address("10.0.1.1"), IPv4Address("10.0.3.5"), ip_protocol=6, dst_port=80)
    (t2,) = trace(dp, to2)
    (t3,) = trace(dp, to3)
    # the engine denied 10.0.2.0/24 (clause 20 matches nothing it can read) but the unparsed
    # line could have permitted it
    assert t2.disposition == "NO_ROUTE" and t2.undecided
    assert t3.disposition == "DELIVERED_TO_SUBNET" and t3.undecided == ()


def test_snapshot_without_partial_objects_costs_no_route_pass() -> None:
    dp = dp_of(snapshot(R1))
    assert undecided_routes(dp).by_node == {}


def test_bgp_session_through_a_partial_filter_makes_its_routes_undecided() -> None:
    from soundness_helpers import BGP_R0, BGP_R1, mark_acl

    r1 = (
        BGP_R1.replace(
            " ip address 10.0.12.2 255.255.255.252\n",
            " ip address 10.0.12.2 255.255.255.252\n ip access-group SESS in\n",
        )
        + "ip access-list extended SESS\n permit tcp any any eq bgp\n permit ip any any\n"
    )
    snap = snapshot(BGP_R0, r1, files={"configs/r0.cfg": BGP_R0, "configs/r1.cfg": r1})
    complete = dp_of(snap)
    assert {s.status for s in complete.bgp_sessions} == {"ESTABLISHED"}
    assert not undecided_routes(complete)
    bad = SourceRef("configs/r1.cfg", line_no(r1, "permit tcp any any eq bgp"))
    dp = dp_of(mark_acl(snap, "r1", "SESS", (bad,)))
    ur = undecided_routes(dp)
    # everything the session carries: r0 learns 10.0.3.0/24 from r1, r1 learns 10.0.1.0/24
    assert ur.by_node[("r0", IPv4Network("10.0.3.0/24"))] == (bad,)
    assert ur.by_node[("r1", IPv4Network("10.0.1.0/24"))] == (bad,)
    to3 = Flow("r0", IPv4Address("10.0.1.1"), IPv4Address("10.0.3.5"), ip_protocol=6, dst_port=80)
    (t,) = trace(dp, to3)
    assert t.undecided == (bad,)


def test_sequence_numbered_unparsed_line_is_reached_by_every_evaluation() -> None:
    # "5 permit tcp object-group X any" would sit first on the device whatever its file position
    r1 = R1_TEMPLATE.format(acl="FILTER").replace(
        " deny   ip any any\n", " deny   ip any any\n 5 permit tcp object-group X any\n"
    )
    snap = snapshot(R0, r1, files={"configs/r0.cfg": R0, R1_FILE: r1})
    bad = line_no(r1, "5 permit tcp object-group X any")
    assert snap.nodes["r1"].acls["FILTER"].unparsed == (SourceRef(R1_FILE, bad),)
    (t,) = trace(dp_of(snap), web(80))
    assert t.disposition == "DELIVERED_TO_SUBNET" and t.undecided == (SourceRef(R1_FILE, bad),)
    # without a sequence number the same line goes last (IOS appends it): web traffic is decided
    plain = r1.replace(" 5 permit tcp object-group X any", " permit tcp object-group X any")
    snap = snapshot(R0, plain, files={"configs/r0.cfg": R0, R1_FILE: plain})
    (t,) = trace(dp_of(snap), web(80))
    assert t.undecided == ()


def test_partial_as_path_list_makes_the_routes_it_is_evaluated_on_undecided() -> None:
    from soundness_helpers import BGP_R0, BGP_R1

    r0 = BGP_R0.replace(" match community 100\n", " match as-path 1\n") + (
        "ip as-path access-list 1 permit ^65001$\nip as-path access-list 1 permit (\n"
    )
    snap = snapshot(r0, BGP_R1, files={"configs/r0.cfg": r0, "configs/r1.cfg": BGP_R1})
    bad = SourceRef("configs/r0.cfg", line_no(r0, "ip as-path access-list 1 permit ("))
    assert snap.nodes["r0"].as_path_lists["1"].unparsed == (bad,)
    ur = undecided_routes(dp_of(snap))
    # 10.0.3.0/24 is decided by clause 10 (prefix-list) before clause 20 consults the as-path list
    assert ur.by_node == {("r0", IPv4Network("10.0.2.0/24")): (bad,)}
