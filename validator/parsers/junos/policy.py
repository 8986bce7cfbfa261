"""``policy-options``: prefix-lists, communities, as-paths and policy-statements, and the policy
*chains* protocols apply, translated to the model's route-maps.

A chain (``import [ A B ]``) is evaluated as Batfish converts it (``JuniperConfiguration``: a
``FirstMatchChain`` of the policies, then the protocol's default policy): terms in order, a term
whose ``from`` matches runs its ``then`` actions; ``accept``/``reject`` decide; ``next term`` or no
terminal action goes on to the next term; ``next policy`` skips to the next policy; when every
policy falls through, the default policy decides. One chain becomes one route-map:

- a term with ``accept`` -> a ``permit`` clause; with ``reject`` -> a ``deny`` clause;
- a term without a terminal action -> a ``permit`` clause with ``continue`` (next clause), so its
  modifications carry on; ``next policy`` -> ``continue`` to the first clause of the next policy;
- the default policy -> final clauses (BGP import: accept all; BGP export: accept BGP routes,
  reject the rest; OSPF export: reject all).

Route-filters become a synthesized prefix-list per term (``exact``, ``orlonger``, ``longer``,
``upto``, ``prefix-length-range``, ``through``); ``from prefix-list`` and ``route-filter`` are alternatives
(Batfish ORs the prefix conditions of a term); other conditions AND. Anything the parser cannot
read makes the term's clause partial (``unparsed``): routes it may decide are undecided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Literal

from validator.model.config import (
    AsPathList,
    AsPathListLine,
    Community,
    CommunityList,
    CommunityListLine,
    MatchAsPath,
    MatchCommunity,
    MatchPrefixList,
    MatchProtocol,
    PrefixList,
    PrefixListLine,
    RouteMap,
    RouteMapClause,
    RouteMapMatch,
    RouteMapSet,
    SetAsPathPrepend,
    SetCommunity,
    SetCommunityDelete,
    SetLocalPreference,
    SetMetric,
    SetNextHop,
    SetNextHopSelf,
    SetOrigin,
    SetTag,
)
from validator.model.source import ParseWarning, SourceRef
from validator.parsers.junos.aspath import junos_as_path_regex
from validator.parsers.junos.common import Ctx, integer, ip, prefix, values
from validator.parsers.junos.flatten import FlatLine

# Junos protocol names -> model route protocols
PROTOCOL_NAMES: dict[str, tuple[str, ...]] = {
    "direct": ("connected",),
    "static": ("static",),
    "ospf": ("ospf", "ospfIA", "ospfE1", "ospfE2"),
    "bgp": ("bgp", "ibgp"),
    "aggregate": ("aggregate",),
    "local": ("local",),
}

DefaultPolicy = Literal["bgp-import", "bgp-export", "ospf-export"]


@dataclass(frozen=True)
class CommunityRef:
    """``then community add|set NAME`` before NAME's members are known."""

    additive: bool
    name: str
    source: SourceRef


@dataclass
class TermDraft:
    name: str
    source: SourceRef
    protocols: list[str] = field(default_factory=list)
    prefix_lists: list[str] = field(default_factory=list)
    route_filters: list[tuple[IPv4Network, int, int, SourceRef]] = field(default_factory=list)
    filter_heads: list[tuple[IPv4Network, SourceRef]] = field(default_factory=list)  # as written
    communities: list[str] = field(default_factory=list)
    as_paths: list[str] = field(default_factory=list)
    sets: list[RouteMapSet | CommunityRef] = field(default_factory=list)
    action: str | None = None  # accept | reject | next-term | next-policy
    unparsed: list[SourceRef] = field(default_factory=list)


@dataclass
class PolicyDraft:
    name: str
    source: SourceRef
    terms: dict[str, TermDraft] = field(default_factory=dict)  # "" = the unnamed term, last


@dataclass
class PolicyOptions:
    prefix_lists: dict[str, list[tuple[IPv4Network, SourceRef]]] = field(default_factory=dict)
    prefix_list_src: dict[str, SourceRef] = field(default_factory=dict)
    communities: dict[str, CommunityList] = field(default_factory=dict)
    as_paths: dict[str, AsPathList] = field(default_factory=dict)
    policies: dict[str, PolicyDraft] = field(default_factory=dict)


def parse_policy_line(fl: FlatLine, po: PolicyOptions, ctx: Ctx) -> None:
    w = fl.words
    if len(w) < 3:
        ctx.warn(fl)
        return
    kind, name, rest = w[1], w[2], w[3:]
    src = ctx.src(fl)
    if kind == "prefix-list":
        po.prefix_list_src.setdefault(name, src)
        entries = po.prefix_lists.setdefault(name, [])
        if not rest:
            return
        net = prefix(rest[0]) if len(rest) == 1 else None
        if net is None:
            ctx.warn(fl)  # apply-path and friends: the list is incomplete
            po.prefix_list_src[name] = src
            entries.append((IPv4Network("0.0.0.0/0"), SourceRef(ctx.file, -fl.line)))
            return
        entries.append((net, src))
        return
    if kind == "community":
        _community(fl, name, rest, po, ctx)
        return
    if kind == "as-path":
        regex = junos_as_path_regex(rest[0]) if len(rest) == 1 else None
        if regex is None:
            # outside the translated grammar: the list is partial, routes it decides undecided
            ctx.warn(fl, "Junos as-path regular expression not modelled")
            po.as_paths[name] = AsPathList(name, (), src, unparsed=(src,))
            return
        po.as_paths[name] = AsPathList(name, (AsPathListLine("permit", regex, src),), src)
        return
    if kind == "policy-statement":
        pol = po.policies.get(name)
        if pol is None:
            pol = po.policies[name] = PolicyDraft(name, src)
        if not rest:
            return
        if rest[0] == "term" and len(rest) >= 2:
            tname, body = rest[1], rest[2:]
        else:
            tname, body = "", rest
        term = pol.terms.get(tname)
        if term is None:
            term = pol.terms[tname] = TermDraft(tname, src)
        if not body:
            return
        if body[0] == "from" and _from(body[1:], term, src):
            return
        if body[0] == "then" and _then(body[1:], term, src):
            return
        reason = "policy 'to' condition not modelled" if body[0] == "to" else "policy condition or action not modelled"
        ctx.warn(fl, reason)
        term.unparsed.append(src)
        return
    ctx.warn(fl)


def _community(fl: FlatLine, name: str, rest: tuple[str, ...], po: PolicyOptions, ctx: Ctx) -> None:
    src = ctx.src(fl)
    if len(rest) < 2 or rest[0] != "members":
        ctx.warn(fl)
        old = po.communities.get(name)
        po.communities[name] = CommunityList(name, "standard", old.lines if old else (), src, (src,))
        return
    comms: list[Community] = []
    bad = False
    for m in values(" ".join(rest[1:]) if rest[1].startswith("[") else rest[1]):
        hi, _, lo = m.partition(":")
        if hi.isdigit() and lo.isdigit() and int(hi) < 65536 and int(lo) < 65536:
            comms.append(Community(int(hi), int(lo)))
        else:
            bad = True  # regular expressions, extended and large communities
    old = po.communities.get(name)
    # Junos: a route matches a community with several members only if it carries all of them
    members = (old.lines[0].communities if old and old.lines else ()) + tuple(comms)
    unparsed = (old.unparsed if old else ()) + ((src,) if bad else ())
    if bad:
        ctx.warn(fl, "community regular expression not modelled")
    line = CommunityListLine("permit", src, members)
    po.communities[name] = CommunityList(name, "standard", (line,), old.source if old else src, unparsed)


def _from(c: tuple[str, ...], term: TermDraft, src: SourceRef) -> bool:
    if len(c) < 2:
        return False
    key = c[0]
    if key == "protocol" and len(c) == 2:
        names = values(c[1])
        if not all(n in PROTOCOL_NAMES for n in names):
            return False
        term.protocols.extend(names)
        return True
    if key == "prefix-list" and len(c) == 2:
        term.prefix_lists.append(c[1])
        return True
    if key == "community" and len(c) == 2:
        term.communities.extend(values(c[1]))
        return True
    if key == "as-path" and len(c) == 2:
        term.as_paths.extend(values(c[1]))
        return True
    if key == "route-filter" and len(c) == 4 and c[2] == "through":
        # Juniper: P1 and every prefix on the way to P2 (the supernets of P2 no shorter than P1)
        net, last = prefix(c[1]), prefix(c[3])
        if net is None or last is None or not last.subnet_of(net):
            return False
        for plen in range(net.prefixlen, last.prefixlen + 1):
            term.route_filters.append((last.supernet(new_prefix=plen), plen, plen, src))
        term.filter_heads.append((net, src))
        return True
    if key == "route-filter" and len(c) >= 3:
        net = prefix(c[1])
        if net is None:
            return False
        rng = _modifier(net, c[2:])
        if rng is None:
            return False
        term.route_filters.append((net, rng[0], rng[1], src))
        term.filter_heads.append((net, src))
        return True
    return False


def _modifier(net: IPv4Network, mod: tuple[str, ...]) -> tuple[int, int] | None:
    """Route-filter match type -> (min, max) prefix length (Juniper "Route Filter Match Types")."""
    plen = net.prefixlen
    if mod == ("exact",):
        return plen, plen
    if mod == ("orlonger",):
        return plen, 32
    if mod == ("longer",):
        return (plen + 1, 32) if plen < 32 else None
    if len(mod) == 2 and mod[0] == "upto" and mod[1].startswith("/") and mod[1][1:].isdigit():
        hi = int(mod[1][1:])
        return (plen, hi) if plen <= hi <= 32 else None
    if len(mod) == 2 and mod[0] == "prefix-length-range":
        lo_s, _, hi_s = mod[1].partition("-")
        if lo_s.startswith("/") and hi_s.startswith("/") and lo_s[1:].isdigit() and hi_s[1:].isdigit():
            lo, hi = int(lo_s[1:]), int(hi_s[1:])
            return (lo, hi) if plen <= lo <= hi <= 32 else None
    # per-filter actions (``route-filter P exact accept``) are not modelled: the term is partial
    return None


def _then(c: tuple[str, ...], term: TermDraft, src: SourceRef) -> bool:
    if c in (("accept",), ("reject",)):
        term.action = c[0]
        return True
    if c in (("next", "term"), ("next", "policy")):
        term.action = "next-" + c[1]
        return True
    if len(c) == 2 and c[0] == "local-preference" and integer(c[1]) is not None:
        term.sets.append(SetLocalPreference(int(c[1]), src))
        return True
    if len(c) == 2 and c[0] == "metric" and integer(c[1]) is not None:
        term.sets.append(SetMetric(int(c[1]), src))
        return True
    if len(c) == 2 and c[0] == "tag" and integer(c[1]) is not None:
        term.sets.append(SetTag(int(c[1]), src))
        return True
    if len(c) == 2 and c[0] == "origin" and c[1] in ("igp", "egp", "incomplete"):
        term.sets.append(SetOrigin(c[1], src))  # type: ignore[arg-type]
        return True
    if len(c) == 2 and c[0] == "next-hop":
        if c[1] == "self":
            term.sets.append(SetNextHopSelf(src))
            return True
        addr = ip(c[1])
        if addr is not None:
            term.sets.append(SetNextHop(addr, src))
            return True
        return False
    if len(c) == 2 and c[0] == "as-path-prepend":
        asns = c[1].split()
        if asns and all(a.isdigit() for a in asns):
            term.sets.append(SetAsPathPrepend(tuple(int(a) for a in asns), src))
            return True
        return False
    if len(c) == 3 and c[0] == "community" and c[1] in ("add", "set", "delete"):
        if c[1] == "delete":
            term.sets.append(SetCommunityDelete(c[2], src))
        else:
            # communities may be defined after the policy: resolved when the chain is built
            term.sets.append(CommunityRef(c[1] == "add", c[2], src))
        return True
    return False


def build_prefix_lists(po: PolicyOptions) -> dict[str, PrefixList]:
    """Junos prefix-lists match their prefixes exactly (``from prefix-list``)."""
    out: dict[str, PrefixList] = {}
    for name, entries in po.prefix_lists.items():
        lines = tuple(
            PrefixListLine(i * 5 + 5, "permit", net, net.prefixlen, net.prefixlen, ref)
            for i, (net, ref) in enumerate(entries)
            if ref.line > 0
        )
        unparsed = tuple(SourceRef(ref.file, -ref.line) for _, ref in entries if ref.line < 0)
        out[name] = PrefixList(name, lines, po.prefix_list_src[name], unparsed)
    return out


def chain_name(kind: DefaultPolicy, chain: tuple[str, ...]) -> str:
    return f"~JUNOS_{kind.upper()}~{'~'.join(chain)}~"


@dataclass
class ChainBuilder:
    """Builds the route-map of one policy chain (and the prefix-lists its route-filters need)."""

    po: PolicyOptions
    ctx: Ctx
    route_maps: dict[str, RouteMap] = field(default_factory=dict)
    prefix_lists: dict[str, PrefixList] = field(default_factory=dict)

    def chain(self, kind: DefaultPolicy, chain: tuple[str, ...], ref: SourceRef) -> str:
        name = chain_name(kind, chain)
        if name in self.route_maps:
            return name
        clauses: list[RouteMapClause] = []
        seq = 10
        defined = []
        missing: tuple[SourceRef, ...] = ()
        for pname in chain:
            if pname in self.po.policies:
                defined.append(self.po.policies[pname])
            else:
                # Batfish skips an undefined policy in a chain (and reports the reference); Junos
                # refuses to commit it, so what the chain decides is unknown: the map is partial
                # (routes it decides are undecided, never accepted by the default policy)
                self.ctx.undefined.append(("policy-statement", pname, ref))
                missing = (ref,)
        starts: list[int] = []
        per_policy: list[list[TermDraft]] = []
        for pol in defined:
            terms = [t for n, t in pol.terms.items() if n] + ([pol.terms[""]] if "" in pol.terms else [])
            per_policy.append(terms)
            starts.append(seq)
            seq += 10 * max(len(terms), 1)
        default_seq = seq
        for idx, (pol, terms) in enumerate(zip(defined, per_policy, strict=True)):
            next_start = starts[idx + 1] if idx + 1 < len(starts) else default_seq
            s = starts[idx]
            for term in terms:
                clauses.append(self._clause(pol, term, s, next_start))
                s += 10
        clauses.extend(_default_clauses(kind, default_seq, ref))
        self.route_maps[name] = RouteMap(name, tuple(clauses), ref, missing)
        return name

    def _clause(self, pol: PolicyDraft, term: TermDraft, seq: int, next_policy: int) -> RouteMapClause:
        matches: list[RouteMapMatch] = []
        if term.protocols:
            protos = tuple(p for n in dict.fromkeys(term.protocols) for p in PROTOCOL_NAMES[n])
            matches.append(MatchProtocol(protos, term.source))
        nested = _nested_filters(term)
        if nested:
            self.ctx.warnings.append(
                ParseWarning(self.ctx.file, nested[0].line, "route-filter", "nested route-filters: Junos longest match")
            )
        if term.route_filters:
            pl_name = f"~JUNOS_RF~{pol.name}~{term.name}~"
            lines = tuple(
                PrefixListLine(i * 5 + 5, "permit", net, lo, hi, ref)
                for i, (net, lo, hi, ref) in enumerate(term.route_filters)
            )
            self.prefix_lists[pl_name] = PrefixList(pl_name, lines, term.route_filters[0][3])
            matches.append(MatchPrefixList((pl_name,), term.source))
        for pl in term.prefix_lists:
            if pl not in self.po.prefix_lists:
                self.ctx.undefined.append(("prefix-list", pl, term.source))
            matches.append(MatchPrefixList((pl,), term.source))
        if term.communities:
            for cname in term.communities:
                if cname not in self.po.communities:
                    self.ctx.undefined.append(("community", cname, term.source))
            matches.append(MatchCommunity(tuple(term.communities), term.source))
        if term.as_paths:
            matches.append(MatchAsPath(tuple(term.as_paths), term.source))
        sets: list[RouteMapSet] = []
        unparsed = list(term.unparsed) + nested
        for st in term.sets:
            if isinstance(st, SetCommunityDelete):
                deleted = self.po.communities.get(st.community_list)
                if deleted is None:
                    self.ctx.undefined.append(("community", st.community_list, st.source))
                elif deleted.unparsed:
                    unparsed.append(st.source)
            if not isinstance(st, CommunityRef):
                sets.append(st)
                continue
            cl = self.po.communities.get(st.name)
            if cl is None:
                self.ctx.undefined.append(("community", st.name, st.source))
                unparsed.append(st.source)
            elif cl.unparsed:
                unparsed.append(st.source)
            else:
                sets.append(SetCommunity(cl.lines[0].communities if cl.lines else (), st.additive, st.source))
        action: Literal["permit", "deny"] = "deny" if term.action == "reject" else "permit"
        cont: int | None
        if term.action in ("accept", "reject"):
            cont = None
        elif term.action == "next-policy":
            cont = next_policy
        else:
            cont = -1
        return RouteMapClause(
            seq, action, term.source, tuple(matches), tuple(sets), cont, tuple(dict.fromkeys(unparsed))
        )


def _nested_filters(term: TermDraft) -> list[SourceRef]:
    """Route-filters of one term whose prefixes nest. Junos picks the longest matching filter and
    only then tests its match type (Juniper "Route Filter Match Conditions"); Batfish ORs the
    filters of a term (batfish/batfish#2972). The two differ only for nested prefixes, so such a
    term is made partial: the routes it decides are undecided rather than guessed."""
    heads = term.filter_heads
    return [
        ref
        for i, (a, ref) in enumerate(heads)
        if any(j != i and (a.subnet_of(b) or b.subnet_of(a)) for j, (b, _) in enumerate(heads))
    ]


def _default_clauses(kind: DefaultPolicy, seq: int, ref: SourceRef) -> list[RouteMapClause]:
    if kind == "bgp-import":
        return [RouteMapClause(seq, "permit", ref)]
    if kind == "bgp-export":
        return [
            RouteMapClause(seq, "permit", ref, (MatchProtocol(("bgp", "ibgp"), ref),)),
            RouteMapClause(seq + 10, "deny", ref),
        ]
    return [RouteMapClause(seq, "deny", ref)]


def chain_accepts_non_bgp(po: PolicyOptions, chain: tuple[str, ...]) -> set[str]:
    """Model protocols (connected/static/ospf) whose routes the chain could accept: what BGP must
    take from the main RIB for the chain to see them."""
    out: set[str] = set()
    for pname in chain:
        pol = po.policies.get(pname)
        if pol is None:
            continue
        for term in pol.terms.values():
            if term.action == "reject":
                continue
            if not term.protocols:
                out |= {"connected", "static", "ospf"}
            for n in term.protocols:
                out |= {"direct": {"connected"}, "static": {"static"}, "ospf": {"ospf"}}.get(n, set())
    return out
