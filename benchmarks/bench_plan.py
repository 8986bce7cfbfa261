"""Rollout search: intermediate states checked and seconds, on a generated network.

A change touches ``--devices`` leaves (leaf 1 of every pod, AZ by AZ, then leaf 2): a traffic-neutral inbound ACL on
each leaf's first spine uplink. No subset of those interfaces cuts anything, so the blast radius
proposes one wave; the rollout search then checks every partial state of that wave (any subset of
its devices may have landed while it is pushed: 2^d - 2 states for d devices), each with every
policy of the generated network (reachability, the k=1 redundancy sweep, hygiene).

    python benchmarks/bench_plan.py [--preset small] [--devices 3] [--keep DIR]

Prints one line per phase and a final ``bench_plan:`` line (routers, units, waves, states, seconds).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

NEUTRAL = "ip access-list extended NEUTRAL\n permit ip any any\n!\nend\n"


def make_change(snapshot: Path, head: Path, devices: int, pods: int, azs: int) -> list[str]:
    """Copy ``snapshot`` to ``head`` and add the neutral ACL on ``devices`` leaves."""
    shutil.copytree(snapshot, head)
    leaves = [f"az{a}-p{p}-leaf{lf}" for lf in (1, 2) for a in range(1, azs + 1) for p in range(1, pods + 1)]
    names = leaves[:devices]
    for name in names:
        cfg = head / "configs" / f"{name}.cfg"
        text = cfg.read_text()
        text = text.replace(
            "interface GigabitEthernet1/1\n", "interface GigabitEthernet1/1\n ip access-group NEUTRAL in\n", 1
        )
        cfg.write_text(text.replace("!\nend\n", "!\n" + NEUTRAL))
    return names


def main() -> int:
    from gen_network import PRESETS, generate

    from validator.api import prepare
    from validator.backends import get_backend
    from validator.checks.blast import plan_for
    from validator.checks.rollout import search_order
    from validator.inputs import resolve_folder_inputs

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="small", choices=sorted(PRESETS))
    ap.add_argument("--devices", type=int, default=3, help="leaves the change touches (default 3)")
    ap.add_argument("--keep", metavar="DIR", help="write the network here and keep it")
    args = ap.parse_args()
    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-plan-"))
    prm = PRESETS[args.preset]
    summary = generate(str(out), **prm)
    head = out / "head"
    if head.exists():
        shutil.rmtree(head)
    touched = make_change(out / "snapshot", head, args.devices, prm["pods"], prm["azs"])
    print(f"== {args.preset}: {summary['routers']} routers; change on {', '.join(touched)}", flush=True)

    start = time.monotonic()
    inputs = resolve_folder_inputs(head, out / "snapshot", summary["policies"], None)
    backend = get_backend("builtin")
    ctx, _verdict = prepare(inputs, backend)
    prepared = time.monotonic() - start
    print(f"base and head data planes: {prepared:.1f} s", flush=True)

    t0 = time.monotonic()
    plan, units = plan_for(ctx, None)
    waves_s = time.monotonic() - t0
    print(f"waves (failure analysis): {len(plan.waves)} from {len(units)} units in {waves_s:.1f} s", flush=True)
    result = search_order(ctx, plan.waves, {u.name: u for u in units})
    print(
        f"bench_plan: preset={args.preset} routers={summary['routers']} devices={len(touched)} units={len(units)} "
        f"waves={len(result.waves)} states_checked={result.states} search_seconds={result.seconds:.1f} "
        f"seconds_per_state={result.seconds / max(result.states, 1):.2f} safe={result.safe} ordered={result.ordered}"
    )
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
