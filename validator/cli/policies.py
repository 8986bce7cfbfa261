"""``validator policies lint PATH``: check policy files before they guard anything.

Output is one ``file:line: key: message`` line per problem (like a compiler), so editors and CI
annotations can jump to it; exit 0 when clean, 2 otherwise.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from validator.cli.common import add_snapshot_dir
from validator.errors import PolicyError


def register(sub: Any) -> None:
    p = sub.add_parser("policies", help="policy files: lint")
    psub = p.add_subparsers(dest="policies_command", metavar="ACTION", parser_class=type(p))
    psub.required = True
    lint = psub.add_parser("lint", help="validate policy files (schema, names, zones; with --snapshot-dir, names)")
    lint.add_argument(
        "path", metavar="PATH", nargs="+", help="policy files or directories of *.yaml/*.yml (each linted on its own)"
    )
    add_snapshot_dir(lint, required=False, help="also check that nodes and interfaces exist in this snapshot folder")
    lint.add_argument("--intent", metavar="FILE", help="also lint a change intent file against the policies")
    from validator.checks.budget import DEFAULT_MAX_SCENARIOS

    lint.add_argument(
        "--max-scenarios",
        type=int,
        default=DEFAULT_MAX_SCENARIOS,
        metavar="N",
        help="with --snapshot: a failure sweep of more than N scenarios is a problem (exit 2)",
    )
    lint.set_defaults(handler=_lint)


def _lint(args: argparse.Namespace) -> int:
    """Several paths (pre-commit passes the changed files): each is linted; the worst exit wins."""
    return max(_lint_one(args, path) for path in args.path)


def _lint_one(args: argparse.Namespace, path: str) -> int:
    if Path(path).name == "waivers.yaml":
        return _lint_waivers(path)
    from validator.policy import (
        PolicyValidationError,
        intent_diagnostics,
        load_intent,
        load_policies,
        semantic_diagnostics,
    )

    try:
        policies = load_policies(path)
        intent = load_intent(args.intent) if args.intent else None
    except PolicyValidationError as exc:
        for d in exc.diagnostics:
            print(d)
        return 2
    except PolicyError as exc:
        print(exc.one_line())
        return 2
    snapshot = None
    if args.snapshot:
        from validator.snapshot.folder import load_snapshot

        snapshot = load_snapshot(args.snapshot)  # its InputErrors go to the CLI's one-line handler
    problems = semantic_diagnostics(policies, snapshot) if snapshot is not None else []
    if intent is not None:
        problems += intent_diagnostics(intent, policies, snapshot)
    if problems:
        for d in sorted(set(problems)):
            print(d)
        return 2
    counts: list[str] = []
    if snapshot is not None and not _sweep_counts(policies, snapshot, args.max_scenarios, counts):
        return 2
    n, m = len(policies.policies), len(policies.zones)
    extra = f", intent with {len(intent.changes)} changes" if intent is not None else ""
    print(f"ok: {n} policies, {m} zones{extra}")  # fixed wording: scripts parse this line
    for line in counts:
        print(line)
    return 0


def _sweep_counts(policies: Any, snapshot: Any, max_scenarios: int, lines: list[str]) -> bool:
    """Each failure sweep's scenario count on this snapshot, as ``lines`` to print after the ok
    line; False (counts and the refusal printed) if one is over budget: the run would refuse it,
    better to learn it here than in CI."""
    from validator.checks.budget import enforce, sweep_counts
    from validator.engine.dataplane import compute_dataplane
    from validator.errors import InputError

    counts = sweep_counts(compute_dataplane(snapshot), policies)
    lines.extend(f"sweep {c.text()}" for c in counts)
    try:
        enforce(counts, max_scenarios)
    except InputError as exc:
        for line in lines:
            print(line)
        print(f"{policies.file}: {exc.one_line()}")
        return False
    return True


def _lint_waivers(path: str) -> int:
    """``.validator/waivers.yaml`` (validator.policy.waivers): schema, dates; expired ones named."""
    import datetime as dt

    from validator.policy.waivers import load_waivers

    try:
        waivers = load_waivers(Path(path).read_bytes(), file=path)
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror}")
        return 2
    except PolicyError as exc:
        print(exc.one_line())
        return 2
    expired = [w for w in waivers if w.expired(dt.date.today())]
    print(f"ok: {len(waivers)} waivers, {len(expired)} expired")
    for w in expired:
        print(f"{w.source}: expired on {w.expires.isoformat()} (owner {w.owner}): no longer applied")
    return 0
