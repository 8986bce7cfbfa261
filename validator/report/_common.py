"""What every report says about a finding, built once as styled segments.

The text, Markdown and JUnit renderers all explain a finding the same way (scenario, flow, path,
failing hop, responsible config lines); building that explanation here keeps them from drifting.
A line is a list of ``(text, style)`` segments; only the text renderer turns styles into colour.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from validator.model.flow import SUCCESS_DISPOSITIONS
from validator.model.verdict import ChangeSet, Finding, FindingGroup, Location, Verdict

Segment = tuple[str, str]  # (text, rich style; "" for none)
Line = list[Segment]

MAX_TRACES = 4  # traces shown per finding side; the JSON report always has all of them
MAX_STANZAS = 50

# step actions that let the packet go on; anything else is where a trace stops
_OK_ACTIONS = frozenset(
    {"RECEIVED", "ORIGINATED", "PERMITTED", "FORWARDED", "TRANSMITTED", "ACCEPTED", "MATCHED_SESSION", "SETUP_SESSION"}
    | SUCCESS_DISPOSITIONS
)

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
VERDICT_STYLE = {"pass": "bold green", "block": "bold red", "error": "bold magenta"}


def plain(line: Line) -> str:
    return "".join(text for text, _ in line)


def counts(verdict: Verdict) -> dict[str, int]:
    out = {"error": 0, "warning": 0, "info": 0}
    for f in verdict.findings:
        out[f.severity] = out.get(f.severity, 0) + 1
    return out


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def counts_text(verdict: Verdict) -> str:
    c = counts(verdict)
    return f"{plural(c['error'], 'error')}, {plural(c['warning'], 'warning')}, {c['info']} info"


def verdict_headline(verdict: Verdict) -> str:
    """One sentence: what the gate decided and why, without colour."""
    if verdict.verdict == "error":
        return f"ERROR: the gate could not decide (this is not a pass): {verdict.error}"
    if verdict.verdict == "block":
        return f"BLOCK: {counts_text(verdict)}"
    return f"PASS: {counts_text(verdict)}"


def run_summary(verdict: Verdict) -> str:
    # pruned scenarios were proven not to change a checked flow, not computed (nor vetted for
    # convergence): say so, so a reader knows what the count covers
    pruned = f" ({verdict.pruned:,} proven unaffected, not computed)" if verdict.pruned else ""
    return (
        f"{plural(len(verdict.policies_run), 'policy', 'policies')} run"
        f", {plural(verdict.scenarios, 'scenario')}{pruned}, {verdict.seconds:.2f} s, engine {verdict.engine}"
    )


def side_text(verdict: Verdict) -> str:
    def one(label: str, side: Any) -> str:
        if side is None:
            return f"{label}: (none)"
        rev = f" @ {side.rev}" if side.rev else ""
        return f"{label}: {side.source}{rev}"

    return f"{one('base', verdict.base)}; {one('head', verdict.head)}"


def finding_key(f: Finding) -> tuple[str, str]:
    return (f.policy, f.check)


def policy_results(verdict: Verdict) -> list[tuple[str, str, list[Finding]]]:
    """Every policy run plus any (policy, check) that produced findings without being listed."""
    order: list[tuple[str, str]] = []
    for name, check in verdict.policies_run:
        if (name, check) not in order:
            order.append((name, check))
    for f in verdict.findings:
        if finding_key(f) not in order:
            order.append(finding_key(f))
    return [(n, c, [f for f in verdict.findings if finding_key(f) == (n, c)]) for n, c in order]


def skipped_reasons(verdict: Verdict) -> dict[str, str]:
    """Policies that did not run (``NAME: skipped, no base snapshot ...`` notes of the runner):
    reports must show them as skipped, never as passed."""
    out: dict[str, str] = {}
    for f in verdict.findings:
        if f.check == "note" and f.severity == "info" and f.message.startswith("skipped"):
            out.setdefault(f.policy, f.message)
    return out


def is_skip_note(f: Finding) -> bool:
    return f.check == "note" and f.severity == "info" and f.message.startswith("skipped")


# --- flows and traces -------------------------------------------------------------------------


def flow_text(flow: Mapping[str, Any] | None) -> str:
    if not flow:
        return "(no flow)"
    node = flow.get("ingress_node")
    iface = flow.get("ingress_interface")
    where = f"{node}[{iface}]" if node and iface else (node or "")
    start = str(flow.get("from") or "")
    if start and where and start != where:
        start = f"{start} at {where}"
    start = start or where or "?"
    proto = flow.get("protocol", "?")
    extra = ""
    if flow.get("dst_port") is not None:
        extra = f" {flow.get('src_port', '*')} -> {flow['dst_port']}"
    elif flow.get("icmp_type") is not None:
        extra = f" type {flow['icmp_type']} code {flow.get('icmp_code')}"
    vrf = flow.get("ingress_vrf")
    vrf_text = f" (vrf {vrf})" if vrf and vrf != "default" else ""
    return f"{start}{vrf_text}: {flow.get('src_ip', '?')} -> {flow.get('dst_ip', '?')} {proto}{extra}"


def _route_text(route: Any) -> str:
    if not isinstance(route, Mapping):
        return str(route)
    net = route.get("network", "?")
    proto = route.get("protocol")
    nh = route.get("next_hop") or route.get("next_hop_ip") or route.get("nextHopIp")
    if isinstance(nh, Mapping):
        nh = nh.get("ip") or nh.get("interface") or nh.get("type")
    return f"{net}" + (f" {proto}" if proto else "") + (f" via {nh}" if nh else "")


def _loc_text(loc: Any) -> str:
    if isinstance(loc, Mapping) and "file" in loc:
        return f"{loc['file']}:{loc.get('line', '?')}"
    return str(loc)


def step_text(step: Mapping[str, Any]) -> str:
    parts = [str(step.get("type", "?")), str(step.get("action", "?"))]
    for key, value in step.items():
        if key in ("type", "action", "location") or value is None or value == "" or value == []:
            continue
        if key == "routes" and isinstance(value, list):
            shown = ", ".join(_route_text(r) for r in value[:2])
            more = f" +{len(value) - 2}" if len(value) > 2 else ""
            parts.append(f"routes [{shown}{more}]")
        elif key in ("interface", "filter", "arp_ip"):
            parts.append(f"{key.replace('_', ' ')} {value}")
        elif key in ("line_text", "text"):
            parts.append(f"line {json.dumps(str(value))}")
        elif isinstance(value, (str, int, float, bool)):
            parts.append(f"{key}={value}")
        else:
            parts.append(f"{key}={json.dumps(value, sort_keys=True, default=str)}")
    if step.get("location"):
        parts.append(f"@ {_loc_text(step['location'])}")
    return " ".join(parts)


def failing_step(trace: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The step where an unsuccessful trace stops: the last non-passing step of the last hop."""
    hops = trace.get("hops") or []
    if not hops or trace.get("disposition") in SUCCESS_DISPOSITIONS:
        return None
    steps: list[Mapping[str, Any]] = list(hops[-1].get("steps") or [])
    bad = [s for s in steps if str(s.get("action", "")).upper() not in _OK_ACTIONS]
    if bad:
        return bad[-1]
    return steps[-1] if steps else None


def compact_step(step: Mapping[str, Any]) -> str:
    """A step as an engineer reads it: what was decided, by which filter or route, from which line."""
    kind = str(step.get("type", "?"))
    action = str(step.get("action", "?"))
    where = f" ({_loc_text(step['location'])})" if step.get("location") else ""
    if kind == "Filter":
        direction = step.get("direction")
        side = {"in": "ingress", "out": "egress"}.get(str(direction), "")
        iface = f" on {step['interface']}" if step.get("interface") else ""
        line = f" by {json.dumps(str(step['line']))}" if step.get("line") else ""
        return f"{side} filter {step.get('filter', '?')}{iface} {action.lower()}{line}{where}".strip()
    if kind == "Routing":
        routes = step.get("routes") or []
        shown = ", ".join(_route_text(r) for r in routes[:2]) + (f" +{len(routes) - 2}" if len(routes) > 2 else "")
        out = f" out {step['output_interface']}" if step.get("output_interface") else ""
        return f"route {shown}{out}" if shown else f"{action.lower().replace('_', ' ')}{out}"
    if kind == "Inbound":
        return f"accepted on {step.get('interface', '?')}"
    if kind in ("EnterInputInterface", "ExitOutputInterface", "Originate"):
        return ""
    return f"{kind} {action}{where}"


def failure_reason(trace: Mapping[str, Any]) -> str:
    disp = str(trace.get("disposition", "?"))
    hops = trace.get("hops") or []
    node = hops[-1].get("node", "?") if hops else "?"
    step = failing_step(trace)
    why = f"{disp} at {node}"
    if step is None:
        return why
    detail = compact_step(step) or step_text(step)
    return f"{why}: {detail}"


def _hop_text(hop: Mapping[str, Any]) -> str:
    steps = [compact_step(s) for s in hop.get("steps") or []]
    entered = next(
        (s.get("input_interface") for s in hop.get("steps") or [] if s.get("type") == "EnterInputInterface"), None
    )
    head = f"{hop.get('node', '?')}" + (f"[{entered}]" if entered else "")
    body = "; ".join(x for x in steps if x)
    return head + (f"  {body}" if body else "")


def trace_lines(trace: Mapping[str, Any], label: str, indent: str = "", *, detail: bool = True) -> list[Line]:
    disp = str(trace.get("disposition", "?"))
    ok = disp in SUCCESS_DISPOSITIONS
    hops = trace.get("hops") or []
    path = " -> ".join(str(h.get("node", "?")) for h in hops) or "(no hops)"
    out: list[Line] = [
        [(f"{indent}{label}: ", ""), (disp, "green" if ok else "red"), (f"  {path}", "")],
    ]
    if detail:
        for i, hop in enumerate(hops, 1):
            fails_here = not ok and i == len(hops)
            mark = "x " if fails_here else "  "
            out.append([(f"{indent}  {mark}", "red" if fails_here else ""), (f"{i}. {_hop_text(hop)}", "")])
    if not ok:
        out.append([(f"{indent}  fails: ", "red"), (failure_reason(trace), "")])
    if trace.get("undecided"):
        lost = ", ".join(str(u) for u in trace["undecided"])
        out.append([(f"{indent}  undecided: ", "red"), (f"depends on unparsed lines {lost}", "")])
    return out


def _traces_block(traces: Sequence[Mapping[str, Any]], label: str, indent: str) -> list[Line]:
    """The first unsuccessful trace (or the first) in full; the other ECMP branches as paths."""
    out: list[Line] = []
    items = list(traces)
    if not items:
        return out
    first = next((i for i, t in enumerate(items) if t.get("disposition") not in SUCCESS_DISPOSITIONS), 0)
    for i, t in enumerate(items[:MAX_TRACES], 1):
        suffix = f" {i}/{len(items)}" if len(items) > 1 else ""
        out.extend(trace_lines(t, f"{label}{suffix}", indent, detail=(i - 1 == first)))
    if len(items) > MAX_TRACES:
        out.append([(f"{indent}... {len(items) - MAX_TRACES} more {label}s in the JSON report", "dim")])
    return out


def status_tag(f: Finding) -> list[tuple[str, str]]:
    """`` [undecided]`` and the like: every status but the default ``new`` is shown."""
    if f.status == "new":
        return []
    return [(" [", ""), (f.status, SEVERITY_STYLE.get("error", "") if f.status == "undecided" else ""), ("]", "")]


def finding_lines(f: Finding, index: int | None = None, indent: str = "    ") -> list[Line]:
    """The full explanation of one finding; the header line is not indented."""
    num = f"[{index}] " if index is not None else ""
    out: list[Line] = [
        [
            (num, ""),
            (f.severity.upper(), SEVERITY_STYLE.get(f.severity, "")),
            (" ", ""),
            (f.policy, "bold"),
            (f" ({f.check})", ""),
            *status_tag(f),
        ],
        [(indent, ""), (f.message, "")],
    ]
    if f.failures:
        out.append([(f"{indent}failure scenario: ", "bold"), (", ".join(f.failures), "")])
    if f.flow:
        out.append([(f"{indent}flow: ", "bold"), (flow_text(f.flow), "")])
    with_failure = bool(f.failures)
    if f.trace:
        out.extend(_traces_block(f.trace, "trace" + (" (with failure)" if with_failure else ""), indent))
    if f.base_trace:
        out.extend(_traces_block(f.base_trace, "trace (no failure)" if with_failure else "base trace", indent))
    if f.locations:
        out.append([(f"{indent}config:", "bold")])
        for loc in f.locations:
            text = f"  {loc.text.strip()}" if loc.text else ""
            out.append([(f"{indent}  ", ""), (f"{loc.file}:{loc.line}", "cyan"), (text, "")])
    for key, value in sorted(f.extra.items()):
        out.append([(f"{indent}{key.replace('_', ' ')}: ", "bold"), (_extra_text(key, value), "")])
    return out


def waves_text(waves: Sequence[Any]) -> str:
    """Rollout waves on one line, ``wave 1: iface:r1[Gi0/1]; wave 2: ...``: a wave is a list of
    units or a ``{"units": [...], "devices": [...]}`` document (the devices are then named)."""
    parts = []
    for i, wave in enumerate(waves, 1):
        if isinstance(wave, Mapping):
            units = ", ".join(str(u) for u in wave.get("units") or ()) or "(no unit)"
            devices = wave.get("devices")
            parts.append(f"wave {i}: {units}" + (f" (devices: {', '.join(devices)})" if devices else ""))
        elif isinstance(wave, (list, tuple)):
            parts.append(f"wave {i}: {', '.join(str(u) for u in wave) or '(no unit)'}")
        else:
            parts.append(f"wave {i}: {wave}")
    return "; ".join(parts)


def _extra_text(key: str, value: Any) -> str:
    if key in ("waves", "rollout") and isinstance(value, (list, tuple)):
        return waves_text(value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def finding_text(f: Finding) -> str:
    return "\n".join(plain(line) for line in finding_lines(f, indent="  "))


def change_lines(change: ChangeSet | None, has_base: bool) -> list[Line]:
    if change is None:
        note = "not computed" if has_base else "no base: state checks only (no diff, no regression, no blast radius)"
        return [[("change: ", "bold"), (note, "")]]
    devices = ", ".join(change.devices) or "none"
    out: list[Line] = [
        [
            ("change: ", "bold"),
            (
                f"{plural(len(change.stanzas), 'stanza')} in {plural(len(change.files), 'file')} "
                f"on {plural(len(change.devices), 'device')} ({devices})",
                "",
            ),
        ]
    ]
    if change.policies_changed:
        out.append([("  note: ", "yellow"), ("the change edits policies/; it was checked against the base's", "")])
    for st in list(change.stanzas)[:MAX_STANZAS]:
        where = f"{st.file}:{st.line}"
        if st.op == "modified" and st.base_line is not None and st.base_line != st.line:
            where += f" (base line {st.base_line})"
        style = {"added": "green", "removed": "red", "modified": "yellow"}[st.op]
        dev = f"{st.device}: " if st.device else ""
        line: Line = [("  ", ""), (f"{st.op:<8}", style), (f" {dev}{st.kind} {st.name}  ", ""), (where, "cyan")]
        if st.inert:
            line.append(("  inert", "dim"))
        out.append(line)
    if len(change.stanzas) > MAX_STANZAS:
        out.append([(f"  ... {len(change.stanzas) - MAX_STANZAS} more in the JSON report", "dim")])
    return out


def lines_to_text(lines: Iterable[Line]) -> str:
    return "\n".join(plain(line) for line in lines)


# --- root-cause groups --------------------------------------------------------------------------

MAX_PAIRS = 6  # pairs named on a cause's line; the JSON report has all of them
MAX_CAUSES = 8  # causes listed before the details


def verdict_groups(verdict: Verdict) -> list[FindingGroup]:
    """The verdict's root-cause groups (computed here for a verdict built without them)."""
    from validator.checks.grouping import ensure_groups

    return ensure_groups(verdict.findings, verdict.groups)


def lines_text(locs: Sequence[Location]) -> str:
    """``configs/r1.cfg:18,79-81; configs/r2.cfg:18``: a cause's lines, per file, ranges folded."""
    by_file: dict[str, list[int]] = {}
    for loc in locs:
        by_file.setdefault(loc.file, []).append(loc.line)
    parts = []
    for file, numbers in by_file.items():
        runs: list[str] = []
        ordered = sorted(set(numbers))
        start = prev = ordered[0]
        for n in [*ordered[1:], None]:
            if n is not None and n == prev + 1:
                prev = n
                continue
            runs.append(f"{start}" if start == prev else f"{start}-{prev}")
            if n is not None:
                start = prev = n
        parts.append(f"{file}:{','.join(runs)}")
    return "; ".join(parts)


def pairs_text(group: FindingGroup, limit: int = MAX_PAIRS) -> str:
    shown = [f"{p.pair} ({', '.join(p.policies)}: {plural(p.flows, 'finding')})" for p in group.pairs[:limit]]
    more = f"; +{len(group.pairs) - limit} more pairs" if len(group.pairs) > limit else ""
    return "; ".join(shown) + more


def group_tag(group: FindingGroup) -> str:
    """`` [warning]``, `` [waived]``...: nothing for a new blocking error."""
    tags = [t for t in (group.severity if group.severity != "error" else "", group.status) if t and t != "new"]
    if group.status == "undecided" and "undecided" not in tags:
        tags.append("undecided")
    return f" [{', '.join(tags)}]" if tags else ""


def cause_lines(group: FindingGroup, indent: str = "  ") -> list[Line]:
    """A cause as the reader acts on it: the fix line, every line it spans, the pairs it breaks."""
    style = "bold red" if group.blocking else SEVERITY_STYLE.get(group.severity, "")
    out: list[Line] = [[(f"{indent}{group.id}{group_tag(group)} ", style), (group.fix, "bold")]]
    pad = indent + " " * (len(group.id) + 1)
    if len(group.locations) > 1:
        out.append([(f"{pad}lines: ", "dim"), (lines_text(group.locations), "cyan")])
    if group.pairs:
        out.append([(f"{pad}breaks: ", "dim"), (pairs_text(group), "")])
    return out


def finding_summary(f: Finding, index: int) -> Line:
    """One line for a finding whose cause was already explained by its group's first finding."""
    return [
        (f"[{index}] ", ""),
        (f.severity.upper(), SEVERITY_STYLE.get(f.severity, "")),
        (" ", ""),
        (f.policy, "bold"),
        (f" ({f.check})", ""),
        *status_tag(f),
        (f": {' '.join(f.message.split())}", ""),
    ]
