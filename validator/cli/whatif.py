"""``validator whatif``: before maintenance, "is it safe to take these elements down now?".

The answer comes first ("safe to take az1-r2 down: yes"), then the causes, then the evidence.
Exit 0 when nothing breaks (single points of failure the window creates are warnings), 1 when a
protected pair or a state policy breaks, 2 for bad input, 3 for an engine error or a data plane
that does not converge. It goes through :func:`validator.maintenance.run_whatif` and the backend,
like ``check``.
"""

from __future__ import annotations

import argparse
from typing import Any

from validator.cli.check import FORMATS, add_limit_args, emit
from validator.cli.common import add_snapshot_dir
from validator.cli.inspect import add_engine_args


def register(sub: Any) -> None:
    w = sub.add_parser("whatif", help="before maintenance: is it safe to take these elements down? (exit 0 yes, 1 no)")
    add_snapshot_dir(w)
    w.add_argument(
        "--fail",
        action="append",
        default=[],
        metavar="SPEC",
        help="node:NAME, interface:NODE[IFACE], link:NODE[IFACE] or group:NAME (repeatable)",
    )
    w.add_argument(
        "--drain",
        action="append",
        default=[],
        metavar="ELEMENT",
        help="NODE, NODE[IFACE], interface:NODE[IFACE], link:NODE[IFACE] or group:NAME to drain (repeatable); "
        "modelled as failed, the state a working cost-out or BGP shutdown ends in",
    )
    w.add_argument("--policies", metavar="PATH", default="policies")
    w.add_argument("--format", choices=FORMATS, default="text")
    w.add_argument("--output", metavar="FILE")
    w.add_argument("--strict", action="store_true", help="keep every finding an error (no pre-existing labelling)")
    w.add_argument("-v", "--verbose", action="store_true", help="list every pre-existing single point of failure")
    add_engine_args(w)
    add_limit_args(w)
    w.set_defaults(handler=_whatif)


def _whatif(args: argparse.Namespace) -> int:
    from validator.backends import get_backend
    from validator.cli.progress import progress_bar
    from validator.errors import InputError
    from validator.maintenance import run_whatif
    from validator.policy import load_policies
    from validator.report import render
    from validator.report.whatif import render_whatif_text
    from validator.snapshot.folder import load_snapshot

    if not args.fail and not args.drain:
        raise InputError("whatif needs at least one element to take down: give --fail SPEC or --drain ELEMENT")
    snapshot = load_snapshot(args.snapshot)
    policies = load_policies(args.policies)
    backend = get_backend(args.engine, batfish_host=args.batfish_host)
    try:
        verdict = run_whatif(
            snapshot,
            backend,
            policies=policies,
            fail=args.fail,
            drain=args.drain,
            progress=progress_bar(quiet=getattr(args, "quiet", False)),
            allow_empty=args.allow_empty,
            max_scenarios=args.max_scenarios,
            strict=args.strict,
        )
    finally:
        backend.close()
    from validator.checks.grouping import group_findings
    from validator.cli.common import use_color

    if not verdict.groups:  # the machine formats carry the root-cause groups, as check's do
        verdict.findings[:], verdict.groups = group_findings(verdict.findings)
    color = args.output is None and args.format == "text" and use_color(args)
    if args.format == "text":
        text = render_whatif_text(verdict, verbose=args.verbose, color=color)
    else:
        text = render(verdict, args.format, color=color)
    emit(text, args.output)
    return {"pass": 0, "block": 1}.get(verdict.verdict, 3)
