"""Where a big sweep's memory and time go, phase by phase, without running the whole sweep.

    python benchmarks/bench_large_parts.py large [--core python|auto|native] [--scenarios 6] [--sizes]

Runs what ``bench_sweep.py PRESET`` runs before and inside its sweep, one phase at a time, and
prints per phase the CPU seconds, the resident set after it and the peak so far: loading, the base
data plane, the Python incremental state of the base (``base_state``: built by the relevance
closure when the base came from the native core), the pair baselines (the base traces), the
relevance closure (its indexes, then its fixed point), and a few scenarios the closure does not
prune (data plane and re-tracing timed apart). ``--sizes`` adds, after the closure, the memory
held by each part of the base's state, each object counted once, in the order printed (a part
shares what an earlier part holds: ``State.merged`` shares the IGP routes of ``State.igp``).
The sweep's 510-router figures are in ``benchmarks/README.md`` ("510 routers: memory and time").
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sweep import BenchZone

from validator.checks.headerspace import HeaderConstraints
from validator.checks.sweep import (
    SweepStats,
    changed_classes,
    default_scenario_fn,
    enumerate_elements,
    pair_baseline,
    union,
)
from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import base_state, fast_dataplane
from validator.engine.traceroute import release_tracers
from validator.snapshot.folder import load_snapshot


def _status(field: str) -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


class Phases:
    """Prints one line per phase: CPU s, wall s, RSS now and peak (MiB)."""

    def __init__(self) -> None:
        self.c0, self.w0 = time.process_time(), time.perf_counter()

    def mark(self, what: str) -> None:
        c, w = time.process_time(), time.perf_counter()
        print(
            f"  {what:<52} CPU {c - self.c0:8.2f} s  wall {w - self.w0:8.2f} s"
            f"  RSS {_status('VmRSS'):7.0f} MiB  peak {_status('VmHWM'):7.0f} MiB",
            flush=True,
        )
        self.c0, self.w0 = time.process_time(), time.perf_counter()


def deep_size(roots: Iterable[Any], seen: set[int], stop: frozenset[int] = frozenset()) -> tuple[int, int]:
    """Bytes and objects reachable from ``roots`` not in ``seen`` (which grows): exclusive of what
    an earlier call counted. Modules, types and functions are not followed."""
    stack = list(roots)
    size = count = 0
    skip = (type, type(sys), type(deep_size))
    while stack:
        o = stack.pop()
        i = id(o)
        if i in seen or i in stop:
            continue
        seen.add(i)
        if isinstance(o, skip):
            continue
        size += sys.getsizeof(o)
        count += 1
        stack.extend(gc.get_referents(o))
    return size, count


def sizes(base: Any, st: Any) -> None:
    seen: set[int] = set()
    deep_size([base.snapshot], seen)  # the snapshot is not the data plane's: counted first, not shown
    parts: list[tuple[str, Any]] = [
        ("base.ribs (DataPlane route lists)", base.ribs),
        ("base.fibs", base.fibs),
        ("state.igp (IGP main RIBs)", st.igp),
        ("state.igp_fibs", st.igp_fibs),
        ("state.merged (final main RIBs)", st.merged),
        ("state.ctx (OSPF domain, connected routes)", st.ctx),
        ("state.igp_base", st.igp_base),
        ("state.bgp.state.ribs (best, multipath)", st.bgp.state.ribs),
        ("state.bgp.state.main", st.bgp.state.main),
        (
            "state.bgp.state exported / nh_users / bgp_prefixes",
            (st.bgp.state.exported, st.bgp.state.nh_users, st.bgp.state.bgp_prefixes),
        ),
        ("state.bgp.history.values", st.bgp.history.values if st.bgp.history else None),
        ("state.bgp.history.inbox", st.bgp.history.inbox if st.bgp.history else None),
        (
            "state.bgp.history evals / changers",
            (st.bgp.history.evals, st.bgp.history.changers) if st.bgp.history else None,
        ),
        ("state.bgp.history (the rest: compact, memo)", st.bgp.history),
        ("state.bgp.engine", st.bgp.engine),
        ("state sessions first / last + indexes", (st.sessions_first, st.sessions_last, st.index_first, st.index_last)),
        ("state.plan, topology", (st.plan, st.topology, st.topology_first)),
        ("state (the rest: deps, listings, prefix keys)", st),
    ]
    for name, obj in parts:
        b, n = deep_size([obj], seen)
        print(f"    {name:<52} {b / 2**20:9.1f} MiB  {n:10d} objects", flush=True)


def caches(base: Any, st: Any) -> None:
    """What the scenarios left in caches kept on the base: everything the base holds without its
    caches is walked first (not shown), then each cache, exclusive of what came before."""
    from validator.engine.incremental import _ATTR

    seen: set[int] = set()
    fib_caches: list[Any] = []
    fibs = [f for fm in (base.fibs, st.fibs, st.igp_fibs) for vrfs in fm.values() for f in vrfs.values()]
    for f in fibs:  # a Fib's own entries first, its attached caches (interval maps) apart
        extra = {k: v for k, v in f.__dict__.items() if k.startswith("_validator") or k.startswith("__")}
        fib_caches.append(extra)
        seen.update((id(f.__dict__), id(f)))
        deep_size([v for k, v in f.__dict__.items() if k not in extra], seen)
    hist = st.bgp.history
    own = {"_compact", "_memo"}
    state_caches = ("deps", "igp_deps", "listing_keys", "prefix_keys", "edge_memo")
    base_caches = {k: v for k, v in base.__dict__.items() if k.startswith("_validator") and k != _ATTR}
    stop = {id(v) for v in base_caches.values()}
    stop.update(id(getattr(st, n)) for n in state_caches)
    stop.update(id(v) for k, v in hist.__dict__.items() if k in own)
    deep_size([base.snapshot, base.ribs, st, hist], seen, frozenset(stop))
    parts: list[tuple[str, Any]] = [("history " + k, v) for k, v in hist.__dict__.items() if k in own]
    parts += [(f"state.{n}", getattr(st, n)) for n in state_caches]
    parts += [(f"base {k}", v) for k, v in base_caches.items()]
    parts.append(("caches on Fib objects (interval maps)", fib_caches))
    for name, obj in parts:
        b, n = deep_size([obj], seen)
        print(f"    {name:<52} {b / 2**20:9.1f} MiB  {n:10d} objects", flush=True)


def inside(what: str, before: Any, top: int) -> None:
    """What a scenario holds (tracemalloc, since ``before``): its size and the lines holding most."""
    import tracemalloc

    now = tracemalloc.take_snapshot()
    cur, peak = tracemalloc.get_traced_memory()
    print(f"  {what}: {cur / 2**20:.0f} MiB held, peak {peak / 2**20:.0f} MiB (tracemalloc)", flush=True)
    for stat in now.compare_to(before, "lineno")[:top]:
        where = stat.traceback.format()[0].strip()
        print(f"    {stat.size_diff / 2**20:8.2f} MiB {stat.count_diff:9d} blocks  {where}")


def trim() -> bool:
    """glibc's ``malloc_trim(0)``: hand freed heap memory back (False where there is no glibc)."""
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.malloc_trim(0) or True)


def sweep_some(args: argparse.Namespace, base: Any, st: Any, pairs: list[Any], ph: Phases) -> None:
    """A real sweep (``Sweeper.sweep``, k=1, pruning on) over a few chosen elements: what the
    sweep keeps and where its peak is, at a fraction of the whole sweep's cost."""
    import re

    from bench_sweep import trace_scenarios

    from validator.checks.sweep import Sweeper, judge_redundancy

    pats = [re.compile(x) for x in args.sweep.split(",")]
    elements = [e for e in enumerate_elements(base, ["link", "node"]) if any(p.search(e.spec) for p in pats)]
    print(f"  {len(elements)} elements chosen", flush=True)
    if args.top:
        import tracemalloc

        tracemalloc.start(1)
    if args.trim:
        real = Sweeper.evaluate

        def evaluate(self: Sweeper, *a: Any) -> Any:
            try:
                return real(self, *a)
            finally:
                trim()

        setattr(Sweeper, "evaluate", evaluate)  # noqa: B010
    trace_scenarios("-")
    sw = Sweeper(base, default_scenario_fn(None), prune=True)
    found = sw.sweep(pairs, elements, 1, judge_redundancy, label="parts")
    ph.mark(f"sweep: {sw.stats.dataplanes} computed, {sw.stats.pruned} pruned, {len(found)} failing")
    gc.collect()
    ph.mark("gc.collect()")
    if trim():
        ph.mark("malloc_trim(0) (glibc: free heap pages back to the system)")
    if args.top:
        import tracemalloc

        cur, peak = tracemalloc.get_traced_memory()
        print(f"  tracemalloc since the pair baselines: now {cur / 2**20:.0f} MiB, peak {peak / 2**20:.0f} MiB")
        snap1 = tracemalloc.take_snapshot()
        tracemalloc.stop()
        for stat in snap1.statistics("lineno")[: args.top]:
            print(f"    {stat.size / 2**20:8.2f} MiB {stat.count:9d} blocks  {stat.traceback.format()[0].strip()}")
    if args.caches and st is not None:
        caches(base, st)
        ph.mark("caches walked")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("preset", choices=("tiny", "small", "medium", "large"))
    ap.add_argument("--core", choices=("python", "native", "auto"), default="python")
    ap.add_argument("--scenarios", type=int, default=6, help="unpruned scenarios computed and re-traced")
    ap.add_argument("--sizes", action="store_true", help="memory held by each part of the base's state")
    ap.add_argument("--keep", help="generate into (or reuse) this directory")
    ap.add_argument("--profile", help="cProfile the scenarios into this file")
    ap.add_argument("--growth", action="store_true", help="tracemalloc: what the scenarios leave behind (slow)")
    ap.add_argument("--caches", action="store_true", help="after the scenarios: what each cache on the base holds")
    ap.add_argument("--trim", action="store_true", help="with --sweep: malloc_trim(0) after every scenario")
    ap.add_argument("--pick", help="scenarios: the unpruned elements whose spec matches this regular expression")
    ap.add_argument(
        "--inside", type=int, default=0, help="tracemalloc per scenario: the N lines holding most after its parts"
    )
    ap.add_argument(
        "--sweep",
        help="instead of sampled scenarios: a real k=1 sweep (Sweeper, pruning on) over the elements whose"
        " spec matches one of these comma-separated regular expressions, in the sweep's order, RSS per scenario",
    )
    ap.add_argument(
        "--top",
        type=int,
        default=0,
        help="with --sweep: tracemalloc (1 frame) from the pair"
        " baselines on; print the N lines holding the most memory after the sweep",
    )
    args = ap.parse_args()
    os.environ["VALIDATOR_ENGINE_CORE"] = args.core
    os.environ.setdefault("VALIDATOR_WORKERS", "1")  # serial, as bench_sweep.py measures (a fork would double)
    from gen_network import PRESETS, generate

    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-parts-"))
    if not (out / "snapshot").is_dir():
        generate(str(out), **PRESETS[args.preset])
    print(f"== {args.preset} ({out}), core {args.core}", flush=True)
    ph = Phases()
    snap = load_snapshot(str(out / "snapshot"))
    ph.mark("load")
    base = fast_dataplane(snap) if args.core == "python" else compute_dataplane(snap)
    ph.mark("base data plane")
    gc.collect()
    gc.freeze()
    st = base_state(base)
    ph.mark("Python incremental state of the base (base_state)")
    a = BenchZone("az1-hosts", nodes=("/^az1-.*-host$/",))
    b = BenchZone("az2-hosts", nodes=("/^az2-.*-host$/",))
    hc = HeaderConstraints()
    pairs = [pair_baseline(base, a, b, hc), pair_baseline(base, b, a, hc)]
    ph.mark(f"pair baselines ({sum(len(p.results) for p in pairs)} classes)")
    from validator.checks.relevance import _add_footprints
    from validator.engine.dependencies import Closure, closure

    c = closure(base)
    ph.mark("relevance closure: indexes (Closure._prepare)")
    assert isinstance(c, Closure), c
    _add_footprints(c, pairs)
    rel = c.run()
    ph.mark(f"relevance closure: fixed point ({len(rel.nodes)} nodes, {len(rel.interfaces)} interfaces)")
    del c
    gc.collect()
    ph.mark("closure dropped")
    if args.sizes and st is not None:
        sizes(base, st)
        ph.mark("sizes walked")
    if args.sweep:
        sweep_some(args, base, st, pairs, ph)
        return
    elements = enumerate_elements(base, ["link", "node"])
    todo = [e for e in elements if rel.affected_by(union((e,)))]
    print(f"  {len(elements)} elements, {len(todo)} not pruned", flush=True)
    rng = random.Random(7)
    fn = default_scenario_fn(None)
    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    if args.growth:
        import tracemalloc

        tracemalloc.start(6)
        snap0 = tracemalloc.take_snapshot()
    if args.pick:
        import re

        chosen = [e for e in todo if re.search(args.pick, e.spec)]
    else:
        chosen = rng.sample(todo, min(args.scenarios, len(todo)))
    for e in chosen:
        if args.inside:
            import tracemalloc

            tracemalloc.start(1)
            before = tracemalloc.take_snapshot()
        dp = fn(base, union((e,)))
        ph.mark(f"scenario {e.spec[:30]}: data plane")
        if args.inside:
            inside("the data plane alone", before, args.inside)
        stats = SweepStats()
        n = sum(1 for pb in pairs for _ in changed_classes(pb, base, dp, stats))
        ph.mark(f"  re-trace ({n} changed, {stats.retraced} re-traced)")
        if args.inside:
            inside("the data plane and its re-tracing", before, args.inside)
            tracemalloc.stop()
        del dp
        release_tracers(keep=base)
        gc.collect()
        ph.mark("  scenario freed")
    if args.caches and st is not None:
        caches(base, st)
        ph.mark("caches walked")
    if prof is not None:
        prof.disable()
        prof.dump_stats(args.profile)
    if args.growth:
        gc.collect()
        snap1 = tracemalloc.take_snapshot()
        print("  kept by the scenarios (tracemalloc, top 15 by traceback):")
        for stat in snap1.compare_to(snap0, "traceback")[:15]:
            print(f"    {stat.size_diff / 2**20:8.2f} MiB {stat.count_diff:8d} blocks")
            for line in stat.traceback.format()[-6:]:
                print("       ", line)


if __name__ == "__main__":
    main()
