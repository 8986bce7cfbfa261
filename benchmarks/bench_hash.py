"""Hot-key operations with and without the cached-hash types (model/prefix.py).

    python benchmarks/bench_hash.py [--n 200000] [--rounds 5]

Prints, per operation, the best-of-rounds time per call of the plain ``ipaddress`` / generated
dataclass version and of the cached one, and their ratio. Both sides run interleaved in one process,
so the ratio holds on a loaded machine even where the absolute times do not.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network

from validator.model.dataplane import FibAction
from validator.model.prefix import Address, prefix


def _best(fn: Callable[[], None], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    rng = random.Random(7)
    n = args.n
    raw = [(rng.getrandbits(32), rng.randint(8, 32)) for _ in range(2000)]
    plain = [IPv4Network((a, plen), strict=False) for a, plen in raw]
    # lookups with equal, not identical, keys: what a RIB keyed by parsed networks sees
    plain_probe = [IPv4Network(str(p)) for p in plain]
    cached = [prefix(p) for p in plain]
    cached_probe = [prefix(str(p)) for p in plain]  # interned: the same objects
    d_plain = dict.fromkeys(plain, 1)
    d_cached = dict.fromkeys(cached, 1)
    ips = [IPv4Address(a) for a, _ in raw]
    addrs = [Address(a) for a, _ in raw]
    d_ips = dict.fromkeys(ips, 1)
    d_addrs = dict.fromkeys(addrs, 1)
    ip_probe = [IPv4Address(int(a)) for a in ips]
    # FibAction keeps its generated hash: what changed is the address inside it
    gen_actions = [FibAction("Gi0/0", a) for a in ips]
    new_actions = [FibAction("Gi0/0", a) for a in addrs]
    k = len(raw)
    reps = max(1, n // k)

    def lookups(d: dict[object, int], keys: list[object]) -> Callable[[], None]:
        def run() -> None:
            get = d.get
            for _ in range(reps):
                for x in keys:
                    get(x)

        return run

    def hashes(objs: list[object]) -> Callable[[], None]:
        def run() -> None:
            for _ in range(reps):
                for x in objs:
                    hash(x)

        return run

    def fresh_actions(addresses: list[IPv4Address]) -> Callable[[], None]:
        def run() -> None:  # fib._resolve: a new action, membership test then add
            for _ in range(reps):
                seen: set[object] = set()
                for a in addresses:
                    act = FibAction("Gi0/0", a)
                    if act not in seen:
                        seen.add(act)

        return run

    cases: list[tuple[str, Callable[[], None], Callable[[], None]]] = [
        ("network hash", hashes(list(plain)), hashes(list(cached))),
        ("dict.get by an equal network", lookups(d_plain, list(plain_probe)), lookups(d_cached, list(cached_probe))),
        ("address hash", hashes(list(ips)), hashes(list(addrs))),
        ("dict.get by an equal address", lookups(d_ips, list(ip_probe)), lookups(d_addrs, list(addrs))),
        ("FibAction hash (same objects)", hashes(list(gen_actions)), hashes(list(new_actions))),
        ("FibAction built, tested, added", fresh_actions(ips), fresh_actions(addrs)),
    ]
    calls = reps * k
    print(f"{'operation':<34} {'plain ns':>9} {'cached ns':>10} {'ratio':>7}")
    for name, old, new in cases:
        t_old = t_new = float("inf")
        for _ in range(args.rounds):  # interleaved: both sides see the same load
            t_old = min(t_old, _best(old, 1))
            t_new = min(t_new, _best(new, 1))
        print(f"{name:<34} {t_old / calls * 1e9:9.0f} {t_new / calls * 1e9:10.0f} {t_old / t_new:6.1f}x")


if __name__ == "__main__":
    main()
