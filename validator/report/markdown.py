"""Markdown for pull-request comments: the verdict as a heading, findings as a table, traces folded."""

from __future__ import annotations

from validator.model.verdict import Finding, FindingGroup, Verdict
from validator.report._common import (
    MAX_STANZAS,
    change_lines,
    counts_text,
    finding_lines,
    finding_summary,
    group_tag,
    lines_text,
    lines_to_text,
    pairs_text,
    plain,
    plural,
    policy_results,
    run_summary,
    side_text,
    skipped_reasons,
    verdict_groups,
)

# GitHub refuses a comment (and a step summary part) over 65,536 characters; stay well below.
MAX_CHARS = 60_000

_ICON = {"pass": ":white_check_mark:", "block": ":x:", "error": ":warning:"}


def _cell(text: str) -> str:
    """A table cell: pipes escaped, line breaks kept as <br>, so one finding stays one row."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>").strip() or " "


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else f"``{text}``"


def _fence(body: str) -> str:
    fence = "```"
    while fence in body:
        fence += "`"
    return f"{fence}text\n{body}\n{fence}"


def _where(f: Finding) -> str:
    if not f.locations:
        return " "
    shown = [_code(f"{loc.file}:{loc.line}") for loc in f.locations[:3]]
    if len(f.locations) > 3:
        shown.append(f"+{len(f.locations) - 3}")
    return "<br>".join(shown)


def render_markdown(verdict: Verdict) -> str:
    v = verdict.verdict
    out: list[str] = [f"## {_ICON[v]} validator: {v.upper()}", ""]
    if verdict.error is not None:
        out += [
            "**The gate could not decide; this is not a pass.**",
            "",
            _fence(verdict.error),
            "",
        ]
    else:
        groups = verdict_groups(verdict)
        blocking = sum(g.blocking for g in groups)
        causes = f": {plural(blocking, 'blocking cause')}, {len(groups)} in all" if groups else ""
        out += [f"**{counts_text(verdict)}{causes}**", ""]
        out += _causes(groups)
    out += [f"<sub>{_cell(run_summary(verdict))}; {_cell(side_text(verdict))}</sub>", ""]

    change = verdict.change
    if change is None:
        out += [lines_to_text(change_lines(None, verdict.base is not None)), ""]
    else:
        devices = ", ".join(_code(d) for d in change.devices) or "none"
        out += [
            f"**Change:** {plural(len(change.stanzas), 'stanza')} in {plural(len(change.files), 'file')} on "
            f"{plural(len(change.devices), 'device')}: {devices}",
            "",
        ]
        if change.policies_changed:
            out += ["> The change edits `policies/`; it was checked against the base revision's policies.", ""]
        if change.stanzas:
            out += ["<details><summary>Changed stanzas</summary>", ""]
            out += ["| op | device | kind | name | location |", "|---|---|---|---|---|"]
            for st in list(change.stanzas)[:MAX_STANZAS]:
                out.append(
                    f"| {st.op}{' (inert)' if st.inert else ''} | {_cell(st.device)} | {_cell(st.kind)} | "
                    f"{_cell(st.name)} | {_code(f'{st.file}:{st.line}')} |"
                )
            if len(change.stanzas) > MAX_STANZAS:
                out.append(f"\n{len(change.stanzas) - MAX_STANZAS} more in the JSON report.")
            out += ["", "</details>", ""]

    results = policy_results(verdict)
    skips = skipped_reasons(verdict)
    if results:
        out += ["<details><summary>Policies</summary>", "", "| policy | check | result |", "|---|---|---|"]
        for name, check, findings in results:
            if any(f.severity == "error" for f in findings):
                status = f":x: {plural(sum(f.severity == 'error' for f in findings), 'error')}"
            elif verdict.error is not None:
                status = ":grey_question: not decided"
            elif name in skips and check != "note":
                status = f":fast_forward: {_cell(skips[name])}"
            elif findings:
                status = f":warning: {plural(len(findings), 'note')}"
            else:
                status = ":white_check_mark: pass"
            out.append(f"| {_cell(name)} | {_cell(check)} | {status} |")
        out += ["", "</details>", ""]

    if verdict.findings:
        out += ["### Findings", "", "| # | severity | policy | check | message | config |", "|---|---|---|---|---|---|"]
        for i, f in enumerate(verdict.findings, 1):
            sev = f.severity if f.status == "new" else f"{f.severity} ({f.status})"
            cause = f"**{f.group}** " if f.group else ""
            out.append(
                f"| {i} | {sev} | {_cell(f.policy)} | {_cell(f.check)} | {cause}{_cell(f.message)} | {_where(f)} |"
            )
        out.append("")
        grouped: set[int] = set()
        for g in verdict_groups(verdict):
            grouped.update(g.findings)
            out += _group_details(verdict, g)
        for i, f in enumerate(verdict.findings, 1):
            if i - 1 in grouped:
                continue
            summary = _cell(f"{i}. {f.policy} ({f.check}): {f.message}")
            out += [f"<details><summary>{summary}</summary>", "", _fence(lines_to_text(finding_lines(f, i))), ""]
            out += ["</details>", ""]
    pre = [(i, f) for i, f in enumerate(verdict.findings, 1) if f.extra.get("status") == "pre-existing"]
    if pre:
        out += ["### Pre-existing", "", "Already in the base and not touched by this change (warnings):", ""]
        out += [f"- {i}. {_cell(f.policy)} ({_cell(f.check)}): {_cell(f.message)}" for i, f in pre]
        out.append("")
    return _capped("\n".join(out).rstrip() + "\n")


def _causes(groups: list[FindingGroup]) -> list[str]:
    """The causes, first thing after the verdict: one bullet per group, fix line first."""
    if not groups:
        return []
    out = ["### Causes", ""]
    for g in groups:
        tag = group_tag(g).strip()
        out.append(f"- **{g.id}**{' ' + _cell(tag) if tag else ''} {_code(g.fix)}")
        if len(g.locations) > 1:
            out.append(f"  <br>lines: {_code(lines_text(g.locations))}")
        if g.pairs:
            out.append(f"  <br>breaks: {_cell(pairs_text(g))}")
    return [*out, ""]


def _group_details(verdict: Verdict, g: FindingGroup) -> list[str]:
    """One folded block per cause: its first finding in full, the others one line each."""
    first, rest = g.findings[0], g.findings[1:]
    body = lines_to_text(finding_lines(verdict.findings[first], first + 1))
    if rest:
        body += "\n\n" + "\n".join(plain(finding_summary(verdict.findings[i], i + 1)) for i in rest)
    lead = verdict.findings[first]
    label = f"{first + 1}. {lead.policy} ({lead.check}): {lead.message}"
    if rest:
        label = f"{g.id} ({plural(len(g.findings), 'finding')}): {g.fix}"
    return [f"<details><summary>{_cell(label)}</summary>", "", _fence(body), "", "</details>", ""]


def _capped(text: str, limit: int = MAX_CHARS) -> str:
    """Under ``limit`` characters: the heading, counts, change and the findings table come first;
    what does not fit goes, shortened, into one collapsed ``<details>`` naming the full reports."""
    if len(text) <= limit:
        return text
    note = (
        "\n\n*This report was shortened to fit a pull-request comment; the JSON and SARIF reports have everything.*\n"
    )
    head_budget = limit // 2
    # cut where a block starts (a finding's <details>, else a blank line), never inside one
    cut = text.rfind("\n<details>", 0, head_budget)
    if cut <= 0:
        cut = text.rfind("\n\n", 0, head_budget)
    head, rest = text[: cut if cut > 0 else head_budget], text[cut if cut > 0 else head_budget :]
    room = limit - len(head) - len(note) - 200
    if len(rest) > room:
        rest = rest[:room] + "\n... (truncated)"
    fence = "```"
    while fence in rest:
        fence += "`"
    return (
        f"{head}\n\n<details><summary>The rest of the report ({len(text) - len(head):,} characters, shortened)"
        f"</summary>\n\n{fence}text\n{rest}\n{fence}\n\n</details>{note}"
    )
