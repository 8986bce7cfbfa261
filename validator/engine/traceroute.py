"""Flow tracing over a computed data plane, after Batfish's FlowTracer (semantics §8b, §8d).

A trace is explored depth first: per hop the ingress filter, local acceptance, the FIB lookup,
one branch per FIB action (Batfish's FibActionComparator order), the egress filter, then ARP over
the layer-3 edges with one branch per replying neighbour. Dispositions for failed ARP follow
ForwardingAnalysisImpl's order exactly, because the gate's verdicts depend on the difference
between "delivered to a subnet", "exits the network" and "neighbour unreachable".

Speed matters (the gate traces thousands of flows per scenario), so the per-data-plane work
(neighbour lists, owned and internal IP space, ARP replies, FIB lookups and routing steps) is
cached in a :class:`Tracer`, and within one flow the sub-trees below each
(node, VRF, ingress interface) are memoised. A memoised sub-tree is reused only when the
loop-detection breadcrumbs it consulted are in the same state, so reuse never changes a result.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from typing import Any

from validator.engine.acl import evaluate_acl_sound, sequenced_unparsed
from validator.engine.trace_tables import fib_action_key, host_range, internal_space, owned_tables, route_json
from validator.engine.types import DataPlane, Fib
from validator.engine.undecided import has_partial_objects, undecided_routes
from validator.engine.zonefw import zone_filter
from validator.errors import InputError
from validator.model.config import Acl, Interface, Node
from validator.model.dataplane import NO_UNDECIDED_ROUTES, FibAction, FibEntry, Route, UndecidedRoutes
from validator.model.flow import Disposition, Flow, Hop, Step, Trace
from validator.model.source import SourceRef

_Key = tuple[str, str, str | None]  # breadcrumb: node, VRF, ingress interface (the flow is fixed per trace)
_Suffix = tuple[Disposition, tuple[Hop, ...]]
_CACHE_MAX = 200_000

_LOOP_STEP = Step("Loop", "LOOP")

# a filter evaluation a sub-tree made: ("F", node, ACL, kind, in, out, step) for an ACL,
# ("Z", node, in, out, step) for a zone firewall; the step is what this flow got
_Read = tuple[Any, ...]
# a memoised sub-tree: suffixes, breadcrumbs consulted, those of them on the stack, filter reads
_Memo = tuple[list[_Suffix], frozenset[_Key], frozenset[_Key], tuple[_Read, ...]]
_SHARED_VARIANTS = 4  # sub-trees kept per (node, VRF, ingress, destination): e.g. permitted and denied


@dataclass(frozen=True)
class _ActionGroup:
    """FIB entries sharing one action, with the Routing step that reports them."""

    action: FibAction
    step: Step


@dataclass
class _FlowState:
    flow: Flow
    dst: int
    stack: set[_Key]
    memo: dict[_Key, _Memo]
    # every filter and zone-firewall evaluation so far, in order: what a sub-tree read of the
    # flow besides its destination (Tracer._shared)
    reads: list[_Read] = field(default_factory=list)


class Tracer:
    """Traces flows on one data plane; keeps the flow-independent analysis between calls."""

    # Soundness defaults, for subclasses that build their tables without ``__init__``
    _undecided: UndecidedRoutes = NO_UNDECIDED_ROUTES
    _sound_scan: bool = False
    # Sub-trees shared between flows, and ARP answers per forwarding group: only on this class
    # itself (a subclass may observe each read, e.g. incremental/_sessions.RecordingTracer, and
    # one built without ``__init__`` keeps None)
    _shared: dict[tuple[str, str, str | None, int], list[_Memo]] | None = None
    _repliers: dict[tuple[str, str, int], list[tuple[str, str]]] | None = None

    def __init__(self, dp: DataPlane) -> None:
        self.dp = dp
        self.nodes: dict[str, Node] = dp.snapshot.nodes
        neighbours: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for e in dp.edges:
            neighbours.setdefault((e.node1, e.interface1), []).append((e.node2, e.interface2))
        self._neighbours = {k: sorted(set(v)) for k, v in neighbours.items()}
        self._owned, self._owned_set = owned_tables(dp)
        self._internal_starts, self._internal_ends = internal_space(dp)
        self._missing: dict[tuple[str, str], bool] = {}
        self._arp: dict[tuple[str, str, int], bool] = {}
        self._forwarding: dict[tuple[str, str, int], list[_ActionGroup]] = {}
        self._accepting: dict[tuple[str, str, int], str | None] = {}
        self._enter_steps: dict[tuple[str, str], Step] = {}
        # Soundness (issue 9): routes whose fate depends on unparsed policy lines, and whether any
        # step can carry unparsed lines or undefined references at all (else traces skip the scan)
        self._undecided = undecided_routes(dp)
        self._sound_scan = bool(self._undecided) or has_partial_objects(dp.snapshot)
        if type(self) is Tracer:
            self._shared = {}
            self._repliers = {}

    # --- public -------------------------------------------------------------------------------

    def trace(self, flow: Flow) -> list[Trace]:
        return self.trace_and_filters(flow)[0]

    def trace_and_filters(self, flow: Flow) -> tuple[list[Trace], frozenset[tuple[str, str]]]:
        """The traces, and the (node, filter name) of every Filter step in them.

        Every filter the exploration evaluated (its own, and those a reused sub-tree recorded) put
        its step into at least one trace: a denied branch ends there, a permitted one goes on to a
        disposition. So the filters met are read off the flow's filter evaluations, without
        walking every hop of every trace (``checks/explore.filters_met``, which they equal)."""
        node = self.nodes.get(flow.ingress_node)
        if node is None:
            raise InputError(f"traceroute: unknown start node {flow.ingress_node!r}")
        vrf = flow.ingress_vrf
        if flow.ingress_interface is not None:
            iface = node.interfaces.get(flow.ingress_interface)
            if iface is None:
                raise InputError(f"traceroute: unknown start interface {flow.ingress_node}[{flow.ingress_interface}]")
            vrf = iface.vrf
        state = _FlowState(flow, int(flow.dst_ip), set(), {})
        suffixes, _ = self._explore(state, flow.ingress_node, vrf, flow.ingress_interface)
        if self._sound_scan:
            traces = [Trace.of_hops(d, hops) for d, hops in suffixes]
        else:
            traces = [Trace(d, hops) for d, hops in suffixes]
        return traces, _filters_of(state.reads)

    # --- exploration --------------------------------------------------------------------------

    def _explore(
        self, st: _FlowState, node_name: str, vrf: str, in_iface: str | None
    ) -> tuple[list[_Suffix], frozenset[_Key]]:
        """The suffixes below ``(node, vrf, in_iface)`` and the breadcrumbs they consulted.

        A memoised sub-tree is reused when the breadcrumbs it consulted are on the stack as they
        were. Within one flow any sub-tree is. Across the flows of this tracer a sub-tree read the
        flow only through its destination and the filters it evaluated (every other step, local
        acceptance, FIB lookup, ARP, dispositions, loops, is a function of the data plane, the
        destination and the breadcrumbs): it is kept per destination with those evaluations, and
        reused for another flow whose own evaluations of the same filters, in the same order, give
        equal steps. The exploration is deterministic given those answers, so it would take the
        same path and build equal suffixes."""
        key: _Key = (node_name, vrf, in_iface)
        hit = st.memo.get(key)
        if hit is not None and st.stack.intersection(hit[1]) == hit[2]:
            st.reads.extend(hit[3])
            return hit[0], hit[1]
        shared = self._shared
        if shared is not None:
            skey = (node_name, vrf, in_iface, st.dst)
            variants = shared.get(skey)
            if variants is not None:
                for got in variants:
                    if st.stack.intersection(got[1]) == got[2] and self._same_reads(st.flow, got[3]):
                        st.memo[key] = got
                        st.reads.extend(got[3])
                        return got[0], got[1]
        before = len(st.reads)
        result, checked = self._explore_hop(st, key)
        entry: _Memo = (result, checked, frozenset(st.stack.intersection(checked)), tuple(st.reads[before:]))
        st.memo[key] = entry
        if shared is not None:
            kept = shared.get(skey)
            if kept is None:
                self._store(shared, skey, [entry])
            else:
                kept.insert(0, entry)
                del kept[_SHARED_VARIANTS:]
        return result, checked

    def _same_reads(self, flow: Flow, reads: tuple[_Read, ...]) -> bool:
        """Whether ``flow`` gets equal steps (detail included) from every filter evaluation in ``reads``."""
        for r in reads:
            node = self.nodes[r[1]]
            if r[0] == "F":
                step = self._filter_step(node, r[2], flow, r[3], r[4], r[5])
                want = r[6]
            else:
                step = self._zone_step(node, r[2], node.interfaces[r[3]], flow)
                want = r[4]
            if step is not want and (step != want or step is None or step.detail != want.detail):
                return False
        return True

    def _explore_hop(self, st: _FlowState, key: _Key) -> tuple[list[_Suffix], frozenset[_Key]]:
        node_name, vrf, in_iface = key
        node = self.nodes[node_name]
        flow = st.flow
        steps: list[Step] = []
        if in_iface is None:
            steps.append(Step("Originate", "ORIGINATED", {"originating_vrf": vrf}))
        else:
            steps.append(self._enter_step(node_name, in_iface, vrf))
        checked: set[_Key] = {key}
        if key in st.stack:
            steps.append(_LOOP_STEP)
            return [("LOOP", (Hop(node_name, tuple(steps)),))], frozenset(checked)

        if in_iface is not None:
            iface = node.interfaces[in_iface]
            if iface.acl_in is not None:
                fstep = self._filter_step(node, iface.acl_in, flow, "INGRESS_FILTER", in_iface, None)
                if fstep is not None:
                    st.reads.append(("F", node_name, iface.acl_in, "INGRESS_FILTER", in_iface, None, fstep))
                    steps.append(fstep)
                    if fstep.action == "DENIED":
                        return [("DENIED_IN", (Hop(node_name, tuple(steps)),))], frozenset(checked)

        owner = self._accepting_interface(node_name, vrf, st.dst, flow.dst_ip)
        if owner is not None:
            local = self.nodes[node_name].local_delivery_unparsed  # e.g. a Junos lo0 filter
            steps.append(Step("Inbound", "ACCEPTED", {"interface": owner}, unparsed=local))
            return [("ACCEPTED", (Hop(node_name, tuple(steps)),))], frozenset(checked)

        groups = self._groups(node_name, vrf, st.dst, flow.dst_ip)
        if not groups:
            steps.append(self._no_route_step(node_name, vrf, st.dst))
            return [("NO_ROUTE", (Hop(node_name, tuple(steps)),))], frozenset(checked)

        results: list[_Suffix] = []
        st.stack.add(key)
        try:
            for group in groups:
                hop_steps = [*steps, group.step]
                action = group.action
                if action.null_route or action.interface is None:
                    results.append(("NULL_ROUTED", (Hop(node_name, tuple(hop_steps)),)))
                    continue
                out_name = action.interface
                out_iface = node.interfaces.get(out_name)
                if out_iface is not None and out_iface.acl_out is not None:
                    fstep = self._filter_step(node, out_iface.acl_out, flow, "EGRESS_FILTER", in_iface, out_name)
                    if fstep is not None:
                        st.reads.append(("F", node_name, out_iface.acl_out, "EGRESS_FILTER", in_iface, out_name, fstep))
                        hop_steps.append(fstep)
                        if fstep.action == "DENIED":
                            results.append(("DENIED_OUT", (Hop(node_name, tuple(hop_steps)),)))
                            continue
                if out_iface is not None and out_iface.security_zone is not None:
                    zstep = self._zone_step(node, in_iface, out_iface, flow)
                    st.reads.append(("Z", node_name, in_iface, out_name, zstep))
                    if zstep is not None:
                        hop_steps.append(zstep)
                        if zstep.action == "DENIED":
                            results.append(("DENIED_OUT", (Hop(node_name, tuple(hop_steps)),)))
                            continue
                if self._sound_scan:  # partial interface, undefined egress filter
                    hop_steps.append(self._exit_step(node_name, out_name))
                else:
                    hop_steps.append(self._plain_exit_step(out_name))
                arp_ip = action.arp_ip if action.arp_ip is not None else flow.dst_ip
                repliers = self._replying(node_name, out_name, arp_ip)
                if not repliers:
                    disposition = self._arp_failure(node, out_name, action.arp_ip, st.dst)
                    hop_steps.append(Step("Arp", disposition, {"output_interface": out_name, "arp_ip": str(arp_ip)}))
                    results.append((disposition, (Hop(node_name, tuple(hop_steps)),)))
                    continue
                hop = Hop(node_name, tuple(hop_steps))
                for n2, i2 in repliers:
                    vrf2 = self.nodes[n2].interfaces[i2].vrf
                    sub, sub_checked = self._explore(st, n2, vrf2, i2)
                    checked |= sub_checked
                    results.extend((d, (hop, *hops)) for d, hops in sub)
        finally:
            st.stack.discard(key)
        return results, frozenset(checked)

    # --- per-hop pieces -----------------------------------------------------------------------

    def _enter_step(self, node: str, iface: str, vrf: str) -> Step:
        k = (node, iface)
        step = self._enter_steps.get(k)
        if step is None:
            cfg = self.nodes[node].interfaces.get(iface)
            unparsed, undefined = self._interface_soundness(node, cfg, "in")
            step = Step(
                "EnterInputInterface",
                "RECEIVED",
                {"input_interface": iface, "input_vrf": vrf},
                unparsed=unparsed,
                undefined_refs=undefined,
            )
            self._enter_steps[k] = step
        return step

    def _plain_exit_step(self, iface: str) -> Step:
        cache: dict[str, Step] = self.__dict__.setdefault("_plain_exit_steps", {})
        step = cache.get(iface)
        if step is None:
            step = cache[iface] = Step("ExitOutputInterface", "TRANSMITTED", {"output_interface": iface})
        return step

    def _replying(self, node: str, out_name: str, arp_ip: IPv4Address) -> list[tuple[str, str]]:
        """The neighbours on ``out_name`` answering ARP for ``arp_ip``, in neighbour order."""
        memo = self._repliers
        if memo is None:  # every ARP answer asked (a subclass may record them)
            return [n for n in self._neighbours.get((node, out_name), ()) if self._replies(n, arp_ip)]
        k = (node, out_name, int(arp_ip))
        hit = memo.get(k)
        if hit is None:
            hit = [n for n in self._neighbours.get((node, out_name), ()) if self._replies(n, arp_ip)]
            self._store(memo, k, hit)
        return hit

    def _exit_step(self, node: str, iface: str) -> Step:
        k = (node, iface)
        cache: dict[tuple[str, str], Step] = self.__dict__.setdefault("_exit_steps", {})
        step = cache.get(k)
        if step is None:
            cfg = self.nodes[node].interfaces.get(iface)
            unparsed, undefined = self._interface_soundness(node, cfg, "out")
            step = Step(
                "ExitOutputInterface",
                "TRANSMITTED",
                {"output_interface": iface},
                unparsed=unparsed,
                undefined_refs=undefined,
            )
            cache[k] = step
        return step

    def _interface_soundness(
        self, node: str, iface: Interface | None, direction: str
    ) -> tuple[tuple[SourceRef, ...], tuple[SourceRef, ...]]:
        """A partial interface's unparsed lines, and the reference line of an undefined filter
        applied in ``direction`` (IOS and Batfish then filter nothing; verdicts get a warning)."""
        if iface is None:
            return (), ()
        acls = self.nodes[node].acls
        name, src = (iface.acl_in, iface.acl_in_source) if direction == "in" else (iface.acl_out, iface.acl_out_source)
        undefined: tuple[SourceRef, ...] = ()
        if name is not None and name not in acls:
            undefined = (src if src is not None else iface.source,)
        return iface.unparsed, undefined

    def _no_route_step(self, node: str, vrf: str, dst: int) -> Step:
        unparsed = self._undecided.lookup(dst, -1) if self._undecided else ()
        return Step("Routing", "NO_ROUTE", {"vrf": vrf}, unparsed=unparsed)

    def _always_reached(self, acl: Acl) -> tuple[SourceRef, ...]:
        """A partial ACL's unparsed lines that any evaluation reaches (see ``sequenced_unparsed``)."""
        cache: dict[int, tuple[Acl, tuple[SourceRef, ...]]] = self.__dict__.setdefault("_sequenced", {})
        hit = cache.get(id(acl))
        if hit is None or hit[0] is not acl:
            hit = (acl, sequenced_unparsed(acl, self.dp.snapshot.files))
            cache[id(acl)] = hit
        return hit[1]

    def _filter_step(
        self, node: Node, acl_name: str, flow: Flow, kind: str, in_iface: str | None, out_iface: str | None
    ) -> Step | None:
        """The Filter step, or None when the ACL is undefined (IOS then filters nothing, §1).

        A function of the snapshot and the flow alone: cached on the snapshot, so every failure
        scenario of a sweep (a new data plane and tracer each) reuses the evaluations."""
        acl = node.acls.get(acl_name)
        if acl is None:
            return None
        snap_dict = getattr(self.dp.snapshot, "__dict__", None)
        if snap_dict is None:
            return self._filter_step_uncached(acl, flow, kind, in_iface, out_iface)
        cache: dict[Any, tuple[Acl, Step]] | None = snap_dict.get("_validator_filter_steps")
        if cache is None:
            cache = snap_dict["_validator_filter_steps"] = {}
        ck = (node.name, acl_name, kind, in_iface, out_iface, flow)
        hit = cache.get(ck)
        if hit is not None and hit[0] is acl:  # the very same ACL object (a snapshot is not edited)
            return hit[1]
        step = self._filter_step_uncached(acl, flow, kind, in_iface, out_iface)
        self._store(cache, ck, (acl, step))
        return step

    def _filter_step_uncached(
        self, acl: Acl, flow: Flow, kind: str, in_iface: str | None, out_iface: str | None
    ) -> Step:
        verdict, line, unparsed = evaluate_acl_sound(acl, flow)
        if acl.unparsed:
            unparsed = tuple(sorted(set(unparsed) | set(self._always_reached(acl))))
        src = line.source if line is not None else acl.source
        detail: dict[str, Any] = {
            "filter": acl.name,
            "filter_type": kind,
            "line": line.text if line is not None else None,
        }
        if line is None:
            detail["default_action"] = True
        # "interface"/"direction" name where the filter is applied (what evidence lookups need)
        detail["direction"] = "in" if kind == "INGRESS_FILTER" else "out"
        detail["interface"] = in_iface if kind == "INGRESS_FILTER" else out_iface
        if in_iface is not None:
            detail["input_interface"] = in_iface
        if out_iface is not None:
            detail["output_interface"] = out_iface
        return Step(
            "Filter",
            "PERMITTED" if verdict == "permit" else "DENIED",
            detail,
            file=src.file,
            line=src.line,
            unparsed=unparsed,
        )

    @staticmethod
    def _zone_step(node: Node, in_iface: str | None, out_iface: Interface, flow: Flow) -> Step | None:
        """The zone-based firewall's Filter step on egress (engine/zonefw.py), or None when the
        interface has no zone filter. Batfish ANDs it with the interface's outgoing ACL."""
        zv = zone_filter(node, in_iface, out_iface, flow)
        if zv is None:
            return None
        detail: dict[str, Any] = {
            "filter": zv.filter,
            "filter_type": "EGRESS_FILTER",
            "line": zv.reason,
            "direction": "out",
            "interface": out_iface.name,
            "output_interface": out_iface.name,
            "acls": list(zv.acls),  # ACLs the zone policy consulted (header-space splitting)
        }
        if in_iface is not None:
            detail["input_interface"] = in_iface
        soundness: dict[str, Any] = {}
        if zv.unparsed:
            detail["unparsed"] = [str(r) for r in zv.unparsed]
            # the soundness rule's Step field (unparsed lines make the trace undecided), where the
            # model has it
            if "unparsed" in getattr(Step, "__dataclass_fields__", {}):
                soundness["unparsed"] = zv.unparsed
        src = zv.source
        return Step(
            "Filter",
            "PERMITTED" if zv.permitted else "DENIED",
            detail,
            file=src.file if src is not None else None,
            line=src.line if src is not None else None,
            **soundness,
        )

    def _accepting_interface(self, node: str, vrf: str, dst: int, dst_ip: IPv4Address) -> str | None:
        k = (node, vrf, dst)
        if k in self._accepting:
            return self._accepting[k]
        owners = self.dp.ip_owners.get(dst_ip, frozenset())
        cfg = self.nodes[node].interfaces
        names = sorted(
            i for n, i in owners if n == node and (n, i) in self.dp.active_interfaces and i in cfg and cfg[i].vrf == vrf
        )
        owner = names[0] if names else None
        self._store(self._accepting, k, owner)
        return owner

    def _fib(self, node: str, vrf: str) -> Fib | None:
        return self.dp.fibs.get(node, {}).get(vrf)

    def _groups(self, node: str, vrf: str, dst: int, dst_ip: IPv4Address) -> list[_ActionGroup]:
        k = (node, vrf, dst)
        hit = self._forwarding.get(k)
        if hit is not None:
            return hit
        fib = self._fib(node, vrf)
        entries = fib.lookup(dst_ip) if fib is not None else []
        by_action: dict[FibAction, list[FibEntry]] = {}
        for e in entries:
            by_action.setdefault(e.action, []).append(e)
        groups: list[_ActionGroup] = []
        unparsed = self._undecided.for_lookup(dst, entries) if self._undecided else ()
        for action in sorted(by_action, key=fib_action_key):
            routes: list[Route] = []
            for e in by_action[action]:
                if e.route not in routes:
                    routes.append(e.route)
            detail: dict[str, Any] = {"vrf": vrf, "routes": [route_json(r) for r in routes]}
            if action.null_route or action.interface is None:
                step = Step("Routing", "NULL_ROUTED", detail, unparsed=unparsed)
            else:
                detail["output_interface"] = action.interface
                if action.arp_ip is not None:
                    detail["arp_ip"] = str(action.arp_ip)
                step = Step("Routing", "FORWARDED", detail, unparsed=unparsed)
            groups.append(_ActionGroup(action, step))
        self._store(self._forwarding, k, groups)
        return groups

    def _replies(self, neighbour: tuple[str, str], arp_ip: IPv4Address) -> bool:
        """Whether interface ``neighbour`` answers ARP for ``arp_ip`` (own IP, or proxy-ARP, §8d)."""
        a = int(arp_ip)
        k = (neighbour[0], neighbour[1], a)
        hit = self._arp.get(k)
        if hit is not None:
            return hit
        iface = self.nodes[neighbour[0]].interfaces[neighbour[1]]
        answer = False
        if any(int(addr.ip) == a for addr in iface.addresses):
            answer = True
        elif iface.proxy_arp and iface.addresses:
            fib = self._fib(neighbour[0], iface.vrf)
            entries = fib.lookup(arp_ip) if fib is not None else []
            answer = bool(entries) and all(e.action.interface != neighbour[1] for e in entries)
        self._store(self._arp, k, answer)
        return answer

    # --- dispositions when nobody answers ARP (ForwardingAnalysisImpl) --------------------------

    def _owned_in(self, lo: int, hi: int) -> int:
        return bisect_right(self._owned, hi) - bisect_right(self._owned, lo - 1)

    def _is_internal(self, ip: int) -> bool:
        i = bisect_right(self._internal_starts, ip) - 1
        return i >= 0 and ip <= self._internal_ends[i]

    @staticmethod
    def _host_ranges(iface: Interface) -> list[tuple[int, int]]:
        return [host_range(int(a.network.network_address), a.network.prefixlen) for a in iface.addresses]

    def _has_missing_devices(self, node: Node, iface: Interface) -> bool:
        """Some host IP of the interface's subnets is owned by nobody (hosts never: they have no ARP IPs)."""
        k = (node.name, iface.name)
        hit = self._missing.get(k)
        if hit is not None:
            return hit
        missing = node.vendor != "host" and any(
            self._owned_in(lo, hi) < hi - lo + 1 for lo, hi in self._host_ranges(iface) if hi >= lo
        )
        self._missing[k] = missing
        return missing

    def _arp_failure(self, node: Node, out_name: str, arp_ip: IPv4Address | None, dst: int) -> Disposition:
        iface = node.interfaces.get(out_name)
        if iface is None or not self._has_missing_devices(node, iface):
            return "NEIGHBOR_UNREACHABLE"
        arp_for_dst = arp_ip is None
        in_subnet = any(lo <= dst <= hi for lo, hi in self._host_ranges(iface))
        internal = self._is_internal(dst)
        if arp_for_dst:
            if in_subnet and dst not in self._owned_set:
                return "DELIVERED_TO_SUBNET"
            if not internal:
                return "EXITS_NETWORK"
            if not in_subnet:
                return "INSUFFICIENT_INFO"
            return "NEIGHBOR_UNREACHABLE"
        assert arp_ip is not None
        if int(arp_ip) in self._owned_set:
            return "INSUFFICIENT_INFO"
        return "INSUFFICIENT_INFO" if internal else "EXITS_NETWORK"

    @staticmethod
    def _store(cache: dict[Any, Any], key: Any, value: Any) -> None:
        if len(cache) >= _CACHE_MAX:
            cache.clear()
        cache[key] = value


def _filters_of(reads: list[_Read]) -> frozenset[tuple[str, str]]:
    """(node, filter name) of the Filter steps of a flow's filter evaluations (``_FlowState.reads``;
    a reused sub-tree repeats its read tuples: each is read once)."""
    out: set[tuple[str, str]] = set()
    seen: set[int] = set()
    for r in reads:
        if id(r) in seen:
            continue
        seen.add(id(r))
        step = r[6] if r[0] == "F" else r[4]
        if step is None:
            continue  # no zone filter on that interface: no step
        node = r[1]
        name = step.detail.get("filter") or step.detail.get("name")
        if isinstance(name, str):
            out.add((node, name))
        out.update((node, a) for a in step.detail.get("acls", ()) if isinstance(a, str))
    return frozenset(out)


# The few most recent tracers, so repeated trace() calls on one data plane share the cached
# analysis. A DataPlane is treated as immutable once traced.
_TRACERS: list[Tracer] = []
_TRACERS_MAX = 4


def tracer_for(dp: DataPlane) -> Tracer:
    """The cached :class:`Tracer` of ``dp`` (created on first use)."""
    for tracer in _TRACERS:
        if tracer.dp is dp:
            return tracer
    tracer = Tracer(dp)
    _TRACERS.insert(0, tracer)
    del _TRACERS[_TRACERS_MAX:]
    return tracer


def release_tracers(keep: DataPlane | None = None) -> None:
    """Forget the cached tracers (except ``keep``'s): a failure sweep is done with a scenario's
    data plane once it is judged, and this cache would otherwise keep the last few scenarios
    (their RIBs, FIBs and every cache hung on them: hundreds of MB at 510 routers) alive while the
    next ones are computed."""
    _TRACERS[:] = [t for t in _TRACERS if t.dp is keep]


def trace(dp: DataPlane, flow: Flow) -> list[Trace]:
    """Every path of ``flow`` through ``dp``, depth first in Batfish's branching order."""
    return tracer_for(dp).trace(flow)


def dispositions(dp: DataPlane, flow: Flow) -> frozenset[Disposition]:
    """The set of dispositions of ``flow`` (what reachability checks compare)."""
    return frozenset(t.disposition for t in trace(dp, flow))
