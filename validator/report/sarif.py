"""SARIF 2.1.0 for code-scanning UIs: one rule per check type, one result per root cause.

A one-line mistake that breaks twenty flows is one alert, not twenty on the same line: each result
is a finding group (``validator.checks.grouping``), located on the cause's lines on every device,
its message the group's ``fix:`` line, the grouped findings listed in its properties.

Finding locations are snapshot-relative (``configs/r1.cfg``); code scanning wants repo-relative
URIs, so the caller passes the snapshot's path inside the repository as ``uri_base`` and every URI
is relative to ``uriBaseId`` ``SRCROOT`` (the repository root, declared in ``originalUriBaseIds``):
GitHub code scanning resolves SRCROOT to the checkout, so alerts attach to the files.
"""

from __future__ import annotations

import importlib.metadata
import json
import posixpath
from typing import Any

from validator.model.verdict import Finding, FindingGroup, Location, Verdict
from validator.policy.waivers import finding_fingerprint
from validator.report._common import (
    finding_summary,
    finding_text,
    flow_text,
    pairs_text,
    plain,
    policy_results,
    verdict_groups,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_RULES: dict[str, tuple[str, str]] = {
    "reachability": ("Reachability", "Flows between zones are delivered (allow) or stopped (deny) as declared."),
    "redundancy": ("Redundancy", "Delivered flows survive every allowed failure set; no failure opens a flow."),
    "blast_radius": ("BlastRadius", "The devices a change touches, failing together, cut no protected pair."),
    "no_regression": ("NoRegression", "Nothing that worked before the change breaks; nothing unintended opens."),
    "hygiene": ("Hygiene", "Configs parse, references resolve, BGP sessions come up, no forwarding loops."),
    "management": ("Management", "Operators reach every device, devices reach AAA/syslog/NTP/SNMP servers."),
    "unmodelled": ("UnmodelledChange", "Every changed line is understood by the model, else the gate fails closed."),
    "policies": ("PoliciesChanged", "A change that edits the policies is checked against the base's policies."),
}
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _tool_version() -> str:
    try:
        return importlib.metadata.version("netchange-validator")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def _rule(check: str) -> dict[str, Any]:
    name, text = _RULES.get(check, (check.title().replace("_", ""), f"Policy check {check!r}."))
    return {
        "id": check,
        "name": name,
        "shortDescription": {"text": text},
        "fullDescription": {"text": text},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["network", "validator"]},
    }


SRCROOT = "SRCROOT"


def _fingerprint(f: Finding) -> str:
    """Shared with waivers (``match: {fingerprint: ...}``), so a SARIF alert can be waived."""
    return finding_fingerprint(f)


def _group_result(verdict: Verdict, g: FindingGroup, index: dict[str, int], uri_base: str) -> dict[str, Any]:
    members = [verdict.findings[i] for i in g.findings]
    lead = members[0]
    if len(members) == 1:
        out = _result(lead, index[lead.check], uri_base)
        out["properties"]["group"] = g.id
        out["properties"]["fix"] = g.fix
        return out
    out = _result(lead, index[lead.check], uri_base, locations=g.locations)
    out["level"] = _LEVEL.get(g.severity, "warning")
    text = f"{g.fix}; breaks: {pairs_text(g)}"
    body = [finding_text(lead), *(plain(finding_summary(f, g.findings[k] + 1)) for k, f in enumerate(members) if k)]
    out["message"] = {"text": text, "markdown": "```text\n" + g.fix + "\n\n" + "\n".join(body) + "\n```"}
    out["properties"].update(
        group=g.id,
        fix=g.fix,
        pairs=[p.to_json() for p in g.pairs],
        findings=[
            {"policy": f.policy, "check": f.check, "message": f.message, "flow": f.flow, "fingerprint": _fingerprint(f)}
            for f in members
        ],
    )
    return out


def _result(
    f: Finding, rule_index: int, uri_base: str, locations: tuple[Location, ...] | None = None
) -> dict[str, Any]:
    located = []
    for loc in f.locations if locations is None else locations:
        region: dict[str, Any] = {"startLine": max(1, loc.line)}
        if loc.text is not None:
            region["snippet"] = {"text": loc.text}
        uri = posixpath.normpath(posixpath.join(uri_base, loc.file)) if uri_base else loc.file
        artifact = {"uri": uri.removeprefix("./"), "uriBaseId": SRCROOT}
        located.append({"physicalLocation": {"artifactLocation": artifact, "region": region}})
    props: dict[str, Any] = {"policy": f.policy, "severity": f.severity, "status": f.status}
    if f.failures:
        props["failures"] = list(f.failures)
    if f.flow:
        props["flow"] = f.flow
    out: dict[str, Any] = {
        "ruleId": f.check,
        "ruleIndex": rule_index,
        "level": _LEVEL.get(f.severity, "warning"),
        "message": {
            "text": f"{f.policy}: {f.message}" + (f" (flow {flow_text(f.flow)})" if f.flow else ""),
            "markdown": "```text\n" + finding_text(f) + "\n```",
        },
        "partialFingerprints": {"validatorFinding/v1": _fingerprint(f)},
        "properties": props,
    }
    if located:
        out["locations"] = located
    return out


def render_sarif(verdict: Verdict, *, uri_base: str = "") -> str:
    checks: list[str] = []
    for _name, check, _f in policy_results(verdict):
        if check not in checks:
            checks.append(check)
    index = {c: i for i, c in enumerate(checks)}
    invocation: dict[str, Any] = {"executionSuccessful": verdict.error is None}
    if verdict.error is not None:
        invocation["toolExecutionNotifications"] = [{"level": "error", "message": {"text": verdict.error}}]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "validator",
                "version": _tool_version(),
                "rules": [_rule(c) for c in checks],
            }
        },
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The root of the repository under check."}}},
        "invocations": [invocation],
        "results": _results(verdict, index, uri_base),
        "properties": {"verdict": verdict.verdict, "engine": verdict.engine},
    }
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2) + "\n"


def _results(verdict: Verdict, index: dict[str, int], uri_base: str) -> list[dict[str, Any]]:
    """One result per group, then one per ungrouped finding (the runner's notes)."""
    groups = verdict_groups(verdict)
    grouped = {i for g in groups for i in g.findings}
    out = [_group_result(verdict, g, index, uri_base) for g in groups]
    out += [_result(f, index[f.check], uri_base) for i, f in enumerate(verdict.findings) if i not in grouped]
    return out
