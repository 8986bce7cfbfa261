"""One finding per root cause: findings that share their cause become one group.

A one-line ACL mistake breaks every flow that crosses the ACL; each policy that sees one of those
flows reports it, so the reader gets twenty findings for one thing to fix. Two findings share a
cause when they cite the same *changed* line (a line the change edits, on any device), or, when
neither cites a changed line, the same minimal failure set (a sweep's scenario), or else exactly
the same config lines. Lines are merged transitively: findings citing {a, b} and {b, c} are one
cause. Findings of different status (new, pre-existing, waived, undecided) or blocking-ness never
share a group, so a waived finding cannot hide inside a blocking group or the reverse.

Each group leads with ``fix: FILE:LINE — what that line does to which flow`` and lists the
(source -> destination) pairs it breaks. Grouping never drops a finding: every finding keeps its
place in ``Verdict.findings`` and names its group (``group``); the verdict is unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from validator.model.flow import SUCCESS_DISPOSITIONS
from validator.model.verdict import Finding, FindingGroup, GroupPair, Location

NOTE_CHECK = "note"  # the runner's notes (skipped policies): information, not a cause
_PAIR_RE = re.compile(r"^\s*([^\s:][^:]*?) -> ([^:]+?):\s")
_MAX_TEXT = 160


def is_grouped(f: Finding) -> bool:
    return f.check != NOTE_CHECK


def pair_of(f: Finding) -> str:
    """The (source -> destination) pair a finding is about: the check's ``pair``, else the
    ``A -> B:`` its message starts with, else the policy itself."""
    pair = f.extra.get("pair")
    if isinstance(pair, str) and pair:
        return pair
    pairs = f.extra.get("pairs")
    if isinstance(pairs, list) and pairs and all(isinstance(p, str) for p in pairs):
        return ", ".join(pairs)
    m = _PAIR_RE.match(f.message)
    if m:
        return f"{m.group(1).strip()} -> {m.group(2).strip()}"
    return f.policy


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def changed_locations(f: Finding, edited: Mapping[str, set[int]] | None) -> list[Location]:
    if not edited:
        return []
    return [loc for loc in f.locations if loc.line in edited.get(loc.file, ())]


def _tokens(i: int, f: Finding, edited: Mapping[str, set[int]] | None) -> list[tuple[Any, ...]]:
    """What a finding's cause is keyed on (see the module docstring)."""
    klass = (f.status, f.blocking)
    changed = changed_locations(f, edited)
    if changed:
        return [(klass, "line", loc.file, loc.line) for loc in changed]
    if f.failures:
        return [(klass, "failures", frozenset(f.failures))]
    if f.locations:
        return [(klass, "lines", frozenset((loc.file, loc.line) for loc in f.locations))]
    return [(klass, "single", i)]


def group_findings(
    findings: Sequence[Finding], edited: Mapping[str, set[int]] | None = None
) -> tuple[list[Finding], list[FindingGroup]]:
    """``findings`` with their ``group`` set (same order) and the groups, blocking ones first.

    ``edited`` maps snapshot files to the head lines the change edits (None in state mode or
    when unknown: then only failure sets and identical evidence group findings)."""
    idx = [i for i, f in enumerate(findings) if is_grouped(f)]
    union = _Union(len(findings))
    owner: dict[tuple[Any, ...], int] = {}
    for i in idx:
        for tok in _tokens(i, findings[i], edited):
            if tok in owner:
                union.join(owner[tok], i)
            else:
                owner[tok] = i
    members: dict[int, list[int]] = {}
    for i in idx:
        members.setdefault(union.find(i), []).append(i)
    ordered = sorted(members.values(), key=lambda m: (not findings[m[0]].blocking, m[0]))
    out = list(findings)
    groups: list[FindingGroup] = []
    for n, member in enumerate(ordered, 1):
        group = _group(f"G{n}", [findings[i] for i in member], tuple(member), edited)
        groups.append(group)
        for i in member:
            out[i] = replace(findings[i], group=group.id)
    return out, groups


def _group(
    gid: str, members: list[Finding], index: tuple[int, ...], edited: Mapping[str, set[int]] | None
) -> FindingGroup:
    lead = members[0]
    cause: list[Location] = []
    seen: set[tuple[str, int]] = set()
    for f in members:
        for loc in changed_locations(f, edited) or ([] if edited else list(f.locations)):
            if (loc.file, loc.line) not in seen:
                seen.add((loc.file, loc.line))
                cause.append(loc)
    if not cause:
        cause = list(lead.locations)
    leads = changed_locations(lead, edited) or list(lead.locations)
    first = leads[0] if leads else None
    pairs: dict[str, tuple[list[str], int]] = {}
    for f in members:
        policies, count = pairs.get(pair_of(f), ([], 0))
        if f.policy not in policies:
            policies.append(f.policy)
        pairs[pair_of(f)] = (policies, count + 1)
    severity = "error" if any(f.severity == "error" for f in members) else lead.severity
    return FindingGroup(
        id=gid,
        fix=fix_line(lead, first, len(members), len(pairs)),
        findings=index,
        severity=severity,
        status=lead.status,
        blocking=lead.blocking,
        location=first,
        locations=tuple(cause),
        pairs=tuple(GroupPair(p, tuple(pol), n) for p, (pol, n) in pairs.items()),
    )


def _short(text: str, limit: int = _MAX_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _flow_brief(flow: Mapping[str, Any] | None) -> str:
    if not flow:
        return ""
    proto = str(flow.get("protocol") or "")
    port = flow.get("dst_port")
    dst = f"{flow.get('dst_ip', '?')}" + (f":{port}" if port is not None else "")
    return f"{proto} {flow.get('src_ip', '?')} -> {dst}".strip()


def _effect(f: Finding) -> str:
    """What happens to the finding's flow, from its (first unsuccessful) trace."""
    scenario = f"with {', '.join(f.failures)} down, " if f.failures else ""
    traces = list(f.trace)
    bad = next((t for t in traces if t.get("disposition") not in SUCCESS_DISPOSITIONS), None)
    if bad is not None:
        hops = bad.get("hops") or []
        node = hops[-1].get("node", "?") if hops else "?"
        return f"{scenario}{bad.get('disposition', '?')} at {node}"
    if traces:
        return f"{scenario}delivered ({traces[0].get('disposition', '?')})"
    return ""


def fix_line(f: Finding, loc: Location | None, flows: int, pairs: int) -> str:
    """``fix: FILE:LINE — "line": EFFECT for PAIR (FLOW); N flows in M pairs``."""
    where = f"{loc.file}:{loc.line}" if loc is not None else "(no config line)"
    quoted = f'"{_short(loc.text, 80)}": ' if loc is not None and loc.text else ""
    effect = _effect(f)
    brief = _flow_brief(f.flow)
    flow = f" ({brief})" if brief else ""
    what = f"{effect} for {pair_of(f)}{flow}" if effect else _short(f.message)
    more = f"; {flows} findings in {pairs} pair{'s' if pairs != 1 else ''}" if flows > 1 else ""
    return f"fix: {where} — {quoted}{what}{more}"


def ensure_groups(findings: Sequence[Finding], groups: Sequence[FindingGroup]) -> list[FindingGroup]:
    """``groups`` if they describe ``findings`` (every grouped finding in exactly one), else the
    groups computed afresh (verdicts built without :func:`group_findings`, e.g. by hand)."""
    covered = sorted(i for g in groups for i in g.findings)
    wanted = [i for i, f in enumerate(findings) if is_grouped(f)]
    if groups and covered == wanted and all(findings[i].group == g.id for g in groups for i in g.findings):
        return list(groups)
    return group_findings(findings)[1]
