"""Scenario data planes alone: the failure scenarios a sweep computes, without its tracing.

    python benchmarks/bench_scenarios.py small|medium|large [--calls] [--top N] [--keep DIR]

Generates the preset (``gen_network.py``), builds the base with the incremental engine
(``fast_dataplane``), records the failure sets the k=1 link-and-node redundancy sweep of
``bench_sweep.py`` computes (AZ1 hosts <-> AZ2 hosts, relevance pruning on), then computes each of
them again on a fresh base state and prints CPU seconds (the scenario data planes, every changed
FIB materialised as a sweep's lookups would), their ratio to the base, and the most expensive
scenarios with their statistics. ``--calls`` adds the Python function calls of the scenario loop
(cProfile; ``--profile FILE`` also writes its stats): unlike seconds on a shared machine, the
count is deterministic, so steps can be compared one by one. The recorded failure sets are kept
in ``DIR/failures.pkl`` with ``--keep``.
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Sequence
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

os.environ.setdefault("VALIDATOR_ENGINE_CORE", "python")
os.environ.setdefault("VALIDATOR_WORKERS", "1")

from validator.engine.incremental import base_state, fast_dataplane, scenario_with_stats
from validator.engine.types import DataPlane, FailureSet
from validator.snapshot.folder import load_snapshot


def record(base: DataPlane) -> list[FailureSet]:
    """The failure sets the bench_sweep redundancy sweep computes a data plane for."""
    from bench_sweep import BenchZone

    import validator.checks.sweep as sw
    from validator.checks.headerspace import HeaderConstraints

    seen: list[FailureSet] = []

    def fn(b: DataPlane, f: FailureSet) -> DataPlane:
        seen.append(f)
        return scenario_with_stats(b, f)[0]

    a = BenchZone("az1-hosts", nodes=("/^az1-.*-host$/",))
    z = BenchZone("az2-hosts", nodes=("/^az2-.*-host$/",))
    hc = HeaderConstraints()
    pairs = [sw.pair_baseline(base, a, z, hc), sw.pair_baseline(base, z, a, hc)]
    sweeper = sw.Sweeper(base, fn, prune=True)
    sweeper.sweep(pairs, sw.enumerate_elements(base, ["link", "node"]), 1, sw.judge_redundancy, label="bench")
    return seen


def materialise(base: DataPlane, dp: DataPlane) -> None:
    """Every FIB the scenario changed, built (a sweep builds those its lookups reach)."""
    for node, vrfs in dp.fibs.items():
        for vrf, fib in vrfs.items():
            if fib is not base.fibs[node].get(vrf):
                fib.lookup(IPv4Address(0))


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("preset", choices=("tiny", "small", "medium", "large"))
    ap.add_argument("--calls", action="store_true", help="also count Python function calls (cProfile)")
    ap.add_argument("--profile", metavar="FILE", help="write the scenario loop's cProfile stats (implies --calls)")
    ap.add_argument("--top", type=int, default=5, help="most expensive scenarios to list")
    ap.add_argument("--keep", help="generate into (and reuse) this directory")
    args = ap.parse_args(argv)
    from gen_network import PRESETS, generate

    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-scen-"))
    if not (out / "snapshot").exists():
        generate(str(out), **PRESETS[args.preset])
    snap = load_snapshot(str(out / "snapshot"))
    store = out / "failures.pkl"
    if store.exists():
        failures: list[FailureSet] = pickle.loads(store.read_bytes())
    else:
        failures = record(fast_dataplane(snap))
        store.write_bytes(pickle.dumps(failures))
    gc.collect()
    c0 = time.process_time()
    base = fast_dataplane(snap)
    base_cpu = time.process_time() - c0
    base_state(base)
    gc.collect()
    gc.freeze()
    prof: Any = None
    if args.calls or args.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    rows: list[tuple[float, FailureSet, Any]] = []
    c0 = time.process_time()
    for fs in failures:
        s0 = time.process_time()
        dp, stats = scenario_with_stats(base, fs)
        materialise(base, dp)
        rows.append((time.process_time() - s0, fs, stats))
    total = time.process_time() - c0
    if prof is not None:
        import pstats

        prof.disable()
        calls = pstats.Stats(prof).total_calls  # type: ignore[attr-defined]
        if args.profile:
            prof.dump_stats(args.profile)
    print(f"== {args.preset}: {len(failures)} scenario data planes ({out})")
    print(f"  base data plane (fast_dataplane, CPU s)        {base_cpu:.3f}")
    print(f"  scenario data planes (CPU s, total / each)     {total:.3f} / {total / max(len(failures), 1):.4f}")
    print(f"  ratio scenarios / base                         {total / base_cpu:.2f}x")
    if prof is not None:
        print(f"  Python function calls (scenario loop)          {calls:,}")
    for secs, fs, stats in sorted(rows, key=lambda r: -r[0])[: args.top]:
        what = sorted(fs.nodes) or sorted(fs.interfaces)[:1]
        print(f"    {secs:.3f} s  {what}  {stats}")


if __name__ == "__main__":
    main()
