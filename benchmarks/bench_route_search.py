"""Time the symbolic route search (validator/engine/route_space.py) against prefix-list size.

A border's export map usually denies a long bogon/customer prefix-list and permits the rest; the
``routing`` policy searches it for a route inside ``never`` ranges. The work grows with the number
of list lines the searched region meets, so this prints, per size, the search time and its ratio
to the smallest size (what benchmarks/README.md records; no absolute timing is asserted anywhere).

    python benchmarks/bench_route_search.py [--sizes 250,1000,4000] [--runs 3]

Two shapes per size: *gap* (the /24 lines cover part of 10.0.0.0/8: an example route is found)
and *covered* (the lines cover all of the searched /12 at /24: the search proves there is none).
"""

from __future__ import annotations

import argparse
import statistics
import time
from ipaddress import IPv4Network

from validator.engine.prefix_space import parse_range, ranges_region
from validator.engine.route_space import search_policy
from validator.model.config import MatchPrefixList, Node, PrefixList, PrefixListLine, RouteMap, RouteMapClause
from validator.model.source import SourceRef

SRC = SourceRef("configs/bench.cfg", 1)


def _node(lines: int) -> Node:
    pl = PrefixList(
        "BIG",
        tuple(PrefixListLine(i, "permit", IPv4Network((0x0A000000 | (i << 8), 24)), 24, 24, SRC) for i in range(lines)),
        SRC,
    )
    rm = RouteMap(
        "OUT",
        (RouteMapClause(10, "deny", SRC, matches=(MatchPrefixList(("BIG",), SRC),)), RouteMapClause(20, "permit", SRC)),
        SRC,
    )
    return Node("r", "r", "configs/bench.cfg", "cisco_ios", route_maps={"OUT": rm}, prefix_lists={"BIG": pl})


def _time(node: Node, target: str, runs: int) -> tuple[float, str]:
    ranges = [parse_range(target)]
    times = []
    found = ""
    for _ in range(runs):
        start = time.perf_counter()
        res = search_policy(node, "OUT", None, lambda n: ranges_region(ranges, n, True))
        times.append(time.perf_counter() - start)
        found = str(res.example.network) if res.example else ("none (exact)" if res.exact else "unsure")
    return statistics.median(times), found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="250,1000,4000")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    first: dict[str, float] = {}
    print(f"{'lines':>6} {'shape':>8} {'median s':>9} {'ratio':>6}  result")
    for size in sizes:
        node = _node(size)
        width = 24 - (size.bit_length() - 1)  # the largest prefix the lines cover completely
        for shape, target in (("gap", "10.0.0.0/8 ge 24 le 24"), ("covered", f"10.0.0.0/{width} ge 24 le 24")):
            t, found = _time(node, target, args.runs)
            first.setdefault(shape, t)
            print(f"{size:>6} {shape:>8} {t:>9.3f} {t / first[shape]:>6.1f}  {found}")


if __name__ == "__main__":
    main()
