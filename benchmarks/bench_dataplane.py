"""Time the builtin engine's ``compute_dataplane`` on one snapshot, and check the result is sane.

A failure sweep computes one data plane per scenario, so the from-scratch data plane time is the
unit every sweep cost is measured in. The figures this prints (median time, routes, FIB entries,
peak memory) are what benchmarks/README.md records per engine version.

    python benchmarks/bench_dataplane.py SNAPSHOT [--runs 3] [--reachability] [--profile OUT.prof]
    python benchmarks/bench_dataplane.py --preset large [--keep DIR]   # generate, then measure

``SNAPSHOT`` is a snapshot folder, or a gen_network.py output folder (its ``snapshot/`` is used).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_network import PRESETS, generate

from validator.engine.dataplane import compute_dataplane
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
    routes: int
    fib_entries: int
    bgp_sessions: dict[str, int]
    converged: bool
    peak_rss_mib: float
    tracemalloc_peak_mib: float | None = None
    reachability: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "median_seconds": self.median}


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
) -> BenchResult:
    snap_dir = resolve_snapshot_dir(path)
    t0 = time.perf_counter()
    snapshot = load_snapshot(snap_dir)
    load_s = time.perf_counter() - t0
    times: list[float] = []
    dp: DataPlane | None = None
    for _ in range(runs):
        dp = None
        gc.collect()
        t0 = time.perf_counter()
        dp = compute_dataplane(snapshot)
        times.append(time.perf_counter() - t0)
    assert dp is not None
    peak_rss = _peak_rss_mib()
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
        routes=len(dp.routes()),
        fib_entries=fib_entry_count(dp),
        bgp_sessions=dict(Counter(s.status for s in dp.bgp_sessions)),
        converged=getattr(dp, "converged", True),
        peak_rss_mib=peak_rss,
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
        f"compute_dataplane median {r.median:.2f} s over {len(r.runs)} run(s) "
        f"(min {min(r.runs):.2f}, max {max(r.runs):.2f})",
        f"routes            {r.routes}",
        f"FIB entries       {r.fib_entries}",
        f"BGP sessions      {r.bgp_sessions}",
        f"converged         {r.converged}" + ("" if r.converged else "  (BGP round limit hit)"),
        f"peak RSS          {r.peak_rss_mib:.0f} MiB (process, ru_maxrss)",
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("snapshot", nargs="?", help="snapshot folder (or gen_network.py output folder)")
    src.add_argument("--preset", choices=sorted(PRESETS), help="generate a network of this size first")
    parser.add_argument("--keep", help="with --preset: generate into this folder (default: a temporary one)")
    parser.add_argument("--runs", type=int, default=3, help="timed compute_dataplane runs (median reported)")
    parser.add_argument("--reachability", action="store_true", help="trace host flows between every AZ pair")
    parser.add_argument("--tracemalloc", action="store_true", help="one extra run under tracemalloc (slow)")
    parser.add_argument("--profile", metavar="OUT.prof", help="one extra run under cProfile; prints the top 25")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be >= 1")
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
