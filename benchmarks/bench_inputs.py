"""Inputs that must stay bounded: the line diff on repetitive configs and the lint of a huge policy.

Each case runs in its own child process, so the peak RSS printed is that case's alone.

    python benchmarks/bench_inputs.py              # every case
    python benchmarks/bench_inputs.py --case diff-repeated
    python benchmarks/bench_inputs.py --compare    # also the old quadratic difflib on 2,500 lines

Cases:
- ``diff-repeated``: 30,000 lines cycling through three short texts, three edits far apart
  (target < 5 s; the old ``difflib`` with ``autojunk=False`` took 6 s / 33 s / 109 s for 2.5k / 5k
  / 10k such lines);
- ``diff-anchorless``: 30,000 lines over a two-line alphabet with 3,000 random flips (no unique
  line anywhere: the Myers budget and its coarse fallback);
- ``diff-unique``: 30,000 distinct ACL lines, three edits;
- ``policy-lint``: ``validator policies lint`` of a generated 27 MB policy file (was 69 s);
- ``difflib-2500`` (``--compare``): the old algorithm on 2,500 repeated lines, for the ratio.

Figures (2 shared cores, load average 10+, so absolute times are inflated; compare within a run):
diff-repeated 0.03 s / 23 MB, diff-anchorless 0.09 s / 25 MB, diff-unique 0.11 s / 34 MB,
difflib-2500 1.75 s; policy-lint of 27.0 MB 24.7 s / 196 MB, where the previous loader
(pure-Python YAML composer, ``$ref`` lookups on every zone) took 108 s on the same file and load.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = ("diff-repeated", "diff-anchorless", "diff-unique", "policy-lint")
POLICY_BYTES = 27 * 1000 * 1000


def _repeated(n: int) -> tuple[str, str]:
    cycle = [" permit ip any any", " no shutdown", "!"]
    base = [cycle[i % 3] for i in range(n)]
    head = list(base)
    head.insert(n // 4, " deny ip host 192.0.2.1 any")
    del head[n // 2]
    head[3 * n // 4] = " remark changed"
    return "\n".join(base), "\n".join(head)


def _anchorless(n: int) -> tuple[str, str]:
    rng = random.Random(1)
    base = ["a", "b"] * (n // 2)
    head = list(base)
    for _ in range(n // 10):
        i = rng.randrange(len(head))
        head[i] = "b" if head[i] == "a" else "a"
    return "\n".join(base), "\n".join(head)


def _unique(n: int) -> tuple[str, str]:
    base = [f" permit tcp host 10.{i // 250}.{i % 250}.1 any eq {i % 1000 + 1}" for i in range(n)]
    head = list(base)
    head[n // 10] = " deny ip any any"
    del head[n // 2]
    head.insert(9 * n // 10, " remark new")
    return "\n".join(base), "\n".join(head)


def _policy_text(target: int) -> str:
    """A valid policy file of about ``target`` bytes: many zones with long descriptions."""
    desc = "d" * 900
    parts = ["version: 1\nzones:\n"]
    size = len(parts[0])
    i = 0
    while size < target:
        line = (
            f'  z{i}: {{description: "{desc} {i}", prefixes: [10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}/32]}}\n'
        )
        parts.append(line)
        size += len(line)
        i += 1
    parts.append("policies:\n  - {name: p, type: reachability, from: z0, to: z1, expect: allow}\n")
    return "".join(parts)


def run_case(case: str) -> tuple[float, str]:
    """Seconds spent in the measured call, and a short description of its result."""
    if case.startswith("diff-") or case == "difflib-2500":
        from validator.diff import changed_lines

        if case == "difflib-2500":
            base, head = _repeated(2_500)
            a, b = base.splitlines(), head.splitlines()
            start = time.perf_counter()
            ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
            return time.perf_counter() - start, f"{sum(1 for o in ops if o[0] != 'equal')} hunks"
        make = {"diff-repeated": _repeated, "diff-anchorless": _anchorless, "diff-unique": _unique}[case]
        base, head = make(30_000)
        start = time.perf_counter()
        head_changed, base_changed = changed_lines(base, head)
        return time.perf_counter() - start, f"{len(head_changed)} head / {len(base_changed)} base lines changed"
    if case == "policy-lint":
        from validator.cli import main

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "huge.yaml"
            path.write_text(_policy_text(POLICY_BYTES))
            size = path.stat().st_size
            out = io.StringIO()
            start = time.perf_counter()
            with contextlib.redirect_stdout(out):
                code = main(["policies", "lint", str(path)])
            took = time.perf_counter() - start
        return took, f"{size / 1e6:.1f} MB, exit {code}: {out.getvalue().strip()[:80]}"
    raise SystemExit(f"unknown case {case!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", choices=[*CASES, "difflib-2500"])
    ap.add_argument("--compare", action="store_true", help="also time the old difflib on 2,500 repeated lines")
    args = ap.parse_args()
    if args.case:
        seconds, what = run_case(args.case)
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{args.case:16s} {seconds:8.2f} s   peak RSS {rss_mb:7.1f} MB   {what}")
        return
    cases = [*CASES, *(["difflib-2500"] if args.compare else [])]
    for case in cases:
        subprocess.run([sys.executable, __file__, "--case", case], check=True)


if __name__ == "__main__":
    main()
