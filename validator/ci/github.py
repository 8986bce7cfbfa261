"""The GitHub Action's steps (``action.yml``), as ``python -m validator.ci.github run|comment``.

Why a module and not shell in ``action.yml``: the steps must write every report even when the
gate cannot decide (exit 2/3: a CI upload step would otherwise fail on a missing file), turn
findings into workflow annotations on repository-relative paths, and be tested without GitHub.

``run`` checks the change once (git mode) and writes ``validator.sarif``, ``validator.junit.xml``
and ``validator.md`` into ``--out-dir``, appends the Markdown to ``$GITHUB_STEP_SUMMARY``, prints
``::error file=…,line=…::…`` for each blocking finding's locations and sets step outputs in
``$GITHUB_OUTPUT``. ``comment`` posts or updates one sticky pull-request comment; it needs a token
and never runs (or reaches the network) without one.
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import sys
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from validator.errors import ValidatorError
from validator.model.verdict import Finding, Side, Verdict

REPORT_FILES = {"sarif": "validator.sarif", "junit": "validator.junit.xml", "markdown": "validator.md"}
STICKY_MARKER = "<!-- validator:sticky-comment -->"
FAIL_ON = ("block", "error", "never")


def _escape_data(text: str) -> str:
    """Workflow-command data escaping (GitHub's toolkit: %, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def repo_path(snapshot_path: str, file: str) -> str:
    """A finding's snapshot-relative file as a path from the repository root."""
    joined = posixpath.normpath(posixpath.join(snapshot_path or ".", file))
    return joined[2:] if joined.startswith("./") else joined


def _level(f: Finding) -> str | None:
    """Blocking findings are errors; warnings stay warnings; waived ones are notices; info is not shown."""
    if f.blocking:
        return "error"
    if f.status == "waived":
        return "notice"
    return "warning" if f.severity == "warning" else None


def workflow_annotations(verdict: Verdict, snapshot_path: str) -> list[str]:
    """One workflow command per root cause and line it spans (GitHub shows only the first ten
    error annotations of a step, so twenty findings of one ACL line must not crowd out the rest);
    a cause without a config line gets one annotation without a file."""
    from validator.report._common import pairs_text, verdict_groups

    out: list[str] = []
    if verdict.error is not None:
        out.append(f"::error title=validator::{_escape_data('the gate could not decide: ' + verdict.error)}")
    for g in verdict_groups(verdict):
        lead = verdict.findings[g.findings[0]]
        level = _level(lead) if len(g.findings) == 1 else ("error" if g.blocking else _level(lead))
        if level is None:
            continue
        title = _escape_prop(f"{g.id} {lead.policy} ({lead.check})")
        text = lead.message if len(g.findings) == 1 else f"{g.fix}; breaks: {pairs_text(g)}"
        message = _escape_data(text)
        locations = g.locations or lead.locations
        if not locations:
            out.append(f"::{level} title={title}::{message}")
            continue
        for loc in locations:
            path = _escape_prop(repo_path(snapshot_path, loc.file))
            out.append(f"::{level} file={path},line={max(1, loc.line)},title={title}::{message}")
    return out


def _gate(args: argparse.Namespace) -> tuple[Verdict, int]:
    """Run the gate once; an input or engine failure becomes an ``error`` verdict (never lost)."""
    from validator.api import run
    from validator.backends import get_backend
    from validator.errors import InputError
    from validator.inputs import resolve_git_inputs

    try:
        inputs = resolve_git_inputs(
            repo=args.repo,
            base=args.base or None,
            head=args.head or None,
            snapshot_path=args.snapshot,
            policies=args.policies,
            intent=args.intent or None,
            ignore_paths=(),
        )
        backend = get_backend(args.engine, batfish_host=args.batfish_host or None)
        try:
            verdict = run(inputs, backend)
        finally:
            backend.close()
    except ValidatorError as exc:
        from validator.cli.shallow import with_shallow_hint

        message = (with_shallow_hint(exc, args.repo) if isinstance(exc, InputError) else exc).one_line()
        verdict = Verdict(head=Side(source=args.repo, rev=args.head or "HEAD"), error=message)
        return verdict, (2 if isinstance(exc, InputError) else exc.exit_code)
    return verdict, {"pass": 0, "block": 1}.get(verdict.verdict, 3)


def _write_reports(verdict: Verdict, out_dir: Path, formats: Sequence[str], snapshot_path: str) -> dict[str, Path]:
    from validator.report import render

    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for fmt in formats:
        path = out_dir / REPORT_FILES[fmt]
        path.write_text(render(verdict, fmt, uri_base=snapshot_path if fmt == "sarif" else ""), encoding="utf-8")
        written[fmt] = path
    return written


def _append(env_name: str, text: str) -> None:
    target = os.environ.get(env_name)
    if target:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(text if text.endswith("\n") else text + "\n")


def parse_formats(text: str) -> list[str]:
    formats = [f.strip() for f in text.replace(" ", ",").split(",") if f.strip()]
    unknown = [f for f in formats if f not in REPORT_FILES]
    if unknown:
        names = ", ".join(unknown)
        raise SystemExit(f"validator-action: unknown format(s) {names} (choose from sarif, junit, markdown)")
    if "markdown" not in formats:
        formats.append("markdown")  # the step summary and the PR comment are made from it
    return formats


def _run(args: argparse.Namespace) -> int:
    if args.fail_on not in FAIL_ON:
        print(f"validator-action: fail-on must be one of {', '.join(FAIL_ON)}, not {args.fail_on!r}", file=sys.stderr)
        return 2
    formats = parse_formats(args.formats)
    verdict, code = _gate(args)
    written = _write_reports(verdict, Path(args.out_dir), formats, args.snapshot)
    markdown = written["markdown"].read_text(encoding="utf-8")
    _append("GITHUB_STEP_SUMMARY", markdown)
    for line in workflow_annotations(verdict, args.snapshot):
        print(line)
    outputs = [f"verdict={verdict.verdict}", f"exit-code={code}"]
    outputs += [f"{fmt}-file={path}" for fmt, path in written.items()]
    _append("GITHUB_OUTPUT", "\n".join(outputs))
    print(f"validator: {verdict.verdict.upper()} (exit {code}); reports in {args.out_dir}")
    if args.fail_on == "never":
        return 0
    if args.fail_on == "error":
        return code if code >= 2 else 0
    return code


def _api(method: str, url: str, token: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Accept", "application/vnd.github+json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read().decode() or "null")


def pull_request_number() -> int | None:
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return None
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    number = (event.get("pull_request") or {}).get("number") or event.get("number")
    return int(number) if isinstance(number, int) else None


def _comment(args: argparse.Namespace) -> int:
    token = args.token or ""
    if not token:
        print("validator-action: no token given: no pull-request comment")
        return 0
    number = pull_request_number()
    repo = os.environ.get("GITHUB_REPOSITORY", "")
    if number is None or not repo:
        print("validator-action: not a pull request: no comment")
        return 0
    try:
        body = STICKY_MARKER + "\n" + Path(args.markdown).read_text(encoding="utf-8")
    except OSError as exc:
        print(f"::warning title=validator::no pull-request comment: cannot read {args.markdown}: {exc.strerror}")
        return 0
    api = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
    try:
        existing = None
        comments = _api("GET", f"{api}/repos/{repo}/issues/{number}/comments?per_page=100", token)
        for c in comments or []:
            if STICKY_MARKER in str(c.get("body", "")):
                existing = c
                break
        if existing is not None:
            _api("PATCH", f"{api}/repos/{repo}/issues/comments/{existing['id']}", token, {"body": body})
        else:
            _api("POST", f"{api}/repos/{repo}/issues/{number}/comments", token, {"body": body})
    except (OSError, ValueError) as exc:  # urllib's HTTPError/URLError are OSErrors
        # a pull request from a fork gets a read-only token: the comment is a courtesy, the
        # verdict (the check step's exit code, the reports) stands without it
        print(f"::warning title=validator::no pull-request comment: {_escape_data(str(exc))}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m validator.ci.github", description=__doc__)
    sub = parser.add_subparsers(dest="step", required=True)
    r = sub.add_parser("run", help="check the change once; write reports, summary, annotations")
    r.add_argument("--repo", default=os.environ.get("GITHUB_WORKSPACE", "."))
    r.add_argument("--snapshot", default=".", help="snapshot folder inside the repository")
    r.add_argument("--policies", default="policies", help="policy path inside the repository")
    r.add_argument("--intent", default="")
    r.add_argument("--base", default="", help="base revision (default: merge-base with the default branch)")
    r.add_argument("--head", default="", help="head revision (default: HEAD)")
    r.add_argument("--engine", default="builtin", choices=["builtin", "batfish"])
    r.add_argument("--batfish-host", default="")
    r.add_argument("--formats", default="sarif,junit,markdown")
    r.add_argument(
        "--fail-on",
        default="block",
        help="block (default): exit non-zero on block or error; error: only when the gate could not decide; never",
    )
    r.add_argument("--out-dir", default="validator-reports")
    r.set_defaults(func=_run)
    c = sub.add_parser("comment", help="post or update the sticky pull-request comment (needs a token)")
    c.add_argument("--markdown", required=True)
    c.add_argument("--token", default=os.environ.get("VALIDATOR_GITHUB_TOKEN", ""))
    c.set_defaults(func=_comment)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
