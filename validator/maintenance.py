"""``whatif`` orchestration: snapshot + failed/drained elements -> a Verdict with the operator's answer.

It sits beside :mod:`validator.api` (the CLI and the library both come through
:func:`run_whatif`) and goes through a :class:`~validator.backends.base.Backend`, so the question
"can I take az1-r2 down now?" gets the same answer from the builtin engine and from Batfish.
Fail closed as ``check`` is: a snapshot line the parser could not read blocks, an engine error
raises (exit 3), a data plane that does not converge or a run past its deadline is an ``error``
verdict, never an answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from validator import limits
from validator.backends.base import Backend
from validator.checks.budget import DEFAULT_MAX_SCENARIOS, check_budget
from validator.checks.drain import DRAIN_MODEL, drain_label, drain_specs
from validator.checks.whatif import what_if
from validator.errors import ConfigParseError, InputError, NotConverged
from validator.limits import RunTimeout, deadline
from validator.model.snapshot import Snapshot
from validator.model.verdict import Side, Verdict

FAIL_MODEL = "failed: the elements' adjacencies, sessions and routes are gone"


def subject_of(fail: Sequence[str], drain: Sequence[str]) -> str:
    """What the answer names: the elements as the operator wrote them."""
    return ", ".join([*fail, *(drain_label(d) for d in drain)])


def run_whatif(
    snapshot: Snapshot,
    backend: Backend,
    *,
    policies: Any,
    fail: Sequence[str] = (),
    drain: Sequence[str] = (),
    progress: Callable[[str, int, int], None] | None = None,
    allow_empty: bool = False,
    max_scenarios: int | None = DEFAULT_MAX_SCENARIOS,
    timeout: float | None = None,
    strict: bool = False,
) -> Verdict:
    """The what-if verdict: ``pass`` iff taking the elements down breaks no protected pair and no
    state policy (``verdict.whatif`` holds the answer, the pairs and the single points of failure)."""
    from validator.api import require_policies
    from validator.diff.unmodelled import state_findings
    from validator.engine.failspec import parse_fail_specs
    from validator.policy import validate_against

    start = time.monotonic()
    require_policies(policies, allow_empty)
    specs = [*fail, *drain_specs(drain)]
    if not specs:
        raise InputError("whatif needs at least one element to take down: give --fail SPEC or --drain ELEMENT")
    if snapshot.file_errors:
        fe = snapshot.file_errors[0]
        raise ConfigParseError(f"configuration does not parse: {fe.message}", file=fe.file, line=fe.line or None)
    validate_against(policies, snapshot)
    subject = subject_of(fail, drain)
    verdict = Verdict(head=Side(f"{snapshot.source} with {subject} down"), engine=backend.name)
    summary: dict[str, Any] = {
        "question": f"safe to take {subject} down?",
        "subject": subject,
        "failures": specs,
        "drained": list(drain),
        "model": DRAIN_MODEL if drain else FAIL_MODEL,
    }
    try:
        with deadline(timeout):
            base = backend.dataplane(snapshot)
            failures = parse_fail_specs(specs, snapshot, base.edges, policies.risk_group_specs())
            check_budget(base, policies, max_scenarios)  # the base's elements: an upper bound
            result = what_if(
                base=base,
                failures=failures,
                specs=specs,
                policies=policies,
                compute=backend.dataplane,
                engine=backend.name,
                progress=progress,
                strict=strict,
            )
    except (NotConverged, RunTimeout) as exc:
        if isinstance(exc, RunTimeout):
            # the error verdict is the answer: no second alarm while it is rendered (where the
            # limits module offers it)
            handled = getattr(limits, "timeout_handled", None)
            if handled is not None:
                handled()
        verdict.error = exc.one_line() if isinstance(exc, NotConverged) else str(exc)
        verdict.seconds = time.monotonic() - start
        verdict.whatif = {**summary, "safe": None, "answer": "unknown"}
        return verdict
    verdict.findings = [*state_findings(snapshot), *result.findings]
    verdict.policies_run = [("maintenance", "whatif"), *result.policies_run]
    verdict.scenarios = result.scenarios
    verdict.pruned = result.pruned
    verdict.seconds = time.monotonic() - start
    verdict.whatif = {
        **summary,
        "safe": verdict.passed,
        "answer": "yes" if verdict.passed else "no",
        "broken_pairs": result.broken,
        "new_single_points_of_failure": result.at_risk,
        "pre_existing_single_points_of_failure": result.pre_existing,
    }
    return verdict
