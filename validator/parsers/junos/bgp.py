"""``protocols bgp``: groups and neighbours with Junos inheritance, to the model's BGP process.

Junos (and Batfish's ``JuniperConfiguration`` conversion): a neighbour inherits every setting of
its group, and the group those of ``protocols bgp``; the most specific level that sets
``import``/``export`` replaces the others (policy chains are not merged across levels). ``type
internal`` peers with the local AS. Communities are always sent. A group with ``cluster`` is a
route reflector for its neighbours. Import chains end in the default BGP import policy (accept);
export chains in the default BGP export policy (advertise active BGP routes only), so that non-BGP
routes reach a peer only when a policy accepts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from ipaddress import IPv4Address

from validator.model.config import BgpNeighbor, BgpProcess, BgpRedistribution, Interface
from validator.model.source import ParseWarning, SourceRef
from validator.parsers.junos.common import Ctx, integer, ip, values
from validator.parsers.junos.flatten import FlatLine
from validator.parsers.junos.policy import ChainBuilder, chain_accepts_non_bgp


@dataclass
class Level:
    """Settings one level (bgp, group, neighbour) may give; None = inherit."""

    source: SourceRef | None = None
    type: str | None = None
    peer_as: int | None = None
    local_as: int | None = None
    local_address: IPv4Address | None = None
    imports: tuple[str, ...] | None = None
    import_src: SourceRef | None = None
    exports: tuple[str, ...] | None = None
    export_src: SourceRef | None = None
    multipath: bool | None = None
    multiple_as: bool | None = None
    cluster: IPv4Address | None = None
    multihop: bool | None = None
    description: str | None = None
    password: str | None = None
    add_path_send: bool | None = None
    add_path_receive: bool | None = None
    shutdown: bool | None = None
    advertise_inactive: bool | None = None


@dataclass
class GroupDraft:
    name: str
    level: Level
    neighbors: dict[IPv4Address, Level] = field(default_factory=dict)


@dataclass
class BgpDraft:
    top: Level = field(default_factory=Level)
    groups: dict[str, GroupDraft] = field(default_factory=dict)


def parse_bgp(fl: FlatLine, bgp: BgpDraft, ctx: Ctx) -> None:
    w = fl.words[2:]  # after "protocols bgp"
    src = ctx.src(fl)
    if bgp.top.source is None:
        bgp.top.source = src
    if not w:
        return
    if w[0] == "group" and len(w) >= 2:
        grp = bgp.groups.get(w[1])
        if grp is None:
            grp = bgp.groups[w[1]] = GroupDraft(w[1], Level(source=src))
        rest = w[2:]
        if len(rest) >= 2 and rest[0] == "neighbor":
            addr = ip(rest[1])
            if addr is None:
                ctx.warn(fl, "neighbor address not modelled")  # IPv6, dynamic ranges
                return
            nb = grp.neighbors.get(addr)
            if nb is None:
                nb = grp.neighbors[addr] = Level(source=src)
            if not _setting(rest[2:], nb, src):
                ctx.warn(fl)
            return
        if not _setting(rest, grp.level, src):
            ctx.warn(fl)
        return
    if not _setting(w, bgp.top, src):
        ctx.warn(fl)


def _setting(c: tuple[str, ...], lv: Level, src: SourceRef) -> bool:
    if not c:
        return True
    key, args = c[0], c[1:]
    one = args[0] if len(args) == 1 else None
    if key == "type" and one in ("internal", "external"):
        lv.type = one
    elif key == "peer-as" and one is not None and integer(one) is not None:
        lv.peer_as = int(one)
    elif key == "local-as" and args and integer(args[0]) is not None:
        lv.local_as = int(args[0])  # options (private, no-prepend-global-as) not modelled
        return len(args) == 1
    elif key == "local-address" and one is not None and ip(one) is not None:
        lv.local_address = ip(one)
    elif key == "import" and one is not None:
        lv.imports = (lv.imports or ()) + tuple(values(one))
        lv.import_src = src
    elif key == "export" and one is not None:
        lv.exports = (lv.exports or ()) + tuple(values(one))
        lv.export_src = src
    elif key == "multipath" and (not args or args == ("multiple-as",)):
        lv.multipath = True
        lv.multiple_as = bool(args)
    elif key == "cluster" and one is not None and ip(one) is not None:
        lv.cluster = ip(one)
    elif key == "multihop" and (not args or (args[0] == "ttl" and len(args) == 2)):
        lv.multihop = True
    elif key == "description" and args:
        lv.description = " ".join(args)
    elif key == "authentication-key" and one is not None:
        lv.password = one
    elif key == "shutdown" and not args:
        lv.shutdown = True
    elif key == "advertise-inactive" and not args:
        lv.advertise_inactive = True
    elif c[:3] == ("family", "inet", "unicast"):
        rest = c[3:]
        if not rest:
            return True
        if rest == ("add-path", "receive"):
            lv.add_path_receive = True
        elif rest[:3] == ("add-path", "send", "path-count") and len(rest) == 4:
            lv.add_path_send = True
        else:
            return False
    elif key == "log-updown" and not args:
        pass  # logging only
    else:
        return False
    return True


def _merge(*levels: Level) -> Level:
    """Most specific level last: its non-None settings win."""
    out = Level()
    for lv in levels:
        for f in fields(Level):
            v = getattr(lv, f.name)
            if v is not None:
                setattr(out, f.name, v)
    return out


def build_bgp(
    bgp: BgpDraft,
    asn: int | None,
    asn_source: SourceRef | None,
    router_id: IPv4Address | None,
    interfaces: dict[str, Interface],
    chains: ChainBuilder,
    ctx: Ctx,
) -> BgpProcess | None:
    if bgp.top.source is None:
        return None
    if asn is None:
        ctx.warnings.append(
            _warning(ctx, bgp.top.source, "BGP without routing-options autonomous-system: not modelled")
        )
        return None
    owners = {a.ip: i.name for i in interfaces.values() for a in i.addresses}
    neighbors: list[BgpNeighbor] = []
    redistribute: set[str] = set()
    mp_ebgp = mp_ibgp = relax = False
    cluster_id: IPv4Address | None = None
    for grp in bgp.groups.values():
        for addr, nlv in grp.neighbors.items():
            lv = _merge(bgp.top, grp.level, nlv)
            assert nlv.source is not None
            internal = lv.type == "internal" or (lv.type is None and lv.peer_as == asn)
            remote_as = asn if lv.type == "internal" else lv.peer_as
            local_as = lv.local_as
            update_source = None
            if lv.local_address is not None:
                update_source = owners.get(lv.local_address)
                if update_source is None:
                    reason = f"local-address {lv.local_address} is on no interface"
                    ctx.warnings.append(_warning(ctx, nlv.source, reason))
            ref_in = lv.import_src or nlv.source
            ref_out = lv.export_src or nlv.source
            rm_in = chains.chain("bgp-import", lv.imports, ref_in) if lv.imports else None
            exports = lv.exports or ()
            rm_out = chains.chain("bgp-export", exports, ref_out)
            redistribute |= chain_accepts_non_bgp(chains.po, exports)
            if lv.multipath:
                if internal:
                    mp_ibgp = True
                else:
                    mp_ebgp = True
                relax = relax or bool(lv.multiple_as)
            if lv.cluster is not None:
                cluster_id = lv.cluster
            neighbors.append(
                BgpNeighbor(
                    source=nlv.source,
                    peer_ip=addr,
                    remote_as=remote_as,
                    local_as=local_as,
                    peer_group=grp.name,
                    description=lv.description,
                    update_source=update_source,
                    route_reflector_client=internal and lv.cluster is not None,
                    send_community=True,
                    send_community_extended=True,
                    ebgp_multihop=bool(lv.multihop),
                    route_map_in=rm_in,
                    route_map_out=rm_out,
                    shutdown=bool(lv.shutdown),
                    additional_paths_send=bool(lv.add_path_send),
                    additional_paths_receive=bool(lv.add_path_receive),
                    additional_paths_select_all=bool(lv.add_path_send),
                    password=lv.password,
                    advertise_inactive=bool(lv.advertise_inactive),
                )
            )
    src = bgp.top.source
    redists = tuple(
        BgpRedistribution(p, src, origin="igp") for p in ("connected", "static", "ospf") if p in redistribute
    )
    return BgpProcess(
        local_as=asn,
        source=asn_source or src,
        router_id=router_id,
        neighbors=tuple(neighbors),
        redistributions=redists,
        max_paths_ebgp=64 if mp_ebgp else 1,
        max_paths_ibgp=64 if mp_ibgp else 1,
        multipath_relax=relax,
        cluster_id=cluster_id,
    )


def _warning(ctx: Ctx, ref: SourceRef, reason: str) -> ParseWarning:
    return ParseWarning(ctx.file, ref.line, "protocols bgp", reason)
