"""``validator whatif`` (before maintenance) and ``validator plan`` (rollout waves for a change)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from validator.cli.check import FORMATS, add_input_args, add_limit_args, emit, resolve_inputs


def register(sub: Any) -> None:
    w = sub.add_parser("whatif", help="evaluate the policies with elements down (before maintenance)")
    w.add_argument("--snapshot", required=True, metavar="DIR")
    w.add_argument(
        "--fail",
        action="append",
        required=True,
        metavar="SPEC",
        help="node:NAME, interface:NODE[IFACE], link:NODE[IFACE] or group:NAME (repeatable)",
    )
    w.add_argument("--policies", metavar="PATH", default="policies")
    w.add_argument("--format", choices=FORMATS, default="text")
    w.add_argument("--output", metavar="FILE")
    add_limit_args(w)
    w.set_defaults(handler=_whatif)

    p = sub.add_parser("plan", help="rollout waves for a change: groups of devices safe to change together")
    add_input_args(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--output", metavar="FILE")
    p.set_defaults(handler=_plan)


def progress_bar() -> Callable[[str, int, int], None] | None:
    """A progress line on a terminal for sweeps that last more than a second."""
    if not sys.stderr.isatty():
        return None
    start = time.monotonic()
    state = {"last": 0.0}

    def show(label: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - start < 1.0 or (now - state["last"] < 0.1 and done < total):
            return
        state["last"] = now
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r{label}: [{'#' * filled}{'.' * (width - filled)}] {done}/{total} scenarios")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _whatif(args: argparse.Namespace) -> int:
    from validator.api import require_policies
    from validator.backends import get_backend
    from validator.checks.budget import check_budget
    from validator.checks.whatif import what_if
    from validator.engine.failspec import parse_fail_specs
    from validator.errors import NotConverged
    from validator.limits import RunTimeout
    from validator.model.verdict import Side, Verdict
    from validator.policy import load_policies, validate_against
    from validator.report import render
    from validator.snapshot.folder import load_snapshot

    start = time.monotonic()
    snapshot = load_snapshot(args.snapshot)
    policies = load_policies(args.policies)
    require_policies(policies, args.allow_empty)
    validate_against(policies, snapshot)
    backend = get_backend("builtin")
    verdict = Verdict(head=Side(f"{snapshot.source} with {', '.join(args.fail)} down"), engine=backend.name)
    try:
        base = backend.dataplane(snapshot)
        failures = parse_fail_specs(args.fail, snapshot, base.edges, policies.risk_group_specs())
        check_budget(base, policies, args.max_scenarios)  # the base's elements: an upper bound
        result = what_if(
            base=base,
            failures=failures,
            specs=args.fail,
            policies=policies,
            compute=backend.dataplane,
            engine=backend.name,
            progress=progress_bar(),
        )
    except (NotConverged, RunTimeout) as exc:
        if isinstance(exc, RunTimeout):
            from validator.limits import timeout_handled

            timeout_handled()
        verdict.error = exc.one_line() if isinstance(exc, NotConverged) else str(exc)
        verdict.seconds = time.monotonic() - start
        color = args.output is None and args.format == "text" and sys.stdout.isatty()
        emit(render(verdict, args.format, color=color), args.output)
        return 3
    verdict.findings = result.findings
    verdict.policies_run = [("maintenance", "whatif"), *result.policies_run]
    verdict.scenarios = result.scenarios
    verdict.seconds = time.monotonic() - start
    color = args.output is None and args.format == "text" and sys.stdout.isatty()
    emit(render(verdict, args.format, color=color), args.output)
    return 0 if verdict.passed else 1


def _plan(args: argparse.Namespace) -> int:
    from validator.api import prepare, require_policies
    from validator.backends import get_backend
    from validator.checks.budget import check_budget
    from validator.checks.sweep import _unit_name, plan_waves, protected_baselines, touched_units
    from validator.engine.convergence import require_converged

    inputs = resolve_inputs(args)
    require_policies(inputs.policies, args.allow_empty)
    backend = get_backend(args.engine, batfish_host=args.batfish_host)
    try:
        ctx, _verdict = prepare(inputs, backend, progress=progress_bar())
    finally:
        backend.close()
    require_converged(ctx.head, "head data plane")  # NotConverged: exit 3 naming the prefixes
    if ctx.base is not None:
        require_converged(ctx.base, "base data plane")
    check_budget(ctx.head, ctx.policies, args.max_scenarios)
    if ctx.base is None:
        from validator.errors import InputError

        raise InputError("plan needs a change: give --base-dir/--head-dir or git revisions")
    units = touched_units(ctx)
    from validator.checks.sweep import _sweeper

    plan = plan_waves(_sweeper(ctx), protected_baselines(ctx, None), units)
    devices = [_unit_name(u) for u in plan.units]
    waves = [[_unit_name(e) for e in w] for w in plan.waves]
    unstageable = [_unit_name(u) for u in plan.unstageable]
    doc: dict[str, Any] = {
        "devices": devices,
        "safe_together": plan.safe_together,
        "waves": waves,
        "unstageable": unstageable,
        "cuts_if_together": [
            {"pair": v.pair.label, "flow": v.result.flow.to_json(), "classes": v.count} for v in plan.cuts
        ],
    }
    if args.format == "json":
        emit(json.dumps(doc, indent=2), args.output)
    else:
        lines = [f"change touches: {', '.join(devices) or '(no device)'}"]
        if plan.safe_together:
            lines.append("safe to roll out in one wave: failing every touched element together cuts no protected pair")
        else:
            lines.append("NOT safe in one wave: failing every touched element together cuts:")
            for v in plan.cuts:
                lines.append(f"  {v.pair.label}: e.g. {v.result.flow}")
        for i, w in enumerate(waves, 1):
            lines.append(f"wave {i}: {', '.join(w)}")
        if plan.unstageable:
            lines.append(
                f"single points of failure (each alone cuts a protected pair, whatever the order): "
                f"{', '.join(unstageable)}"
            )
        emit("\n".join(lines), args.output)
    return 0
