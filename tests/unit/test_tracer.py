"""Flow tracing on small hand-built data planes: one test per disposition, branching order, ARP.

The data planes are built directly (FIB entries, edges, owners) so these tests pin the tracer's
semantics independently of the routing engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path

import pytest

from validator.engine import traceroute
from validator.engine.traceroute import Tracer, dispositions, trace
from validator.engine.types import DataPlane, FailureSet, Fib
from validator.errors import InputError
from validator.model.config import Acl, AclLine, Interface, Node
from validator.model.dataplane import Edge, FibAction, FibEntry, NextHop, Route
from validator.model.flow import Flow, Trace
from validator.model.snapshot import Snapshot
from validator.model.source import SourceRef


@dataclass
class Net:
    """A tiny network description that builds a DataPlane: interfaces, links, FIB routes, ACLs."""

    nodes: dict[str, Node] = field(default_factory=dict)
    inactive: set[tuple[str, str]] = field(default_factory=set)
    links: list[tuple[str, str, str, str]] = field(default_factory=list)
    routes: list[tuple[str, str, str, FibAction, str]] = field(default_factory=list)

    def node(self, name: str, vendor: str = "cisco_ios") -> None:
        self.nodes[name] = Node(name=name, hostname=name, file=f"configs/{name}.cfg", vendor=vendor)  # type: ignore[arg-type]

    def iface(
        self,
        node: str,
        name: str,
        *addrs: str,
        vrf: str = "default",
        acl_in: str | None = None,
        acl_out: str | None = None,
        kind: str = "physical",
        active: bool = True,
        connected: bool = True,
    ) -> None:
        n = self.nodes[node]
        i = Interface(
            node=node,
            name=name,
            source=SourceRef(n.file, 1),
            kind=kind,  # type: ignore[arg-type]
            addresses=tuple(IPv4Interface(a) for a in addrs),
            vrf=vrf,
            acl_in=acl_in,
            acl_out=acl_out,
            proxy_arp=n.vendor != "host",
        )
        n.interfaces[name] = i
        if not active:
            self.inactive.add((node, name))
        elif connected:
            for a in i.addresses:
                self.route(node, str(a.network), name, protocol="connected", vrf=vrf)

    def acl(self, node: str, name: str, *lines: tuple[str, dict[str, object]], default: str = "deny") -> Acl:
        file = self.nodes[node].file
        acl_lines = tuple(
            AclLine(action=act, text=f"{act} {kw}", source=SourceRef(file, 10 + i), **kw)  # type: ignore[arg-type]
            for i, (act, kw) in enumerate(lines)
        )
        acl = Acl(name, acl_lines, SourceRef(file, 9), default_action=default)  # type: ignore[arg-type]
        self.nodes[node].acls[name] = acl
        return acl

    def link(self, n1: str, i1: str, n2: str, i2: str) -> None:
        self.links.append((n1, i1, n2, i2))

    def route(
        self,
        node: str,
        prefix: str,
        iface: str | None = None,
        arp_ip: str | None = None,
        *,
        null: bool = False,
        protocol: str = "static",
        vrf: str = "default",
    ) -> None:
        action = FibAction(iface, IPv4Address(arp_ip) if arp_ip else None, null_route=null)
        self.routes.append((node, vrf, prefix, action, protocol))

    def build(self) -> DataPlane:
        active = frozenset(
            (n, i) for n, node in self.nodes.items() for i in node.interfaces if (n, i) not in self.inactive
        )
        edges: list[Edge] = []
        for n1, i1, n2, i2 in self.links:
            if (n1, i1) in active and (n2, i2) in active:
                edges += [Edge(n1, i1, n2, i2), Edge(n2, i2, n1, i1)]
        fibs: dict[str, dict[str, Fib]] = {n: {} for n in self.nodes}
        for node, vrf, prefix, action, protocol in self.routes:
            net = IPv4Network(prefix)
            if action.null_route:
                nh = NextHop("discard")
            elif action.arp_ip is not None:
                nh = NextHop("ip", ip=action.arp_ip)
            else:
                nh = NextHop("interface", interface=action.interface)
            r = Route(node, vrf, net, protocol, nh, 1, 0)
            fib = fibs[node].setdefault(vrf, Fib())
            fib.add(net.prefixlen, int(net.network_address), FibEntry(r, action))
        owners: dict[IPv4Address, set[tuple[str, str]]] = {}
        for n, node in self.nodes.items():
            for i, intf in node.interfaces.items():
                for a in intf.addresses:
                    owners.setdefault(a.ip, set()).add((n, i))
        snap = Snapshot(name="t", source="mem", nodes=self.nodes)
        return DataPlane(
            snapshot=snap,
            failures=FailureSet(),
            active_interfaces=active,
            edges=tuple(sorted(edges)),
            ribs={},
            fibs=fibs,
            ip_owners={ip: frozenset(s) for ip, s in owners.items()},
        )


def udp(node: str, src: str, dst: str, iface: str | None = None) -> Flow:
    return Flow(node, IPv4Address(src), IPv4Address(dst), ingress_interface=iface)


def shape(t: Trace) -> list[tuple[str, list[str]]]:
    return [(h.node, [s.type for s in h.steps]) for h in t.hops]


def two_routers() -> Net:
    """r1 Gi0/0 10.0.12.1/24 -- r2 Gi0/0 10.0.12.2/24; r2 has Loopback0 2.2.2.2 and Gi1/0 10.0.23.1/30."""
    net = Net()
    net.node("r1")
    net.node("r2")
    net.iface("r1", "GigabitEthernet0/0", "10.0.12.1/24")
    net.iface("r1", "Loopback0", "1.1.1.1/32", kind="loopback")
    net.iface("r2", "GigabitEthernet0/0", "10.0.12.2/24")
    net.iface("r2", "Loopback0", "2.2.2.2/32", kind="loopback")
    net.link("r1", "GigabitEthernet0/0", "r2", "GigabitEthernet0/0")
    net.route("r1", "2.2.2.2/32", "GigabitEthernet0/0", "10.0.12.2")
    net.route("r2", "1.1.1.1/32", "GigabitEthernet0/0", "10.0.12.1")
    return net


# --- one test per disposition -----------------------------------------------------------------


def test_accepted_on_another_interface_than_ingress() -> None:
    dp = two_routers().build()
    (t,) = trace(dp, udp("r1", "10.0.12.1", "2.2.2.2"))
    assert t.disposition == "ACCEPTED"
    assert shape(t) == [
        ("r1", ["Originate", "Routing", "ExitOutputInterface"]),
        ("r2", ["EnterInputInterface", "Inbound"]),
    ]
    inbound = t.hops[1].steps[-1]
    assert inbound.action == "ACCEPTED" and inbound.detail["interface"] == "Loopback0"
    enter = t.hops[1].steps[0]
    assert enter.action == "RECEIVED" and enter.detail["input_interface"] == "GigabitEthernet0/0"
    routing = t.hops[0].steps[1]
    assert routing.action == "FORWARDED"
    assert routing.detail["arp_ip"] == "10.0.12.2" and routing.detail["output_interface"] == "GigabitEthernet0/0"
    assert routing.detail["routes"][0]["network"] == "2.2.2.2/32"
    assert routing.detail["routes"][0]["next_hop"] == {"type": "ip", "ip": "10.0.12.2"}


def test_accepted_locally_at_origin() -> None:
    dp = two_routers().build()
    (t,) = trace(dp, udp("r1", "1.1.1.1", "10.0.12.1"))
    assert t.disposition == "ACCEPTED" and shape(t) == [("r1", ["Originate", "Inbound"])]


def test_inactive_interface_does_not_accept() -> None:
    net = two_routers()
    net.iface("r2", "GigabitEthernet9/0", "9.9.9.9/32", active=False)
    net.route("r1", "9.9.9.9/32", "GigabitEthernet0/0", "10.0.12.2")
    (t,) = trace(net.build(), udp("r1", "10.0.12.1", "9.9.9.9"))
    assert t.disposition == "NO_ROUTE" and t.path == ["r1", "r2"]


def test_denied_in_points_at_the_acl_line() -> None:
    net = two_routers()
    net.acl("r2", "EDGE_IN", ("permit", {"protocol": 6}), ("deny", {"protocol": 17}), ("permit", {}))
    net.nodes["r2"].interfaces["GigabitEthernet0/0"] = Interface(
        "r2",
        "GigabitEthernet0/0",
        SourceRef("configs/r2.cfg", 1),
        addresses=(IPv4Interface("10.0.12.2/24"),),
        acl_in="EDGE_IN",
    )
    (t,) = trace(net.build(), udp("r1", "10.0.12.1", "2.2.2.2"))
    assert t.disposition == "DENIED_IN"
    assert shape(t)[-1] == ("r2", ["EnterInputInterface", "Filter"])
    f = t.hops[-1].steps[-1]
    assert f.action == "DENIED" and f.detail["filter"] == "EDGE_IN" and f.detail["filter_type"] == "INGRESS_FILTER"
    assert (f.file, f.line) == ("configs/r2.cfg", 11) and f.detail["line"].startswith("deny")
    assert f.detail["interface"] == "GigabitEthernet0/0" and f.detail["direction"] == "in"


def test_default_deny_points_at_the_acl_and_tcp_passes() -> None:
    net = Net()
    net.node("r1")
    net.iface("r1", "GigabitEthernet0/0", "10.0.0.1/24", acl_in="ONLY_TCP")
    net.iface("r1", "Loopback0", "1.1.1.1/32", kind="loopback")
    net.acl("r1", "ONLY_TCP", ("permit", {"protocol": 6}))
    dp = net.build()
    (t,) = trace(dp, udp("r1", "10.0.0.9", "1.1.1.1", iface="GigabitEthernet0/0"))
    f = t.hops[0].steps[1]
    assert t.disposition == "DENIED_IN" and f.line == 9 and f.detail["line"] is None and f.detail["default_action"]
    tcp = Flow(
        "r1",
        IPv4Address("10.0.0.9"),
        IPv4Address("1.1.1.1"),
        ingress_interface="GigabitEthernet0/0",
        ip_protocol=6,
        dst_port=80,
    )
    (t,) = trace(dp, tcp)
    assert t.disposition == "ACCEPTED"
    assert shape(t) == [("r1", ["EnterInputInterface", "Filter", "Inbound"])]
    assert t.hops[0].steps[1].action == "PERMITTED"


def test_undefined_acl_filters_nothing() -> None:
    net = Net()
    net.node("r1")
    net.iface("r1", "GigabitEthernet0/0", "10.0.0.1/24", acl_in="MISSING")
    (t,) = trace(net.build(), udp("r1", "10.0.0.9", "10.0.0.1", iface="GigabitEthernet0/0"))
    assert t.disposition == "ACCEPTED" and shape(t) == [("r1", ["EnterInputInterface", "Inbound"])]


def test_denied_out_after_routing_before_exit() -> None:
    net = two_routers()
    net.acl("r1", "NO_UDP", ("deny", {"protocol": 17}), ("permit", {}))
    n = net.nodes["r1"]
    n.interfaces["GigabitEthernet0/0"] = Interface(
        "r1",
        "GigabitEthernet0/0",
        SourceRef("configs/r1.cfg", 1),
        addresses=(IPv4Interface("10.0.12.1/24"),),
        acl_out="NO_UDP",
    )
    (t,) = trace(net.build(), udp("r1", "1.1.1.1", "2.2.2.2"))
    assert t.disposition == "DENIED_OUT"
    assert shape(t) == [("r1", ["Originate", "Routing", "Filter"])]
    f = t.hops[0].steps[-1]
    assert f.detail["filter_type"] == "EGRESS_FILTER" and f.detail["direction"] == "out" and f.line == 10


def test_egress_filter_not_applied_to_accepted_traffic() -> None:
    net = two_routers()
    net.acl("r2", "DENY_ALL", ("deny", {}))
    net.nodes["r2"].interfaces["GigabitEthernet0/0"] = Interface(
        "r2",
        "GigabitEthernet0/0",
        SourceRef("configs/r2.cfg", 1),
        addresses=(IPv4Interface("10.0.12.2/24"),),
        acl_out="DENY_ALL",
    )
    (t,) = trace(net.build(), udp("r1", "10.0.12.1", "2.2.2.2"))
    assert t.disposition == "ACCEPTED"


def test_no_route() -> None:
    dp = two_routers().build()
    (t,) = trace(dp, udp("r1", "1.1.1.1", "8.8.8.8"))
    assert t.disposition == "NO_ROUTE"
    assert shape(t) == [("r1", ["Originate", "Routing"])]
    assert t.hops[0].steps[-1].action == "NO_ROUTE"


def test_null_routed() -> None:
    net = two_routers()
    net.route("r2", "8.0.0.0/8", null=True)
    net.route("r1", "8.0.0.0/8", "GigabitEthernet0/0", "10.0.12.2")
    (t,) = trace(net.build(), udp("r1", "1.1.1.1", "8.8.8.8"))
    assert t.disposition == "NULL_ROUTED"
    assert shape(t)[-1] == ("r2", ["EnterInputInterface", "Routing"])
    assert t.hops[-1].steps[-1].action == "NULL_ROUTED"
    assert t.hops[-1].steps[-1].detail["routes"][0]["next_hop"] == {"type": "discard"}


def test_neighbor_unreachable_on_full_p2p_link() -> None:
    net = two_routers()
    net.node("r3")
    net.iface("r2", "GigabitEthernet1/0", "10.0.23.1/30")
    net.iface("r3", "GigabitEthernet0/0", "10.0.23.2/30", active=False)  # owned, so the /30 is full
    net.link("r2", "GigabitEthernet1/0", "r3", "GigabitEthernet0/0")
    net.route("r1", "3.3.3.3/32", "GigabitEthernet0/0", "10.0.12.2")
    net.route("r2", "3.3.3.3/32", "GigabitEthernet1/0", "10.0.23.2")
    (t,) = trace(net.build(), udp("r1", "1.1.1.1", "3.3.3.3"))
    assert t.disposition == "NEIGHBOR_UNREACHABLE"
    assert shape(t)[-1] == ("r2", ["EnterInputInterface", "Routing", "ExitOutputInterface", "Arp"])
    arp = t.hops[-1].steps[-1]
    assert arp.action == "NEIGHBOR_UNREACHABLE" and arp.detail["arp_ip"] == "10.0.23.2"


def exits_net() -> Net:
    """r1's default route points at 10.0.12.254, which nobody owns, on a /24 with free addresses."""
    net = two_routers()
    net.route("r1", "0.0.0.0/0", "GigabitEthernet0/0", "10.0.12.254")
    return net


def test_exits_network_for_external_destination() -> None:
    (t,) = trace(exits_net().build(), udp("r1", "1.1.1.1", "8.8.8.8"))
    # r2 would proxy-ARP for 10.0.12.254 but routes it back out the same interface, so it stays silent
    assert t.disposition == "EXITS_NETWORK"
    assert shape(t) == [("r1", ["Originate", "Routing", "ExitOutputInterface", "Arp"])]


def test_insufficient_info_for_internal_destination_via_unowned_next_hop() -> None:
    net = exits_net()
    net.node("r9")
    net.iface("r9", "GigabitEthernet0/0", "172.16.0.1/24", active=False)  # makes 172.16.0.0/24 internal
    (t,) = trace(net.build(), udp("r1", "1.1.1.1", "172.16.0.50"))
    assert t.disposition == "INSUFFICIENT_INFO"


def test_insufficient_info_for_owned_next_hop_that_does_not_answer() -> None:
    net = two_routers()
    net.node("r9")
    net.iface("r9", "GigabitEthernet0/0", "10.0.12.9/24", active=False)
    net.route("r1", "0.0.0.0/0", "GigabitEthernet0/0", "10.0.12.9")
    (t,) = trace(net.build(), udp("r1", "1.1.1.1", "8.8.8.8"))
    assert t.disposition == "INSUFFICIENT_INFO"


def test_insufficient_info_when_arping_for_internal_destination_outside_the_subnet() -> None:
    net = two_routers()
    net.node("r9")
    net.iface("r9", "GigabitEthernet0/0", "172.16.0.1/24", active=False)
    net.route("r1", "172.16.0.0/16", "GigabitEthernet0/0")  # interface-only: ARP for the destination
    (t,) = trace(net.build(), udp("r1", "1.1.1.1", "172.16.0.50"))
    assert t.disposition == "INSUFFICIENT_INFO"


def test_delivered_to_subnet() -> None:
    (t,) = trace(two_routers().build(), udp("r1", "1.1.1.1", "10.0.12.77"))
    assert t.disposition == "DELIVERED_TO_SUBNET"
    assert t.hops[0].steps[-1].detail["arp_ip"] == "10.0.12.77"


def test_owned_destination_that_does_not_answer_is_neighbor_unreachable() -> None:
    net = two_routers()
    net.node("r9")
    net.iface("r9", "GigabitEthernet0/0", "10.0.12.9/24", active=False)
    (t,) = trace(net.build(), udp("r1", "1.1.1.1", "10.0.12.9"))
    assert t.disposition == "NEIGHBOR_UNREACHABLE"


def test_host_interfaces_have_no_missing_devices() -> None:
    net = Net()
    net.node("h1", vendor="host")
    net.iface("h1", "eth0", "10.0.0.5/24")
    (t,) = trace(net.build(), udp("h1", "10.0.0.5", "10.0.0.77"))
    assert t.disposition == "NEIGHBOR_UNREACHABLE"


def test_loop() -> None:
    net = two_routers()
    net.route("r1", "5.5.5.0/24", "GigabitEthernet0/0", "10.0.12.2")
    net.route("r2", "5.5.5.0/24", "GigabitEthernet0/0", "10.0.12.1")
    (t,) = trace(net.build(), udp("r1", "1.1.1.1", "5.5.5.5"))
    assert t.disposition == "LOOP"
    assert t.path == ["r1", "r2", "r1", "r2"]
    assert shape(t)[-1] == ("r2", ["EnterInputInterface", "Loop"])


# --- branching ---------------------------------------------------------------------------------


def test_ecmp_order_interface_name_string_then_arp_ip_then_null() -> None:
    net = Net()
    names = ["GigabitEthernet2/0", "GigabitEthernet10/0"]
    net.node("r1")
    for k, name in enumerate(names):
        net.iface("r1", name, f"10.{k}.0.1/24")
    net.route("r1", "9.0.0.0/8", null=True)
    net.route("r1", "9.0.0.0/8", "GigabitEthernet2/0", "10.0.0.3")
    net.route("r1", "9.0.0.0/8", "GigabitEthernet2/0", "10.0.0.2")
    net.route("r1", "9.0.0.0/8", "GigabitEthernet10/0", "10.1.0.2")
    traces = trace(net.build(), udp("r1", "10.0.0.1", "9.9.9.9"))
    got = [
        (t.hops[0].steps[1].detail.get("output_interface"), t.hops[0].steps[1].detail.get("arp_ip"), t.disposition)
        for t in traces
    ]
    assert got == [
        ("GigabitEthernet10/0", "10.1.0.2", "EXITS_NETWORK"),
        ("GigabitEthernet2/0", "10.0.0.2", "EXITS_NETWORK"),
        ("GigabitEthernet2/0", "10.0.0.3", "EXITS_NETWORK"),
        (None, None, "NULL_ROUTED"),
    ]


def test_one_branch_per_replying_neighbour_in_name_order_with_proxy_arp() -> None:
    """r1 ARPs for 7.7.7.7 on a LAN; routers b and a proxy-ARP for it, the host does not."""
    net = Net()
    net.node("r1")
    net.node("b")
    net.node("a")
    net.node("h", vendor="host")
    net.iface("r1", "Gi0", "10.0.0.1/24")
    net.iface("b", "Gi0", "10.0.0.3/24")
    net.iface("a", "Gi0", "10.0.0.2/24")
    net.iface("h", "eth0", "10.0.0.4/24")
    for other in ("b", "a"):
        net.link("r1", "Gi0", other, "Gi0")
        net.iface(other, "Lo0", f"7.7.7.{7 if other == 'a' else 8}/32", kind="loopback")
        net.route(other, "7.7.7.0/24", null=True)
    net.link("r1", "Gi0", "h", "eth0")
    net.route("h", "0.0.0.0/0", "eth0", "10.0.0.1")
    net.route("r1", "7.7.7.0/24", "Gi0")  # ARP for the destination itself
    traces = trace(net.build(), udp("r1", "10.0.0.1", "7.7.7.7"))
    assert [(t.path, t.disposition) for t in traces] == [(["r1", "a"], "ACCEPTED"), (["r1", "b"], "NULL_ROUTED")]


def test_proxy_arp_not_for_addresses_routed_back_out_the_interface() -> None:
    net = two_routers()
    net.route("r1", "6.6.6.0/24", "GigabitEthernet0/0")
    net.route("r2", "6.6.6.0/24", "GigabitEthernet0/0", "10.0.12.50")
    (t,) = trace(net.build(), udp("r1", "1.1.1.1", "6.6.6.6"))
    assert t.disposition == "EXITS_NETWORK" and t.path == ["r1"]


def test_traces_are_depth_first() -> None:
    """r1 ECMP to r2 and r3 on two links; each then ECMPs to two discard routes of its own."""
    net = Net()
    for n in ("r1", "r2", "r3"):
        net.node(n)
    net.iface("r1", "Gi1", "10.0.2.1/24")
    net.iface("r1", "Gi2", "10.0.3.1/24")
    net.iface("r2", "Gi1", "10.0.2.2/24")
    net.iface("r3", "Gi1", "10.0.3.2/24")
    net.link("r1", "Gi1", "r2", "Gi1")
    net.link("r1", "Gi2", "r3", "Gi1")
    net.route("r1", "9.9.9.0/24", "Gi1", "10.0.2.2")
    net.route("r1", "9.9.9.0/24", "Gi2", "10.0.3.2")
    for n in ("r2", "r3"):
        net.route(n, "9.9.9.0/24", null=True)
        net.route(n, "9.9.9.0/24", "Gi1", f"10.0.{2 if n == 'r2' else 3}.99")
    traces = trace(net.build(), udp("r1", "10.0.2.1", "9.9.9.9"))
    assert [(t.path, t.disposition) for t in traces] == [
        (["r1", "r2"], "EXITS_NETWORK"),
        (["r1", "r2"], "NULL_ROUTED"),
        (["r1", "r3"], "EXITS_NETWORK"),
        (["r1", "r3"], "NULL_ROUTED"),
    ]


def lan_loop_net() -> Net:
    """a, b, c on one LAN. a ECMPs to b and c; b sends to c and c sends to b: both branches loop."""
    net = Net()
    for n, ip in (("a", "10.0.0.1"), ("b", "10.0.0.2"), ("c", "10.0.0.3")):
        net.node(n)
        net.iface(n, "Gi0", f"{ip}/24")
    for x, y in (("a", "b"), ("a", "c"), ("b", "c")):
        net.link(x, "Gi0", y, "Gi0")
    net.route("a", "9.9.9.0/24", "Gi0", "10.0.0.2")
    net.route("a", "9.9.9.0/24", "Gi0", "10.0.0.3")
    net.route("b", "9.9.9.0/24", "Gi0", "10.0.0.3")
    net.route("c", "9.9.9.0/24", "Gi0", "10.0.0.2")
    return net


def test_memoised_subtrees_respect_loop_breadcrumbs() -> None:
    """c's sub-tree is first explored with b on the stack; reusing it for a->c would cut the path short."""
    traces = trace(lan_loop_net().build(), udp("a", "10.0.0.1", "9.9.9.9"))
    assert [(t.path, t.disposition) for t in traces] == [(["a", "b", "c", "b"], "LOOP"), (["a", "c", "b", "c"], "LOOP")]


def test_memoisation_keeps_work_linear_in_ecmp_fan_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chain of k two-way ECMP diamonds has 2**k paths but only O(k) distinct hops to explore."""
    k = 8
    net = Net()
    for s in range(k + 1):
        net.node(f"j{s}")
    for s in range(k):
        j, nxt = f"j{s}", f"j{s + 1}"
        for side in ("x", "y"):
            m = f"m{s}{side}"
            net.node(m)
            o = 1 if side == "x" else 2
            net.iface(j, f"Gi{side}", f"10.{s}.{o}.1/24")
            net.iface(m, "Gi0", f"10.{s}.{o}.2/24")
            net.iface(m, "Gi1", f"10.{s}.{o + 10}.1/24")
            net.iface(nxt, f"Gin{side}", f"10.{s}.{o + 10}.2/24")
            net.link(j, f"Gi{side}", m, "Gi0")
            net.link(m, "Gi1", nxt, f"Gin{side}")
            net.route(j, "9.9.9.0/24", f"Gi{side}", f"10.{s}.{o}.2")
            net.route(m, "9.9.9.0/24", "Gi1", f"10.{s}.{o + 10}.2")
    net.iface(f"j{k}", "Lo0", "9.9.9.9/32", kind="loopback")
    dp = net.build()
    calls = 0
    original = Tracer._explore_hop

    def counting(self: Tracer, st: traceroute._FlowState, key: traceroute._Key) -> object:
        nonlocal calls
        calls += 1
        return original(self, st, key)

    monkeypatch.setattr(Tracer, "_explore_hop", counting)
    traces = trace(dp, udp("j0", "10.0.0.1", "9.9.9.9"))
    assert len(traces) == 2**k and {t.disposition for t in traces} == {"ACCEPTED"}
    assert calls <= 5 * k + 1
    assert all(len(t.hops) == 2 * k + 1 for t in traces)


# --- misc --------------------------------------------------------------------------------------


def test_dispositions_and_vrf_isolation() -> None:
    net = two_routers()
    net.iface("r2", "GigabitEthernet5/0", "5.5.5.5/32", vrf="blue")
    net.route("r1", "5.5.5.5/32", "GigabitEthernet0/0", "10.0.12.2")
    dp = net.build()
    # r2's default VRF neither owns nor routes 5.5.5.5
    assert dispositions(dp, udp("r1", "1.1.1.1", "5.5.5.5")) == frozenset({"NO_ROUTE"})


def test_unknown_start_raises_input_error() -> None:
    dp = two_routers().build()
    with pytest.raises(InputError):
        trace(dp, udp("nope", "1.1.1.1", "2.2.2.2"))
    with pytest.raises(InputError):
        trace(dp, udp("r1", "1.1.1.1", "2.2.2.2", iface="Gi9/9"))


def test_trace_json_has_step_locations() -> None:
    net = two_routers()
    net.acl("r1", "NO_UDP", ("deny", {"protocol": 17}))
    net.nodes["r1"].interfaces["GigabitEthernet0/0"] = Interface(
        "r1",
        "GigabitEthernet0/0",
        SourceRef("configs/r1.cfg", 1),
        addresses=(IPv4Interface("10.0.12.1/24"),),
        acl_out="NO_UDP",
    )
    (t,) = trace(net.build(), udp("r1", "1.1.1.1", "2.2.2.2"))
    j = t.to_json()
    assert j["disposition"] == "DENIED_OUT"
    step = j["hops"][0]["steps"][-1]
    assert step["location"] == {"file": "configs/r1.cfg", "line": 10}
    assert step["type"] == "Filter" and step["filter_type"] == "EGRESS_FILTER" and step["action"] == "DENIED"


# --- end to end through the parsers and the data plane (fixtures/unit/trace/small) ------------

SMALL = Path(__file__).resolve().parents[2] / "fixtures" / "unit" / "trace" / "small"


@pytest.fixture(scope="module")
def small_dp() -> DataPlane:
    from validator.engine.dataplane import compute_dataplane
    from validator.snapshot.folder import load_snapshot

    return compute_dataplane(load_snapshot(SMALL))


@pytest.mark.parametrize(
    ("dst", "protocol", "port", "disposition", "path"),
    [
        ("2.2.2.2", "udp", None, "ACCEPTED", ["h1", "r1", "r2"]),
        ("2.2.2.2", "tcp", 23, "DENIED_IN", ["h1", "r1", "r2"]),
        ("2.2.2.2", "tcp", 22, "ACCEPTED", ["h1", "r1", "r2"]),
        ("203.0.113.5", "udp", None, "EXITS_NETWORK", ["h1", "r1", "r2"]),
        ("198.51.100.77", "icmp", None, "DELIVERED_TO_SUBNET", ["h1", "r1", "r2"]),
        ("10.99.1.1", "udp", None, "NULL_ROUTED", ["h1", "r1"]),
        ("10.0.1.99", "udp", None, "NEIGHBOR_UNREACHABLE", ["h1"]),
    ],
)
def test_small_snapshot_end_to_end(
    small_dp: DataPlane, dst: str, protocol: str, port: int | None, disposition: str, path: list[str]
) -> None:
    from validator.engine.locations import flows_for

    (flow,) = flows_for(small_dp, "h1", dst, protocol=protocol, dst_port=port)
    assert flow.src_ip == IPv4Address("10.0.1.10")
    (t,) = trace(small_dp, flow)
    assert (t.disposition, t.path) == (disposition, path)


def test_small_snapshot_denial_points_at_the_config_line(small_dp: DataPlane) -> None:
    from validator.engine.locations import flows_for

    (flow,) = flows_for(small_dp, "h1", "2.2.2.2", protocol="tcp", dst_port=23)
    (t,) = trace(small_dp, flow)
    f = t.hops[-1].steps[-1]
    assert f.type == "Filter" and f.detail["filter"] == "NO_TELNET"
    assert (f.file, f.line) == ("configs/r2.cfg", 16)
    text = small_dp.snapshot.files["configs/r2.cfg"].splitlines()[f.line - 1]
    assert text.strip() == "deny tcp any any eq telnet"
