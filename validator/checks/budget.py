"""Scenario budgets: count a sweep's failure scenarios before running any, refuse the impossible.

``max_failures: 5`` on 42 links is 5,985,197 scenarios (months of work); ``max_failures: 1000000``
is every subset. A gate that starts such a sweep hangs its CI job instead of saying no, so every
sweep is counted first, exactly and without enumerating (binomial sums, a small dynamic programme
over the elements that exclude zone pairs), and a sweep above the budget is bad input (exit 2)
that names the policy, the count and how to narrow it.

The count is what :meth:`validator.checks.sweep.Sweeper.sweep` evaluates at most: every set of
1..``max_failures`` elements, minus the sets that fail every pair's own start or end nodes (the
sweep skips those). Sets pruned because a smaller failing set was found are not known in advance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from validator.errors import InputError

DEFAULT_MAX_SCENARIOS = 50_000
MAX_DP_STATES = 4096


@dataclass(frozen=True)
class SweepCount:
    """The scenarios one policy's sweep would evaluate."""

    policy: str
    check: str
    elements: int
    max_failures: int
    scenarios: int
    exact: bool = True  # False: an upper bound (too many distinct exclusion patterns to count)

    def text(self) -> str:
        about = "" if self.exact else "at most "
        return (
            f"{self.policy}: {about}{self.scenarios:,} failure scenarios "
            f"({self.elements} elements, max_failures {self.max_failures})"
        )


def _binomials(n: int, k_max: int) -> list[int]:
    """C(n, 0..k_max) without k_max separate ``math.comb`` calls."""
    out = [1]
    for j in range(min(n, k_max)):
        out.append(out[-1] * (n - j) // (j + 1))
    out.extend(0 for _ in range(k_max - len(out) + 1))
    return out


def count_scenarios(masks: Sequence[int], pairs: int, max_failures: int) -> tuple[int, bool]:
    """Sets of 1..``max_failures`` elements that leave at least one pair to evaluate.

    ``masks[i]`` has bit j set when element i fails an endpoint of pair j (the sweep skips pair j
    in any set holding it). Elements that exclude nothing are combined by binomial sums; the
    others (a few nodes at zone edges) by a dynamic programme over the pairs they exclude.
    Returns (count, exact).
    """
    k_max = min(max_failures, len(masks))
    if k_max <= 0 or pairs <= 0:
        return 0, True
    full = (1 << pairs) - 1
    groups = Counter(m for m in masks if m)
    free = len(masks) - sum(groups.values())
    # or-mask of the chosen excluding elements -> number of ways by set size
    states: dict[int, list[int]] = {0: [1] + [0] * k_max}
    for mask, count in groups.items():
        ways = _binomials(count, k_max)
        nxt: dict[int, list[int]] = {}
        for orm, by_size in states.items():
            for j in range(min(count, k_max) + 1):
                target = orm | mask if j else orm
                row = nxt.setdefault(target, [0] * (k_max + 1))
                for s in range(k_max - j + 1):
                    if by_size[s]:
                        row[s + j] += by_size[s] * ways[j]
        states = nxt
        if len(states) > MAX_DP_STATES:
            return sum(_binomials(len(masks), k_max)[1:]), False
    free_ways = _binomials(free, k_max)
    prefix = [0] * (k_max + 2)
    for j in range(k_max + 1):
        prefix[j + 1] = prefix[j] + free_ways[j]
    total = 0
    for orm, by_size in states.items():
        if orm == full:
            continue  # every pair has an endpoint down: the sweep evaluates nothing
        for s, n in enumerate(by_size):
            if n:
                total += n * prefix[k_max - s + 1]  # add 0..k_max-s free elements
    total -= 1  # the empty set
    return total, True


def sweep_count(
    policy: str, check: str, elements: Sequence[Any], endpoints: Sequence[Iterable[str]], max_failures: int
) -> SweepCount:
    """Count one sweep; ``elements`` are sweep Elements, ``endpoints`` each pair's start/end nodes."""
    ends = [set(e) for e in endpoints]
    masks = []
    for e in elements:
        mask = 0
        if e.kind in ("node", "risk_group"):
            for j, nodes in enumerate(ends):
                if nodes & e.nodes:
                    mask |= 1 << j
        masks.append(mask)
    n, exact = count_scenarios(masks, len(ends), max_failures)
    return SweepCount(policy, check, len(elements), max_failures, n, exact)


def sweep_counts(dp: Any, policies: Any) -> list[SweepCount]:
    """Every failure sweep of a policy set on one data plane, counted (no scenario is run)."""
    from validator.checks.sweep import enumerate_elements
    from validator.checks.zones import zone_nodes

    out: list[SweepCount] = []
    groups = policies.risk_group_specs()
    for p in policies.policies:
        if p.type == "redundancy":
            pairs, kinds, check = list(p.pairs), p.elements, "redundancy"
        elif p.type == "reachability" and getattr(p, "max_failures", 0) > 0:
            pairs, kinds, check = [(p.from_zone, p.to_zone)], (p.elements or ("link", "node")), "reachability"
        else:
            continue
        ends = [zone_nodes(dp, policies.zones[a]) | zone_nodes(dp, policies.zones[b]) for a, b in pairs]
        elements = enumerate_elements(dp, kinds, groups)
        out.append(sweep_count(p.name, check, elements, ends, p.max_failures))
    return out


def enforce(counts: Sequence[SweepCount], max_scenarios: int | None) -> None:
    """Refuse (exit 2) the first sweep above the budget, saying how to narrow it."""
    if max_scenarios is None:
        return
    for c in counts:
        if c.scenarios > max_scenarios:
            smaller = _largest_k_within(c, max_scenarios)
            hint = f"max_failures: {smaller} fits" if smaller else "even max_failures: 1 does not fit"
            raise InputError(
                f"policy {c.policy!r}: {c.text().split(': ', 1)[1]} exceed the budget of "
                f"{max_scenarios:,} (--max-scenarios); narrow it: fewer `elements` kinds, a lower "
                f"`max_failures` ({hint}), or risk groups for what really fails together"
            )


def _largest_k_within(c: SweepCount, budget: int) -> int:
    """The largest max_failures whose plain binomial count fits the budget (a hint, not a promise)."""
    total, k = 0, 0
    for j, ways in enumerate(_binomials(c.elements, min(c.max_failures, c.elements))[1:], 1):
        total += ways
        if total > budget:
            break
        k = j
    return k


def check_budget(dp: Any, policies: Any, max_scenarios: int | None) -> list[SweepCount]:
    counts = sweep_counts(dp, policies)
    enforce(counts, max_scenarios)
    return counts
