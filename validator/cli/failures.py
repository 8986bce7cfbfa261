"""``validator whatif`` (before maintenance); ``validator plan`` lives in :mod:`validator.cli.plan`."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from validator.cli.check import FORMATS, add_limit_args, emit


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

    from validator.cli.plan import register as register_plan

    register_plan(sub)


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
