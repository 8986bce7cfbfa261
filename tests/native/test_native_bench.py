"""bench_dataplane.py --compare runs both cores side by side and says which core really ran."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest
from native_helpers import BENCH, require_core


def _bench() -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    if "bench_dataplane" in sys.modules:
        return sys.modules["bench_dataplane"]
    spec = importlib.util.spec_from_file_location("bench_dataplane", BENCH / "bench_dataplane.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_dataplane"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_compare_tiny_side_by_side() -> None:
    require_core()
    rows = _bench().compare(["tiny"], runs=2, igp_only=False, python_runs=1)
    (row,) = rows
    assert row["routers"] == 12 and row["same_counts"]
    assert row["python"]["core"] == "python" and row["native"]["core"] == "native"
    assert row["python"]["routes"] == row["native"]["routes"] > 0
    assert len(row["python"]["cpu_runs"]) == 1 and len(row["native"]["cpu_runs"]) == 2
    # reading every route of the lazy native data plane is measured apart, after the lazy figure
    nat = row["native"]
    assert nat["materialize_cpu_seconds"] > 0 and nat["peak_rss_materialized_mib"] >= nat["peak_rss_mib"]
    assert 0 < row["cpu_ratio_materialized"] <= row["cpu_ratio"]
    assert "x |" in _bench()._compare_line(row) and "+ read all" in _bench()._compare_header()


def test_compare_rejects_unknown_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _bench().main(["--compare", "--sizes", "tiny,huge"])
    assert exc.value.code == 2 and "huge" in capsys.readouterr().err
