"""Findings for results the gate cannot decide (issue 9, the soundness rule).

A trace that depends on config lines the parser could not read is *undecided*: it never counts
as delivered for an ``allow`` policy nor as denied for a ``deny`` policy. The checks turn such
results into findings with ``status: "undecided"`` (an error: the verdict cannot pass) that name
the unparsed lines, and into warnings for flows that cross a reference to an undefined filter
(permitted, as Batfish and IOS do, but worth a look).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from validator.checks.evidence import dedupe, loc
from validator.engine.types import DataPlane
from validator.model.flow import Trace
from validator.model.snapshot import Snapshot
from validator.model.source import SourceRef
from validator.model.verdict import Finding, Location

MAX_NAMED = 5


def undecided_refs(traces: Iterable[Trace]) -> tuple[SourceRef, ...]:
    """Every unparsed line the traces depend on (empty: all decided)."""
    out: set[SourceRef] = set()
    for t in traces:
        out.update(t.undecided)
    return tuple(sorted(out))


def undefined_refs(traces: Iterable[Trace]) -> tuple[SourceRef, ...]:
    out: set[SourceRef] = set()
    for t in traces:
        out.update(t.undefined_refs)
    return tuple(sorted(out))


def named(refs: Sequence[SourceRef]) -> str:
    shown = ", ".join(str(r) for r in refs[:MAX_NAMED])
    return shown + (f" and {len(refs) - MAX_NAMED} more" if len(refs) > MAX_NAMED else "")


def ref_locations(dp: DataPlane, refs: Iterable[SourceRef]) -> list[Location]:
    return [loc(dp, r.file, r.line) for r in refs]


def undecided_finding(
    *,
    policy: str,
    check: str,
    dp: DataPlane,
    refs: Sequence[SourceRef],
    what: str,
    failures: Sequence[str] = (),
    flow: dict[str, Any] | None = None,
    trace: Sequence[Trace] = (),
    base_trace: Sequence[Trace] = (),
    locations: Sequence[Location] = (),
    extra: dict[str, Any] | None = None,
) -> Finding:
    """The finding of a policy decided by an undecided result: names the unparsed lines first."""
    return Finding(
        policy=policy,
        check=check,
        severity="error",
        status="undecided",
        message=f"undecided: depends on unparsed lines {named(refs)}: {what}",
        failures=tuple(failures),
        flow=flow,
        trace=tuple(t.to_json() for t in trace),
        base_trace=tuple(t.to_json() for t in base_trace),
        locations=tuple(dedupe([*ref_locations(dp, refs), *locations])),
        extra=dict(extra or {}),
    )


def undefined_filter_warnings(
    *, policy: str, check: str, dp: DataPlane, refs: Iterable[SourceRef], failures: Sequence[str] = ()
) -> list[Finding]:
    """One warning per reference to an undefined filter that the policy's flows cross."""
    out: list[Finding] = []
    for r in sorted(set(refs)):
        out.append(
            Finding(
                policy=policy,
                check=check,
                severity="warning",
                message=(
                    f"flows of this policy cross {r}, which applies a filter that is not defined: "
                    "nothing is filtered there (as on the device and in Batfish)"
                ),
                failures=tuple(failures),
                locations=(loc(dp, r.file, r.line),),
                extra={"kind": "undefined_filter"},
            )
        )
    return out


def foreign_vendor_findings(snapshot: Snapshot) -> list[Finding]:
    """One warning per configuration file of an unsupported vendor (mixed snapshots): the file is
    not analysed; the loader made every interface next to the device it would be partial, so a
    verdict that depends on that device is undecided, and a change to the file blocks."""
    return [
        Finding(
            policy="change",
            check="unsupported_vendor",
            severity="warning",
            message=(
                f"unsupported vendor at {fe.file}: {fe.message}; the device is not analysed, "
                "flows through it are undecided and a change to the file blocks"
            ),
            locations=(Location(fe.file, fe.line or 1),),
        )
        for fe in snapshot.file_errors
        if fe.vendor is not None
    ]
