"""Entry point: one Junos file (hierarchical or ``set`` form) to one vendor-neutral ``Node``.

The text is flattened first (``flatten.py``, as Batfish's ``FlatJuniper``), then every flat line is
dispatched by its first words to a stanza parser. Every line is modelled or returned as a
ParseWarning with its file line, so a change to anything the model does not understand makes the
gate fail closed, exactly as for IOS.
"""

from __future__ import annotations

from dataclasses import replace

from validator.errors import ConfigParseError
from validator.model.config import Acl, Node, OspfProcess, OspfRedistribution, RouteMap
from validator.model.management import ManagementPlane
from validator.model.source import ParseWarning, SourceRef
from validator.parsers.junos.bgp import BgpDraft, build_bgp, parse_bgp
from validator.parsers.junos.common import Ctx, unit_name
from validator.parsers.junos.firewall import FilterDraft, build_filter, parse_firewall_line
from validator.parsers.junos.flatten import FlatLine, flatten
from validator.parsers.junos.interfaces import PhysDraft, build_interfaces, parse_interface_line
from validator.parsers.junos.policy import (
    ChainBuilder,
    PolicyOptions,
    build_prefix_lists,
    chain_accepts_non_bgp,
    parse_policy_line,
)
from validator.parsers.junos.routing import (
    OspfDraft,
    RoutingOptions,
    build_statics,
    iface_ospf,
    parse_ospf,
    parse_routing_options,
)

__all__ = ["JUNOS_PREFERENCES", "parse_junos"]

# Junos default route preferences where they differ from IOS administrative distances (Juniper
# "Route Preference Values"; Batfish JuniperConfiguration): OSPF internal 10, OSPF external 150,
# BGP 170 (internal and external alike). Static routes carry their own (5) on the model object.
JUNOS_PREFERENCES = {"ospf": 10, "ospfIA": 10, "ospfE1": 150, "ospfE2": 150, "bgp": 170, "ibgp": 170}

_LO0_REASON = "loopback filter (traffic to the device) not simulated"

# top-level statements that cannot change IPv4 forwarding and are read without a model
_IGNORED_TOP = {"version"}


class _State:
    def __init__(self, file: str) -> None:
        self.ctx = Ctx(file)
        self.hostname: str | None = None
        self.ifaces: dict[str, PhysDraft] = {}
        self.filters: dict[str, FilterDraft] = {}
        self.po = PolicyOptions()
        self.ro = RoutingOptions()
        self.ospf = OspfDraft()
        self.bgp = BgpDraft()
        self.apply_groups: list[SourceRef] = []
        self.system: list[SourceRef] = []  # ``system`` statements other than host-name
        self.instances: dict[str, tuple[str, SourceRef]] = {}  # unit -> (routing-instance, line)


def parse_junos(text: str, file: str) -> Node:
    """Parse a Junos configuration; ``file`` is the snapshot-relative path used in SourceRefs.

    Raises ConfigParseError (file and line) when the text is not Junos at all or its braces do not
    balance.
    """
    flat = flatten(text, file)
    st = _State(file)
    for fl in flat:
        _dispatch(fl, st)
    if st.hostname is None and not st.ifaces:
        raise ConfigParseError("no recognisable Junos configuration", file=file, line=flat[0].line if flat else 1)
    return _build(st, flat)


def _dispatch(fl: FlatLine, st: _State) -> None:
    w = fl.words
    ctx = st.ctx
    head = w[0]
    if head == "system" and len(w) == 3 and w[1] == "host-name":
        st.hostname = w[2]
    elif head == "system":
        # login, services, syslog, NTP, AAA: the management plane is not modelled for Junos
        ctx.warn(fl, "Junos management plane not modelled")
        st.system.append(ctx.src(fl))
    elif head == "interfaces":
        parse_interface_line(fl, st.ifaces, ctx)
    elif head == "routing-options":
        parse_routing_options(fl, st.ro, ctx)
    elif head == "protocols" and len(w) >= 2 and w[1] == "ospf":
        parse_ospf(fl, st.ospf, ctx)
    elif head == "protocols" and len(w) >= 2 and w[1] == "bgp":
        parse_bgp(fl, st.bgp, ctx)
    elif head == "policy-options":
        parse_policy_line(fl, st.po, ctx)
    elif head == "firewall":
        parse_firewall_line(fl, st.filters, ctx)
    elif head == "routing-instances" and len(w) >= 4 and w[2] == "interface":
        # the unit leaves the default table; the instance's own routing is not modelled, so the
        # unit is put in a VRF of that name and made partial (flows across it are undecided)
        ctx.warn(fl, "routing-instance not modelled")
        st.instances[unit_name(w[3])] = (w[1], ctx.src(fl))
    elif head in _IGNORED_TOP:
        return
    elif head in ("insert", "rename", "copy"):
        # set-form edits that reorder, rename or duplicate statements are not applied: the order
        # of terms (or the names) they would give is unknown, so the device is partial like
        # apply-groups (an ``insert ... term a before term b`` must not leave b first unnoticed)
        ctx.warn(fl, f"'{head}' not applied")
        st.apply_groups.append(ctx.src(fl))
    elif "apply-groups" in w:
        # configuration groups are not expanded: whatever they would add is unknown, so every
        # interface, filter and policy of the device is partial (fail closed)
        ctx.warn(fl, "apply-groups not expanded")
        st.apply_groups.append(ctx.src(fl))
    else:
        ctx.warn(fl)


def _build(st: _State, flat: list[FlatLine]) -> Node:
    ctx = st.ctx
    hostname = st.hostname or "unnamed"
    name = hostname.lower()
    interfaces = build_interfaces(name, st.ifaces)
    for ifname, iface in list(interfaces.items()):
        ospf = iface_ospf(ifname, iface.kind == "loopback", st.ospf)
        if ospf is not None:
            interfaces[ifname] = replace(iface, ospf=ospf)
    for ifname, (instance, where) in st.instances.items():
        if ifname in interfaces:
            i = interfaces[ifname]
            interfaces[ifname] = replace(i, vrf=instance, ospf=None, unparsed=(*i.unparsed, where))
    for ifname, oi in st.ospf.interfaces.items():
        if ifname not in interfaces:
            ctx.undefined.append(("interface", ifname, oi.source))

    prefix_lists = build_prefix_lists(st.po)
    nets_of = {n: [net for net, ref in e if ref.line > 0] for n, e in st.po.prefix_lists.items()}
    acls: dict[str, Acl] = {n: build_filter(f, nets_of, ctx) for n, f in st.filters.items()}
    for iface in interfaces.values():
        for acl, ref in ((iface.acl_in, iface.acl_in_source), (iface.acl_out, iface.acl_out_source)):
            if acl is not None and acl not in acls and ref is not None:
                ctx.undefined.append(("filter", acl, ref))

    chains = ChainBuilder(st.po, ctx)
    ospf_procs: tuple[OspfProcess, ...] = ()
    if st.ospf.source is not None and not st.ospf.disabled:
        redists: tuple[OspfRedistribution, ...] = ()
        if st.ospf.export:
            ref = st.ospf.export_source or st.ospf.source
            rm = chains.chain("ospf-export", st.ospf.export, ref)
            accepted = chain_accepts_non_bgp(st.po, st.ospf.export) | _bgp_if_named(st.po, st.ospf.export)
            # Junos exports a route with its own metric (0 for direct and static) as a type-2
            # external unless a policy sets ``metric`` (Juniper "OSPF export policy")
            redists = tuple(
                OspfRedistribution(p, ref, subnets=True, metric=0, metric_type=2, route_map=rm)
                for p in ("connected", "static", "bgp")
                if p in accepted
            )
        ospf_procs = (
            OspfProcess(
                "default",
                st.ospf.source,
                router_id=st.ro.router_id,
                reference_bandwidth=st.ospf.reference_bandwidth,
                redistributions=redists,
            ),
        )
    bgp = build_bgp(st.bgp, st.ro.asn, st.ro.asn_source, st.ro.router_id, interfaces, chains, ctx)
    prefix_lists.update(chains.prefix_lists)
    route_maps: dict[str, RouteMap] = dict(chains.route_maps)

    # a loopback input filter guards traffic to the routing engine, whichever interface it arrives
    # on; the engine does not simulate that, so flows delivered to this device are undecided
    local: list[SourceRef] = []
    for iface in interfaces.values():
        if iface.kind == "loopback" and iface.acl_in_source is not None:
            local.append(iface.acl_in_source)
            ctx.warnings.append(
                ParseWarning(ctx.file, iface.acl_in_source.line, f"filter input {iface.acl_in}", _LO0_REASON)
            )

    if ctx.ranges:
        ranges = tuple(ctx.ranges)
        interfaces = {n: replace(i, unparsed=i.unparsed + ranges) for n, i in interfaces.items()}

    if st.apply_groups:
        groups = tuple(st.apply_groups)
        interfaces = {n: replace(i, unparsed=i.unparsed + groups) for n, i in interfaces.items()}
        acls = {n: replace(a, unparsed=a.unparsed + groups) for n, a in acls.items()}
        route_maps = {n: replace(m, unparsed=m.unparsed + groups) for n, m in route_maps.items()}

    return Node(
        name=name,
        hostname=hostname,
        file=ctx.file,
        vendor="juniper",
        interfaces=interfaces,
        acls=acls,
        route_maps=route_maps,
        prefix_lists=prefix_lists,
        community_lists=dict(st.po.communities),
        as_path_lists=dict(st.po.as_paths),
        static_routes=tuple(build_statics(st.ro)),
        ospf=ospf_procs,
        bgp=bgp,
        warnings=tuple(sorted(dict.fromkeys(ctx.warnings), key=lambda w: w.line)),
        undefined_references=tuple(dict.fromkeys(ctx.undefined)),
        admin_distances=dict(JUNOS_PREFERENCES),
        local_delivery_unparsed=tuple(local) + tuple(st.apply_groups),
        # not modelled: a ``management`` policy on this device is undecided, never a pass
        management=ManagementPlane(unparsed=tuple(st.system) or (SourceRef(ctx.file, 1),)),
    )


def _bgp_if_named(po: PolicyOptions, chain: tuple[str, ...]) -> set[str]:
    """OSPF export of BGP routes only when a term names ``from protocol bgp`` (a term without a
    protocol condition exports the direct and static routes it matches, and BGP's too)."""
    for pname in chain:
        pol = po.policies.get(pname)
        if pol is None:
            continue
        for term in pol.terms.values():
            if term.action != "reject" and (not term.protocols or "bgp" in term.protocols):
                return {"bgp"}
    return set()
