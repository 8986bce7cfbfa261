"""Failure sweeps: incremental scenarios against from-scratch recomputation, side by side.

One command per network, figures as ratios (the machine is shared, so CPU seconds of this process
are printed next to wall seconds, and the sweep runs serially unless ``--workers`` says otherwise):

    python benchmarks/bench_sweep.py live|tiny|small|medium|large [--k K] [--sample N] [--workers W]

prints the base data plane's seconds, the k-failure redundancy sweep's seconds and their ratio,
scenarios enumerated / data planes computed / pruned (proven safe without a data plane) / reused
(an equivalent scenario computed once), per-scenario from-scratch recompute seconds for a sample
of scenarios against the incremental engine on the same sample (their ratio), and peak RSS.
``live`` is the Batfish example (k=2 link failures by default), the others gen_network presets
(k=1 link and node failures). The older, longer forms below still work:

For one network this times (i) the no-failure data plane, (ii) a redundancy sweep with the
incremental engine (``validator.engine.incremental.scenario_dataplane`` plus the sweep's own
footprint reuse), and (iii) the same sweep recomputing every scenario from scratch the way
Batfish does (one ``compute_dataplane`` per scenario, every header class re-traced), then prints
the ratio, the peak memory, and whether both found the same minimal failing sets.

    python benchmarks/bench_sweep.py live --full [--example DIR] [--k 2]
    python benchmarks/bench_sweep.py generated [--preset large] [--k 1] [--scratch-sample 20] [--keep DIR]

``live``: the Batfish example, redundancy between the outside (nodes /^as1/, /^as3/) and the hosts
(/host/) both ways, every single and double link failure; the from-scratch sweep runs in full and
the findings are compared. ``generated``: a gen_network.py network, redundancy between the hosts
of AZ 1 and AZ 2 both ways, every single link and node failure. From scratch at that size takes
minutes per scenario, so only ``--scratch-sample`` random scenarios are timed and the total is
extrapolated (printed as such).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import validator.checks.sweep as sweep_mod
from validator.checks.headerspace import HeaderConstraints
from validator.checks.sweep import (
    Element,
    PairBaseline,
    Sweeper,
    Violation,
    enumerate_elements,
    from_scratch,
    judge_redundancy,
    pair_baseline,
    union,
)
from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import base_state, fast_dataplane, scenario_with_stats
from validator.engine.types import DataPlane, FailureSet
from validator.snapshot.folder import load_snapshot

EXAMPLE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "batfish-example" / "live"


@dataclass(frozen=True)
class BenchZone:
    name: str
    nodes: tuple[str, ...] = ()
    interfaces: tuple[Any, ...] = ()
    prefixes: tuple[IPv4Network, ...] = ()


@dataclass
class Run:
    label: str
    seconds: float = 0.0
    scenarios: int = 0
    dataplanes: int = 0
    reused: int = 0
    retraced: int = 0
    violations: list[Violation] = field(default_factory=list)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class GcClock:
    """Time the cyclic collector spends, by generation (``gc.callbacks``): at 510 routers a full
    collection scans millions of objects, so it is part of what a sweep costs."""

    def __init__(self) -> None:
        self.count = [0, 0, 0]
        self.seconds = [0.0, 0.0, 0.0]
        self._t = 0.0
        gc.callbacks.append(self._cb)

    def _cb(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t = time.perf_counter()
        else:
            g = info.get("generation", 2)
            self.count[g] += 1
            self.seconds[g] += time.perf_counter() - self._t

    def line(self) -> str:
        return ", ".join(f"gen{g} {self.count[g]} x {self.seconds[g]:.2f} s" for g in range(3))


def hwm_mib() -> float:
    """The resident set's high-water mark so far (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def trace_scenarios(path: str) -> None:
    """Log one line per computed scenario to ``path`` (serial sweeps): its index, spec, CPU seconds,
    RSS before / after and the high-water mark after it, so the scenario that lifts the peak shows.
    The first line holds the column names."""
    real = Sweeper.evaluate
    fh = sys.stdout if path == "-" else open(path, "w", buffering=1)  # noqa: SIM115 - open for the whole run
    fh.write("n\tspec\tcpu_s\trss_before\trss_after\thwm_after\n")
    count = [0]

    def evaluate(self: Sweeper, pairs: Any, combo: Any, candidates: Any, judge: Any) -> Any:
        r0, c0 = rss_mib(), cpu()
        try:
            return real(self, pairs, combo, candidates, judge)
        finally:
            count[0] += 1
            spec = "+".join(e.spec for e in combo)
            fh.write(f"{count[0]}\t{spec}\t{cpu() - c0:.2f}\t{r0:.0f}\t{rss_mib():.0f}\t{hwm_mib():.0f}\n")
            fh.flush()

    setattr(Sweeper, "evaluate", evaluate)  # noqa: B010


def rss_mib() -> float:
    """The resident set now (Linux; 0 elsewhere): what the phase before it left behind."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def say(text: str) -> None:
    print(text, flush=True)


def run_sweep(
    label: str,
    base: DataPlane,
    fn: Callable[[DataPlane, FailureSet], DataPlane],
    pairs: Sequence[PairBaseline],
    elements: Sequence[Element],
    k: int,
    footprints: bool,
) -> Run:
    """One redundancy sweep; ``footprints=False`` re-traces every class (no flow-level reuse)."""
    saved = getattr(sweep_mod, "unchanged")  # noqa: B009 - the sweep's footprint test, switched off below
    if not footprints:
        setattr(sweep_mod, "unchanged", lambda fp, b, s: False)  # noqa: B010
    try:
        sw = Sweeper(base, fn)
        t = time.perf_counter()
        found = sw.sweep(pairs, elements, k, judge_redundancy, label=label)
        seconds = time.perf_counter() - t
    finally:
        setattr(sweep_mod, "unchanged", saved)  # noqa: B010
    st = sw.stats
    return Run(label, seconds, st.scenarios, st.dataplanes, st.reused, st.retraced, found)


def findings_key(vs: Sequence[Violation]) -> set[tuple[Any, ...]]:
    return {(v.pair.label, tuple(e.spec for e in v.elements), v.kind, v.count, str(v.result.flow)) for v in vs}


def report(run: Run) -> None:
    say(
        f"  {run.label:<28} {run.seconds:9.2f} s  scenarios {run.scenarios:5d}  data planes {run.dataplanes:5d}"
        f"  classes reused {run.reused:7d} re-traced {run.retraced:7d}  minimal failing sets {len(run.violations)}"
    )


def incremental_profile(base: DataPlane, combos: Sequence[tuple[Element, ...]]) -> None:
    """How each scenario was computed (which reuse rule applied), over the sweep's scenarios."""
    kinds: dict[str, int] = {}
    t = time.perf_counter()
    for combo in combos:
        _dp, stats = scenario_with_stats(base, union(combo))
        key = "from scratch (fallback)" if stats is None else f"igp {stats.igp}, bgp {stats.bgp}"
        kinds[key] = kinds.get(key, 0) + 1
    dt = time.perf_counter() - t
    say(f"  data planes alone: {len(combos)} scenarios in {dt:.2f} s ({1000 * dt / max(len(combos), 1):.1f} ms each)")
    for k, v in sorted(kinds.items()):
        say(f"    {v:5d} x {k}")


def bench_live(args: argparse.Namespace) -> None:
    say(f"== Batfish example live ({args.example}), redundancy outside <-> hosts, k={args.k} link failures")
    snap = load_snapshot(str(args.example))
    t = time.perf_counter()
    base = compute_dataplane(snap)
    t_dp = time.perf_counter() - t
    t = time.perf_counter()
    fast_dataplane(snap)
    t_fast = time.perf_counter() - t
    say(f"  data plane: compute_dataplane {t_dp:.3f} s, incremental engine from scratch {t_fast:.3f} s")
    outside = BenchZone("outside", nodes=("/^as1/", "/^as3/"))
    hosts = BenchZone("hosts", nodes=("/host/",))
    hc = HeaderConstraints()
    pairs = [pair_baseline(base, outside, hosts, hc), pair_baseline(base, hosts, outside, hc)]
    elements = enumerate_elements(base, ["link"])
    combos = [c for n in range(1, args.k + 1) for c in itertools.combinations(elements, n)]
    say(f"  {len(elements)} links, {len(combos)} scenarios, {sum(len(p.results) for p in pairs)} header classes")
    t = time.perf_counter()
    base_state(base)
    say(f"  incremental state of the base: {time.perf_counter() - t:.3f} s")
    inc = run_sweep("incremental sweep", base, sweep_mod.default_scenario_fn(None), pairs, elements, args.k, True)
    report(inc)
    scratch = run_sweep("from scratch sweep", base, from_scratch(compute_dataplane), pairs, elements, args.k, False)
    report(scratch)
    say(f"  ratio from scratch / incremental: {scratch.seconds / inc.seconds:.1f}x")
    same = findings_key(inc.violations) == findings_key(scratch.violations)
    say(f"  findings equal on all {len(combos)} scenarios: {same}")
    incremental_profile(base, combos)
    say(f"  peak memory (RSS): {peak_mib():.0f} MiB")
    if not same:
        raise SystemExit(1)


def bench_generated(args: argparse.Namespace) -> None:
    from gen_network import PRESETS, generate

    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    summary = generate(str(out), **PRESETS[args.preset])
    say(f"== generated network '{args.preset}' ({summary['routers']} routers, {summary['links']} links) in {out}")
    t = time.perf_counter()
    snap = load_snapshot(str(out / "snapshot"))
    say(f"  load: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    base = fast_dataplane(snap)
    t_fast = time.perf_counter() - t
    routes = sum(len(rs) for vrfs in base.ribs.values() for rs in vrfs.values())
    say(f"  data plane (incremental engine, from scratch): {t_fast:.2f} s, {routes} routes, converged {base.converged}")
    if args.reference_dataplane:
        t = time.perf_counter()
        compute_dataplane(snap)
        say(f"  data plane (compute_dataplane): {time.perf_counter() - t:.2f} s")
    gc.collect()
    gc.freeze()  # the base lives for the whole sweep: keep the collector off its objects
    a = BenchZone("az1-hosts", nodes=("/^az1-.*-host$/",))
    b = BenchZone("az2-hosts", nodes=("/^az2-.*-host$/",))
    hc = HeaderConstraints()
    t = time.perf_counter()
    pairs = [pair_baseline(base, a, b, hc), pair_baseline(base, b, a, hc)]
    say(f"  pair baselines: {time.perf_counter() - t:.2f} s, {sum(len(p.results) for p in pairs)} header classes")
    elements = enumerate_elements(base, ["link", "node"])
    combos = [c for n in range(1, args.k + 1) for c in itertools.combinations(elements, n)]
    say(f"  {len(elements)} elements (links and nodes), {len(combos)} scenarios (k={args.k})")
    inc = run_sweep("incremental sweep", base, sweep_mod.default_scenario_fn(None), pairs, elements, args.k, True)
    report(inc)
    say(f"  peak memory (RSS) after the incremental sweep: {peak_mib():.0f} MiB")
    if args.scratch_sample:
        rng = random.Random(7)
        sample = rng.sample(combos, min(args.scratch_sample, len(combos)))
        t = time.perf_counter()
        for combo in sample:
            fast_dataplane(snap, union(combo)) if args.scratch_engine == "fast" else compute_dataplane(
                snap, union(combo)
            )
        per = (time.perf_counter() - t) / len(sample)
        total = per * inc.dataplanes
        say(
            f"  from scratch ({args.scratch_engine} engine), sampled: {len(sample)} scenarios, {per:.2f} s each;"
            f" EXTRAPOLATED to the sweep's {inc.dataplanes} data planes: {total:.0f} s (data planes only,"
            f" no tracing)"
        )
        say(f"  ratio from scratch (extrapolated) / incremental sweep: {total / inc.seconds:.1f}x")
    incremental_profile(base, combos[: args.profile_scenarios])
    say(f"  peak memory (RSS): {peak_mib():.0f} MiB")


def cpu() -> float:
    return time.process_time()


def summary_line(name: str, value: str) -> None:
    say(f"  {name:<58} {value}")


def bench_preset(args: argparse.Namespace) -> None:
    """The one-command benchmark: base, sweep, ratio, counts, sampled recompute ratio, peak RSS."""
    if args.workers is not None:
        os.environ["VALIDATOR_WORKERS"] = str(args.workers)
    os.environ["VALIDATOR_ENGINE_CORE"] = args.core
    if args.gc == "cli":
        from validator.cli import _tune_gc

        _tune_gc()  # the collector's thresholds of the ``validator`` command (base and sweep alike)
    summary_line("cyclic collector thresholds", f"{gc.get_threshold()} ({args.gc})")
    if args.which == "live":
        say(f"== live: Batfish example ({args.example}), k={args.k} link failures, outside <-> hosts both ways")
        snap = load_snapshot(str(args.example))
        kinds = ["link"]
        a: BenchZone = BenchZone("outside", nodes=("/^as1/", "/^as3/"))
        b: BenchZone = BenchZone("hosts", nodes=("/host/",))
    else:
        from gen_network import PRESETS, generate

        out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-sweep-"))
        summary = generate(str(out), **PRESETS[args.which])
        say(
            f"== {args.which}: generated, {summary['routers']} routers, {summary['links']} links, k={args.k}"
            f" link and node failures, AZ1 hosts <-> AZ2 hosts both ways ({out})"
        )
        snap = load_snapshot(str(out / "snapshot"))
        kinds = ["link", "node"]
        a = BenchZone("az1-hosts", nodes=("/^az1-.*-host$/",))
        b = BenchZone("az2-hosts", nodes=("/^az2-.*-host$/",))
    clock = GcClock()
    w0, c0 = time.perf_counter(), cpu()
    # the Python core's base is the incremental engine's own (its state attached for the sweep);
    # otherwise compute_dataplane, which takes the native core where the feature check allows
    base = fast_dataplane(snap) if args.core == "python" else compute_dataplane(snap)
    base_wall, base_cpu = time.perf_counter() - w0, cpu() - c0
    routes = route_count(base)
    summary_line(
        f"base data plane (s, wall / CPU; {base_core(base)} core)",
        f"{base_wall:.3f} / {base_cpu:.3f}  ({routes} routes)",
    )
    gc.collect()
    gc.freeze()
    summary_line("RSS after the base (MiB)", f"{rss_mib():.0f}")
    hc = HeaderConstraints()
    w0, c0 = time.perf_counter(), cpu()
    pairs = [pair_baseline(base, a, b, hc), pair_baseline(base, b, a, hc)]
    summary_line("pair baselines (s, wall / CPU)", f"{time.perf_counter() - w0:.3f} / {cpu() - c0:.3f}")
    summary_line("RSS after the pair baselines (MiB)", f"{rss_mib():.0f}")
    elements = enumerate_elements(base, kinds)
    combos = [c for n in range(1, args.k + 1) for c in itertools.combinations(elements, n)]
    summary_line("elements / scenarios", f"{len(elements)} / {len(combos)}")
    sweep_cpu = None
    if not args.no_sweep:
        sweep_cpu = sweep_summary(args, base, base_wall, base_cpu, pairs, elements)
    sample_summary(args, snap, base, combos)
    summary_line("peak RSS (MiB)", f"{peak_mib():.0f}")
    summary_line("cyclic GC, whole run (collections x wall s)", clock.line())
    if sweep_cpu is not None and args.core != "python" and not args.no_python_base:
        # after the peak RSS above: the Python base adds its own memory (2 GB at 510 routers)
        os.environ["VALIDATOR_ENGINE_CORE"] = "python"
        c0 = cpu()
        fast_dataplane(snap)
        py_cpu = cpu() - c0
        summary_line("Python base data plane (CPU s)", f"{py_cpu:.3f}")
        summary_line("ratio sweep CPU / Python base CPU", f"{sweep_cpu / py_cpu:.2f}x")


def route_count(dp: DataPlane) -> int:
    """Routes of a data plane; a native one's are counted in the core (reading them would build
    every route as a Python object: over a GB at 510 routers, which the sweep itself never needs)."""
    from validator.engine.native import native_tables

    tables = native_tables(dp)
    if tables is None:
        return sum(len(rs) for vrfs in dp.ribs.values() for rs in vrfs.values())
    return sum(tables.route_count(n, v) for n, vids in enumerate(tables.vrfs()) for v in range(len(vids)))


def base_core(base: DataPlane) -> str:
    from validator.engine.native_views import NativeFib

    fib = next((f for vrfs in base.fibs.values() for f in vrfs.values()), None)
    return "native" if isinstance(fib, NativeFib) else "python"


def sweep_summary(
    args: argparse.Namespace,
    base: DataPlane,
    base_wall: float,
    base_cpu: float,
    pairs: Sequence[PairBaseline],
    elements: Sequence[Element],
) -> float:
    from validator.checks.relevance import enabled
    from validator.engine.native_scenario import native_state, prefers_python_delta

    sw = Sweeper(base, sweep_mod.default_scenario_fn(None), prune=enabled())
    if getattr(args, "rss_trace", None):
        trace_scenarios(args.rss_trace)
    tracing = [0.0]
    planes = [0.0]  # with --tracing-cpu: the scenario data planes' CPU seconds too
    if getattr(args, "tracing_cpu", False):
        time_tracing_side(tracing)
        sw.scenario_fn = timed_scenarios(sw.scenario_fn, planes)
    w0, c0 = time.perf_counter(), cpu()
    children0 = children_cpu()
    try:
        found = sw.sweep(pairs, elements, args.k, judge_redundancy, label="bench")
    finally:
        untime_tracing_side()
    sweep_wall, sweep_cpu = time.perf_counter() - w0, cpu() - c0
    sweep_children = children_cpu() - children0
    st = sw.stats
    workers = os.environ.get("VALIDATOR_WORKERS", "auto")
    nat = native_state(base)
    if nat is None:
        scen_core = "python (incremental engine)"
    elif prefers_python_delta(base):
        scen_core = f"python delta (auto: the base carries its state; {nat.computed} native in this process)"
    else:
        scen_core = f"native ({nat.computed} in this process, {nat.shared_fibs} FIBs shared with the base)"
    summary_line("scenarios computed by", scen_core)
    summary_line(f"sweep (s, wall / CPU of this process; workers {workers})", f"{sweep_wall:.3f} / {sweep_cpu:.3f}")
    if sweep_children:
        summary_line("sweep CPU of worker processes (s)", f"{sweep_children:.3f}")
    total_cpu = sweep_cpu + sweep_children
    summary_line(
        f"ratio sweep / base of the same core (wall; CPU{' incl. workers' if sweep_children else ''})",
        f"{sweep_wall / base_wall:.1f}x; {total_cpu / base_cpu:.1f}x",
    )
    pruned = st.pruned
    reused_sc = st.equivalent
    if sw.relevance_reason:
        summary_line("pruning off", sw.relevance_reason)
    summary_line(
        "scenarios / data planes / pruned / reused",
        f"{st.scenarios} / {st.dataplanes} / {pruned} / {reused_sc}  ({len(found)} minimal failing sets)",
    )
    summary_line("header classes reused / re-traced", f"{st.reused} / {st.retraced}")
    summary_line("RSS after the sweep (MiB)", f"{rss_mib():.0f}")
    if planes[0]:
        summary_line("scenario data planes alone (CPU s)", f"{planes[0]:.3f}")
    if tracing[0]:
        summary_line("tracing side alone (CPU s: changed_classes and settled groups)", f"{tracing[0]:.3f}")
    if st.donated:
        summary_line("scenario traces lent by single failures", f"{st.donated}")
    if st.settled:
        summary_line("header classes settled by single failures (not traced)", f"{st.settled}")
    return total_cpu


_SAVED: dict[str, Any] = {}


def timed_scenarios(fn: Callable[[DataPlane, FailureSet], DataPlane], acc: list[float]) -> Any:
    """``fn`` adding the CPU seconds of each scenario data plane to ``acc[0]`` (serial sweeps: a
    worker's seconds are its own), keeping the attributes the sweep reads (``prepare``)."""

    def timed(base: DataPlane, failures: FailureSet) -> DataPlane:
        t = cpu()
        try:
            return fn(base, failures)
        finally:
            acc[0] += cpu() - t

    timed.__dict__.update(getattr(fn, "__dict__", {}))
    return timed


def time_tracing_side(acc: list[float]) -> None:
    """Add the CPU seconds spent inside ``changed_classes`` (each step of its iterator) and in
    recording settled groups to ``acc[0]``: the tracing side of a serial sweep, without a profiler."""
    real_cc = sweep_mod.changed_classes
    real_settle = getattr(sweep_mod, "_settle", None)  # (not on commits before the settled groups)
    _SAVED.update(changed_classes=real_cc)

    def changed(*a: Any, **kw: Any) -> Any:
        it = real_cc(*a, **kw)
        while True:
            t = cpu()
            try:
                r = next(it)
            except StopIteration:
                acc[0] += cpu() - t
                return
            acc[0] += cpu() - t
            yield r

    def settle(*a: Any, **kw: Any) -> None:
        assert real_settle is not None
        t = cpu()
        try:
            real_settle(*a, **kw)
        finally:
            acc[0] += cpu() - t

    setattr(sweep_mod, "changed_classes", changed)  # noqa: B010
    if real_settle is not None:
        _SAVED["_settle"] = real_settle
        setattr(sweep_mod, "_settle", settle)  # noqa: B010


def untime_tracing_side() -> None:
    for name, fn in _SAVED.items():
        setattr(sweep_mod, name, fn)
    _SAVED.clear()


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def sample_summary(args: argparse.Namespace, snap: Any, base: DataPlane, combos: Sequence[tuple[Element, ...]]) -> None:
    rng = random.Random(7)
    sample = rng.sample(combos, min(args.sample, len(combos))) if args.sample else []
    if sample:
        python = args.core == "python"
        ref = compute_dataplane if args.recompute == "reference" or not python else fast_dataplane
        c0 = cpu()
        for combo in sample:
            ref(snap, union(combo))
        rec = (cpu() - c0) / len(sample)
        fn = sweep_mod.default_scenario_fn(None)
        c0 = cpu()
        for combo in sample:
            fn(base, union(combo))
        inc = (cpu() - c0) / len(sample)
        what = args.recompute if python else f"{args.core} core from scratch"
        summary_line(
            f"per scenario, {len(sample)} sampled (CPU s): recompute ({what}) / incremental",
            f"{rec:.4f} / {inc:.4f}  ratio {rec / inc:.1f}x",
        )


PRESET_NAMES = ("tiny", "small", "medium", "large")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and (argv[0] in PRESET_NAMES or (argv[0] == "live" and "--full" not in argv)):
        ap.add_argument("which", choices=("live", *PRESET_NAMES))
        ap.add_argument("--example", type=Path, default=EXAMPLE)
        ap.add_argument("--k", type=int, default=None)
        ap.add_argument("--sample", type=int, default=10, help="scenarios timed both ways (0: none)")
        ap.add_argument("--recompute", choices=["reference", "fast"], default="fast")
        ap.add_argument("--workers", type=int, default=1, help="sweep workers (default 1: serial)")
        ap.add_argument("--keep", help="write the generated network here")
        ap.add_argument("--no-sweep", action="store_true", help="only the base and the sampled scenarios")
        ap.add_argument(
            "--core",
            choices=("python", "native", "auto"),
            default="python",
            help="VALIDATOR_ENGINE_CORE for the base and the scenarios (default python: the figures above)",
        )
        ap.add_argument(
            "--no-python-base", action="store_true", help="skip timing the Python base (the ratio against it)"
        )
        ap.add_argument(
            "--gc",
            choices=("cli", "default"),
            default="default",
            help="cyclic collector thresholds: CPython's (default; the figures of benchmarks/README.md) "
            "or the validator command's (cli._tune_gc: the base data plane halves, a 510-router sweep "
            "stops paying for full collections of its growing caches)",
        )
        ap.add_argument(
            "--rss-trace", help="log CPU, RSS and its high-water mark per computed scenario to this file (-: stdout)"
        )
        ap.add_argument(
            "--tracing-cpu", action="store_true", help="also time the tracing side alone (serial sweeps only)"
        )
        args = ap.parse_args(argv)
        if args.k is None:
            args.k = 2 if args.which == "live" else 1
        bench_preset(args)
        return
    if "--full" in argv:
        argv.remove("--full")
    sub = ap.add_subparsers(dest="which", required=True)
    live = sub.add_parser("live")
    live.add_argument("--example", type=Path, default=EXAMPLE)
    live.add_argument("--k", type=int, default=2)
    gen = sub.add_parser("generated")
    gen.add_argument("--preset", default="large")
    gen.add_argument("--k", type=int, default=1)
    gen.add_argument("--scratch-sample", type=int, default=3)
    gen.add_argument("--scratch-engine", choices=["reference", "fast"], default="fast")
    gen.add_argument("--reference-dataplane", action="store_true", help="also time compute_dataplane (slow)")
    gen.add_argument("--profile-scenarios", type=int, default=200)
    gen.add_argument("--keep", help="write the generated network here")
    args = ap.parse_args(argv)
    if args.which == "live":
        bench_live(args)
    else:
        bench_generated(args)


if __name__ == "__main__":
    main()
