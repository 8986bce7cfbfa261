"""``reachability``: every flow the policy leaves open must be delivered (allow) or stopped (deny)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from validator.checks.evidence import describe, trace_locations
from validator.checks.explore import ClassResult, Explorer
from validator.checks.headerspace import HeaderConstraints
from validator.checks.soundness import undecided_finding, undefined_filter_warnings
from validator.checks.zones import ZoneLike, zone_destination, zone_sources
from validator.engine.types import DataPlane
from validator.model.source import SourceRef
from validator.model.verdict import Finding

MAX_FINDINGS_PER_POLICY = 25


@dataclass
class ReachabilityOutcome:
    findings: list[Finding]
    classes: int
    violating: int


def violates(r: ClassResult, expect: str, i: int = 0) -> bool:
    """Allow: every ECMP branch must succeed. Deny: no branch may succeed. An undecided branch
    proves neither (see ``ClassResult.all_success``), so it violates both."""
    return not r.all_success(i) if expect == "allow" else r.any_success(i)


def undecided_violation(r: ClassResult, expect: str, i: int = 0) -> bool:
    """A violation that only undecided branches cause: no decided branch breaks the policy."""
    decided = r.decided_failure(i) if expect == "allow" else r.decided_success(i)
    return not decided and bool(r.undecided(i))


def check_reachability(
    *,
    policy: str,
    dp: DataPlane,
    src: ZoneLike,
    dst: ZoneLike,
    constraints: HeaderConstraints,
    expect: str,
    failures: Sequence[str] = (),
    check: str = "reachability",
) -> ReachabilityOutcome:
    sources = zone_sources(dp, src)
    space = zone_destination(dp, dst, assigned_only=(expect == "allow"))
    explorer = Explorer([dp], constraints)
    groups: dict[tuple[bool, str, tuple[str, ...]], tuple[ClassResult, int]] = {}
    undefined: set[SourceRef] = set()
    classes = violating = 0
    for r in explorer.explore(sources, space):
        classes += 1
        undefined.update(r.undefined_refs(0))
        if not violates(r, expect):
            continue
        violating += 1
        if undecided_violation(r, expect):  # one finding per start and set of unparsed lines
            key = (True, r.source.label, tuple(str(ref) for ref in r.undecided(0)))
        else:
            key = (False, r.source.label, tuple(sorted({t.disposition for t in r.traces[0]})))
        first, n = groups.get(key, (r, 0))
        groups[key] = (first, n + 1)
    findings: list[Finding] = []
    if not sources:
        findings.append(
            Finding(
                policy=policy,
                check=check,
                message=f"zone {src.name!r} yields no flow start location in this snapshot",
                failures=tuple(failures),
            )
        )
    if not space and expect == "allow":
        findings.append(
            Finding(policy=policy, check=check, message=f"zone {dst.name!r} holds no address in this snapshot")
        )
    for (undecided, label, _disp), (r, n) in sorted(groups.items())[:MAX_FINDINGS_PER_POLICY]:
        verb = "is not delivered" if expect == "allow" else "is delivered although the policy denies it"
        scenario = f" with {', '.join(failures)} down" if failures else ""
        if undecided:
            what = "proven delivered" if expect == "allow" else "proven denied"
            findings.append(
                undecided_finding(
                    policy=policy,
                    check=check,
                    dp=dp,
                    refs=r.undecided(0),
                    what=(
                        f"{src.name} -> {dst.name}: {r.flow} cannot be {what}{scenario}: the engine says"
                        f" {describe(r.traces[0])} ({n} header class{'es' if n != 1 else ''} from {label})"
                    ),
                    failures=failures,
                    flow={"from": label, **r.flow.to_json()},
                    trace=r.traces[0],
                    locations=trace_locations(dp, r.flow, r.traces[0]),
                    extra={"classes_violating": n},
                )
            )
            continue
        findings.append(
            Finding(
                policy=policy,
                check=check,
                message=(
                    f"{src.name} -> {dst.name}: {r.flow} {verb}{scenario}: {describe(r.traces[0])}"
                    f" ({n} header class{'es' if n != 1 else ''} from {label})"
                ),
                failures=tuple(failures),
                flow={"from": label, **r.flow.to_json()},
                trace=tuple(t.to_json() for t in r.traces[0]),
                locations=tuple(trace_locations(dp, r.flow, r.traces[0])),
                extra={"classes_violating": n},
            )
        )
    if len(groups) > MAX_FINDINGS_PER_POLICY:
        findings.append(
            Finding(
                policy=policy,
                check=check,
                message=f"{len(groups) - MAX_FINDINGS_PER_POLICY} more violating source/disposition groups not shown",
                failures=tuple(failures),
            )
        )
    findings.extend(undefined_filter_warnings(policy=policy, check=check, dp=dp, refs=undefined, failures=failures))
    return ReachabilityOutcome(findings, classes, violating)
