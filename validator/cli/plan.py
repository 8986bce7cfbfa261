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
from validator.planning import plan_document
from validator.report._common import waves_text

__all__ = ["plan_document", "register"]


def register(sub: Any) -> None:
    p = sub.add_parser(
        "plan", help="rollout waves for a change: units safe to change together, in a safe order (exit 1: none)"
    )
    add_input_args(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--output", metavar="FILE")
    p.set_defaults(handler=_plan)


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
    if doc["waves"]:
        lines.append(f"rollout: {waves_text(doc['waves'])}")
    if doc["unstageable"]:
        lines.append(
            "single points of failure (unavoidable: each alone cuts a protected pair, whatever the order): "
            + ", ".join(doc["unstageable"])
        )
    lines.append(f"intermediate states checked: {doc['states_checked']}")
    return "\n".join(lines)


def _plan(args: argparse.Namespace) -> int:
    from validator.backends import get_backend
    from validator.cli.progress import progress_bar
    from validator.planning import run_plan

    inputs = resolve_inputs(args)
    backend = get_backend(args.engine, batfish_host=args.batfish_host)
    try:
        doc = run_plan(
            inputs,
            backend,
            progress=progress_bar(quiet=getattr(args, "quiet", False)),
            allow_empty=args.allow_empty,
            max_scenarios=args.max_scenarios,
        )
    finally:
        backend.close()
    emit(json.dumps(doc, indent=2) if args.format == "json" else _text(doc), args.output)
    return 0 if doc["safe"] else 1
