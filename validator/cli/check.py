"""``validator check``: the gate itself, in folder mode or git mode."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from validator.errors import InputError

FORMATS = ["text", "json", "junit", "sarif", "markdown"]


def add_input_args(p: argparse.ArgumentParser) -> None:
    """Inputs shared by ``check`` and ``plan``."""
    p.add_argument("--head-dir", metavar="DIR", help="proposed snapshot folder (folder mode)")
    p.add_argument("--base-dir", metavar="DIR", help="current snapshot folder (folder mode)")
    p.add_argument("--repo", metavar="DIR", help="git repository (git mode; default: current directory)")
    p.add_argument("--base", metavar="REV", help="base revision (default: merge-base with the default branch)")
    p.add_argument("--head", metavar="REV", help="head revision (default: HEAD)")
    p.add_argument("--snapshot", metavar="PATH_IN_REPO", default=".", help="snapshot folder inside the repository")
    p.add_argument("--policies", metavar="PATH", help="policy file or folder (git mode: path in the repository)")
    p.add_argument("--intent", metavar="FILE", help="the change's declared intent (default: .validator/intent.yaml)")
    p.add_argument("--engine", choices=["builtin", "batfish"], default="builtin")
    p.add_argument("--batfish-host", metavar="HOST", help="Batfish service (default: $BATFISH_HOST)")
    p.add_argument(
        "--ignore-path",
        metavar="GLOB",
        action="append",
        default=[],
        help="snapshot files that are not network state (repeatable; fnmatch on the snapshot-relative path, "
        "a folder covers its contents); any other changed file the gate does not read blocks as unread",
    )
    add_limit_args(p)


def add_timeout_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--timeout",
        type=_positive_float,
        metavar="SECONDS",
        help="give up after SECONDS: the verdict is then error (exit 3), never a partial pass",
    )


def add_limit_args(p: argparse.ArgumentParser) -> None:
    """Run limits shared by the commands that evaluate policies (check, plan, whatif)."""
    from validator.checks.budget import DEFAULT_MAX_SCENARIOS

    add_timeout_arg(p)
    p.add_argument(
        "--max-scenarios",
        type=_positive_int,
        default=DEFAULT_MAX_SCENARIOS,
        metavar="N",
        help=f"refuse (exit 2) a failure sweep of more than N scenarios (default {DEFAULT_MAX_SCENARIOS:,})",
    )
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="accept a run that checks nothing (no policies, or every policy skipped); default: refuse",
    )
    from validator.executors import add_executor_arg

    add_executor_arg(p)  # --executor local|ray[:ADDRESS]: where failure-sweep scenarios run


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < 1e9:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text}")
    return value


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="check a change against the policies (exit 0 pass, 1 blocked)")
    add_input_args(p)
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")
    p.add_argument("--plan-out", metavar="FILE", help="write a plan token bound to what was validated (git mode)")
    p.add_argument(
        "--strict", action="store_true", help="keep every finding an error (no pre-existing baseline in diff mode)"
    )
    p.set_defaults(handler=check_with_error_report)


def resolve_inputs(args: argparse.Namespace) -> Any:
    from validator.inputs import resolve_folder_inputs, resolve_git_inputs

    if args.head_dir is not None:
        if args.repo or args.base or args.head:
            raise InputError("use either --head-dir/--base-dir (folders) or --repo/--base/--head (git), not both")
        policies = args.policies
        if policies is None:
            if Path("policies").exists():
                policies = "policies"
            else:
                raise InputError("no policies given: pass --policies PATH")
        return resolve_folder_inputs(args.head_dir, args.base_dir, policies, args.intent, args.ignore_path)
    if args.base_dir is not None:
        raise InputError("--base-dir needs --head-dir")
    try:
        return resolve_git_inputs(
            repo=args.repo or ".",
            base=args.base,
            head=args.head,
            snapshot_path=args.snapshot,
            policies=args.policies or "policies",
            intent=args.intent,
            ignore_paths=args.ignore_path,
        )
    except InputError as exc:
        from validator.cli.shallow import with_shallow_hint

        hinted = with_shallow_hint(exc, args.repo or ".")
        if hinted is exc:
            raise
        raise hinted from exc


def emit(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    try:
        Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write report: {exc.strerror}", file=output) from None


def _check(args: argparse.Namespace) -> int:
    from validator.api import run
    from validator.backends import get_backend
    from validator.report import render

    inputs = resolve_inputs(args)
    if args.plan_out and inputs.repo is None:
        raise InputError("--plan-out needs git mode (--repo/--base/--head): a plan binds to commits")
    backend = get_backend(args.engine, batfish_host=args.batfish_host)
    try:
        from validator.cli.progress import progress_bar

        verdict = run(
            inputs,
            backend,
            progress=progress_bar(quiet=getattr(args, "quiet", False)),
            allow_empty=args.allow_empty,
            max_scenarios=args.max_scenarios,
            strict=args.strict,
        )
        version = backend.version
    finally:
        backend.close()
    from validator.cli.common import use_color, verbosity

    color = args.output is None and args.format == "text" and use_color(args)
    report = render(
        verdict, args.format, color=color, uri_base=report_uri_base(args, inputs), verbosity=verbosity(args)
    )
    emit(report, args.output)
    args.report_written = True
    if args.plan_out:
        from validator.cli.coord import write_check_plan

        write_check_plan(
            args.plan_out,
            repo=inputs.repo,
            base_commit=inputs.base_commit,
            head_commit=inputs.head_commit,
            snapshot_path=inputs.snapshot_path,
            verdict=verdict,
            engine=backend.name,
            engine_version=version,
            policies_path=inputs.policies_path,
            intent_digest=inputs.intent_digest,
            target=inputs.target,
            inputs=inputs,
        )
    return {"pass": 0, "block": 1}.get(verdict.verdict, 3)


def report_uri_base(args: argparse.Namespace, inputs: Any) -> str:
    """Where the snapshot is, relative to the repository root (SARIF URIs): the snapshot path in
    git mode; in folder mode the head folder relative to the working directory, if inside it."""
    if getattr(inputs, "repo", None) is not None:
        return str(inputs.snapshot_path)
    if not args.head_dir:
        return ""
    try:
        rel = Path(args.head_dir).resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return ""
    return rel.as_posix()


def check_with_error_report(args: argparse.Namespace) -> int:
    """``_check``, but a run that fails with exit 2 or 3 still writes its report to ``--output``
    (SARIF ``executionSuccessful: false``, JUnit ``<error>``, Markdown, JSON; not text): a CI step
    that uploads the report must not fail on a missing file. The error itself still goes to stderr as one line."""
    try:
        return _check(args)
    except BaseException as exc:
        written = getattr(args, "report_written", False)  # a later step (--plan-out) failed: keep the verdict
        machine = args.format != "text"  # a text report of an error is the stderr line itself
        if args.output is not None and machine and not written and not isinstance(exc, KeyboardInterrupt):
            _write_error_report(args, exc)
        raise


def _write_error_report(args: argparse.Namespace, exc: BaseException) -> None:
    from validator.errors import ValidatorError
    from validator.model.verdict import Side, Verdict
    from validator.report import render

    message = exc.one_line() if isinstance(exc, ValidatorError) else f"{type(exc).__name__}: {exc}"
    verdict = Verdict(head=Side(source=str(args.head_dir or args.repo or "."), rev=args.head), engine=args.engine)
    verdict.error = message.replace("\n", " ")
    with contextlib.suppress(OSError):  # the original error is the one to report
        Path(args.output).write_text(render(verdict, args.format), encoding="utf-8")
