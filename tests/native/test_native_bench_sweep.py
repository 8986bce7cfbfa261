"""bench_sweep.py --core: one command gives the sweep on either core and says which core computed
the base and the scenarios (the figures of issue 17 item 2 come from it)."""

from __future__ import annotations

import gc
import importlib.util
import sys
from types import ModuleType

import pytest
from native_helpers import BENCH, require_core


def _bench() -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    if "bench_sweep" in sys.modules:
        return sys.modules["bench_sweep"]
    spec = importlib.util.spec_from_file_location("bench_sweep", BENCH / "bench_sweep.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_sweep"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("core", ["native", "python"])
def test_tiny_sweep_names_its_cores(
    core: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    require_core()
    # the benchmark sets both for its own process: restored after the test
    monkeypatch.setenv("VALIDATOR_ENGINE_CORE", "auto")
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    try:
        _bench().main(["tiny", "--sample", "1", "--core", core])
    finally:
        gc.unfreeze()
    out = capsys.readouterr().out
    assert f"{core} core)" in out  # the base's core
    if core == "native":
        assert "scenarios computed by                                      native (" in out
        assert "ratio sweep CPU / Python base CPU" in out
    else:
        assert "python (incremental engine)" in out
    assert "(4 minimal failing sets)" in out  # the same findings on both cores
