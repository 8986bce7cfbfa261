"""What a BGP neighbour's import or export policy depends on that the gate did not fully read.

The fail-closed rule for route policies (issue 18, item 4): an undefined route-map or list, a
route-map clause or list with unparsed lines, or an unparsed ``neighbor`` line (a ``filter-list``,
a ``distribute-list``...) makes the policy's decision unknown, so a ``routing`` policy over it is
undecided, never a pass. Each gap is named with the line that references or holds it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from validator.model.config import (
    Acl,
    AsPathList,
    BgpNeighbor,
    CommunityList,
    MatchAsPath,
    MatchCommunity,
    MatchIpAddress,
    MatchPrefixList,
    Node,
    PrefixList,
    RouteMapMatch,
)
from validator.model.source import SourceRef

Direction = Literal["export", "import"]


@dataclass(frozen=True)
class Gap:
    """One reason the policy's decision is unknown, with the lines to look at."""

    reason: str
    refs: tuple[SourceRef, ...]


def neighbor_policy(nb: BgpNeighbor, direction: Direction) -> tuple[str | None, str | None]:
    """(route-map, prefix-list) the neighbour applies in this direction."""
    if direction == "export":
        return nb.route_map_out, nb.prefix_list_out
    return nb.route_map_in, nb.prefix_list_in


def policy_gaps(
    node: Node, nb: BgpNeighbor, direction: Direction, where: Callable[[str], SourceRef | None] | None = None
) -> list[Gap]:
    """Every gap of the neighbour's policy in ``direction`` (empty: fully understood).
    ``where(keyword)`` finds the ``neighbor ... KEYWORD`` line that names the policy."""
    gaps = _neighbor_line_gaps(node, nb)
    rm_name, pl_name = neighbor_policy(nb, direction)
    if rm_name is not None:
        rm = node.route_maps.get(rm_name)
        if rm is None:
            ref = (where("route-map") if where else None) or nb.source
            return [*gaps, Gap(f"route-map {rm_name} is not defined", (ref,))]
        if rm.unparsed:
            gaps.append(Gap(f"route-map {rm_name} has clauses the parser could not read", rm.unparsed))
        for clause in rm.clauses:
            if clause.unparsed:
                gaps.append(Gap(f"route-map {rm_name} clause {clause.seq} is partly unparsed", clause.unparsed))
            for m in clause.matches:
                gaps.extend(_match_gaps(node, m))
    elif pl_name is not None:
        ref = (where("prefix-list") if where else None) or nb.source
        gaps.extend(_list_gaps(node, "prefix-list", pl_name, ref))
    return gaps


def _match_gaps(node: Node, m: RouteMapMatch) -> list[Gap]:
    out: list[Gap] = []
    if isinstance(m, MatchPrefixList):
        for name in m.prefix_lists:
            out.extend(_list_gaps(node, "prefix-list", name, m.source))
    elif isinstance(m, MatchIpAddress):
        for name in m.acls:
            out.extend(_list_gaps(node, "access-list", name, m.source))
    elif isinstance(m, MatchCommunity):
        for name in m.community_lists:
            out.extend(_list_gaps(node, "community-list", name, m.source))
    elif isinstance(m, MatchAsPath):
        for name in m.as_path_lists:
            out.extend(_list_gaps(node, "as-path access-list", name, m.source))
    return out


def _list_gaps(node: Node, kind: str, name: str, where: SourceRef) -> list[Gap]:
    tables: dict[str, Mapping[str, PrefixList | Acl | CommunityList | AsPathList]] = {
        "prefix-list": node.prefix_lists,
        "access-list": node.acls,
        "community-list": node.community_lists,
        "as-path access-list": node.as_path_lists,
    }
    obj = tables[kind].get(name)
    if obj is None:
        return [Gap(f"{kind} {name} is not defined", (where,))]
    if obj.unparsed:
        return [Gap(f"{kind} {name} has lines the parser could not read", obj.unparsed)]
    return []


def _neighbor_line_gaps(node: Node, nb: BgpNeighbor) -> list[Gap]:
    """Unparsed ``neighbor PEER|GROUP ...`` lines: a filter the model does not hold may apply."""
    names = {str(nb.peer_ip)} if nb.peer_ip is not None else set()
    if nb.peer_group is not None:
        names.add(nb.peer_group.lower())
    refs = []
    for w in node.warnings:
        words = w.text.split()
        if len(words) >= 3 and words[0].lower() == "neighbor" and words[1].lower() in names:
            refs.append(SourceRef(w.file, w.line))
    if not refs:
        return []
    return [Gap(f"neighbor {nb.peer_ip} has lines the parser could not read", tuple(refs))]
