"""VALIDATOR_ENGINE_CORE and the per-snapshot feature check decide which core computes a data plane
(engine/native.py); an unsupported feature or a missing extension never yields a native answer."""

from __future__ import annotations

import dataclasses

import pytest
from native_helpers import FIXTURES, require_core

import validator.engine.native as native
from validator.engine.dataplane import compute_dataplane
from validator.engine.types import FailureSet
from validator.errors import EngineError, InputError
from validator.snapshot.folder import load_snapshot

OSPF_ONLY = FIXTURES / "native" / "ospf-areas"
WITH_BGP = FIXTURES / "fidelity" / "bgp" / "open"  # an as-path list match: not ported


def test_python_mode_never_uses_the_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.ENV, "python")
    monkeypatch.setattr(native, "load_core", lambda: pytest.fail("python mode imported the core"))
    assert native.native_dataplane(load_snapshot(OSPF_ONLY), FailureSet()) is None


@pytest.mark.parametrize("mode", ["auto", "native", "", "NATIVE"])
def test_supported_snapshot_goes_native(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    require_core()
    monkeypatch.setenv(native.ENV, mode)
    calls: list[str] = []
    real = native.compute_native
    monkeypatch.setattr(native, "compute_native", lambda s, f, c=None, n=50: calls.append(s.name) or real(s, f, c, n))
    dp = compute_dataplane(load_snapshot(OSPF_ONLY))
    assert calls and dp.ribs["r1"]["default"]


@pytest.mark.parametrize("mode", ["auto", "native"])
def test_unsupported_bgp_snapshot_goes_to_python(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.ENV, mode)
    snapshot = load_snapshot(WITH_BGP)
    assert any("MatchAsPath" in r for r in native.unsupported_features(snapshot))
    if native.load_core() is not None:
        assert native.native_dataplane(snapshot, FailureSet()) is None
    with pytest.raises(EngineError, match="does not support"):
        native.compute_native(snapshot, FailureSet(), native.load_core() or object())  # type: ignore[arg-type]


def test_defined_redistribution_route_map_is_unsupported() -> None:
    snapshot = load_snapshot(OSPF_ONLY)
    r2 = snapshot.nodes["r2"]
    proc = dataclasses.replace(
        r2.ospf[0],
        redistributions=tuple(dataclasses.replace(r, route_map="ANY") for r in r2.ospf[0].redistributions),
    )
    r2 = dataclasses.replace(r2, ospf=(proc,), route_maps={"ANY": object()})  # type: ignore[dict-item]
    changed = dataclasses.replace(snapshot, nodes={**snapshot.nodes, "r2": r2})
    assert native.unsupported_features(changed) == ["r2: OSPF redistribution route-map ANY"]
    # an undefined route-map permits unchanged, which the core implements
    assert native.unsupported_features(snapshot) == []


def test_missing_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(native, "load_core", lambda: None)
    snapshot = load_snapshot(OSPF_ONLY)
    monkeypatch.setenv(native.ENV, "auto")
    assert native.native_dataplane(snapshot, FailureSet()) is None
    assert compute_dataplane(snapshot).ribs["r1"]["default"]  # the Python engine answers
    monkeypatch.setenv(native.ENV, "native")
    with pytest.raises(EngineError, match="not built"):
        native.native_dataplane(snapshot, FailureSet())


def test_stale_extension_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    core = require_core()
    monkeypatch.setattr(core, "ABI_VERSION", native.ABI_VERSION + 1)
    assert native.load_core() is None


def test_bad_mode_is_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.ENV, "rust")
    with pytest.raises(InputError, match="VALIDATOR_ENGINE_CORE"):
        native.native_dataplane(load_snapshot(OSPF_ONLY), FailureSet())


def test_oscillating_bgp_is_declined_and_explained_by_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """A BGP run that does not converge is never a native answer: the core declines, the Python
    engine computes it and names what oscillates (the verdict is then an engine error, exit 3)."""
    require_core()
    snapshot = load_snapshot(FIXTURES.parent / "benchmarks" / "repro" / "ibgp-rr-oscillation")
    assert native.unsupported_features(snapshot) == []
    assert native.compute_native(snapshot, FailureSet()) is None
    monkeypatch.setenv(native.ENV, "native")
    dp = compute_dataplane(snapshot)
    assert not dp.converged and dp.oscillation is not None and dp.oscillation.phase == "bgp"
