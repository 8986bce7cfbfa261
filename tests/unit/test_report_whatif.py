"""The whatif text report: the answer first, then causes (one line per cut pair or policy), the
single points of failure the window creates, then pre-existing ones in one counted line (all of
them with ``verbose``); an error verdict answers "unknown"."""

from __future__ import annotations

from validator.model.verdict import Finding, Side, Verdict
from validator.report.whatif import render_whatif_text


def _verdict(findings: list[Finding], error: str | None = None) -> Verdict:
    v = Verdict(head=Side("snap with az1-r2 down"), findings=findings, error=error)
    v.whatif = {"subject": "az1-r2", "model": "drained = failed"}
    return v


def _cut(pair: str, src: str) -> Finding:
    return Finding(policy="maintenance", check="whatif", message=f"taking down node:az1-r2 cuts {pair}: {src}",
                   failures=("node:az1-r2",), extra={"pair": pair})  # fmt: skip


def _spof(pair: str, elems: list[str], *, pre: bool) -> Finding:
    if pre:
        return Finding(policy="maintenance", check="whatif", severity="info", status="pre-existing", message=pair,
                       extra={"pair": pair, "single_points_of_failure": elems})  # fmt: skip
    return Finding(policy="maintenance", check="whatif", severity="warning", message=pair,
                   extra={"pair": pair, "single_points_of_failure": elems, "cause": "maintenance"})  # fmt: skip


FINDINGS = [
    _cut("a -> b", "flow 1"),
    _cut("a -> b", "flow 2"),
    _cut("c -> d", "flow 3"),
    _spof("a -> e", ["link:x[Gi0/1]"], pre=False),
    _spof("a -> f", ["link:h1[eth0]", "link:h2[eth0]"], pre=True),
    _spof("a -> g", ["node:y"], pre=True),
    Finding(
        policy="hygiene",
        check="hygiene",
        severity="warning",
        message="r1: BGP session down",
        extra={"status": "pre-existing"},
    ),
]


def test_answer_first_then_grouped_causes_then_window_then_pre_existing() -> None:
    text = render_whatif_text(_verdict(FINDINGS))
    lines = text.splitlines()
    assert lines[0] == "safe to take az1-r2 down: NO"
    causes = text.split("causes:\n", 1)[1].split("during the window", 1)[0].splitlines()
    assert causes == [
        "  - maintenance: taking down node:az1-r2 cuts a -> b: flow 1 (and 1 more)",
        "  - maintenance: taking down node:az1-r2 cuts c -> d: flow 3",
    ]
    window = text.split("during the window", 1)[1].split("pre-existing", 1)[0]
    assert "  - a -> e: link:x[Gi0/1]" in window
    pre = text.split("pre-existing (so without the maintenance too):\n", 1)[1].split("\n", 2)
    assert pre[0] == "  - hygiene: r1: BGP session down"
    assert pre[1] == "  3 single points of failure in 2 pairs already (-v lists them)"
    assert "already one failure from a cut" not in text


def test_verbose_lists_every_pre_existing_single_point_of_failure() -> None:
    text = render_whatif_text(_verdict(FINDINGS), verbose=True)
    assert "  - already one failure from a cut: a -> f: link:h1[eth0], link:h2[eth0]" in text
    assert "  - already one failure from a cut: a -> g: node:y" in text
    assert "-v lists them" not in text


def test_safe_answer_says_yes_and_no_cause() -> None:
    text = render_whatif_text(_verdict([_spof("a -> e", ["link:x[Gi0/1]"], pre=False)]))
    assert text.splitlines()[0] == "safe to take az1-r2 down: yes"
    assert "  none: no protected pair breaks" in text


def test_error_verdict_answers_unknown() -> None:
    text = render_whatif_text(_verdict([], error="data plane did not converge: 10.0.0.0/8"))
    assert text.splitlines()[:2] == [
        "safe to take az1-r2 down: unknown",
        "error: data plane did not converge: 10.0.0.0/8",
    ]
