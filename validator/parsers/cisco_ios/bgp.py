"""``router bgp``: neighbors and peer-groups with inheritance applied (semantics 4a), origination.

Settings are gathered per peer (an IP neighbor, a named peer-group, or the process-level "master"
group that AF-level ``bgp additional-paths`` lands on) as "set fields"; a neighbor's effective value
is its own, else its peer-group's, else the master's, else the IOS default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network
from typing import Any, Literal

from validator.model.config import BgpAggregate, BgpNeighbor, BgpNetwork, BgpProcess, BgpRedistribution
from validator.model.source import SourceRef
from validator.parsers.cisco_ios.common import (
    Context,
    Line,
    LineError,
    Stanza,
    asn,
    integer,
    interface_words,
    ip,
    is_ip,
    network,
)
from validator.parsers.cisco_ios.tables import IGNORED_BGP, IGNORED_NEIGHBOR, match_ignorable

# Undefined-reference kind of a peer-group (Batfish CiscoStructureType.BGP_PEER_GROUP)
PEER_GROUP_KIND = "bgp peer-group"

# Effective defaults of every inheritable neighbor field (IOS / Batfish MasterBgpPeerGroup).
NEIGHBOR_DEFAULTS: dict[str, Any] = {
    "remote_as": None,
    "local_as": None,
    "description": None,
    "update_source": None,
    "route_reflector_client": False,
    "send_community": False,
    "send_community_extended": False,
    "next_hop_self": False,
    "ebgp_multihop": False,
    "allowas_in": False,
    "route_map_in": None,
    "route_map_out": None,
    "prefix_list_in": None,
    "prefix_list_out": None,
    "activate": True,
    "shutdown": False,
    "additional_paths_send": False,
    "additional_paths_receive": False,
    "additional_paths_select_all": False,
    "default_originate": False,
    "password": None,
    "maximum_prefix": None,
}


@dataclass
class Peer:
    source: SourceRef
    settings: dict[str, Any] = field(default_factory=dict)
    peer_group: str | None = None


@dataclass
class BgpDraft:
    local_as: int
    source: SourceRef
    router_id: IPv4Address | None = None
    cluster_id: IPv4Address | None = None
    client_to_client: bool = True
    multipath_relax: bool = False
    max_paths_ebgp: int = 1
    max_paths_ibgp: int = 1
    master: Peer = field(default_factory=lambda: Peer(SourceRef("", 0)))
    groups: dict[str, Peer] = field(default_factory=dict)  # declared with ``neighbor G peer-group``
    peers: dict[IPv4Address, Peer] = field(default_factory=dict)
    listens: list[tuple[IPv4Network, str, SourceRef]] = field(default_factory=list)
    networks: list[BgpNetwork] = field(default_factory=list)
    aggregates: list[BgpAggregate] = field(default_factory=list)
    redistributions: list[BgpRedistribution] = field(default_factory=list)

    def _effective(self, own: Peer, group_name: str | None) -> dict[str, Any]:
        group = self.groups.get(group_name) if group_name else None
        out: dict[str, Any] = {}
        for key, default in NEIGHBOR_DEFAULTS.items():
            for layer in (own, group, self.master):
                if layer is not None and key in layer.settings:
                    out[key] = layer.settings[key]
                    break
            else:
                out[key] = default
        return out

    @staticmethod
    def _neighbor(eff: dict[str, Any], **kw: Any) -> BgpNeighbor:
        activate = eff.pop("activate")
        shutdown = eff["shutdown"]
        return BgpNeighbor(active=bool(activate) and not shutdown, **eff, **kw)

    def freeze(self) -> BgpProcess:
        neighbors: list[BgpNeighbor] = []
        for peer_ip, peer in self.peers.items():
            eff = self._effective(peer, peer.peer_group)
            neighbors.append(self._neighbor(eff, source=peer.source, peer_ip=peer_ip, peer_group=peer.peer_group))
        for prefix, group, src in self.listens:
            eff = self._effective(Peer(src), group)
            neighbors.append(self._neighbor(eff, source=src, peer_prefix=prefix, peer_group=group))
        return BgpProcess(
            local_as=self.local_as,
            source=self.source,
            router_id=self.router_id,
            neighbors=tuple(neighbors),
            networks=tuple(self.networks),
            aggregates=tuple(self.aggregates),
            redistributions=tuple(self.redistributions),
            max_paths_ebgp=self.max_paths_ebgp,
            max_paths_ibgp=self.max_paths_ibgp,
            multipath_relax=self.multipath_relax,
            cluster_id=self.cluster_id,
            client_to_client_reflection=self.client_to_client,
        )


def parse_router_bgp(stanza: Stanza, ctx: Context) -> BgpDraft | None:
    head = stanza.head
    w = head.words
    try:
        if len(w) != 3:
            raise LineError("expected router bgp ASN")
        proc = BgpDraft(asn(w[2]), ctx.src(head))
    except LineError as e:
        ctx.warn(head, f"unparsable router bgp: {e}")
        for child in stanza.children:
            ctx.warn(child, "inside an unparsed router bgp")
        return None
    proc.master = Peer(ctx.src(head))
    ctx.ok(head)
    af_indent: int | None = None  # indent of the current address-family line
    af_skipped: str | None = None  # an address family we do not model
    for line in stanza.children:
        low = [x.lower() for x in line.words]
        if af_indent is not None and (line.indent <= af_indent or low[0] == "exit-address-family"):
            af_indent, af_skipped = None, None
            if low[0] == "exit-address-family":
                ctx.ok(line)
                continue
        if low[0] == "address-family":
            af_indent = line.indent
            if low[1:] in (["ipv4"], ["ipv4", "unicast"]):
                ctx.ok(line)
            else:
                af_skipped = " ".join(line.words[1:])
                ctx.warn(line, f"address-family {af_skipped} not modelled")
            continue
        if af_skipped is not None:
            ctx.warn(line, f"inside address-family {af_skipped}, not modelled")
            continue
        ctx.child(line, lambda ln: _bgp_line(proc, ln, [x.lower() for x in ln.words], ctx), IGNORED_BGP)
    return proc


def _bgp_line(p: BgpDraft, line: Line, low: list[str], ctx: Context) -> bool:
    w = line.words
    n = len(w)
    if low[0] == "neighbor" and n >= 3:
        return _neighbor_line(p, line, w[1], w[2:], negated=False, ctx=ctx)
    if low[:2] == ["no", "neighbor"] and n >= 4:
        return _neighbor_line(p, line, w[2], w[3:], negated=True, ctx=ctx)
    if (low[:2] == ["bgp", "router-id"] and n == 3) or (low[0] == "router-id" and n == 2):
        # ``router-id`` without ``bgp`` is Batfish's router_id_bgp_tail (EOS / NX-OS spelling)
        p.router_id = ip(w[-1])
        return True
    if low[:2] == ["bgp", "cluster-id"] and n == 3:
        p.cluster_id = ip(w[2]) if is_ip(w[2]) else IPv4Address(integer(w[2]))
        return True
    if low == ["bgp", "bestpath", "as-path", "multipath-relax"]:
        p.multipath_relax = True
        return True
    if low == ["no", "bgp", "client-to-client", "reflection"]:
        p.client_to_client = False
        return True
    if low == ["bgp", "client-to-client", "reflection"]:
        p.client_to_client = True
        return True
    if low[:2] == ["bgp", "additional-paths"] and n >= 3:
        return _additional_paths(p.master, low[2:])
    if low[:3] == ["bgp", "listen", "range"] and n == 6 and low[4] == "peer-group":
        p.listens.append((network(w[3]), w[5], ctx.src(line)))
        ctx.ref(PEER_GROUP_KIND, w[5], line)
        return True
    if low[0] == "network" and n >= 2:
        return _network(p, line, low, ctx)
    if low[0] == "aggregate-address" and n >= 2:
        return _aggregate(p, line, low, ctx)
    if low[0] == "redistribute" and n >= 2:
        return _redistribute(p, line, low, ctx)
    if low[0] == "maximum-paths":
        return _maximum_paths(p, line, low)
    return False


# Cisco IOS XE "maximum-paths number-of-paths: the range is 1 to 32" (BGP configuration guide);
# the Arista form ``maximum-paths N ecmp M`` (EOS, accepted by Batfish's Cisco grammar
# ``maximum_paths_bgp_tail: MAXIMUM_PATHS (EBGP|IBGP|EIBGP)? paths (ECMP ecmp_paths)?``) allows
# larger fabrics: EOS documents paths and ecmp up to the platform's ECMP width (at most 1024 here).
IOS_MAX_PATHS = 32
EOS_MAX_PATHS = 1024


def _maximum_paths(p: BgpDraft, line: Line, low: list[str]) -> bool:
    """``maximum-paths [ebgp|ibgp|eibgp] N [ecmp M] [selective]``: N paths (M only bounds the
    hardware ECMP group, which the model does not have)."""
    args = low[1:]
    if args and args[-1] == "selective":
        args = args[:-1]
    kind = "ebgp"
    if args and args[0] in ("ebgp", "ibgp", "eibgp"):
        kind, args = args[0], args[1:]
    if len(args) == 3 and args[1] == "ecmp":
        value = integer(args[0], 1, EOS_MAX_PATHS)
        ecmp = integer(args[2], 1, EOS_MAX_PATHS)
        if ecmp < value:
            raise LineError(f"ecmp {ecmp} is smaller than maximum-paths {value}")
    elif len(args) == 1:
        value = integer(args[0], 1, IOS_MAX_PATHS)
    else:
        raise LineError("expected maximum-paths [ebgp|ibgp|eibgp] N [ecmp M]")
    if kind in ("ebgp", "eibgp"):
        p.max_paths_ebgp = value
    if kind in ("ibgp", "eibgp"):
        p.max_paths_ibgp = value
    return True


def _additional_paths(peer: Peer, args: list[str]) -> bool:
    if args == ["select", "all"]:
        peer.settings["additional_paths_select_all"] = True
        return True
    if args in (["send", "receive"], ["receive", "send"], ["send"], ["receive"]):
        peer.settings["additional_paths_send"] = "send" in args
        peer.settings["additional_paths_receive"] = "receive" in args
        return True
    if args == ["disable"]:
        peer.settings["additional_paths_send"] = False
        peer.settings["additional_paths_receive"] = False
        return True
    return False


def _neighbor_line(p: BgpDraft, line: Line, target: str, args: list[str], negated: bool, ctx: Context) -> bool:
    low = [x.lower() for x in args]
    if low[:2] == ["peer", "group"]:  # Arista spelling
        low = ["peer-group", *low[2:]]
        args = ["peer-group", *args[2:]]
    if not is_ip(target) and (":" in target or re.fullmatch(r"[0-9.]+", target)):
        # an IPv6 neighbor (not modelled) or a malformed address: never a peer-group name
        raise LineError(f"neighbor {target!r} is not an IPv4 address or a peer-group name")
    if is_ip(target):
        addr = ip(target)
        peer = p.peers.get(addr)
        if peer is None:
            peer = p.peers[addr] = Peer(ctx.src(line))
    else:
        if low == ["peer-group"] and not negated:
            p.groups.setdefault(target, Peer(ctx.src(line)))
            return True
        group = p.groups.get(target)
        if group is None:
            # IOS refuses a setting for a peer-group that was never declared; Batfish records an
            # undefined ``bgp peer-group`` reference and applies the line to a throwaway group.
            ctx.ref(PEER_GROUP_KIND, target, line)
            group = Peer(ctx.src(line))
        peer = group
    if match_ignorable(args, IGNORED_NEIGHBOR) is not None:
        return True
    s = peer.settings
    cmd = low[0]
    n = len(args)
    if negated:
        if low == ["activate"]:
            s["activate"] = False
            return True
        if low == ["shutdown"]:
            s["shutdown"] = False
            return True
        if low[:1] in (["password"], ["maximum-prefix"]):
            s[low[0].replace("-", "_")] = None
            return True
        return False
    if cmd == "peer-group" and n == 2 and is_ip(target):
        peer.peer_group = args[1]
        ctx.ref(PEER_GROUP_KIND, args[1], line)  # resolved against the declared groups at the end
        return True
    if cmd == "remote-as" and n == 2:
        s["remote_as"] = asn(args[1])
        return True
    if cmd == "local-as" and n == 2:
        s["local_as"] = asn(args[1])
        return True
    if cmd == "description":
        s["description"] = line.text.split(None, 3)[3] if len(line.words) > 3 else ""
        return True
    if cmd == "update-source" and n >= 2:
        name, end = interface_words(args, 1)
        if end != n:
            return False
        s["update_source"] = name
        ctx.ref("interface", name, line)
        return True
    if low == ["route-reflector-client"]:
        s["route_reflector_client"] = True
        return True
    if cmd == "send-community" and n <= 2:
        kind = low[1] if n == 2 else "standard"
        if kind not in ("standard", "extended", "both"):
            return False
        if kind in ("standard", "both"):
            s["send_community"] = True
        if kind in ("extended", "both"):
            s["send_community_extended"] = True
        return True
    if cmd == "next-hop-self" and (n == 1 or low[1:] == ["all"]):
        s["next_hop_self"] = True
        return True
    if cmd == "ebgp-multihop" and n <= 2:
        if n == 2:
            integer(args[1], 1, 255)
        s["ebgp_multihop"] = True
        return True
    if cmd == "allowas-in" and n <= 2:
        s["allowas_in"] = True
        return True
    if cmd in ("route-map", "prefix-list") and n == 3 and low[2] in ("in", "out"):
        key = f"{cmd.replace('-', '_')}_{low[2]}"
        s[key] = args[1]
        ctx.ref(cmd, args[1], line)
        return True
    if low == ["activate"]:
        s["activate"] = True
        return True
    if low == ["shutdown"]:
        s["shutdown"] = True
        return True
    if cmd == "additional-paths" and n >= 2:
        return _additional_paths(peer, low[1:])
    if low == ["default-originate"]:
        s["default_originate"] = True
        return True
    return _auth_and_limits(s, args, low)


_TYPE7_KEY = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"


def _type7_plain(text: str) -> str:
    """Cisco type-7 obfuscation undone (the published XOR scheme), so ``password 7 ...`` on one
    end and the same key in clear on the other compare equal; an undecodable value stays as is."""
    try:
        seed = int(text[:2])
        raw = bytes.fromhex(text[2:])
        return "".join(chr(b ^ ord(_TYPE7_KEY[(seed + i) % len(_TYPE7_KEY)])) for i, b in enumerate(raw))
    except (ValueError, IndexError):
        return "7 " + text


def _auth_and_limits(s: dict[str, Any], args: list[str], low: list[str]) -> bool:
    """``password [0|7] KEY`` (TCP MD5: ends that disagree never establish, see engine/bgp.py)
    and ``maximum-prefix N [THRESHOLD] [warning-only | restart MIN]``."""
    n = len(args)
    if low[0] == "password" and n >= 2:
        if n >= 3 and low[1] in ("0", "7"):
            key = " ".join(args[2:])
            s["password"] = _type7_plain(key) if low[1] == "7" else key
        else:
            s["password"] = " ".join(args[1:])
        return True
    if low[0] == "maximum-prefix" and n >= 2:
        s["maximum_prefix"] = integer(args[1], 1, 2**32 - 1)
        rest = low[2:]
        if rest and rest[0].isdigit():
            integer(rest[0], 1, 100)
            rest = rest[1:]
        if rest in ([], ["warning-only"]) or (len(rest) == 2 and rest[0] == "restart" and rest[1].isdigit()):
            return True
        s["maximum_prefix"] = None
        return False
    return False


def _network(p: BgpDraft, line: Line, low: list[str], ctx: Context) -> bool:
    w = line.words
    i = 2
    if len(w) > 3 and low[2] == "mask":
        prefix = network(w[1], w[3])
        i = 4
    else:
        prefix = network(w[1])
    route_map: str | None = None
    if i < len(w):
        if low[i] == "route-map" and i + 2 == len(w):
            route_map = w[i + 1]
            ctx.ref("route-map", route_map, line)
        else:
            return False
    p.networks.append(BgpNetwork(prefix, ctx.src(line), route_map))
    return True


def _aggregate(p: BgpDraft, line: Line, low: list[str], ctx: Context) -> bool:
    w = line.words
    if "/" in w[1]:
        prefix, i = network(w[1]), 2
    elif len(w) > 2:
        prefix, i = network(w[1], w[2]), 3
    else:
        raise LineError("aggregate-address needs a mask")
    options = set(low[i:])
    if not options <= {"summary-only", "as-set"}:
        return False
    p.aggregates.append(BgpAggregate(prefix, ctx.src(line), "summary-only" in options, "as-set" in options))
    return True


def _redistribute(p: BgpDraft, line: Line, low: list[str], ctx: Context) -> bool:
    w = line.words
    proto = low[1]
    i = 2
    if proto == "ospf":
        if len(w) < 3 or not w[2].isdigit():
            return False
        i = 3
    elif proto not in ("connected", "static"):
        return False
    route_map: str | None = None
    metric: int | None = None
    while i < len(w):
        if low[i] == "route-map" and i + 1 < len(w):
            route_map = w[i + 1]
            ctx.ref("route-map", route_map, line)
            i += 2
        elif low[i] == "metric" and i + 1 < len(w):
            metric = integer(w[i + 1])
            i += 2
        else:
            return False
    protocol: Literal["connected", "static", "ospf"] = (
        "connected" if proto == "connected" else "static" if proto == "static" else "ospf"
    )
    p.redistributions.append(BgpRedistribution(protocol, ctx.src(line), route_map, metric))
    return True


# Public name of the per-line handler: the Arista EOS parser applies the ``router bgp`` lines EOS
# shares with IOS (neighbors, peer groups, networks, aggregates) through it.
bgp_line = _bgp_line
