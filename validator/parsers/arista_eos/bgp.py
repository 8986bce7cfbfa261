"""EOS ``router bgp``: the lines shared with IOS go through the IOS handler (neighbors, peer
groups in both spellings, networks, aggregates); EOS semantics are applied here.

Where EOS differs (Batfish ``AristaConfiguration.toEosBgpProcess``, ``AristaConversions``,
``representation/arista/eos/AristaBgpVrf``):
- a neighbor carries IPv4 routes only when activated for IPv4 unicast: on by default, off after
  ``no bgp default ipv4-unicast`` unless ``neighbor X activate`` under ``address-family ipv4``;
- communities are sent only with ``neighbor X send-community`` (Batfish: ``firstNonNull(
  getSendCommunity(), FALSE)``); a bare ``send-community`` sends standard and extended ones;
- ``maximum-paths N [ecmp M]`` enables multipath for eBGP and iBGP alike, and
  ``bgp bestpath as-path multipath-relax`` is on by default;
- eBGP, iBGP and local routes all have administrative distance 200 (``distance bgp`` overrides);
- redistributed connected routes get origin IGP; ``redistribute ospf`` includes external routes;
  a redistributed default route is not filtered out (Batfish leaves ``redistributeDefaultRoute``
  a TODO: its Arista redistribution policy matches 0.0.0.0/0 like any route);
- a neighbor with both a route-map and a prefix-list in one direction uses the route-map only.
Only the default VRF is modelled: a ``vrf NAME`` block is warned line by line and the parser
marks the VRF's interfaces partial (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from validator.model.config import BgpProcess, BgpRedistribution
from validator.model.source import ParseWarning, SourceRef
from validator.parsers.arista_eos.tables import IGNORED_BGP, IGNORED_NEIGHBOR
from validator.parsers.cisco_ios.bgp import PEER_GROUP_KIND, BgpDraft, Peer, bgp_line
from validator.parsers.cisco_ios.common import Context, Line, LineError, Stanza, asn, integer, ip, is_ip
from validator.parsers.cisco_ios.tables import match_ignorable

# Arista EOS "maximum-paths: 1 to 128 (platform dependent)"; ``ecmp`` the hardware group size.
EOS_MAX_PATHS = 1024
EOS_BGP_DISTANCE = 200


@dataclass
class EosBgp:
    draft: BgpDraft
    default_ipv4_unicast: bool = True
    multipath_relax: bool = True
    max_paths: int = 1
    ebgp_admin: int = EOS_BGP_DISTANCE
    ibgp_admin: int = EOS_BGP_DISTANCE
    vrfs: dict[str, SourceRef] = field(default_factory=dict)  # unmodelled ``vrf NAME`` blocks

    def freeze(self, ctx: Context) -> BgpProcess:
        d = self.draft
        d.master.settings.setdefault("activate", self.default_ipv4_unicast)
        d.max_paths_ebgp = d.max_paths_ibgp = self.max_paths
        d.multipath_relax = self.multipath_relax
        proc = d.freeze()
        neighbors = []
        for nb in proc.neighbors:
            # Batfish AristaConversions.toBgpNeighbor: with both in one direction, "Preferring route map"
            if nb.route_map_in is not None and nb.prefix_list_in is not None:
                ctx.warnings.append(
                    _warning(
                        nb.source,
                        f"prefix-list {nb.prefix_list_in} in ignored: route-map wins",
                    )
                )
                nb = replace(nb, prefix_list_in=None)
            if nb.route_map_out is not None and nb.prefix_list_out is not None:
                ctx.warnings.append(
                    _warning(
                        nb.source,
                        f"prefix-list {nb.prefix_list_out} out ignored: route-map wins",
                    )
                )
                nb = replace(nb, prefix_list_out=None)
            neighbors.append(nb)
        return replace(proc, neighbors=tuple(neighbors), ebgp_admin=self.ebgp_admin, ibgp_admin=self.ibgp_admin)


def _warning(src: SourceRef, reason: str) -> ParseWarning:
    return ParseWarning(src.file, src.line, "", reason)


def parse_eos_router_bgp(stanza: Stanza, ctx: Context) -> EosBgp | None:
    head = stanza.head
    w = head.words
    try:
        if len(w) != 3:
            raise LineError("expected router bgp ASN")
        draft = BgpDraft(asn(w[2]), ctx.src(head))
    except LineError as e:
        ctx.warn(head, f"unparsable router bgp: {e}")
        for child in stanza.children:
            ctx.warn(child, "inside an unparsed router bgp")
        return None
    draft.master = Peer(ctx.src(head))
    proc = EosBgp(draft)
    ctx.ok(head)
    block: tuple[int, str, str] | None = None  # (indent, kind, label) of the open af/vrf block
    for line in stanza.children:
        low = [x.lower() for x in line.words]
        if block is not None and line.indent <= block[0]:
            block = None
        if block is None and low[0] == "vrf" and len(low) == 2:
            proc.vrfs[line.words[1]] = ctx.src(line)
            ctx.warn(line, "BGP in a non-default VRF is not modelled (the VRF's interfaces are partial)")
            block = (line.indent, "skip", f"vrf {line.words[1]}")
            continue
        if block is None and low[0] == "address-family":
            if low[1:] in (["ipv4"], ["ipv4", "unicast"]):
                ctx.ok(line)
                block = (line.indent, "ipv4", "")
            else:
                label = " ".join(line.words[1:])
                ctx.warn(line, f"address-family {label} not modelled")
                block = (line.indent, "skip", f"address-family {label}")
            continue
        if block is not None and block[1] == "skip":
            ctx.warn(line, f"inside {block[2]}, not modelled")
            continue
        ctx.child(line, lambda ln: _eos_bgp_line(proc, ln, ctx), IGNORED_BGP)
    return proc


def _eos_bgp_line(p: EosBgp, line: Line, ctx: Context) -> bool:
    w = line.words
    low = [x.lower() for x in w]
    n = len(w)
    if low == ["no", "bgp", "default", "ipv4-unicast"]:
        p.default_ipv4_unicast = False
        return True
    if low == ["bgp", "default", "ipv4-unicast"]:
        p.default_ipv4_unicast = True
        return True
    if low == ["bgp", "bestpath", "as-path", "multipath-relax"]:
        p.multipath_relax = True
        return True
    if low == ["no", "bgp", "bestpath", "as-path", "multipath-relax"]:
        p.multipath_relax = False
        return True
    if low[0] == "maximum-paths" and n in (2, 4):
        value = integer(w[1], 1, EOS_MAX_PATHS)
        if n == 4:
            if low[2] != "ecmp":
                return False
            if integer(w[3], 1, EOS_MAX_PATHS) < value:
                raise LineError("ecmp is smaller than maximum-paths")
        p.max_paths = value
        return True
    if low[:2] == ["distance", "bgp"] and n in (3, 5):
        p.ebgp_admin = integer(w[2], 1, 255)
        if n == 5:
            p.ibgp_admin = integer(w[3], 1, 255)
            integer(w[4], 1, 255)  # local routes: not in the main RIB (non-routing)
        return True
    if low[0] == "redistribute" and n >= 2:
        return _redistribute(p, line, low, ctx)
    if low[0] == "neighbor" and n >= 3 and (is_ip(w[1]) or not w[1][:1].isdigit()):
        handled = _neighbor(p, line, w[1], w[2:], ctx)
        if handled is not None:
            return handled
    if low[0] in ("neighbor", "no") and match_ignorable(w[2:] if low[0] == "neighbor" else w[3:], IGNORED_NEIGHBOR):
        return True
    if low[:2] == ["bgp", "bestpath"] or low[:2] == ["bgp", "always-compare-med"]:
        return False  # other tie-breaker changes: not modelled
    return bgp_line(p.draft, line, low, ctx)


def _target(p: EosBgp, target: str, line: Line, ctx: Context) -> Peer:
    d = p.draft
    if is_ip(target):
        addr = ip(target)
        peer = d.peers.get(addr)
        if peer is None:
            peer = d.peers[addr] = Peer(ctx.src(line))
        return peer
    group = d.groups.get(target)
    if group is None:
        ctx.ref(PEER_GROUP_KIND, target, line)  # undefined group: a throwaway, as in the IOS parser
        return Peer(ctx.src(line))
    return group


def _neighbor(p: EosBgp, line: Line, target: str, args: list[str], ctx: Context) -> bool | None:
    """The EOS-only neighbor forms; None lets the IOS handler take the line."""
    low = [x.lower() for x in args]
    if low[0] == "send-community":
        kinds = set(low[1:]) or {"standard", "extended", "large"}
        if not kinds <= {"standard", "extended", "large"}:
            return False  # ``add`` / ``remove`` / link-bandwidth forms
        s = _target(p, target, line, ctx).settings
        s["send_community"] = "standard" in kinds
        s["send_community_extended"] = "extended" in kinds
        return True
    if low[0] == "maximum-routes" and len(args) >= 2:
        value = integer(args[1])
        rest = low[2:]
        if rest not in ([], ["warning-only"]):
            return False
        # EOS: 0 means no limit; ``warning-only`` keeps the session up
        _target(p, target, line, ctx).settings["maximum_prefix"] = None if value == 0 or rest else value
        return True
    if low[0] == "maximum-accepted-routes":
        return False
    return None


def _redistribute(p: EosBgp, line: Line, low: list[str], ctx: Context) -> bool:
    """``redistribute connected|static|ospf [route-map RM]`` (EOS: no OSPF process id)."""
    w = line.words
    proto = low[1]
    if proto not in ("connected", "static", "ospf"):
        return False
    route_map: str | None = None
    if len(w) == 4 and low[2] == "route-map":
        route_map = w[3]
        ctx.ref("route-map", route_map, line)
    elif len(w) != 2:
        return False  # ``match internal|external``, ``include leaked``, ``ospfv3``: not modelled
    protocol: Literal["connected", "static", "ospf"] = (
        "connected" if proto == "connected" else "static" if proto == "static" else "ospf"
    )
    p.draft.redistributions.append(
        BgpRedistribution(
            protocol,
            ctx.src(line),
            route_map,
            None,
            origin="igp" if protocol == "connected" else "incomplete",
            include_external=protocol == "ospf",
            include_default=True,
        )
    )
    return True
