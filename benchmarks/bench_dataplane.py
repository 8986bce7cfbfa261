"""Time the builtin engine's ``compute_dataplane`` on one snapshot, and check the result is sane.

A failure sweep computes one data plane per scenario, so the from-scratch data plane time is the
unit every sweep cost is measured in. The figures this prints (median time, routes, FIB entries,
peak memory) are what benchmarks/README.md records per engine version.

    python benchmarks/bench_dataplane.py SNAPSHOT [--runs 3] [--reachability] [--profile OUT.prof]
    python benchmarks/bench_dataplane.py --preset large [--keep DIR]   # generate, then measure
    python benchmarks/bench_dataplane.py SNAPSHOT --core native [--igp-only]
    python benchmarks/bench_dataplane.py --compare [--sizes tiny,small,medium,large] [--python-runs 1]

``--core`` picks the data-plane core (VALIDATOR_ENGINE_CORE); the result names the core that
actually ran, since ``auto``/``native`` send snapshots with unsupported features (BGP) to Python.
``--igp-only`` strips BGP first (what the native core implements today). ``--compare`` runs Python
and native side by side per size, each in its own process so peak RSS is per core, and prints
the ratio of CPU seconds (wall time on a shared machine measures the neighbours). The native
data plane's routes are Python objects only once read (lazy views over the core's tables), so
the time and peak RSS of reading every route (``dp.routes()`` and every FIB entry) are printed
as a separate column after the data plane's own: the lazy figure alone is not the whole cost
for a caller that reads everything. ``--python-runs 1`` measures the slow Python figure once.

``SNAPSHOT`` is a snapshot folder, or a gen_network.py output folder (its ``snapshot/`` is used).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_network import PRESETS, generate

from validator.engine.dataplane import compute_dataplane
from validator.engine.native import ENV as CORE_ENV
from validator.engine.native import core_mode, load_core, unsupported_features
from validator.engine.traceroute import trace
from validator.engine.types import DataPlane
from validator.model.flow import Flow
from validator.model.snapshot import Snapshot
from validator.snapshot.folder import load_snapshot


@dataclass
class BenchResult:
    snapshot: str
    nodes: int
    parse_warnings: int
    load_seconds: float
    runs: list[float]
    cpu_runs: list[float]
    core: str  # the core that computed the data plane: "native", or "python" (with why)
    routes: int
    fib_entries: int
    bgp_sessions: dict[str, int]
    converged: bool
    peak_rss_mib: float  # after the timed runs, before anything reads the routes
    # a full walk (dp.routes() and every FIB entry) after the timed runs: the native core's views
    # build Python objects on demand, so this is the rest of its cost when everything is read
    materialize_seconds: float = 0.0
    materialize_cpu_seconds: float = 0.0
    peak_rss_materialized_mib: float = 0.0
    tracemalloc_peak_mib: float | None = None
    reachability: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_runs)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "median_seconds": self.median, "median_cpu_seconds": self.cpu_median}


def strip_bgp(snapshot: Snapshot) -> Snapshot:
    """The snapshot without BGP and OSPF redistribution route-maps: what the native core computes today."""
    nodes = {}
    for name, node in snapshot.nodes.items():
        procs = tuple(
            replace(p, redistributions=tuple(replace(r, route_map=None) for r in p.redistributions)) for p in node.ospf
        )
        nodes[name] = replace(node, bgp=None, ospf=procs)
    return replace(snapshot, nodes=nodes, bgp_announcements=())


def core_used(snapshot: Snapshot) -> str:
    """Which core compute_dataplane runs on this snapshot under the current VALIDATOR_ENGINE_CORE."""
    if core_mode() == "python":
        return "python"
    if load_core() is None:
        return "python (extension not built)"
    reasons = unsupported_features(snapshot)
    if reasons:
        return f"python (native unsupported: {reasons[0]}{' ...' if len(reasons) > 1 else ''})"
    return "native"


def resolve_snapshot_dir(path: str | Path) -> Path:
    """A gen_network output folder holds the snapshot in ``snapshot/``; accept either."""
    p = Path(path)
    return p / "snapshot" if (p / "snapshot" / "configs").is_dir() else p


def fib_entry_count(dp: DataPlane) -> int:
    return sum(len(fib.entries()) for vrfs in dp.fibs.values() for fib in vrfs.values())


def _peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


# --- sanity: inter-AZ reachability of a generated network ----------------------------------------


def _az_of(name: str) -> str | None:
    head = name.split("-", 1)[0]
    return head if head.startswith("az") and head[2:].isdigit() else None


def host_lans(snapshot: Snapshot) -> dict[str, list[IPv4Network]]:
    """Host subnets per AZ of a gen_network snapshot: each leaf's host-facing GigabitEthernet0/0."""
    out: dict[str, list[IPv4Network]] = {}
    for name in sorted(snapshot.nodes):
        az = _az_of(name)
        iface = snapshot.nodes[name].interfaces.get("GigabitEthernet0/0")
        if az is None or "-leaf" not in name or iface is None or not iface.addresses:
            continue
        out.setdefault(az, []).append(iface.addresses[0].network)
    return out


def inter_az_flows(snapshot: Snapshot) -> Iterator[Flow]:
    """From every host, one TCP/443 flow to the ``.10`` of every host subnet of every other AZ."""
    lans = host_lans(snapshot)
    for name in sorted(snapshot.nodes):
        node = snapshot.nodes[name]
        az = _az_of(name)
        if node.vendor != "host" or az is None:
            continue
        src = next(a.ip for i in node.interfaces.values() for a in i.addresses)
        for other, nets in sorted(lans.items()):
            if other == az:
                continue
            for net in nets:
                yield Flow(name, src, IPv4Address(int(net.network_address) + 10), ip_protocol=6, dst_port=443)


def check_inter_az(dp: DataPlane) -> dict[str, Any]:
    """Trace every inter-AZ host flow; a flow passes when every ECMP branch succeeds."""
    flows = failed = 0
    dispositions: Counter[str] = Counter()
    examples: list[str] = []
    for flow in inter_az_flows(dp.snapshot):
        flows += 1
        traces = trace(dp, flow)
        dispositions.update(t.disposition for t in traces)
        if not traces or not all(t.success for t in traces):
            failed += 1
            if len(examples) < 5:
                examples.append(
                    f"{flow}: {sorted({t.disposition for t in traces})} via {traces[0].path if traces else []}"
                )
    return {"flows": flows, "failed": failed, "dispositions": dict(dispositions), "examples": examples}


# --- the benchmark ----------------------------------------------------------------------------------


def bench(
    path: str | Path,
    runs: int = 3,
    *,
    reachability: bool = False,
    measure_tracemalloc: bool = False,
    profile_out: str | None = None,
    igp_only: bool = False,
) -> BenchResult:
    snap_dir = resolve_snapshot_dir(path)
    t0 = time.perf_counter()
    snapshot = load_snapshot(snap_dir)
    if igp_only:
        snapshot = strip_bgp(snapshot)
    load_s = time.perf_counter() - t0
    times: list[float] = []
    cpu_times: list[float] = []
    dp: DataPlane | None = None
    for _ in range(runs):
        dp = None
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        dp = compute_dataplane(snapshot)
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    assert dp is not None
    peak_rss = _peak_rss_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    routes = len(dp.routes())
    fib_entries = fib_entry_count(dp)
    mat_s, mat_cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_rss_mat = _peak_rss_mib()
    tm_peak: float | None = None
    if measure_tracemalloc:
        # a separate run: tracemalloc slows allocation-heavy code several times over
        dp = None
        gc.collect()
        tracemalloc.start()
        dp = compute_dataplane(snapshot)
        tm_peak = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
        tracemalloc.stop()
    if profile_out:
        prof = cProfile.Profile()
        prof.enable()
        compute_dataplane(snapshot)
        prof.disable()
        prof.dump_stats(profile_out)
    result = BenchResult(
        snapshot=str(snap_dir),
        nodes=len(snapshot.nodes),
        parse_warnings=len(snapshot.warnings),
        load_seconds=load_s,
        runs=times,
        cpu_runs=cpu_times,
        core=core_used(snapshot) + (" [igp-only]" if igp_only else ""),
        routes=routes,
        fib_entries=fib_entries,
        bgp_sessions=dict(Counter(s.status for s in dp.bgp_sessions)),
        converged=getattr(dp, "converged", True),
        peak_rss_mib=peak_rss,
        materialize_seconds=mat_s,
        materialize_cpu_seconds=mat_cpu,
        peak_rss_materialized_mib=peak_rss_mat,
        tracemalloc_peak_mib=tm_peak,
    )
    if reachability:
        t0 = time.perf_counter()
        result.reachability = check_inter_az(dp)
        result.reachability["seconds"] = time.perf_counter() - t0
    return result


def _report(r: BenchResult) -> str:
    lines = [
        f"snapshot          {r.snapshot}",
        f"nodes             {r.nodes} (parse warnings: {r.parse_warnings})",
        f"load              {r.load_seconds:.2f} s",
        f"core              {r.core}",
        f"compute_dataplane median {r.median:.2f} s over {len(r.runs)} run(s) "
        f"(min {min(r.runs):.2f}, max {max(r.runs):.2f}); CPU median {r.cpu_median:.2f} s",
        f"routes            {r.routes}",
        f"FIB entries       {r.fib_entries}",
        f"BGP sessions      {r.bgp_sessions}",
        f"converged         {r.converged}" + ("" if r.converged else "  (BGP round limit hit)"),
        f"peak RSS          {r.peak_rss_mib:.0f} MiB (process, ru_maxrss, before reading the routes)",
        f"read every route  {r.materialize_seconds:.2f} s, CPU {r.materialize_cpu_seconds:.2f} s "
        f"(dp.routes() and every FIB entry; peak RSS then {r.peak_rss_materialized_mib:.0f} MiB)",
    ]
    if r.tracemalloc_peak_mib is not None:
        lines.append(f"tracemalloc peak  {r.tracemalloc_peak_mib:.0f} MiB (one compute_dataplane)")
    if r.reachability:
        rr = r.reachability
        lines.append(
            f"inter-AZ flows    {rr['flows']} traced in {rr['seconds']:.2f} s, {rr['failed']} failed, "
            f"dispositions {rr['dispositions']}"
        )
        lines += [f"  e.g. {e}" for e in rr["examples"]]
    return "\n".join(lines)


# --- Python and native side by side ------------------------------------------------------------------

COMPARE_SIZES = ("tiny", "small", "medium", "large")  # 12 / 42 / 150 / 510 routers


def _run_child(path: str, core: str, runs: int, igp_only: bool) -> dict[str, Any]:
    """One core on one snapshot in a fresh process, so ru_maxrss is that core's own peak."""
    cmd = [sys.executable, str(Path(__file__).resolve()), path, "--core", core, "--runs", str(runs), "--json"]
    if igp_only:
        cmd.append("--igp-only")
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, CORE_ENV: core}, check=False)
    if proc.returncode not in (0, 1) or not proc.stdout.strip():
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def compare(
    sizes: list[str],
    runs: int,
    igp_only: bool,
    keep: str | None = None,
    python_runs: int | None = None,
) -> list[dict[str, Any]]:
    """Per size, one process per core; ``python_runs`` (default ``runs``) lets the slow Python
    figure at 510 routers (~5 min CPU, 2 GB) be measured once while native keeps its median."""
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        for size in sizes:
            out = Path(keep or tmp) / size
            summary = generate(out, **PRESETS[size])
            py = _run_child(summary["snapshot"], "python", python_runs or runs, igp_only)
            nat = _run_child(summary["snapshot"], "native", runs, igp_only)
            row = {
                "size": size,
                "routers": summary["routers"],
                "routes": py["routes"],
                "same_counts": (py["routes"], py["fib_entries"]) == (nat["routes"], nat["fib_entries"]),
                "python": py,
                "native": nat,
                "cpu_ratio": py["median_cpu_seconds"] / max(nat["median_cpu_seconds"], 1e-9),
                "wall_ratio": py["median_seconds"] / max(nat["median_seconds"], 1e-9),
                # native with every route read afterwards (the lazy views built in full)
                "cpu_ratio_materialized": py["median_cpu_seconds"]
                / max(nat["median_cpu_seconds"] + nat["materialize_cpu_seconds"], 1e-9),
            }
            rows.append(row)
            print(_compare_line(row), file=sys.stderr, flush=True)
    return rows


def _compare_header() -> str:
    # "+ read all": the native data plane, then every route and FIB entry read (dp.routes() and
    # fib.entries()), which builds all of its lazy views: CPU s added, peak RSS after it
    return (
        f"{'size':7} {'routers':>7} {'routes':>8} | {'python cpu s':>12} {'RSS MiB':>8} | "
        f"{'native cpu s':>12} {'RSS MiB':>8} | {'ratio':>6} | {'+ read all s':>12} {'RSS MiB':>8} "
        f"{'ratio':>6} | core that ran"
    )


def _compare_line(row: dict[str, Any]) -> str:
    py, nat = row["python"], row["native"]
    flag = "" if row["same_counts"] else "  ROUTE/FIB COUNTS DIFFER"
    runs = f" (python runs {len(py['cpu_runs'])}, native {len(nat['cpu_runs'])})"
    return (
        f"{row['size']:7} {row['routers']:>7} {row['routes']:>8} | {py['median_cpu_seconds']:>12.2f} "
        f"{py['peak_rss_mib']:>8.0f} | {nat['median_cpu_seconds']:>12.2f} {nat['peak_rss_mib']:>8.0f} | "
        f"{row['cpu_ratio']:>5.1f}x | {nat['materialize_cpu_seconds']:>12.2f} "
        f"{nat['peak_rss_materialized_mib']:>8.0f} {row['cpu_ratio_materialized']:>5.1f}x | "
        f"{nat['core']}{flag}{runs}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("snapshot", nargs="?", help="snapshot folder (or gen_network.py output folder)")
    src.add_argument("--preset", choices=sorted(PRESETS), help="generate a network of this size first")
    src.add_argument("--compare", action="store_true", help="Python and native side by side per size")
    parser.add_argument("--sizes", default=",".join(COMPARE_SIZES), help="with --compare: presets, comma-separated")
    parser.add_argument("--core", choices=["python", "native", "auto"], help="set VALIDATOR_ENGINE_CORE")
    parser.add_argument("--igp-only", action="store_true", help="strip BGP first (what the native core covers)")
    parser.add_argument("--keep", help="with --preset: generate into this folder (default: a temporary one)")
    parser.add_argument("--runs", type=int, default=3, help="timed compute_dataplane runs (median reported)")
    parser.add_argument(
        "--python-runs", type=int, help="with --compare: timed runs of the Python core (default --runs; 1 at 510)"
    )
    parser.add_argument("--reachability", action="store_true", help="trace host flows between every AZ pair")
    parser.add_argument("--tracemalloc", action="store_true", help="one extra run under tracemalloc (slow)")
    parser.add_argument("--profile", metavar="OUT.prof", help="one extra run under cProfile; prints the top 25")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if args.runs < 1 or (args.python_runs is not None and args.python_runs < 1):
        parser.error("--runs and --python-runs must be >= 1")
    if args.core:
        os.environ[CORE_ENV] = args.core
    if args.compare:
        sizes = [x.strip() for x in args.sizes.split(",") if x.strip()]
        unknown = [x for x in sizes if x not in PRESETS]
        if unknown:
            parser.error(f"--sizes: unknown preset(s) {unknown}; known: {sorted(PRESETS)}")
        print(_compare_header(), file=sys.stderr)
        rows = compare(sizes, args.runs, args.igp_only, args.keep, args.python_runs)
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            print(_compare_header())
            print("\n".join(_compare_line(r) for r in rows))
        return 0 if all(r["same_counts"] for r in rows) else 1
    tmp: tempfile.TemporaryDirectory[str] | None = None
    if args.preset:
        out = args.keep
        if out is None:
            tmp = tempfile.TemporaryDirectory(prefix="bench-net-")
            out = tmp.name
        summary = generate(out, **PRESETS[args.preset])
        print(
            f"generated preset {args.preset}: {summary['nodes']} nodes ({summary['routers']} routers)", file=sys.stderr
        )
        path = summary["snapshot"]
    else:
        path = args.snapshot
    try:
        result = bench(
            path,
            args.runs,
            reachability=args.reachability,
            measure_tracemalloc=args.tracemalloc,
            profile_out=args.profile,
            igp_only=args.igp_only,
        )
    finally:
        if tmp is not None:
            tmp.cleanup()
    print(json.dumps(result.to_json(), indent=2) if args.json else _report(result))
    if args.profile:
        pstats.Stats(args.profile, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
    return 1 if result.reachability.get("failed") or not result.converged else 0


if __name__ == "__main__":
    sys.exit(main())
