"""``validator plan``: rollout waves of change units, ordered so every intermediate state passes.

Exit 0 when a safe plan exists (waves that each fail nothing together, in an order whose every
intermediate state passes the policies), 1 when none does (the first failing intermediate state is
named), 2 for bad input, 3 for an engine error.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from validator.cli.check import add_input_args, emit, resolve_inputs


def register(sub: Any) -> None:
    p = sub.add_parser(
        "plan", help="rollout waves for a change: units safe to change together, in a safe order (exit 1: none)"
    )
    add_input_args(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--output", metavar="FILE")
    p.set_defaults(handler=_plan)


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


def _text(doc: dict[str, Any]) -> str:
    lines = [f"change units: {', '.join(doc['units']) or '(none)'}"]
    if doc["inert"]:
        lines.append("inert (no unit): " + ", ".join(f"{x['device']}: {x['kind']} {x['name']}" for x in doc["inert"]))
    if doc["safe_together"]:
        lines.append("failing every touched unit together cuts no protected pair")
    else:
        lines.append("NOT safe in one wave: failing these units together cuts:")
        for c in doc["cuts_if_together"]:
            lines.append(f"  {c['pair']}: {', '.join(c['units'])}")
    if not doc["safe"]:
        lines.append(
            "NO SAFE ROLLOUT ORDER: the intermediate state with the head configuration on "
            f"{', '.join(doc.get('failing_state') or [])} (base elsewhere) fails"
        )
        f = doc.get("failing_finding")
        if f:
            lines.append(f"  {f['policy']} ({f['check']}): {f['message']}")
    elif doc["ordered_rollout_required"]:
        lines.append("ordered rollout required: apply the waves in this order (another order fails):")
    for i, w in enumerate(doc["waves"], 1):
        lines.append(f"wave {i}: {', '.join(w['units'])}  (devices: {', '.join(w['devices'])})")
    if doc["unstageable"]:
        lines.append(
            "single points of failure (unavoidable: each alone cuts a protected pair, whatever the order): "
            + ", ".join(doc["unstageable"])
        )
    lines.append(f"intermediate states checked: {doc['states_checked']}")
    return "\n".join(lines)


def _plan(args: argparse.Namespace) -> int:
    from validator.api import prepare, require_policies
    from validator.backends import get_backend
    from validator.checks.budget import check_budget
    from validator.cli.progress import progress_bar
    from validator.engine.convergence import require_converged
    from validator.errors import InputError

    inputs = resolve_inputs(args)
    require_policies(inputs.policies, args.allow_empty)
    if inputs.base is None:
        raise InputError("plan needs a change: give --base-dir/--head-dir or git revisions")
    backend = get_backend(args.engine, batfish_host=args.batfish_host)
    try:
        ctx, _verdict = prepare(inputs, backend, progress=progress_bar())
        require_converged(ctx.head, "head data plane")  # NotConverged: exit 3 naming the prefixes
        if ctx.base is not None:
            require_converged(ctx.base, "base data plane")
        check_budget(ctx.head, ctx.policies, args.max_scenarios)
        doc = plan_document(ctx)
    finally:
        backend.close()
    emit(json.dumps(doc, indent=2) if args.format == "json" else _text(doc), args.output)
    return 0 if doc["safe"] else 1
