"""``route-map`` clauses with their match/set lines (semantics 4g).

A clause line the parser cannot read is warned and recorded in the clause's ``unparsed``; a clause
head it cannot read marks the whole map partial (``RouteMap.unparsed``).
"""

from __future__ import annotations

from typing import Literal

from validator.model.config import (
    Action,
    MatchAsPath,
    MatchCommunity,
    MatchIpAddress,
    MatchPrefixList,
    MatchTag,
    RouteMapClause,
    RouteMapMatch,
    RouteMapSet,
    SetAsPathPrepend,
    SetCommunity,
    SetLocalPreference,
    SetMetric,
    SetNextHop,
    SetOrigin,
    SetTag,
    SetWeight,
)
from validator.model.source import SourceRef
from validator.parsers.cisco_ios.common import (
    Context,
    Line,
    LineError,
    Stanza,
    asn,
    community,
    integer,
    ip,
    is_ip,
)
from validator.parsers.cisco_ios.filters import Filters
from validator.parsers.cisco_ios.tables import IGNORED_ROUTE_MAP

# --- route-maps ---------------------------------------------------------------------------------


def parse_route_map(stanza: Stanza, f: Filters, ctx: Context) -> None:
    """``route-map NAME [permit|deny] [seq]`` with its match/set lines."""
    head = stanza.head
    w = head.words
    low = [x.lower() for x in w]
    action: Action = "permit"
    seq = 10
    try:
        if len(w) < 2 or len(w) > 4:
            raise LineError("expected route-map NAME [permit|deny] [seq]")
        rest = low[2:]
        if rest and rest[0] in ("permit", "deny"):
            action = "permit" if rest[0] == "permit" else "deny"
            rest = rest[1:]
        if rest:
            seq = integer(rest[0], 0, 65535)
            rest = rest[1:]
        if rest:
            raise LineError(f"unexpected {rest[0]!r}")
    except LineError as e:
        ctx.warn(head, f"unparsable route-map clause (clause dropped): {e}")
        if len(w) >= 2:  # the map exists with a clause we cannot read: partial, never "no clause"
            f.route_maps.setdefault(w[1], (ctx.src(head), []))
            f.lost("route-map", w[1], ctx.src(head))
        for child in stanza.children:
            ctx.warn(child, "inside an unparsed route-map clause")
            if len(w) >= 2:
                f.lost("route-map", w[1], ctx.src(child))
        return
    name = w[1]
    ctx.ok(head)
    matches: list[RouteMapMatch] = []
    sets: list[RouteMapSet] = []
    continue_seq: int | None = None
    lost: list[SourceRef] = []
    for line in stanza.children:
        if not _clause_line(line, matches, sets, ctx):
            lost.append(ctx.src(line))
        elif line.words[0].lower() == "continue":
            lw = [x.lower() for x in line.words]
            continue_seq = int(lw[1]) if len(lw) == 2 else -1
    _, clauses = f.route_maps.setdefault(name, (ctx.src(head), []))
    for k, c in enumerate(clauses):
        if c.seq == seq:
            # IOS (and Batfish) re-enter the existing clause: its lines are merged into it
            ctx.warn(head, f"route-map {name} already has clause {seq}; the lines are merged into it")
            clauses[k] = RouteMapClause(
                c.seq,
                c.action,
                c.source,
                c.matches + tuple(matches),
                c.sets + tuple(sets),
                continue_seq if continue_seq is not None else c.continue_seq,
                c.unparsed + tuple(lost),
            )
            return
    clause = RouteMapClause(seq, action, ctx.src(head), tuple(matches), tuple(sets), continue_seq, tuple(lost))
    clauses.append(clause)


def _clause_line(line: Line, matches: list[RouteMapMatch], sets: list[RouteMapSet], ctx: Context) -> bool:
    """One child of a route-map clause; False (and a warning naming the line) when not modelled."""
    lw = [x.lower() for x in line.words]
    try:
        if lw[0] in ("match", "set") and len(lw) < 2:
            raise LineError(f"bare {lw[0]!r}")
        if lw[0] == "match":
            m = _match(line, lw, ctx)
            if m is None:
                ctx.warn(line)
                return False
            matches.append(m)
        elif lw[0] == "set":
            s = _set(line, lw, ctx)
            if s is None:
                ctx.warn(line)
                return False
            sets.append(s)
        elif lw[0] == "continue" and len(lw) <= 2:
            if len(lw) == 2:
                integer(lw[1], 0, 65535)
        elif ctx.ignorable(line, IGNORED_ROUTE_MAP):
            return True
        else:
            ctx.warn(line)
            return False
    except LineError as e:
        ctx.warn(line, f"unparsable: {e}")
        return False
    ctx.ok(line)
    return True


def _match(line: Line, lw: list[str], ctx: Context) -> RouteMapMatch | None:
    w = line.words
    src = ctx.src(line)
    if lw[1:3] == ["ip", "address"] and len(lw) > 3:
        if lw[3] == "prefix-list":
            names = tuple(w[4:])
            if not names:
                raise LineError("prefix-list without a name")
            for n in names:
                ctx.ref("prefix-list", n, line)
            return MatchPrefixList(names, src)
        names = tuple(w[3:])
        for n in names:
            ctx.ref("acl", n, line)
        return MatchIpAddress(names, src)
    if lw[1] == "community" and len(lw) > 2:
        if "exact-match" in lw:
            return None
        names = tuple(w[2:])
        for n in names:
            ctx.ref("community-list", n, line)
        return MatchCommunity(names, src)
    if lw[1] == "as-path" and len(lw) > 2:
        names = tuple(w[2:])
        for n in names:
            ctx.ref("as-path-list", n, line)
        return MatchAsPath(names, src)
    if lw[1] == "tag" and len(lw) > 2:
        return MatchTag(tuple(integer(x) for x in w[2:]), src)
    return None


def _set(line: Line, lw: list[str], ctx: Context) -> RouteMapSet | None:
    w = line.words
    src = ctx.src(line)
    n = len(w)
    if lw[1] == "local-preference" and n == 3:
        return SetLocalPreference(integer(w[2]), src)
    if lw[1] == "metric" and n == 3 and w[2].isdigit():
        return SetMetric(integer(w[2]), src)
    if lw[1] == "weight" and n == 3:
        return SetWeight(integer(w[2], 0, 65535), src)
    if lw[1] == "tag" and n == 3:
        return SetTag(integer(w[2]), src)
    if lw[1] == "origin" and n == 3 and lw[2] in ("igp", "egp", "incomplete"):
        origin: Literal["igp", "egp", "incomplete"] = (
            "igp" if lw[2] == "igp" else "egp" if lw[2] == "egp" else "incomplete"
        )
        return SetOrigin(origin, src)
    if lw[1:3] == ["as-path", "prepend"] and n > 3:
        if lw[3] == "last-as":
            return None
        return SetAsPathPrepend(tuple(asn(x) for x in w[3:]), src)
    if lw[1:3] == ["ip", "next-hop"] and n >= 4:
        if n == 4 and is_ip(w[3]):
            return SetNextHop(ip(w[3]), src)
        return None
    if lw[1] == "community" and n > 2:
        values = w[2:]
        additive = False
        if values[-1].lower() == "additive":
            additive = True
            values = values[:-1]
        if [v.lower() for v in values] == ["none"]:
            return SetCommunity((), False, src)
        if not values:
            raise LineError("set community without a value")
        return SetCommunity(tuple(community(v) for v in values), additive, src)
    return None
