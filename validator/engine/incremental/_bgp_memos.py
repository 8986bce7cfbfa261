"""Memos of :class:`validator.engine.incremental._bgp.PrefixBgp` that hold across runs and
scenarios of one snapshot: what an edge delivers for a best path, and a path's export per export
class of the sender's edges. Both are keyed by identities, bounded, and pickle empty."""

from __future__ import annotations

from ipaddress import IPv4Network

from validator.engine.bgp import BgpRoute
from validator.engine.bgp_sessions import SessionEdge

__all__ = ["ExportMemo", "ReceivedMemo", "export_class"]


class ReceivedMemo(dict[tuple[int, IPv4Network, "BgpRoute | None", "tuple[BgpRoute, ...] | None"], list[BgpRoute]]):
    """What an edge delivers for a prefix and a best path (``PrefixBgp._received``): a function of
    the edge's value (sender's export, receiver's import configuration), the prefix and the best
    path's value (with add-path: the multipath members' too, in order), so it holds in every
    scenario and every engine of one snapshot. Keyed by the edge's slot: equal edges share one
    (``canon``, hashed once per edge object through ``slots``, identity-checked).
    The delivered lists are shared, never mutated (the reference compares and stores them only).
    Not pickled: a worker starts empty (identity keys would not survive)."""

    LIMIT = 200_000  # entries kept at most (then dropped: only speed depends on them)
    SLOT_LIMIT = 20_000  # edge objects remembered at most (then everything is dropped)

    def __init__(self) -> None:
        super().__init__()
        self.canon: dict[SessionEdge, int] = {}
        self.slots: dict[int, tuple[SessionEdge, int]] = {}

    def reset(self) -> None:
        """Drop everything (slot numbers are reassigned afterwards, so entries go with them)."""
        self.clear()
        self.canon.clear()
        self.slots.clear()

    def __reduce__(self) -> tuple[type[ReceivedMemo], tuple[()]]:
        return (ReceivedMemo, ())


def export_class(e: SessionEdge) -> tuple[object, ...]:
    """What ``bgp.export_route`` reads of edge ``e`` apart from the receiver's router id (its
    originator check): the sender's node, VRF, addresses, AS and router id, the session type and
    the sender-side neighbour settings the export applies (reflection, communities, next-hop-self,
    outbound route-map and prefix-list). Edges with equal classes export every path alike
    (``tests/unit/test_incremental_export.py`` checks it on every edge pair of a network)."""
    s, nb = e.sender, e.sender.neighbor
    return (
        s.node,
        s.vrf,
        s.local_ip,
        s.local_as,
        s.router_id,
        e.ibgp,
        nb.route_reflector_client,
        nb.send_community,
        nb.next_hop_self,
        nb.route_map_out,
        nb.prefix_list_out,
    )


class ExportMemo(dict[tuple[int, int], tuple[BgpRoute, "BgpRoute | None"]]):
    """``PrefixBgp._export``'s results per (export class number, path identity), the path kept
    alive in the entry; ``classes``: edge identity -> (edge, its class number); ``ids``: class ->
    number. Identity keys: never pickled (a worker starts empty), bounded."""

    LIMIT = 200_000
    SLOT_LIMIT = 20_000

    def __init__(self) -> None:
        super().__init__()
        self.classes: dict[int, tuple[SessionEdge, int]] = {}
        self.ids: dict[tuple[object, ...], int] = {}

    def reset(self) -> None:
        self.clear()
        self.classes.clear()
        self.ids.clear()

    def __reduce__(self) -> tuple[type[ExportMemo], tuple[()]]:
        return (ExportMemo, ())
