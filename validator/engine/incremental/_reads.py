"""When BGP reads only the IGP: the conditions under which the incremental engine may decompose BGP
by prefix (no BGP route covers a BGP next hop or a static's next hop), checked once for the base
run and, per scenario, on what changed only. Where they fail it raises ``Unsupported`` and the
scenario is computed by the reference engine."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING, Any

from validator.engine.bgp import SpeakerKey
from validator.engine.incremental._bgp import Unsupported
from validator.engine.rib import MainRib, static_routes
from validator.engine.topology import IfaceKey
from validator.model.prefix import MASKS
from validator.model.snapshot import Snapshot

if TYPE_CHECKING:  # annotations only: _core imports this module
    from validator.engine.incremental._core import IgpDelta, Ribs, State


def check_igp_independence(
    snapshot: Snapshot, active: frozenset[IfaceKey], igp: Ribs
) -> dict[SpeakerKey, set[IPv4Address]]:
    """Raise Unsupported when the IGP may read BGP routes; return the static next hops that would
    install only through a BGP route (no BGP prefix may ever cover them)."""
    strict: dict[SpeakerKey, set[IPv4Address]] = {}
    for name, node in snapshot.nodes.items():
        redist_static = False
        for proc in node.ospf:
            for redist in proc.redistributions:
                if redist.protocol == "bgp":
                    raise Unsupported("OSPF redistributes BGP")
                if redist.protocol == "static":
                    redist_static = True
        if not node.static_routes:
            continue
        if redist_static and any(sr.admin_distance >= 20 for sr in node.static_routes):
            raise Unsupported("floating static redistributed into OSPF")
        by_ip = [
            sr
            for sr in node.static_routes
            if sr.next_hop_interface is None and not sr.discard and sr.next_hop_ip is not None
        ]
        if not by_ip:
            continue
        installed = {(r.vrf, r.network, r.next_hop.ip) for r in static_routes(node, active, igp.get(name, {}))}
        for sr in by_ip:
            if (sr.vrf, sr.network, sr.next_hop_ip) not in installed:
                assert sr.next_hop_ip is not None
                strict.setdefault((name, sr.vrf), set()).add(sr.next_hop_ip)
    return strict


def _lpm_len(rib: MainRib | None, q: IPv4Address) -> int:
    if rib is None:
        return 33  # nothing may cover it
    m = rib.longest_prefix_match(q)
    return m[0].network.prefixlen if m else -1


_MASKS = [((0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF) if n else 0 for n in range(33)]


def _covered(prefix_keys: Any, q: IPv4Address, min_len: int) -> bool:
    a = int(q)
    return any((a & _MASKS[n], n) in prefix_keys for n in range(max(min_len, 0), 33))


def check_bgp_reads(
    igp: Ribs,
    strict: dict[SpeakerKey, set[IPv4Address]],
    nh_users: dict[SpeakerKey, Any],
    bgp_prefixes: dict[SpeakerKey, set[IPv4Network]],
    speakers: set[SpeakerKey] | None = None,
) -> None:
    """BGP routes never answer a next-hop lookup BGP made, nor resolve a static: the prefix-wise run
    then equals the reference's."""
    keys = set(bgp_prefixes) if speakers is None else speakers
    for k in keys:
        bps = bgp_prefixes.get(k)
        if not bps:
            continue
        rib = igp.get(k[0], {}).get(k[1])
        if rib is None:
            raise Unsupported("BGP routes in a VRF without an IGP RIB")
        pk = {(int(p.network_address), p.prefixlen) for p in bps}
        for q in nh_users.get(k, {}):
            if _covered(pk, q, _lpm_len(rib, q)):
                raise Unsupported("a BGP route covers a BGP next hop")
        for q in strict.get(k, ()):
            if _covered(pk, q, 0):
                raise Unsupported("a BGP route may resolve a static")


def within(nets: set[IPv4Network], qs: Any) -> list[IPv4Address]:
    """The addresses of ``qs`` inside some network of ``nets`` (in ``qs`` order). Networks are
    grouped by prefix length, so an address costs one masked set probe per distinct length
    instead of one ``ipaddress`` containment test per network (a scenario asks this for every
    changed (node, VRF) against every next hop its BGP speaker reads)."""
    if not nets:
        return []
    by_len: dict[int, set[int]] = {}
    for n in nets:
        by_len.setdefault(n.prefixlen, set()).add(int(n.network_address))
    lens = [(MASKS[plen], starts) for plen, starts in by_len.items()]
    out = []
    for q in qs:
        a = int(q)
        for mask, starts in lens:
            if a & mask in starts:
                out.append(q)
                break
    return out


_KEYS: dict[tuple[int, int], tuple[int, int]] = {}  # interned prefix keys (bounded)


class ReadCheck:
    """``check_bgp_reads`` for a scenario, on what changed only: new next-hop lookups, new BGP
    prefixes, lookups whose IGP match changed, statics that stopped resolving. Base prefixes are
    kept even when re-run (a superset: it can only refuse more)."""

    def __init__(self, base: State, igp: IgpDelta) -> None:
        self.base = base
        self.igp = igp

    def _pk(self, k: SpeakerKey) -> set[tuple[int, int]]:
        cache = self.base.prefix_keys
        hit = cache.get(k)
        if hit is None:
            # one key object per distinct prefix, shared by every speaker (memory: 222,000 entries
            # at 510 routers, a few hundred distinct: 28 MB as a tuple and an int each)
            if len(_KEYS) > 100_000:
                _KEYS.clear()
            hit = set()
            for p in self.base.bgp.state.bgp_prefixes.get(k, set()):
                key = (int(p.network_address), p.prefixlen)
                hit.add(_KEYS.setdefault(key, key))
            cache[k] = hit
        return hit

    def speaker(
        self,
        k: SpeakerKey,
        new_qs: Any,
        new_ps: Any,
        changed_nets: set[IPv4Network],
        dirty: set[IPv4Network] | None = None,
    ) -> None:
        bst = self.base.bgp.state
        rib = self.igp.igp.get(k[0], {}).get(k[1])
        base_ps = bst.bgp_prefixes.get(k, set())
        added = [p for p in new_ps if p not in base_ps]
        new_keys = {(int(p.network_address), p.prefixlen) for p in new_ps}
        gone = {(int(p.network_address), p.prefixlen) for p in dirty or () if p in base_ps} - new_keys
        pk_base = self._pk(k)
        pk = KeySet(pk_base, gone, new_keys)
        if not pk_base and not new_keys:
            return
        if rib is None:
            raise Unsupported("BGP routes in a VRF without an IGP RIB")
        dirty = dirty or set()
        base_qs = bst.nh_users.get(k, {})
        clean_qs = [q for q, ps in base_qs.items() if not ps <= dirty] if dirty else list(base_qs)
        for q in new_qs:
            if q not in base_qs and _covered(pk, q, _lpm_len(rib, q)):
                raise Unsupported("a BGP route covers a BGP next hop")
        strict = self.igp.strict.get(k, set())
        all_qs = set(clean_qs) | set(new_qs)
        for p in added:
            for q in all_qs:
                if q in p and p.prefixlen >= _lpm_len(rib, q):
                    raise Unsupported("a BGP route covers a BGP next hop")
            if any(q in p for q in strict):
                raise Unsupported("a BGP route may resolve a static")
        if changed_nets:
            for q in within(changed_nets, all_qs):
                if _covered(pk, q, _lpm_len(rib, q)):
                    raise Unsupported("a BGP route covers a BGP next hop")
        if strict != self.base.strict.get(k, set()):
            for q in strict:
                if _covered(pk, q, 0):
                    raise Unsupported("a BGP route may resolve a static")


class KeySet:
    """Membership in (base - gone) | added, without building the set."""

    def __init__(self, base: set[tuple[int, int]], gone: set[tuple[int, int]], added: set[tuple[int, int]]) -> None:
        self.base, self.gone, self.added = base, gone, added

    def __contains__(self, key: object) -> bool:
        return key in self.added or (key in self.base and key not in self.gone)
