"""FIB interval maps number action sets per process (``checks/fibmap._ACTION_IDS``); a base data
plane shipped to a fresh process (a Ray worker unpickles it with the maps cached on its FIBs) must
not compare its maps' ids with the worker's own numbering. Found by review: failing r1's primary
VLAN, a worker saw r1's FIB as unchanged for the VLAN's /31 because ids 1 meant different actions
in the two processes, so ``footprint.unchanged`` could keep a broken class's base verdict."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

from validator.checks.fibmap import fib_map
from validator.engine.incremental import _ATTR, fast_dataplane
from validator.snapshot.folder import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
SUBIF = ROOT / "fixtures" / "fidelity" / "subif" / "base"

WORKER = """
import json, pickle, sys
from validator.checks.fibmap import changed_space
from validator.engine.incremental import fast_dataplane, scenario_dataplane
from validator.engine.types import FailureSet
from validator.snapshot.folder import load_snapshot

shipped = pickle.load(open(sys.argv[1], "rb"))
fresh = fast_dataplane(load_snapshot(sys.argv[2]))
fs = FailureSet(interfaces=frozenset({("r1", "GigabitEthernet0/1.100")}))
out = {}
for name, base in (("shipped", shipped), ("fresh", fresh)):
    scen = scenario_dataplane(base, fs)
    keys = [(n, v) for n in sorted(scen.fibs) for v in sorted(scen.fibs[n])]
    out[name] = {f"{n}/{v}": changed_space(base, scen, n, v).spans for n, v in keys}
print(json.dumps(out))
"""


def test_a_base_shipped_with_its_maps_compares_right_in_a_fresh_process(tmp_path: Path) -> None:
    base = fast_dataplane(load_snapshot(str(SUBIF)))
    for node in sorted(base.fibs):
        for vrf in sorted(base.fibs[node]):
            fib_map(base, node, vrf)  # numbered in this process, cached on the FIBs
    base.__dict__.pop(_ATTR, None)  # the incremental state is rebuilt where it is used
    path = tmp_path / "base.pkl"
    path.write_bytes(pickle.dumps(base))
    run = subprocess.run(
        [sys.executable, "-c", WORKER, str(path), str(SUBIF)], capture_output=True, text=True, cwd=ROOT, check=True
    )
    out = json.loads(run.stdout)
    assert out["shipped"] == out["fresh"]
    assert out["fresh"]["r1/default"], out  # the VLAN's own /31 changes on r1: not a vacuous comparison


def test_changed_space_entries_are_kept_with_their_reference(monkeypatch: Any) -> None:
    """A scenario caches ``changed_space`` per reference data plane; the reference is not always
    the sweep's long-lived base (a single failure a double is compared with), so a dead
    reference's identity can be reused by a new one. With every identity made equal, each
    reference must still get its own answer."""
    from validator.checks import fibmap
    from validator.engine.incremental import scenario_dataplane
    from validator.engine.types import FailureSet

    base = fast_dataplane(load_snapshot(SUBIF))
    v100, v200 = ("r1", "GigabitEthernet0/1.100"), ("r1", "GigabitEthernet0/1.200")
    single = scenario_dataplane(base, FailureSet(interfaces=frozenset({v200})))  # a reference too
    scen = scenario_dataplane(base, FailureSet(interfaces=frozenset({v100})))
    want_base = fibmap.changed_space(base, scen, "r1")
    want_single = fibmap.changed_space(single, scen, "r1")
    assert want_base != want_single  # the two references really answer differently
    fresh = scenario_dataplane(base, scen.failures)
    monkeypatch.setattr(fibmap, "id", lambda obj: 42, raising=False)  # every identity collides
    assert fibmap.changed_space(base, fresh, "r1") == want_base
    assert fibmap.changed_space(single, fresh, "r1") == want_single
