"""Terminal report of ``whatif``: the operator's answer in the first line, then causes, then details.

"safe to take az1-r2 down: yes" comes first because it is the question asked before a maintenance
window. The causes follow (what breaks now; what one more failure during the window would cut,
because of the maintenance), then what was already so without the maintenance (one line with a
count unless ``verbose``), then the run summary and each finding's evidence.
"""

from __future__ import annotations

from validator.model.verdict import Finding, Verdict
from validator.report._common import VERDICT_STYLE, Line, finding_lines, lines_to_text, plural, run_summary


def _pre_existing(f: Finding) -> bool:
    return f.status == "pre-existing" or f.extra.get("status") == "pre-existing"


def _spof_line(f: Finding) -> str:
    return f"{f.extra.get('pair')}: {', '.join(f.extra.get('single_points_of_failure', ()))}"


def _grouped(findings: list[Finding]) -> list[str]:
    """One line per cut pair, one per other policy (its first finding and how many more): the
    causes stay readable when one cut shows up from every source of a zone."""
    firsts: dict[str, Finding] = {}
    counts: dict[str, int] = {}
    for f in findings:
        key = f"{f.policy}\0{f.extra.get('pair', '')}" if f.check == "whatif" else f.policy
        firsts.setdefault(key, f)
        counts[key] = counts.get(key, 0) + 1
    out = []
    for key, f in firsts.items():
        more = counts[key] - 1
        out.append(f"{f.policy}: {f.message}" + (f" (and {more} more)" if more else ""))
    return out


def whatif_lines(verdict: Verdict, *, verbose: bool = False) -> list[Line]:
    info = verdict.whatif or {}
    subject = info.get("subject", "the elements")
    if verdict.error is not None:
        return [
            [(f"safe to take {subject} down: unknown", VERDICT_STYLE["error"])],
            [(f"error: {verdict.error}", "")],
            [(run_summary(verdict), "dim")],
        ]
    answer = "yes" if verdict.passed else "NO"
    out: list[Line] = [
        [(f"safe to take {subject} down: {answer}", VERDICT_STYLE[verdict.verdict])],
        [(f"model: {info.get('model', 'failed')}", "dim")],
    ]
    blocking = [f for f in verdict.findings if f.blocking]
    pre = [f for f in verdict.findings if _pre_existing(f) and not f.blocking]
    spofs_before = [f for f in pre if "single_points_of_failure" in f.extra]
    pre_state = [f for f in pre if "single_points_of_failure" not in f.extra]
    window = [f for f in verdict.findings if f.extra.get("cause") == "maintenance" and not f.blocking]
    warnings = [f for f in verdict.findings if f.severity == "warning" and f not in pre and f not in window]

    out.append([("causes:", "bold")])
    if blocking:
        out.extend([[("  - ", ""), (text, "red")] for text in _grouped(blocking)])
    else:
        out.append([("  none: no protected pair breaks and every state policy holds with it down", "")])
    if warnings:
        out.append([("warnings:", "bold")])
        out.extend([[("  - ", ""), (f"{f.policy}: {f.message}", "yellow")] for f in warnings])
    out.append([("during the window, one more failure would cut (single points of failure it creates):", "bold")])
    if window:
        out.extend([[("  - ", ""), (_spof_line(f), "yellow")] for f in window])
    else:
        out.append([("  nothing: no pair is left with a new single point of failure", "")])
    if pre:
        out.append([("pre-existing (so without the maintenance too):", "bold")])
        for f in pre_state:
            out.append([("  - ", ""), (f"{f.policy}: {f.message}", "")])
        if spofs_before and verbose:
            out.extend([[("  - ", ""), (f"already one failure from a cut: {_spof_line(f)}", "")] for f in spofs_before])
        elif spofs_before:
            count = sum(len(f.extra.get("single_points_of_failure", ())) for f in spofs_before)
            out.append(
                [
                    (
                        f"  {plural(count, 'single point of failure', 'single points of failure')} in "
                        f"{plural(len(spofs_before), 'pair')} already (-v lists them)",
                        "",
                    )
                ]
            )
    out.append([(run_summary(verdict), "dim")])
    detail = [*blocking, *warnings, *((*window, *pre) if verbose else ())]
    if detail:
        out.append([])
        out.append([("details:", "bold")])
        for i, f in enumerate(detail, 1):
            out.extend(finding_lines(f, i))
            out.append([])
        out.pop()
    return out


def render_whatif_text(verdict: Verdict, *, verbose: bool = False, color: bool = False) -> str:
    lines = whatif_lines(verdict, verbose=verbose)
    if not color:
        return lines_to_text(lines) + "\n"
    import io

    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(
        file=buf, force_terminal=True, color_system="standard", soft_wrap=True, highlight=False, markup=False, width=200
    )
    for line in lines:
        text = Text()
        for chunk, style in line:
            text.append(chunk, style=style or None)
        console.print(text)
    return buf.getvalue()
