"""Review #2: the export trace (engine/announce.py ``export_decision``) must evaluate the route as
the engine's export does (engine/bgp.py ``_to_policy``: the *source* protocol of a redistributed
route), or a finding names no clause ("no export policy filters it") for a route a ``from
protocol static`` term exports."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network

from validator.engine.announce import ExternalPeer, export_decision
from validator.engine.bgp import BgpRoute
from validator.model.config import BgpNeighbor, BgpProcess, MatchProtocol, Node, RouteMap, RouteMapClause
from validator.model.source import SourceRef

S = SourceRef("configs/j.cfg", 1)


def test_trace_uses_the_source_protocol_of_a_redistributed_route() -> None:
    term = RouteMapClause(10, "permit", SourceRef("configs/j.cfg", 10), (MatchProtocol(("static",), S),), ())
    rm = RouteMap("EXPORT", (term, RouteMapClause(20, "deny", SourceRef("configs/j.cfg", 20), (), ())), S)
    nb = BgpNeighbor(S, peer_ip=IPv4Address("198.51.100.1"), remote_as=65100, route_map_out="EXPORT")
    proc = BgpProcess(65000, S, router_id=IPv4Address("192.0.2.1"), neighbors=(nb,))
    node = Node("j", "j", "configs/j.cfg", "juniper", route_maps={"EXPORT": rm}, bgp=proc)
    peer = ExternalPeer("j", "default", nb, 65000, IPv4Address("198.51.100.2"))
    route = BgpRoute(network=IPv4Network("10.9.0.0/16"), protocol="local", src_protocol="static", weight=32768)
    sent, clauses, line = export_decision(node, peer, route)
    assert sent is not None  # the engine exports it (term 10 matches the static source)
    assert clauses == (term,) and line == term.source
