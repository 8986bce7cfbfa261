"""Footprints of every base class group of a generated network, this tree's ``checks/footprint.py``
against the one of an older revision, in one process (a ratio, not a timing):

    python benchmarks/bench_footprint.py [--preset small|medium] [--rev REV]

Both ``footprint`` (one class, as ``pair_baseline`` calls it) and ``footprint_of_classes`` (a group,
as the settled groups of a k >= 2 sweep call it) are run 7 times each, interleaved, with the
cyclic collector off; results are asserted equal field by field before timing.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_sweep import BenchZone
from gen_network import PRESETS, generate

from validator.checks import footprint as new
from validator.checks.headerspace import HeaderConstraints
from validator.checks.sweep import pair_baseline
from validator.engine.incremental import fast_dataplane
from validator.snapshot.folder import load_snapshot


def old_module(rev: str) -> ModuleType:
    root = Path(__file__).resolve().parents[1]
    text = subprocess.run(
        ["git", "-C", str(root), "show", f"{rev}:validator/checks/footprint.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "footprint_old.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location("footprint_old", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["footprint_old"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="small", choices=sorted(PRESETS))
    ap.add_argument("--rev", default="HEAD~1", help="the revision whose footprint.py is compared (default HEAD~1)")
    args = ap.parse_args()
    old = old_module(args.rev)
    out = tempfile.mkdtemp(prefix="bench-footprint-")
    generate(out, **PRESETS[args.preset])
    base = fast_dataplane(load_snapshot(out + "/snapshot"))
    a, b = BenchZone("a", nodes=("/^az1-.*-host$/",)), BenchZone("b", nodes=("/^az2-.*-host$/",))
    pbs = [pair_baseline(base, a, b, HeaderConstraints()), pair_baseline(base, b, a, HeaderConstraints())]
    groups = [rs for pb in pbs for rs in pb.groups.values()]
    print(f"{args.preset}: {len(groups)} groups, {sum(len(g) for g in groups)} classes; old = {args.rev}")

    def one(mod: Any) -> list[Any]:
        memo: dict[int, Any] = {}
        return [mod.merge(mod.footprint(r.traces[0], r.flow.dst_ip, r.members, memo) for r in rs) for rs in groups]

    def grouped(mod: Any) -> list[Any]:
        memo: dict[int, Any] = {}
        return [mod.footprint_of_classes(((r.traces[0], r.flow.dst_ip, r.members) for r in rs), memo) for rs in groups]

    def fields(fps: list[Any]) -> list[tuple[Any, ...]]:
        return [tuple(getattr(f, n) for n in f.__dataclass_fields__) for f in fps]

    assert fields(one(old)) == fields(one(new)) and fields(grouped(old)) == fields(grouped(new))
    gc.disable()
    times: dict[str, list[float]] = {
        k: [] for k in ("footprint old", "footprint new", "of_classes old", "of_classes new")
    }
    for _ in range(7):
        for name, fn, mod in (
            ("footprint old", one, old),
            ("footprint new", one, new),
            ("of_classes old", grouped, old),
            ("of_classes new", grouped, new),
        ):
            c0 = time.process_time()
            fn(mod)
            times[name].append(time.process_time() - c0)
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        print(f"  {k:<16} median CPU s {v:.4f}")
    print(
        f"  ratio new / old: footprint {med['footprint new'] / med['footprint old']:.3f}, "
        f"footprint_of_classes {med['of_classes new'] / med['of_classes old']:.3f}"
    )


if __name__ == "__main__":
    main()
