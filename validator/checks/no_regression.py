"""``no_regression``: differential reachability of base against head within the policy's scope.

Newly dropped flows are regressions; newly delivered ones are unintended exposure. With an
intent, the intended flows must hold in the head and everything else must be unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from validator.checks.evidence import describe, trace_locations
from validator.checks.explore import ClassResult, Explorer
from validator.checks.headerspace import HeaderConstraints
from validator.checks.ipspace import Intervals, to_networks
from validator.checks.soundness import undecided_finding, undefined_filter_warnings
from validator.checks.zones import Source, ZoneLike, sources_in_both, zone_destination, zone_sources
from validator.engine.types import DataPlane
from validator.model.config import AclLine, IpWildcard
from validator.model.flow import Flow
from validator.model.source import SourceRef
from validator.model.verdict import Finding

MAX_FINDINGS_PER_POLICY = 25


def _wildcards(space: Intervals) -> list[IpWildcard]:
    return [IpWildcard(n.network_address, n.hostmask) for n in to_networks(space)]


@dataclass(frozen=True)
class IntentScope:
    """The flows one intent entry declares (resolved against the head)."""

    label: str
    sources: tuple[Source, ...]
    dst: Intervals
    constraints: HeaderConstraints
    expect: str

    def boundary_lines(self) -> list[AclLine]:
        """The intent as pseudo filter lines, so header classes split exactly at its edges."""
        c = self.constraints
        src = tuple(_wildcards(Intervals.of(span for s in self.sources for span in s.space.spans)))
        dst = tuple(_wildcards(self.dst))
        if not src or not dst:
            return []
        protos: list[int | None] = [*sorted(c.protocols)] if c.protocols is not None else [None]
        ref = SourceRef("<intent>", 0)
        out = []
        for proto in protos:
            ports = proto in (6, 17)
            out.append(
                AclLine(
                    "permit",
                    f"intent {self.label}",
                    ref,
                    protocol=proto,
                    src=src,
                    dst=dst,
                    dst_ports=c.dst_ports.spans if ports and c.dst_ports != Intervals.full(65535) else (),
                    src_ports=c.src_ports.spans if ports and c.src_ports != Intervals.full(65535) else (),
                )
            )
        return out

    def covers(self, flow: Flow) -> bool:
        c = self.constraints
        if not c.allows_protocol(flow.ip_protocol):
            return False
        ports_ok = c.dst_ports.contains(flow.dst_port) and c.src_ports.contains(flow.src_port)
        if flow.ip_protocol in (6, 17) and not ports_ok:
            return False
        if not self.dst.contains(int(flow.dst_ip)):
            return False
        return any(
            s.node == flow.ingress_node and s.interface == flow.ingress_interface and s.space.contains(int(flow.src_ip))
            for s in self.sources
        )


@dataclass
class RegressionOutcome:
    findings: list[Finding]
    classes: int


def _outcome(r: ClassResult, i: int) -> str:
    if r.all_success(i):
        return "delivered"
    return "partly delivered" if r.any_success(i) else "dropped"


def _same_traces(r: ClassResult) -> bool:
    """Base and head traces identical hop by hop (and so through the same unparsed lines)."""
    a, b = r.traces[0], r.traces[1]
    return len(a) == len(b) and all(x.to_json() == y.to_json() for x, y in zip(a, b, strict=True))


def _only_undecided(r: ClassResult, expect: str) -> bool:
    decided = r.decided_failure(0) if expect == "allow" else r.decided_success(0)
    return not decided and bool(r.undecided(0))


def check_no_regression(
    *,
    policy: str,
    base: DataPlane,
    head: DataPlane,
    src: ZoneLike,
    dst: ZoneLike,
    constraints: HeaderConstraints,
    intent: Sequence[IntentScope] = (),
) -> RegressionOutcome:
    sources = sources_in_both(zone_sources(head, src), zone_sources(base, src))
    space = zone_destination(head, dst, assigned_only=False) | zone_destination(base, dst, assigned_only=False)
    explorer = Explorer([base, head], constraints, extra_lines=[ln for sc in intent for ln in sc.boundary_lines()])
    groups: dict[tuple[str, str, str], tuple[ClassResult, int]] = {}
    classes = 0
    undefined: set[SourceRef] = set()
    for r in explorer.explore(sources, space):
        classes += 1
        undefined.update(r.undefined_refs(1))
        before, after = _outcome(r, 0), _outcome(r, 1)
        undecided = bool(r.undecided(0) or r.undecided(1))
        if undecided and _same_traces(r):
            continue  # identical paths through the same unparsed lines: whatever they do, nothing changed
        if before == after and not undecided:
            continue
        if any(scope.covers(r.flow) for scope in intent):
            continue  # the intent owns this flow; it is checked against the intent below
        if undecided:
            key = ("undecided", r.source.label, f"{before}->{after}")
            first, n = groups.get(key, (r, 0))
            groups[key] = (first, n + 1)
            continue
        kind = "regression" if before == "delivered" or (before != "dropped" and after == "dropped") else "exposure"
        key = (kind, r.source.label, f"{before}->{after}")
        first, n = groups.get(key, (r, 0))
        groups[key] = (first, n + 1)
    findings: list[Finding] = []
    for (kind, label, change), (r, n) in sorted(groups.items())[:MAX_FINDINGS_PER_POLICY]:
        if kind == "undecided":
            findings.append(
                undecided_finding(
                    policy=policy,
                    check="no_regression",
                    dp=head,
                    refs=tuple(sorted(set(r.undecided(0)) | set(r.undecided(1)))),
                    what=(
                        f"{src.name} -> {dst.name}: {r.flow} may have changed: base {describe(r.traces[0])}; "
                        f"head {describe(r.traces[1])} ({n} header class{'es' if n != 1 else ''} from {label})"
                    ),
                    flow={"from": label, **r.flow.to_json()},
                    trace=r.traces[1],
                    base_trace=r.traces[0],
                    locations=trace_locations(head, r.flow, r.traces[1]),
                    extra={"kind": "undecided", "change": change, "classes_changed": n},
                )
            )
            continue
        what = "newly dropped" if kind == "regression" else "newly delivered (unintended exposure)"
        findings.append(
            Finding(
                policy=policy,
                check="no_regression",
                message=(
                    f"{src.name} -> {dst.name}: {r.flow} is {what}: base {describe(r.traces[0])}; "
                    f"head {describe(r.traces[1])} ({n} header class{'es' if n != 1 else ''} from {label})"
                ),
                flow={"from": label, **r.flow.to_json()},
                trace=tuple(t.to_json() for t in r.traces[1]),
                base_trace=tuple(t.to_json() for t in r.traces[0]),
                locations=tuple(trace_locations(head, r.flow, r.traces[1])),
                extra={"kind": kind, "change": change, "classes_changed": n},
            )
        )
    # the intended flows must hold in the head
    for scope in intent:
        iexp = Explorer([head], scope.constraints, cuts=None)
        bad: tuple[ClassResult, int] | None = None
        for r in iexp.explore(scope.sources, scope.dst):
            ok = r.all_success(0) if scope.expect == "allow" else not r.any_success(0)
            if not ok:
                # report a decided failure over an undecided one when both exist
                if bad is None:
                    bad = (r, 1)
                elif _only_undecided(bad[0], scope.expect) and not _only_undecided(r, scope.expect):
                    bad = (r, bad[1] + 1)
                else:
                    bad = (bad[0], bad[1] + 1)
        if not scope.sources or not scope.dst:
            findings.append(
                Finding(
                    policy=policy, check="no_regression", message=f"intent {scope.label}: no such flows in the head"
                )
            )
        elif bad is not None and _only_undecided(bad[0], scope.expect):
            r, n = bad
            findings.append(
                undecided_finding(
                    policy=policy,
                    check="no_regression",
                    dp=head,
                    refs=r.undecided(0),
                    what=f"intent {scope.label} cannot be shown to hold in the head: {describe(r.traces[0])}",
                    flow={"from": r.source.label, **r.flow.to_json()},
                    trace=r.traces[0],
                    extra={"kind": "intent"},
                )
            )
        elif bad is not None:
            r, n = bad
            findings.append(
                Finding(
                    policy=policy,
                    check="no_regression",
                    message=(
                        f"intent {scope.label} does not hold in the head: {r.flow} is "
                        f"{'not delivered' if scope.expect == 'allow' else 'delivered'}: {describe(r.traces[0])}"
                        f" ({n} header class{'es' if n != 1 else ''})"
                    ),
                    flow={"from": r.source.label, **r.flow.to_json()},
                    trace=tuple(t.to_json() for t in r.traces[0]),
                    locations=tuple(trace_locations(head, r.flow, r.traces[0])),
                    extra={"kind": "intent"},
                )
            )
    findings.extend(undefined_filter_warnings(policy=policy, check="no_regression", dp=head, refs=undefined))
    return RegressionOutcome(findings, classes)
