"""What-if with and without relevance pruning, side by side (``VALIDATOR_PRUNE``), in one run.

    python benchmarks/bench_whatif_prune.py [PRESET] [--drain NODE ...]

On a gen_network.py network (default ``small``, 42 routers), one protected pair (AZ1 hosts to
AZ2 hosts, k=1 over links and nodes), serial: for each drained node, the CPU seconds of
``checks.whatif.what_if`` with pruning and without, their ratio, the scenarios pruned of those
enumerated, and whether the two answers are equal (they must be). CPU seconds of this process,
since the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

POLICY = b"""
version: 1
zones:
  az1-hosts: {nodes: ["/^az1-.*-host$/"]}
  az2-hosts: {nodes: ["/^az2-.*-host$/"]}
policies:
  - {name: inter-az, type: redundancy, between: [[az1-hosts, az2-hosts]], max_failures: 1, elements: [link, node]}
"""


def main() -> None:
    from gen_network import PRESETS, generate

    from validator.backends import get_backend
    from validator.checks.drain import drain_specs
    from validator.checks.whatif import what_if
    from validator.engine.failspec import parse_fail_specs
    from validator.policy.loader import load_policies_from_bytes
    from validator.snapshot.folder import load_snapshot

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("preset", nargs="?", default="small", choices=sorted(PRESETS))
    ap.add_argument("--drain", action="append", help="node to drain (default: az3-core1, az1-p1-spine1)")
    args = ap.parse_args()
    os.environ["VALIDATOR_WORKERS"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        summary = generate(tmp, **PRESETS[args.preset])
        backend = get_backend("builtin")
        base = backend.dataplane(load_snapshot(summary["snapshot"]))
        pset = load_policies_from_bytes({"bench.yaml": POLICY})
        for drain in args.drain or ["az3-core1", "az1-p1-spine1"]:
            specs = drain_specs([drain])
            failures = parse_fail_specs(specs, base.snapshot, base.edges)
            runs = {}
            for prune in ("1", "0"):
                os.environ["VALIDATOR_PRUNE"] = prune
                start = time.process_time()
                r = what_if(base=base, failures=failures, specs=specs, policies=pset, compute=backend.dataplane)
                runs[prune] = (time.process_time() - start, r)
            (t_on, on), (t_off, off) = runs["1"], runs["0"]
            equal = _answer(on) == _answer(off)
            print(
                f"{args.preset} drain {drain}: pruned {t_on:.2f} s, not pruned {t_off:.2f} s CPU"
                f" (x{t_off / t_on:.2f}); {on.pruned} of {on.scenarios} scenarios pruned; answers equal: {equal}"
            )


def _answer(r: object) -> tuple[object, ...]:
    return tuple(getattr(r, k) for k in ("findings", "broken", "at_risk", "pre_existing", "scenarios"))


if __name__ == "__main__":
    main()
