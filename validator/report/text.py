"""Terminal report, read in ten seconds: the verdict, then the causes (``fix: FILE:LINE — ...`` and
the pairs each breaks), then the details: what changed, and per cause its first finding in full
and the others on one line each (``verbose`` explains every finding in full; ``quiet`` stops after
the causes)."""

from __future__ import annotations

import io

from validator.model.verdict import Finding, FindingGroup, Verdict
from validator.report._common import (
    MAX_CAUSES,
    VERDICT_STYLE,
    Line,
    cause_lines,
    change_lines,
    finding_lines,
    finding_summary,
    lines_to_text,
    plural,
    run_summary,
    side_text,
    verdict_groups,
    verdict_headline,
)

QUIET, NORMAL, VERBOSE = -1, 0, 1
PRE_EXISTING = "pre-existing"


def _headline(verdict: Verdict, groups: list[FindingGroup]) -> str:
    head = verdict_headline(verdict)
    blocking = sum(g.blocking for g in groups)
    if verdict.verdict == "error" or not groups:
        return head
    return f"{head} ({plural(blocking, 'blocking cause')}, {len(groups)} in all)"


def _causes(groups: list[FindingGroup]) -> list[Line]:
    shown = [g for g in groups if g.status != PRE_EXISTING]
    if not shown:
        return []
    out: list[Line] = [[("causes:", "bold")]]
    for g in shown[:MAX_CAUSES]:
        out.extend(cause_lines(g))
    if len(shown) > MAX_CAUSES:
        out.append([(f"  ... {len(shown) - MAX_CAUSES} more causes below", "dim")])
    return out


def _details(
    title: str, groups: list[FindingGroup], findings: list[Finding], verbosity: int, number: dict[int, int]
) -> list[Line]:
    if not groups:
        return []
    out: list[Line] = [[], [(title, "bold")]]
    for g in groups:
        if len(g.findings) > 1:
            out.append([(f"{g.id}: {plural(len(g.findings), 'finding')}, one cause: ", "dim"), (g.fix, "")])
        for k, i in enumerate(g.findings):
            if k == 0 or verbosity >= VERBOSE:
                out.extend(finding_lines(findings[i], number[i]))
                out.append([])
            else:
                out.append(finding_summary(findings[i], number[i]))
        if out[-1]:
            out.append([])
    while out and not out[-1]:
        out.pop()
    return out


def _lines(verdict: Verdict, verbosity: int = NORMAL) -> list[Line]:
    groups = verdict_groups(verdict)
    out: list[Line] = [[(_headline(verdict, groups), VERDICT_STYLE[verdict.verdict])]]
    out.extend(_causes(groups))
    out.append([(run_summary(verdict), "dim")])
    out.append([(side_text(verdict), "dim")])
    if verbosity <= QUIET:
        return out
    out.append([])
    out.extend(change_lines(verdict.change, verdict.base is not None))
    number = {i: n for n, i in enumerate(sorted(i for g in groups for i in g.findings), 1)}
    current = [g for g in groups if g.status != PRE_EXISTING]
    pre = [g for g in groups if g.status == PRE_EXISTING]
    pre_title = "pre-existing (in the base already, not touched by the change):"
    out.extend(_details("findings:", current, verdict.findings, verbosity, number))
    out.extend(_details(pre_title, pre, verdict.findings, verbosity, number))
    notes = [f for i, f in enumerate(verdict.findings) if i not in number]
    if notes:
        out.append([])
        out.append([("notes:", "bold")])
        out.extend([[("  ", ""), (f"{f.policy}: {f.message}", "dim")] for f in notes])
    if not verdict.findings and verdict.error is None:
        out.append([])
        out.append([("no findings", "green")])
    return out


def render_text(verdict: Verdict, *, color: bool = False, verbosity: int = NORMAL) -> str:
    """Plain text unless ``color`` (the CLI decides: ``--color``, ``NO_COLOR``, a terminal)."""
    lines = _lines(verdict, verbosity)
    if not color:
        return lines_to_text(lines) + "\n"
    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(
        file=buf,
        force_terminal=True,
        color_system="standard",
        soft_wrap=True,
        highlight=False,
        emoji=False,
        markup=False,
        width=200,
    )
    for line in lines:
        text = Text()
        for chunk, style in line:
            text.append(chunk, style=style or None)
        console.print(text)
    return buf.getvalue()
