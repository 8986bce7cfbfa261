"""The tracer's flow-independent tables and formatting (``engine/traceroute.py``).

Functions of the snapshot or its IP owners alone are kept on the snapshot, so every failure
scenario of a sweep (a new data plane and tracer each) shares them.
"""

from __future__ import annotations

from typing import Any

from validator.engine.types import DataPlane
from validator.model.dataplane import FibAction, Route


def fib_action_key(action: FibAction) -> tuple[int, str, int]:
    """Batfish's FibActionComparator: forwards by interface name then ARP IP (null first), then drops."""
    if action.null_route or action.interface is None:
        return (2, "", -1)
    return (0, action.interface, -1 if action.arp_ip is None else int(action.arp_ip))


def route_json(route: Route) -> dict[str, Any]:
    return {
        "network": str(route.network),
        "protocol": route.protocol,
        "next_hop": route.next_hop.to_json(),
        "admin_distance": route.admin_distance,
        "metric": route.metric,
    }


def host_range(network_int: int, prefix_len: int) -> tuple[int, int]:
    """Host IPs of a prefix: network and broadcast excluded below /31."""
    size = 1 << (32 - prefix_len)
    if prefix_len < 31:
        return network_int + 1, network_int + size - 2
    return network_int, network_int + size - 1


def _merge(intervals: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    for lo, hi in sorted(intervals):
        if ends and lo <= ends[-1] + 1:
            ends[-1] = max(ends[-1], hi)
        else:
            starts.append(lo)
            ends.append(hi)
    return starts, ends


def _snapshot_cache(dp: DataPlane) -> dict[str, Any] | None:
    return getattr(dp.snapshot, "__dict__", None)


def owned_tables(dp: DataPlane) -> tuple[list[int], frozenset[int]]:
    """Owned IPs sorted and as a set: a function of ``ip_owners`` alone, kept on the snapshot for
    the owners object it was computed from (every scenario of a sweep shares the base's)."""
    cache = _snapshot_cache(dp)
    hit = cache.get("_validator_tracer_owned") if cache is not None else None
    if hit is not None and hit[0] is dp.ip_owners:
        return hit[1]  # type: ignore[no-any-return]
    owned = sorted(int(ip) for ip in dp.ip_owners)
    tables = (owned, frozenset(owned))
    if cache is not None:
        cache["_validator_tracer_owned"] = (dp.ip_owners, tables)
    return tables


def internal_space(dp: DataPlane) -> tuple[list[int], list[int]]:
    """Batfish's internal IP space is the union of every interface's *host* IPs (inactive ones
    included): ForwardingAnalysisImpl.computeInternalIps(IpOwners.getAllInterfaceHostIps()),
    i.e. Prefix.toHostIpSpace(), which drops the network and broadcast addresses below /31.
    So a subnet's network or broadcast address is external: EXITS_NETWORK, not INSUFFICIENT_INFO.
    A function of the snapshot alone (a snapshot is not edited): computed once per snapshot."""
    cache = _snapshot_cache(dp)
    hit = cache.get("_validator_tracer_internal") if cache is not None else None
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    internal: list[tuple[int, int]] = []
    for node in dp.snapshot.nodes.values():
        for iface in node.interfaces.values():
            for addr in iface.addresses:
                net = addr.network
                internal.append(host_range(int(net.network_address), net.prefixlen))
    merged = _merge(internal)
    if cache is not None:
        cache["_validator_tracer_internal"] = merged
    return merged
