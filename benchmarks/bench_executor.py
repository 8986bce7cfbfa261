"""The same failure sweep through the local executor and through Ray, in one run.

    python benchmarks/bench_executor.py [--preset small] [--k 1] [--ray ADDRESS] [--cpus N]

A gen_network.py network (redundancy between the hosts of AZ 1 and AZ 2 both ways, every set of
up to k failed links and nodes) is swept twice with the same base data plane: first with
``LocalExecutor`` (forked workers on this machine's CPUs), then with ``RayExecutor`` (a local
loopback-only Ray instance with ``--cpus`` CPUs, or the cluster at ``--ray ADDRESS``). It prints
each sweep's seconds, the ratio ray/local, Ray's start-up time apart, how many tasks ran and how
many shared parts were put into the object store, the driver's peak RSS during each sweep (its
high-water mark is reset in between through /proc/self/clear_refs), the workers' RSS, and
whether both found the same minimal failing sets (exit 1 if not). Timings are the machine's:
compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import resource
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from validator.checks.headerspace import HeaderConstraints
from validator.checks.sweep import Sweeper, Violation, enumerate_elements, judge_redundancy, pair_baseline
from validator.engine.incremental import base_state, fast_dataplane, scenario_dataplane
from validator.executors import Executor, LocalExecutor, executor_scope
from validator.executors.ray_executor import RayExecutor, ray_available
from validator.snapshot.folder import load_snapshot


def say(text: str) -> None:
    print(text, flush=True)


def _status(field: str, pid: int | str = "self") -> float:
    """A /proc/PID/status memory field in MiB (0 where there is none)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def reset_peak() -> bool:
    """Reset this process's peak RSS (VmHWM), Linux >= 4.0; False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def ray_worker_rss() -> float:
    """Total RSS (MiB) of this machine's Ray worker processes (``ray::`` in their command line)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmd = fh.read()
        except OSError:
            continue
        if cmd.startswith(b"ray::"):
            total += _status("VmRSS", entry)
    return total


def findings_key(vs: Sequence[Violation]) -> list[tuple[Any, ...]]:
    return [
        (v.pair.label, tuple(e.spec for e in v.elements), v.kind, v.count, str(v.result.flow), repr(v.result.traces))
        for v in vs
    ]


def sweep_with(executor: Executor, base: Any, pairs: Any, elements: Any, k: int) -> tuple[float, list[Violation]]:
    sw = Sweeper(base, scenario_dataplane)
    with executor_scope(executor):
        t = time.perf_counter()
        found = sw.sweep(pairs, elements, k, judge_redundancy, label=executor.name)
        return time.perf_counter() - t, found


def main() -> int:
    from gen_network import PRESETS, generate

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="small", choices=sorted(PRESETS))
    ap.add_argument("--k", type=int, default=1)
    ap.add_argument("--ray", metavar="ADDRESS", help="an existing cluster (auto, HOST:PORT, ray://HOST:10001)")
    ap.add_argument("--cpus", type=int, default=None, help="CPUs of the local Ray instance (default: all)")
    args = ap.parse_args()
    if not ray_available():
        say("ray is not installed: pip install 'netchange-validator[ray]'")
        return 2

    out = Path(tempfile.mkdtemp(prefix="bench-executor-"))
    summary = generate(str(out), **PRESETS[args.preset])
    say(f"== generated network '{args.preset}' ({summary['routers']} routers, {summary['links']} links)")
    base = fast_dataplane(load_snapshot(str(out / "snapshot")))
    t = time.perf_counter()
    base_state(base)  # built once, before either executor: neither pays for it in its sweep
    say(f"  base data plane and its incremental state ready ({time.perf_counter() - t:.2f} s more for the state)")
    hc = HeaderConstraints()
    a = pair_baseline(base, _Zone("az1-hosts", ("/^az1-.*-host$/",)), _Zone("az2-hosts", ("/^az2-.*-host$/",)), hc)
    b = pair_baseline(base, _Zone("az2-hosts", ("/^az2-.*-host$/",)), _Zone("az1-hosts", ("/^az1-.*-host$/",)), hc)
    pairs = [a, b]
    elements = enumerate_elements(base, ["link", "node"])
    n = sum(1 for i in range(1, args.k + 1) for _ in itertools.combinations(elements, i))
    say(f"  {len(elements)} elements, {n} scenarios (k={args.k}), {len(a.results) + len(b.results)} header classes")
    gc.collect()

    local = LocalExecutor()
    say(f"  local: {local.workers(n, min_parallel=24)} forked workers")
    reset_peak()
    t_local, found_local = sweep_with(local, base, pairs, elements, args.k)
    peak_local = _status("VmHWM")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    say(f"  local sweep: {t_local:8.2f} s   driver peak RSS {peak_local:6.0f} MiB   largest worker {children:.0f} MiB")

    options: dict[str, Any] = {} if args.cpus is None else {"num_cpus": args.cpus}
    ray_ex = RayExecutor(args.ray, init_options=options, min_scenarios=1)  # even a small sweep on Ray
    try:
        t = time.perf_counter()
        cpus = ray_ex.cpus()
        say(
            f"  ray: {'cluster ' + args.ray if args.ray else 'local instance'}, {cpus} CPUs, "
            f"started in {time.perf_counter() - t:.2f} s (not counted below)"
        )
        reset_peak()
        t_ray, found_ray = sweep_with(ray_ex, base, pairs, elements, args.k)
        peak_ray = _status("VmHWM")
        workers = ray_worker_rss()
        say(
            f"  ray sweep:   {t_ray:8.2f} s   driver peak RSS {peak_ray:6.0f} MiB   Ray workers {workers:.0f} MiB"
            f"   ({ray_ex.tasks_submitted} tasks, {len(ray_ex.put_ids)} parts put)"
        )
    finally:
        ray_ex.close()
    say(f"  ratio ray / local: {t_ray / t_local:.2f}x")
    same = findings_key(found_local) == findings_key(found_ray)
    say(f"  findings identical (same order): {same} ({len(found_local)} minimal failing sets)")
    return 0 if same else 1


class _Zone:
    """A zone of node names or /regex/ (what pair_baseline reads of a policy zone)."""

    def __init__(self, name: str, nodes: tuple[str, ...]) -> None:
        self.name = name
        self.nodes = nodes
        self.interfaces: tuple[Any, ...] = ()
        self.prefixes: tuple[Any, ...] = ()


if __name__ == "__main__":
    sys.exit(main())
