"""Rollout waves read as ``wave 1: ...; wave 2: ...`` in every human format, never as raw lists."""

from __future__ import annotations

from validator.model.verdict import Finding, Side, Verdict
from validator.report import render
from validator.report._common import waves_text

WAVES = [["iface:az1-r1[GigabitEthernet1/2]"], ["iface:az1-r2[GigabitEthernet1/2]", "node:az1-r3"]]
LINE = "wave 1: iface:az1-r1[GigabitEthernet1/2]; wave 2: iface:az1-r2[GigabitEthernet1/2], node:az1-r3"


def test_waves_text_for_unit_lists_and_wave_documents() -> None:
    assert waves_text(WAVES) == LINE
    docs = [{"units": w, "devices": [w[0].split(":")[1].split("[")[0]]} for w in WAVES]
    assert waves_text(docs).startswith("wave 1: iface:az1-r1[GigabitEthernet1/2] (devices: az1-r1); wave 2: ")


def test_finding_waves_in_text_markdown_and_junit() -> None:
    f = Finding(policy="staged", check="blast_radius", message="cuts az1 -> az2", extra={"waves": WAVES})
    v = Verdict(head=Side("h"), findings=[f], policies_run=[("staged", "blast_radius")])
    for fmt in ("text", "markdown", "junit"):
        out = render(v, fmt)
        assert LINE in out, fmt
        assert "[[" not in out and '["iface' not in out, fmt
