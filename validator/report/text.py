"""Terminal report: the verdict first, then what changed, then one explained block per finding."""

from __future__ import annotations

import io

from validator.model.verdict import Verdict
from validator.report._common import (
    VERDICT_STYLE,
    Line,
    change_lines,
    finding_lines,
    lines_to_text,
    run_summary,
    side_text,
    verdict_headline,
)


def _lines(verdict: Verdict) -> list[Line]:
    out: list[Line] = [
        [(verdict_headline(verdict), VERDICT_STYLE[verdict.verdict])],
        [(run_summary(verdict), "dim")],
        [(side_text(verdict), "dim")],
        [],
    ]
    out.extend(change_lines(verdict.change, verdict.base is not None))
    pre = [f for f in verdict.findings if f.extra.get("status") == "pre-existing"]
    current = [f for f in verdict.findings if f.extra.get("status") != "pre-existing"]
    pre_title = "pre-existing (in the base already, not touched by the change):"
    for title, group in (("findings:", current), (pre_title, pre)):
        if not group:
            continue
        out.append([])
        out.append([(title, "bold")])
        for i, f in enumerate(group, 1):
            out.extend(finding_lines(f, i))
            out.append([])
        out.pop()
    if not verdict.findings and verdict.error is None:
        out.append([])
        out.append([("no findings", "green")])
    return out


def render_text(verdict: Verdict, *, color: bool = False) -> str:
    """Plain text unless ``color``: the CLI passes ``isatty`` so logs and pipes stay clean."""
    lines = _lines(verdict)
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
