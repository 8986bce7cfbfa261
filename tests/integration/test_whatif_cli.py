"""``validator whatif`` end to end (issue 19): the operator's answer first, then causes, then
details; maintenance-created single points of failure apart from pre-existing ones; through the
backend like ``check``.

Region fixture (fixtures/README.md): az1-r2 is a backup-only router. With the primary healthy
(``base``) draining it is safe; with az1's primary link to az2 already shut (``primary-down``)
draining it cuts az1 <-> az2, and the answer names the pair and the pre-existing fault.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gate_helpers import BASE, EXAMPLE, REGION, REGION_POLICIES

import validator
from validator.cli import main

PRIMARY_DOWN = REGION / "primary-down"
PAIR = "az1-routers -> az2-loopbacks"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["whatif", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_drain_backup_router_with_healthy_primary_is_safe(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(capsys, "--snapshot-dir", str(BASE), "--drain", "az1-r2", "--policies", str(REGION_POLICIES))
    lines = out.splitlines()
    assert code == 0, out
    assert lines[0] == "safe to take az1-r2 down: yes"
    assert lines[1].startswith("model: drained = failed")
    causes = out.split("causes:\n", 1)[1]
    assert causes.startswith("  none: no protected pair breaks")
    window, pre = out.split("during the window", 1)[1].split("pre-existing (so without the maintenance too):", 1)
    # created by the maintenance: az1's primary links are now alone
    assert f"  - {PAIR}: group:conduit-az1-west, link:az1-r1[GigabitEthernet1/2]" in window
    # already there without it (single-homed hosts' access links): one line with a count
    assert "az2-db[eth0]" not in window
    pre_lines = [ln for ln in pre.splitlines() if ln.startswith("  ")]
    assert len(pre_lines) == 1 and "single points of failure in" in pre_lines[0] and "-v lists them" in pre_lines[0]
    assert "not with  down" not in out and "ERROR" not in out


@pytest.mark.parametrize("spec", ["az1-r2[GigabitEthernet1/2]", "link:az1-r2[GigabitEthernet1/2]"])
def test_draining_one_interface_does_not_blame_its_own_session(capsys: pytest.CaptureFixture[str], spec: str) -> None:
    """The BGP session that runs over the drained interface is expected down from both ends; the
    interface drain answers like the link drain."""
    code, out, _err = _run(capsys, "--snapshot-dir", str(BASE), "--drain", spec, "--policies", str(REGION_POLICIES))
    assert code == 0, out
    assert out.splitlines()[0] == f"safe to take {spec} down: yes"
    assert "NOT_ESTABLISHED" not in out.split("pre-existing", 1)[0]


def test_drain_backup_router_with_primary_already_broken_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(
        capsys, "--snapshot-dir", str(PRIMARY_DOWN), "--drain", "az1-r2", "--policies", str(REGION_POLICIES), "-v"
    )
    lines = out.splitlines()
    assert code == 1, out
    assert lines[0] == "safe to take az1-r2 down: NO"
    causes = out.split("causes:\n", 1)[1].split("during the window", 1)[0]
    cut = next(ln for ln in causes.splitlines() if f"cuts {PAIR}" in ln)
    # the pre-existing fault: the path already depended on the backup link alone ...
    assert "link:az1-r2[GigabitEthernet1/2] alone (pre-existing single point of failure)" in cut
    # ... because the primary's BGP session is down (listed as pre-existing, not as a cause)
    pre = out.split("pre-existing (so without the maintenance too):", 1)[1].split("details:", 1)[0]
    assert "az1-r1: BGP session to 172.16.12.1 (AS 65002) is NOT_ESTABLISHED" in pre
    assert "BGP session" not in causes
    # -v lists every pre-existing single point of failure
    assert "already one failure from a cut:" in pre
    assert "details:" in out and "trace (no failure)" in out


def test_library_whatif_json_keeps_the_answer_apart() -> None:
    verdict = validator.whatif(PRIMARY_DOWN, drain=["az1-r2"], policies=REGION_POLICIES)
    doc = verdict.to_dict()
    info = doc["whatif"]
    assert (doc["verdict"], info["answer"], info["safe"]) == ("block", "no", False)
    assert info["failures"] == ["node:az1-r2"] and info["drained"] == ["az1-r2"]
    assert PAIR in info["broken_pairs"]
    assert "link:az1-r1[GigabitEthernet1/3]" in info["new_single_points_of_failure"]["az1-routers -> az3-loopbacks"]
    cut = next(f for f in doc["findings"] if f["check"] == "whatif" and f.get("pair") == PAIR)
    assert cut["pre_existing_single_points_of_failure"] == ["link:az1-r2[GigabitEthernet1/2]"]
    hygiene = [f for f in doc["findings"] if f["policy"] == "hygiene"]
    assert hygiene and all(f["status"] == "pre-existing" and f["severity"] == "warning" for f in hygiene)


EXAMPLE_POLICIES = """\
version: 1
zones:
  as1: {nodes: [as1core1]}
  as3: {nodes: [as3core1]}
  host1: {nodes: [host1]}
policies:
  - {name: as1-to-host1, type: reachability, from: as1, to: host1, protocol: tcp, ports: [22], expect: allow}
  - {name: as1-as3, type: redundancy, between: [[as1, as3]], max_failures: 1, severity: warning}
  - {name: hygiene, type: hygiene, require: [no_parse_errors, bgp_sessions_up], severity: warning}
"""


def test_healthy_drain_on_batfish_example_is_safe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    live = EXAMPLE / "live"
    if not (live / "configs").is_dir():
        pytest.skip(f"Batfish example not found at {live}")
    pol = tmp_path / "p.yaml"
    pol.write_text(EXAMPLE_POLICIES)
    code, out, _err = _run(capsys, "--snapshot-dir", str(live), "--drain", "as2core1", "--policies", str(pol))
    assert code == 0, out
    assert out.splitlines()[0] == "safe to take as2core1 down: yes"
    # the example's broken BGP sessions were there before: pre-existing, not warnings about the drain
    pre = out.split("pre-existing (so without the maintenance too):", 1)[1]
    assert "as1border1: BGP session to 3.2.2.2" in pre
    assert "warnings:" not in out


def test_unreachable_batfish_exits_3_naming_the_host(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(
        capsys,
        "--snapshot-dir", str(BASE), "--drain", "az1-r2", "--policies", str(REGION_POLICIES),
        "--engine", "batfish", "--batfish-host", "127.0.0.1:1",
    )  # fmt: skip
    assert code == 3
    assert "127.0.0.1:1" in err and "Traceback" not in err + out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        ([], "--fail SPEC or --drain ELEMENT"),
        (["--drain", "no-such-router"], "unknown node 'no-such-router'"),
        (["--drain", "az1-r2[Gi9/9"], "--drain"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, _out, err = _run(capsys, "--snapshot-dir", str(BASE), "--policies", str(REGION_POLICIES), *argv)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1, err


def test_routes_and_trace_take_the_engine_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "--snapshot-dir", str(BASE), "--node", "az1-r2", "--engine", "builtin"]) == 0
    assert "az1-r2" in capsys.readouterr().out
    argv = ["trace", "--snapshot-dir", str(BASE), "--from", "az1-r1", "--dst", "10.2.255.1", "--fail", "node:az1-r2"]
    assert main([*argv, "--engine", "builtin"]) == 0
    assert "ACCEPTED" in capsys.readouterr().out
    for cmd in (["routes", "--snapshot-dir", str(BASE)], argv):
        assert main([*cmd, "--engine", "batfish", "--batfish-host", "127.0.0.1:1"]) == 3
        assert "127.0.0.1:1" in capsys.readouterr().err


def test_library_routes_trace_and_plan_go_through_the_api() -> None:
    from validator import api
    from validator.errors import BackendUnavailable

    routes = api.routes(BASE, node="/^az1-r[12]$/")
    assert {r.node for r in routes} == {"az1-r1", "az1-r2"}
    results = api.trace(BASE, src="az1-r1", dst="10.2.255.1", fail=["node:az1-r2"])
    assert results and all(str(flow.dst_ip) == "10.2.255.1" for flow, _ in results)
    assert all(t.disposition == "ACCEPTED" for _, traces in results for t in traces)
    with pytest.raises(BackendUnavailable, match=r"127\.0\.0\.1:1"):
        api.routes(BASE, engine="batfish", batfish_host="127.0.0.1:1")
    doc = api.plan(head=REGION / "changes" / "both-paths-bad-edit", base=BASE, policies=REGION_POLICIES)
    assert doc["safe"] and not doc["safe_together"]
    assert [w["units"] for w in doc["waves"]] == [
        ["iface:az1-r1[GigabitEthernet1/2]"],
        ["iface:az1-r2[GigabitEthernet1/2]"],
    ]


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_trace_refuses_a_port_out_of_range(capsys: pytest.CaptureFixture[str], port: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["trace", "--snapshot-dir", str(BASE), "--from", "az1-r1", "--dst", "10.2.255.1", "--dst-port", port])
    assert exc.value.code == 2
    assert "--dst-port" in capsys.readouterr().err
