"""Prefix space algebra for the symbolic route search (engine/route_space.py).

A route's prefix is (address, length). For a fixed length every route filter the model can
express (prefix-list lines with ge/le, ACL lines used as route filters, a policy's own
``P le N ge M`` ranges) is a *cube* on the 32 address bits (some bits fixed, the rest free), and a
first-match list is a union of "cube minus earlier cubes" terms (a DNF). A term's satisfiability
is decided exactly by :func:`witness`, which escapes each excluded cube on one of its fixed bits,
so a search over prefixes built from these pieces misses nothing. Size and step limits raise
:class:`Unsure`: the caller then reports undecided, never a pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network

from validator.model.config import Acl, PrefixList

FULL = 0xFFFFFFFF
MAX_TERMS = 4000  # a DNF larger than this makes the search unsure (never a silent pass)
MAX_STEPS = 200_000

Cube = tuple[int, int]  # (mask, value): the address bits in ``mask`` equal ``value``
TRUE: Cube = (0, 0)


class Unsure(Exception):
    """The bounded parts of the search (DNF size, witness steps) ran out: no answer."""


def mask(plen: int) -> int:
    return (FULL << (32 - plen)) & FULL if plen else 0


@dataclass(frozen=True)
class Term:
    """Addresses in ``pos`` and in none of ``negs``."""

    pos: Cube
    negs: tuple[Cube, ...] = ()


Dnf = list[Term]
RegionAt = Callable[[int], Dnf]  # the searched region at one prefix length


def _meet(a: Cube, b: Cube) -> Cube | None:
    if (a[1] ^ b[1]) & a[0] & b[0]:
        return None
    return (a[0] | b[0], a[1] | b[1])


def _contains(outer: Cube, inner: Cube) -> bool:
    """Every address of ``inner`` is in ``outer``."""
    return outer[0] & ~inner[0] & FULL == 0 and (outer[1] ^ inner[1]) & outer[0] == 0


class Budget:
    def __init__(self) -> None:
        self.steps = 0

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Unsure("witness search budget exhausted")


def witness(term: Term, budget: Budget | None = None) -> int | None:
    """An address in ``term`` (free bits zero where possible), or None when the term is empty."""
    b = budget or Budget()
    try:
        return _witness(term.pos, [n for n in term.negs if _meet(term.pos, n) is not None], b)
    except RecursionError:
        raise Unsure("prefix search too deep") from None


def _witness(pos: Cube, negs: list[Cube], budget: Budget, start: int = 0) -> int | None:
    budget.tick()
    i = start
    while i < len(negs) and _meet(pos, negs[i]) is None:
        i += 1  # already escaped (disjoint): no branching, no recursion
    if i == len(negs):
        return pos[1]
    n = negs[i]
    free = n[0] & ~pos[0] & FULL
    if not free:
        return None  # pos lies inside n
    m, v = pos
    bit = 1 << 31
    while bit:
        if free & bit:
            # differ from n on this bit (so the address escapes n), agree on the earlier free bits
            found = _witness((m | bit, v | ((~n[1]) & bit)), negs, budget, i + 1)
            if found is not None:
                return found
            m, v = m | bit, v | (n[1] & bit)
        bit >>= 1
    return None


def _term_and(a: Term, b: Term) -> Term | None:
    pos = _meet(a.pos, b.pos)
    if pos is None:
        return None
    negs: dict[Cube, None] = {}
    for n in (*a.negs, *b.negs):
        if (n[1] ^ pos[1]) & n[0] & pos[0]:
            continue  # disjoint from pos: already escaped
        if n[0] & ~pos[0] & FULL == 0:
            return None  # pos lies inside n
        negs[n] = None
    return Term(pos, tuple(negs))


def dnf_and(a: Dnf, b: Dnf, budget: Budget) -> Dnf:
    out: Dnf = []
    for x in a:
        for y in b:
            t = _term_and(x, y)
            if t is not None and witness(t, budget) is not None:
                out.append(t)
                if len(out) > MAX_TERMS:
                    raise Unsure("too many prefix regions")
    return out


def first_match(lines: Sequence[tuple[bool, Sequence[Cube]]]) -> tuple[Dnf, Dnf]:
    """(permitted, denied) regions of a first-match list: ``lines`` are (permit?, cubes) in order,
    a line matching when any of its cubes does; no match denies."""
    permit: Dnf = []
    deny: Dnf = []
    prior: list[Cube] = []
    for is_permit, cubes in lines:
        for c in cubes:
            (permit if is_permit else deny).append(Term(c, tuple(prior)))
        prior.extend(cubes)
    deny.append(Term(TRUE, tuple(prior)))
    return permit, deny


# --- prefix ranges ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrefixRange:
    """``P le N ge M``: routes inside P whose length is in [lo, hi] (prefix-list semantics)."""

    prefix: IPv4Network
    lo: int
    hi: int

    def cube(self, length: int) -> Cube | None:
        if not self.lo <= length <= self.hi:
            return None
        return (mask(self.prefix.prefixlen), int(self.prefix.network_address))

    def contains(self, net: IPv4Network) -> bool:
        return (
            self.lo <= net.prefixlen <= self.hi
            and net.prefixlen >= self.prefix.prefixlen
            and net.subnet_of(self.prefix)
        )

    def __str__(self) -> str:
        plen = self.prefix.prefixlen
        if self.lo == self.hi == plen:
            return str(self.prefix)
        parts = [str(self.prefix)]
        if self.hi != plen:
            parts.append(f"le {self.hi}")
        if self.lo != plen:
            parts.append(f"ge {self.lo}")
        return " ".join(parts)


_RANGE = re.compile(r"^\s*(\S+)((?:\s+(?:le|ge)\s+\d+)*)\s*$")


def parse_range(text: str) -> PrefixRange:
    """``P``, ``P le N``, ``P ge M``, ``P le N ge M`` (either order); raises ValueError."""
    m = _RANGE.match(text)
    if m is None:
        raise ValueError(f"expected 'PREFIX [le N] [ge M]', got {text!r}")
    prefix = IPv4Network(m.group(1), strict=True)
    plen = prefix.prefixlen
    words = m.group(2).split()
    opts: dict[str, int] = {}
    for key, val in zip(words[::2], words[1::2], strict=True):
        if key in opts:
            raise ValueError(f"{key} given twice in {text!r}")
        opts[key] = int(val)
    lo = opts.get("ge", plen)
    hi = opts.get("le", 32 if "ge" in opts else plen)
    if not plen <= lo <= hi <= 32:
        raise ValueError(f"need {plen} <= ge <= le <= 32 in {text!r}")
    return PrefixRange(prefix, lo, hi)


def ranges_region(ranges: Sequence[PrefixRange], length: int, inside: bool) -> Dnf:
    """Routes of this length inside any range (``inside``) or outside all of them."""
    cubes = [c for r in ranges if (c := r.cube(length)) is not None]
    if inside:
        return [Term(c) for c in cubes]
    return [Term(TRUE, tuple(cubes))]


# --- filters as cubes ------------------------------------------------------------------------------


def prefix_list_lines(pl: PrefixList, length: int) -> list[tuple[bool, list[Cube]]]:
    out: list[tuple[bool, list[Cube]]] = []
    for line in pl.lines:
        if line.min_len <= length <= line.max_len:
            out.append((line.action == "permit", [(mask(line.prefix.prefixlen), int(line.prefix.network_address))]))
    return out


def acl_lines(acl: Acl, length: int) -> list[tuple[bool, list[Cube]]]:
    """An ACL as a route filter (routing_policy.acl_permits_route): the source wildcard tests the
    network address; an extended line's destination gives the length range."""
    out: list[tuple[bool, list[Cube]]] = []
    for line in acl.lines:
        if acl.kind != "standard":
            ok = False
            for d in line.dst:
                lo = bin(int(d.ip)).count("1")
                hi = bin(int(d.ip) | int(d.wildcard)).count("1")
                ok = ok or lo <= length <= hi
            if not ok:
                continue
        cubes = []
        for w in line.src:
            care = ~int(w.wildcard) & FULL
            cubes.append((care, int(w.ip) & care))
        out.append((line.action == "permit", cubes))
    return out
