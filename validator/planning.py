"""``plan`` orchestration: the rollout plan of a change, through :mod:`validator.api` and the backend.

The CLI (``validator plan``) and the library (:func:`validator.api.plan`) both come through
:func:`run_plan`, so they cannot disagree: resolved inputs -> ``api.prepare`` (diff, data planes)
-> convergence and scenario budget -> waves, single points of failure and the ordered-rollout
search of :mod:`validator.checks.blast` / :mod:`validator.checks.rollout`.
"""

from __future__ import annotations

from typing import Any

from validator.backends.base import Backend
from validator.checks.budget import DEFAULT_MAX_SCENARIOS


def run_plan(
    inputs: Any,
    backend: Backend,
    *,
    progress: Any = None,
    allow_empty: bool = False,
    max_scenarios: int | None = DEFAULT_MAX_SCENARIOS,
) -> dict[str, Any]:
    """The plan document of the change in ``inputs`` (``safe`` False: no safe order exists)."""
    from validator.api import prepare, require_policies
    from validator.checks.budget import check_budget
    from validator.engine.convergence import require_converged
    from validator.errors import InputError

    require_policies(inputs.policies, allow_empty)
    if inputs.base is None:
        raise InputError("plan needs a change: give --base-dir/--head-dir or git revisions")
    ctx, _verdict = prepare(inputs, backend, progress=progress)
    require_converged(ctx.head, "head data plane")  # NotConverged: exit 3 naming the prefixes
    if ctx.base is not None:
        require_converged(ctx.base, "base data plane")
    check_budget(ctx.head, ctx.policies, max_scenarios)
    return plan_document(ctx)


def plan_document(ctx: Any) -> dict[str, Any]:
    """The plan of the change in ``ctx``: waves, single points of failure, ordered rollout."""
    from validator.checks.blast import plan_for
    from validator.checks.rollout import search_order, wave_docs

    plan, units = plan_for(ctx, None)
    unit_map = {u.name: u for u in units}
    result = search_order(ctx, plan.waves, unit_map) if len({u.node for u in units}) > 1 else None
    doc: dict[str, Any] = {
        "units": [u.name for u in units],
        "devices": sorted({u.node for u in units}),
        "inert": [
            {"device": st.device, "kind": st.kind, "name": st.name, "file": st.file, "line": st.line}
            for st in (ctx.impact.inert if ctx.impact is not None else [])
        ],
        "safe_together": plan.safe_together,
        "unstageable": [u.spec for u in plan.unstageable],
        "cuts_if_together": [
            {
                "pair": v.pair.label,
                "units": [e.spec for e in v.elements],
                "flow": v.result.flow.to_json(),
                "classes": v.count,
            }
            for v in plan.cuts
        ],
    }
    if result is None:
        doc.update(
            safe=True,
            ordered_rollout_required=False,
            states_checked=0,
            waves=[
                {"units": [e.spec for e in w], "devices": sorted({unit_map[e.spec].node for e in w})}
                for w in plan.waves
            ],
        )
        return doc
    doc.update(
        safe=result.safe,
        ordered_rollout_required=result.safe and result.ordered,
        states_checked=result.states,
        seconds=round(result.seconds, 3),
        waves=wave_docs(result, unit_map),
    )
    if not result.safe:
        failing = result.failing
        doc["failing_state"] = sorted(failing.devices) if failing else None
        doc["failing_finding"] = failing.findings[0].to_json() if failing and failing.findings else None
    return doc
