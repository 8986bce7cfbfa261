"""One finding per root cause, end to end on the region fixture.

A one-line ACL mistake (az2-r1's ``AZ2-WEB-IN`` permits ``10.2.1.0/24`` instead of the web LAN
``10.2.10.0/24``) breaks every flow out of az2's web LAN: several policies, several pairs. It must
read as one cause in every format, led by ``fix: configs/az2-r1.cfg:72 — ...``, and the text
report's first screen (24 lines) must name that line and the broken pairs. A change that spans two
devices (``both-paths-bad-edit``) cites the edited lines on both, never the stanza header.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from gate_helpers import BASE, REGION, REGION_POLICIES, change_dir, copy_base

import validator
from validator.report import render

MISTAKE_LINE = 72  # " permit ip 10.2.10.0 0.0.0.255 any" in AZ2-WEB-IN
FIX = f"fix: configs/az2-r1.cfg:{MISTAKE_LINE} — "
PAIRS = ("az2 -> az1", "az2 -> az3")


@pytest.fixture(scope="module")
def one_line(tmp_path_factory: pytest.TempPathFactory) -> validator.Verdict:
    head = copy_base(tmp_path_factory.mktemp("acl") / "head")
    cfg = head / "configs" / "az2-r1.cfg"
    lines = cfg.read_text().splitlines(keepends=True)
    assert lines[MISTAKE_LINE - 1].split() == ["permit", "ip", "10.2.10.0", "0.0.0.255", "any"]
    lines[MISTAKE_LINE - 1] = " permit ip 10.2.1.0 0.0.0.255 any\n"
    cfg.write_text("".join(lines))
    return validator.check(head=head, base=BASE, policies=REGION_POLICIES)


def _blocking(doc: dict[str, object]) -> list[dict[str, object]]:
    return [g for g in doc["groups"] if g["blocking"]]  # type: ignore[attr-defined,index]


def test_json_one_blocking_group_for_every_error(one_line: validator.Verdict) -> None:
    doc = json.loads(render(one_line, "json"))
    assert doc["verdict"] == "block"
    errors = [i for i, f in enumerate(doc["findings"]) if f["severity"] == "error"]
    assert len(errors) >= 5 and len({f["policy"] for f in doc["findings"] if f["severity"] == "error"}) >= 3
    (group,) = _blocking(doc)
    assert str(group["fix"]).startswith(FIX) and "DENIED_IN at az2-r1" in str(group["fix"])
    assert group["location"] == {
        "file": "configs/az2-r1.cfg",
        "line": MISTAKE_LINE,
        "text": "permit ip 10.2.1.0 0.0.0.255 any",
    }
    assert sorted(group["findings"]) == errors  # type: ignore[arg-type]
    assert all(doc["findings"][i]["group"] == group["id"] for i in errors)
    pairs = {p["pair"] for p in group["pairs"]}  # type: ignore[attr-defined]
    assert set(PAIRS) <= pairs
    # the evidence of each error names the edited line, not only the unchanged "deny ip any any"
    assert all(
        {"file": "configs/az2-r1.cfg", "line": MISTAKE_LINE}
        in [{"file": loc["file"], "line": loc["line"]} for loc in doc["findings"][i]["locations"]]
        for i in errors
    )


def test_text_first_screen_names_the_line_and_the_pairs(one_line: validator.Verdict) -> None:
    text = render(one_line, "text")
    screen = text.splitlines()[:24]
    assert screen[0].startswith("BLOCK:") and "1 blocking cause" in screen[0]
    assert screen[1] == "causes:"
    assert screen[2].strip().startswith("G1 " + FIX)
    first = "\n".join(screen)
    for pair in PAIRS:
        assert pair in first
    # details come after the causes; the other findings of the cause are one line each
    assert text.index("causes:") < text.index("change:") < text.index("findings:")
    assert len(text.splitlines()) < 60


def test_quiet_text_is_the_verdict_and_the_causes(one_line: validator.Verdict) -> None:
    quiet = render(one_line, "text", verbosity=-1)
    assert FIX in quiet and "findings:" not in quiet and len(quiet.splitlines()) <= 12
    verbose = render(one_line, "text", verbosity=1)
    assert verbose.count("    config:") == len(one_line.findings)  # every finding explained in full


def test_markdown_junit_sarif_show_one_cause(one_line: validator.Verdict) -> None:
    errors = [f for f in one_line.findings if f.severity == "error"]
    md = render(one_line, "markdown")
    causes = md[md.index("### Causes") : md.index("### Findings")]
    assert causes.count("- **G") == len(one_line.groups) and causes.count(f"`{FIX}") >= 1
    assert md.count("<details><summary>G1 (") == 1  # one folded block for the whole cause

    root = ET.fromstring(render(one_line, "junit"))
    props = [p for p in root.iter("property") if str(p.get("name")).startswith("cause ")]
    blocking = [p for p in props if p.get("name") == "cause G1"]
    assert len(blocking) == 1 and str(blocking[0].get("value")).startswith(FIX)
    failures = [f for f in root.iter("failure")]
    assert failures and all("cause G1: " + FIX in (f.text or "") for f in failures)

    run = json.loads(render(one_line, "sarif", uri_base="net"))["runs"][0]
    errs = [r for r in run["results"] if r["level"] == "error"]
    assert len(errs) == 1
    (result,) = errs
    assert result["message"]["text"].startswith(FIX)
    assert len(result["properties"]["findings"]) == len(errors)
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "net/configs/az2-r1.cfg" and loc["region"]["startLine"] == MISTAKE_LINE


def test_a_cause_on_two_devices_cites_the_edited_lines_on_both() -> None:
    v = validator.check(head=change_dir("both-paths-bad-edit"), base=BASE, policies=REGION_POLICIES)
    blocking = [g for g in v.groups if g.blocking]
    assert len(blocking) == 1 and len(blocking[0].findings) == len([f for f in v.findings if f.blocking])
    cited = {(loc.file, loc.line) for loc in blocking[0].locations}
    assert {("configs/az1-r1.cfg", 18), ("configs/az1-r2.cfg", 18)} <= cited  # ip access-group, both routers
    assert ("configs/az1-r1.cfg", 16) not in cited  # the "interface GigabitEthernet1/2" header is not a cause
    for f in v.findings:
        if f.blocking:
            assert all(loc.text != "interface GigabitEthernet1/2" for loc in f.locations)
    assert blocking[0].fix.startswith("fix: configs/az1-r1.cfg:18 — ")


def test_a_link_renumbered_on_both_ends_cites_both_devices() -> None:
    planes = REGION.parent / "planes"
    v = validator.check(
        head=planes / "changes" / "renumber-link",
        base=planes / "base",
        policies=planes / "policies" / "planes.yaml",
    )
    (cause,) = [g for g in v.groups if g.blocking]
    files = {loc.file for loc in cause.locations}
    assert {"configs/az1-core.cfg", "configs/plane-a.cfg"} <= files  # the two ends of the link
    assert cause.fix.startswith("fix: configs/az1-core.cfg:10 — ")
