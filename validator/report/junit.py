"""JUnit XML for CI dashboards: one test case per policy run, failing when it has error findings.

A CI system shows red/green per test case, so the mapping is: policy -> test case, error
finding -> ``<failure>``, a gate that could not decide -> ``<error>`` (never a green suite).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from validator.model.verdict import Finding, Verdict
from validator.report._common import (
    finding_summary,
    finding_text,
    is_skip_note,
    pairs_text,
    plain,
    policy_results,
    run_summary,
    side_text,
    skipped_reasons,
    verdict_groups,
)

CHANGE_POLICY = "change"  # pseudo-policy of the change gate's own findings (unmodelled lines, ...)


def testcase_id(check: str, name: str) -> str:
    """Stable across runs and unique per (check, policy): CI keys test history on it."""
    return f"{check}:{name}"


def _case_names(name: str, check: str, declared: bool) -> tuple[str, str, str]:
    """(classname, name, id); the change gate's own checks read as ``change:unmodelled``."""
    if name == CHANGE_POLICY and not declared:
        return "validator.change", check, testcase_id(CHANGE_POLICY, check)
    return f"validator.{check}", name, testcase_id(check, name)


def render_junit(verdict: Verdict) -> str:
    results = policy_results(verdict)
    suites = ET.Element("testsuites", name="validator")
    suite = ET.SubElement(suites, "testsuite", name="validator")
    props = ET.SubElement(suite, "properties")
    for key, value in (
        ("verdict", verdict.verdict),
        ("engine", verdict.engine),
        ("sides", side_text(verdict)),
        ("summary", run_summary(verdict)),
    ):
        ET.SubElement(props, "property", name=key, value=value)
    groups = {g.id: g for g in verdict_groups(verdict)}
    for g in groups.values():  # one property per root cause: dashboards show the causes once
        ET.SubElement(props, "property", name=f"cause {g.id}", value=f"{g.fix}; breaks: {pairs_text(g)}")

    tests = failures = errors = skipped = 0
    declared = set(verdict.policies_run)
    skips = skipped_reasons(verdict)
    for name, check, findings in results:
        if findings and all(is_skip_note(f) for f in findings) and name in skips and (name, check) not in declared:
            continue  # the runner's "skipped" note: shown as <skipped> on the policy's own case
        tests += 1
        classname, case_name, ident = _case_names(name, check, (name, check) in declared)
        seconds = verdict.policy_seconds.get((name, check), 0.0)
        case = ET.SubElement(suite, "testcase", classname=classname, name=case_name, id=ident, time=f"{seconds:.3f}")
        blocking = [f for f in findings if f.severity == "error"]
        others = [f for f in findings if f.severity != "error"]
        if blocking:
            failures += 1
            first = blocking[0].message
            more = f" (+{len(blocking) - 1} more)" if len(blocking) > 1 else ""
            fail = ET.SubElement(case, "failure", message=f"{first}{more}", type=check)
            fail.text = _body(blocking, groups)
        elif verdict.error is not None:
            skipped += 1
            ET.SubElement(case, "skipped", message="result unknown: the gate failed before deciding")
        elif name in skips and (name, check) in declared:
            skipped += 1
            ET.SubElement(case, "skipped", message=skips[name])
        if others:
            ET.SubElement(case, "system-out").text = _body(others, groups)
    if verdict.error is not None:
        tests += 1
        errors += 1
        case = ET.SubElement(
            suite, "testcase", classname="validator.gate", name="gate", id=testcase_id("gate", "gate"), time="0"
        )
        err = ET.SubElement(case, "error", message=verdict.error, type="EngineError")
        err.text = verdict.error
    for key, value in (
        ("tests", str(tests)),
        ("failures", str(failures)),
        ("errors", str(errors)),
        ("skipped", str(skipped)),
        ("time", f"{verdict.seconds:.3f}"),
    ):
        suite.set(key, value)
        suites.set(key, value)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _body(findings: list[Finding], groups: dict[str, Any]) -> str:
    """Per cause: its fix line, then its first finding here in full and the others one line each."""
    out: list[str] = []
    seen: set[str | None] = set()
    for n, f in enumerate(findings, 1):
        g = groups.get(f.group) if f.group else None
        if f.group is not None and f.group in seen:
            out.append(plain(finding_summary(f, n)))
            continue
        seen.add(f.group)
        head = f"cause {g.id}: {g.fix}\n" if g is not None else ""
        out.append(("\n" if out else "") + head + finding_text(f))
    return "\n".join(out)
