"""``--engine batfish`` and ``compare-engines`` end to end through validator.cli.main: nothing
listening fails closed with exit 3 naming the host; against recorded Batfish answers the engines
agree, and a doctored answer is listed as a difference (exit 1)."""

from __future__ import annotations

import json
import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from batfish_double import EXAMPLE, RecordedSession, load_ref, table

from validator.backends import batfish_translate as bt
from validator.cli import main
from validator.cli.batfish_cmds import Comparison, compare_traces
from validator.model.flow import Flow, Hop, Trace

POLICY = """version: 1
zones:
  hosts: {nodes: ["/host/"]}
policies:
  - {name: hygiene, type: hygiene, require: [no_parse_errors, no_undefined_references]}
"""


@pytest.fixture(scope="module")
def live_dir() -> Path:
    path = EXAMPLE / "live"
    if not path.is_dir():
        pytest.skip(f"Batfish reference example missing: {path.resolve()}")
    return path


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_check_with_no_batfish_listening_exits_3(
    live_dir: Path, tmp_path: Path, closed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    policies = tmp_path / "policies.yaml"
    policies.write_text(POLICY)
    args = ["check", "--head-dir", str(live_dir), "--policies", str(policies), "--engine", "batfish"]
    code = main([*args, "--batfish-host", f"127.0.0.1:{closed_port}"])
    err = capsys.readouterr().err
    assert code == 3
    assert f"127.0.0.1:{closed_port}" in err and "not reachable" in err
    assert len(err.strip().splitlines()) == 1


def test_compare_engines_with_no_batfish_exits_3(
    live_dir: Path, closed_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["compare-engines", "--snapshot-dir", str(live_dir), "--batfish-host", f"127.0.0.1:{closed_port}"])
    assert code == 3
    assert f"127.0.0.1:{closed_port}" in capsys.readouterr().err


def _use(monkeypatch: pytest.MonkeyPatch, session: RecordedSession) -> None:
    import validator.backends.batfish as bf

    monkeypatch.setattr(bf, "default_session_factory", lambda host, port: session)


def test_compare_engines_agree_on_recorded_answers(
    live_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    session = RecordedSession()
    _use(monkeypatch, session)
    assert main(["compare-engines", "--snapshot-dir", str(live_dir), "--batfish-host", "bf.test"]) == 0
    out = capsys.readouterr().out
    assert "routes: 315 builtin, 315 Batfish, 0 different" in out and "engines agree" in out
    assert session.deleted, "the uploaded snapshot is deleted afterwards"
    argv = ["compare-engines", "--snapshot-dir", str(live_dir), "--batfish-host", "bf.test", "--format", "json"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "validator.compare-engines/1" and doc["differences"] == 0
    assert doc["batfish"] == {"host": "bf.test:9996", "version": "0.36.0"}


def test_compare_engines_lists_every_difference(
    live_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Doctored(RecordedSession):
        """Batfish's routes answer with one route dropped and one metric changed."""

        def _plain(self, question: str, example: str, params: dict[str, Any]) -> Any:
            if question != "routes":
                return super()._plain(question, example, params)
            element = load_ref("routes.ref")[0]
            rows = [dict(r) for r in element["rows"]]
            del rows[2]
            rows[5]["Metric"] = 99
            return table(rows, element["metadata"])

    _use(monkeypatch, Doctored())
    code = main(["compare-engines", "--snapshot-dir", str(live_dir), "--batfish-host", "bf.test", "--format", "json"])
    assert code == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["differences"] == 3
    assert len(doc["routes"]["only_builtin"]) == 2 and len(doc["routes"]["only_batfish"]) == 1
    assert doc["routes"]["only_batfish"][0]["metric"] == 99


def _reorder(traces: Any) -> list[Trace]:
    """The same traces with every Routing step's routes listed in reverse."""
    out = []
    for t in traces:
        hops = []
        for h in t.hops:
            steps = tuple(
                replace(s, detail={**s.detail, "routes": s.detail["routes"][::-1]}) if "routes" in s.detail else s
                for s in h.steps
            )
            hops.append(Hop(h.node, steps))
        out.append(Trace(t.disposition, tuple(hops)))
    return out


def test_trace_comparison_ignores_route_order_and_reports_changes(live_dir: Path) -> None:
    from validator.engine.dataplane import compute_dataplane
    from validator.engine.traceroute import trace
    from validator.snapshot.folder import load_snapshot

    snap = load_snapshot(live_dir)
    dp = compute_dataplane(snap)
    results = bt.flow_traces_from_rows(load_ref("traceroute-1-2.ref")[0]["rows"], snap)
    same = Comparison()
    compare_traces("p", ((r.flow, trace(dp, r.flow), _reorder(r.traces)) for r in results), same, 100)
    assert same.flows_compared == len(results) and same.traces == []
    assert any(len(s.detail.get("routes", ())) > 1 for r in results for t in r.traces for h in t.hops for s in h.steps)
    changed = Comparison()
    first = results[0]
    doctored = [Trace("NO_ROUTE", first.traces[0].hops), *first.traces[1:]]
    compare_traces("p", [(first.flow, trace(dp, first.flow), doctored)], changed, 100)
    assert [d.flow for d in changed.traces] == [first.flow]
    capped = Comparison()
    compare_traces("p", ((r.flow, r.traces, r.traces) for r in results), capped, 1)
    assert capped.flows_compared == 1 and capped.flows_truncated


def test_policy_flows_are_explored_on_both_engines(live_dir: Path, tmp_path: Path) -> None:
    from validator.cli.batfish_cmds import _explore_policies
    from validator.engine.dataplane import compute_dataplane
    from validator.engine.traceroute import trace
    from validator.policy import load_policies
    from validator.snapshot.folder import load_snapshot

    policies = tmp_path / "p.yaml"
    policies.write_text(
        "version: 1\nzones:\n  h1: {nodes: [host1]}\n  h2: {nodes: [host2]}\npolicies:\n"
        "  - {name: web, type: reachability, from: h2, to: h1, protocol: tcp, ports: [80], expect: allow}\n"
        "  - {name: health, type: hygiene, require: [no_parse_errors]}\n"
    )
    pset = load_policies(policies)
    builtin = compute_dataplane(load_snapshot(live_dir))
    seen: list[Flow] = []

    def same(dp: Any, flow: Flow) -> list[Trace]:
        seen.append(flow)
        return trace(builtin, flow)

    other = replace(builtin, tracer=same)
    agree = Comparison()
    _explore_policies(builtin, other, pset, agree, 100)
    assert agree.policies_traced == ["web"] and agree.flows_compared == len(seen) > 0 and agree.traces == []
    assert all(f.ip_protocol == 6 and f.dst_port == 80 and f.ingress_node == "host2" for f in seen)

    def dropped(dp: Any, flow: Flow) -> list[Trace]:
        return [Trace("NO_ROUTE", t.hops) for t in trace(builtin, flow)]

    differ = Comparison()
    _explore_policies(builtin, replace(builtin, tracer=dropped), pset, differ, 100)
    assert len(differ.traces) == differ.flows_compared > 0
