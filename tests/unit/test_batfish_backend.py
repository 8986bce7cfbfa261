"""BatfishBackend over a double of pybatfish's Session that answers with recorded real Batfish
answers: the data plane and traces it builds must equal the builtin engine's on the same
snapshot, failure scenarios must be forks that get deleted, and every failure must fail closed."""

from __future__ import annotations

import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from batfish_double import EXAMPLE, RecordedSession, folder_files

from validator.backends.batfish import BatfishBackend, materialise, parse_host, probe
from validator.engine.dataplane import compute_dataplane
from validator.engine.locations import flows_for
from validator.engine.traceroute import trace
from validator.engine.types import DataPlane, FailureSet
from validator.errors import BackendUnavailable, EngineError
from validator.model.snapshot import Snapshot


@pytest.fixture(scope="module")
def live_snapshot() -> Snapshot:
    if not (EXAMPLE / "live").is_dir():
        pytest.skip(f"Batfish reference example missing: {(EXAMPLE / 'live').resolve()}")
    from validator.snapshot.folder import load_snapshot

    return load_snapshot(EXAMPLE / "live")


@pytest.fixture(scope="module")
def builtin(live_snapshot: Snapshot) -> DataPlane:
    return compute_dataplane(live_snapshot)


def _backend(session: RecordedSession, **kw: Any) -> BatfishBackend:
    return BatfishBackend("batfish.test", session_factory=lambda host, port: session, **kw)


def _keys(routes: Any) -> list[tuple[Any, ...]]:
    return [
        (r.node, r.vrf, str(r.network), r.protocol, str(r.next_hop), r.admin_distance, r.metric, r.tag) for r in routes
    ]


def test_dataplane_equals_the_builtin(live_snapshot: Snapshot, builtin: DataPlane) -> None:
    session = RecordedSession()
    backend = _backend(session)
    dp = backend.dataplane(live_snapshot)
    assert backend.version == "0.36.0" and session.network == "validator"
    assert {n: {v: _keys(rs) for v, rs in vrfs.items()} for n, vrfs in dp.ribs.items()} == {
        n: {v: _keys(rs) for v, rs in vrfs.items()} for n, vrfs in builtin.ribs.items()
    }
    assert dp.edges == tuple(sorted(builtin.edges))
    assert dp.active_interfaces == builtin.active_interfaces and dp.ip_owners == builtin.ip_owners
    assert [(s.node, str(s.remote_ip), s.status) for s in dp.bgp_sessions] == [
        ("as2border2", "10.23.21.3", "ESTABLISHED")
    ]
    assert dp.tracer is not None
    # the uploaded folder is the snapshot folder itself
    assert session.uploads[next(iter(session.snapshots))] == folder_files(EXAMPLE / "live")
    # hygiene from Batfish agrees with the parser: the model is unchanged
    assert dp.snapshot is live_snapshot


@pytest.mark.parametrize(("start", "dst"), [("@enter(as1core1)", "host1"), ("host2", "1.0.1.1")])
def test_tracer_answers_like_the_builtin(live_snapshot: Snapshot, builtin: DataPlane, start: str, dst: str) -> None:
    session = RecordedSession()
    backend = _backend(session)
    dp = backend.dataplane(live_snapshot)
    assert dp.tracer is not None
    for flow in flows_for(builtin, start, dst):
        got = dp.tracer(dp, flow)
        assert [t.to_json() for t in got] == [t.to_json() for t in trace(builtin, flow)]
        asked = len([c for c in session.calls if c[0] == "traceroute"])
        assert backend.trace(dp, flow) == got
        assert len([c for c in session.calls if c[0] == "traceroute"]) == asked, "traces are cached per flow"


def test_hygiene_check_runs_unchanged_on_batfish(live_snapshot: Snapshot, builtin: DataPlane) -> None:
    from validator.checks.hygiene import check_hygiene

    dp = _backend(RecordedSession()).dataplane(live_snapshot)
    require = ("no_parse_errors", "no_undefined_references", "no_forwarding_loops")
    got = [f.to_json() for f in check_hygiene(policy="h", dp=dp, require=require)]
    want = [f.to_json() for f in check_hygiene(policy="h", dp=builtin, require=require)]
    assert got == want
    assert any("filter-bogons" in f["message"] for f in got)


def test_failures_fork_and_forks_are_deleted(live_snapshot: Snapshot) -> None:
    session = RecordedSession()
    backend = _backend(session)
    failures = FailureSet(nodes=frozenset({"as2core1"}), interfaces=frozenset({("as1core1", "GigabitEthernet1/0")}))
    with pytest.raises(EngineError, match=r"batfish\.test:9996"):
        backend.dataplane(live_snapshot, failures)  # nothing recorded for the fork: fail closed
    ((fork, spec),) = session.forks.items()
    base = spec["base"]
    assert spec["deactivate_nodes"] == ["as2core1"]
    assert [(i.hostname, i.interface) for i in spec["deactivate_interfaces"]] == [("as1core1", "GigabitEthernet1/0")]
    backend.close()
    assert session.deleted == [fork, base]
    backend.close()
    assert session.deleted == [fork, base]


def test_old_forks_are_deleted_and_refork_on_demand(live_snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    import validator.backends.batfish as bf

    monkeypatch.setattr(bf, "MAX_LIVE_FORKS", 2)
    session = RecordedSession()
    backend = _backend(session)
    scenarios = [FailureSet(nodes=frozenset({n})) for n in ("as2core1", "as2core2", "as2dist1")]
    names = [backend._scenario(live_snapshot, fs) for fs in scenarios]
    assert session.deleted == [names[0]]
    again = backend._scenario(live_snapshot, scenarios[0])
    assert again != names[0] and again in session.forks
    assert backend._scenario(live_snapshot, scenarios[2]) == names[2]


def test_git_snapshot_is_materialised_then_removed(live_snapshot: Snapshot, tmp_path: Path) -> None:
    session = RecordedSession()
    backend = _backend(session)
    git_snap = replace(live_snapshot, source="git:abc123:network")
    backend.dataplane(git_snap)
    (name,) = session.uploads
    assert session.uploads[name] == folder_files(EXAMPLE / "live")
    assert session.snapshots[name] == "live"
    # raw bytes win over decoded text, binary files included
    raw = {"configs/r1.cfg": b"hostname r1\r\n", "batfish/pic.png": b"\x89PNG\x00\x01"}
    snap = replace(live_snapshot, files={"configs/r1.cfg": "hostname r1\r\n"}, raw_files=raw)
    materialise(snap, tmp_path / "snap")
    assert folder_files(tmp_path / "snap") == raw
    with pytest.raises(EngineError, match="escapes"):
        materialise(replace(snap, raw_files={"../evil": b"x"}), tmp_path / "other")


def test_question_timeout_fails_closed_naming_the_host(live_snapshot: Snapshot) -> None:
    backend = _backend(RecordedSession(delay=5.0), question_timeout=0.05)
    with pytest.raises(EngineError, match=r"batfish\.test:9996.*timed out"):
        backend.dataplane(live_snapshot)


@pytest.mark.parametrize("version", ["0.35.9", "", "banana"])
def test_incompatible_version_is_unavailable(live_snapshot: Snapshot, version: str) -> None:
    with pytest.raises(BackendUnavailable, match=r"batfish\.test:9996"):
        _backend(RecordedSession(version=version)).dataplane(live_snapshot)


def test_failed_snapshot_initialisation_is_an_engine_error(live_snapshot: Snapshot) -> None:
    class Failing(RecordedSession):
        def init_snapshot(self, upload: str, name: str | None = None, overwrite: bool = False, **_: Any) -> str:
            raise RuntimeError("Initializing snapshot failed with status TERMINATEDABNORMALLY\nlong log")

    with pytest.raises(EngineError, match=r"batfish\.test:9996: initialising snapshot .* TERMINATEDABNORMALLY$"):
        _backend(Failing()).dataplane(live_snapshot)


def test_connection_errors_become_unavailable(live_snapshot: Snapshot) -> None:
    class ConnectionError(OSError):  # named like requests' exception
        pass

    def factory(host: str, port: int) -> Any:
        raise ConnectionError("Max retries exceeded")

    with pytest.raises(BackendUnavailable, match=r"batfish\.test:9996"):
        BatfishBackend("batfish.test", session_factory=factory).dataplane(live_snapshot)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_probe_of_a_closed_port_is_unavailable() -> None:
    port = _closed_port()
    with pytest.raises(BackendUnavailable, match=rf"127\.0\.0\.1:{port}"):
        probe("127.0.0.1", port)


def test_closing_an_unused_backend_contacts_nobody() -> None:
    backend = BatfishBackend(f"127.0.0.1:{_closed_port()}")
    backend.close()


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("localhost", ("localhost", 9996)),
        ("10.0.0.5:19996", ("10.0.0.5", 19996)),
        ("http://bf.example:9997/", ("bf.example", 9997)),
        ("[::1]:9000", ("::1", 9000)),
        ("::1", ("::1", 9996)),
    ],
)
def test_parse_host(text: str, want: tuple[str, int]) -> None:
    assert parse_host(text) == want


def test_importing_the_backend_does_not_import_pybatfish() -> None:
    code = (
        "import sys, validator.backends.batfish, validator.backends.batfish_translate;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('pybatfish', 'pandas', 'requests')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


def test_scenarios_of_an_augmented_model_reuse_the_upload(live_snapshot: Snapshot) -> None:
    class Warns(RecordedSession):
        """Batfish reports one parse warning, so the data plane's model differs from the input."""

        def _plain(self, question: str, example: str, params: dict[str, Any]) -> Any:
            if question == "initIssues":
                from batfish_double import table

                row = {
                    "Nodes": ["as1core1"],
                    "Source_Lines": [{"filename": "configs/as1core1.cfg", "lines": [3]}],
                    "Type": "Parse warning (unrecognized)",
                    "Details": "unrecognized",
                    "Line_Text": "x",
                }
                return table([row])
            return super()._plain(question, example, params)

    session = Warns()
    backend = _backend(session)
    dp = backend.dataplane(live_snapshot)
    assert dp.snapshot is not live_snapshot
    assert [w.line for w in dp.snapshot.nodes["as1core1"].warnings if w.reason.startswith("Batfish")] == [3]
    backend._scenario(dp.snapshot, FailureSet(nodes=frozenset({"as2core1"})))
    assert len(session.uploads) == 1
    (spec,) = session.forks.values()
    assert spec["base"] == next(iter(session.uploads))
