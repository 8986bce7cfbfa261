"""SARIF 2.1.0 for code-scanning UIs: one rule per check type, one result per finding.

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

from validator.model.verdict import Finding, Verdict
from validator.policy.waivers import finding_fingerprint
from validator.report._common import finding_text, flow_text, policy_results

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


def _result(f: Finding, rule_index: int, uri_base: str) -> dict[str, Any]:
    locations = []
    for loc in f.locations:
        region: dict[str, Any] = {"startLine": max(1, loc.line)}
        if loc.text is not None:
            region["snippet"] = {"text": loc.text}
        uri = posixpath.normpath(posixpath.join(uri_base, loc.file)) if uri_base else loc.file
        artifact = {"uri": uri.removeprefix("./"), "uriBaseId": SRCROOT}
        locations.append({"physicalLocation": {"artifactLocation": artifact, "region": region}})
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
    if locations:
        out["locations"] = locations
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
        "results": [_result(f, index[f.check], uri_base) for f in verdict.findings],
        "properties": {"verdict": verdict.verdict, "engine": verdict.engine},
    }
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2) + "\n"
