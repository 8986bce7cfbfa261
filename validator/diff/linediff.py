"""A line diff that stays near-linear on repetitive input (30,000 copies of one line included).

``difflib.SequenceMatcher(autojunk=False)`` is quadratic when lines repeat (every copy of a line is
a candidate match for every other): 6 s / 33 s / 109 s for 2.5k / 5k / 10k repeated lines. A change
must never be able to stall the gate that way, so the diff is built in layers:

1. Ordinary input (a few thousand lines, few equal-line pairs) goes to difflib as a whole, so
   ordinary config edits get exactly the answer they always got. Otherwise lines equal at both
   ends are matched directly (most edits touch a small middle), and a small remaining region is
   handed to difflib.
2. Otherwise the region is cut at lines that occur exactly once on each side (patience anchors,
   longest increasing run of them) and each piece is diffed again.
3. A large region with no such anchor (only repeated lines) is diffed with Myers' O((N+M)·D)
   algorithm, fast when the edit distance D is small; past a work budget the region is reported
   as changed as a whole. That is a valid, if coarse, edit script: the gate then sees more changed
   lines, never fewer, so it fails closed rather than missing a change.

Every layer yields a correct edit script: the unchanged lines form a common subsequence of both
sides, in order (property-tested against difflib in ``tests/unit/test_linediff.py``).
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Sequence
from typing import Literal

Tag = Literal["equal", "replace", "delete", "insert"]
Opcode = tuple[Tag, int, int, int, int]
Block = tuple[int, int, int]  # (a start, b start, length) of a run of equal lines

# a region is given to difflib when at most this many (i, j) pairs have a[i] == b[j]: difflib's
# work is bounded by that count, so this caps it at a fraction of a second
_DIFFLIB_PAIRS = 200_000
# ... and when it is small: a large region is first cut at unique lines (cheaper than difflib's
# longest-match search over thousands of lines)
_DIFFLIB_LINES = 4_000
# Myers' greedy algorithm: stop past this many snake steps and report the region as changed
_MYERS_BUDGET = 20_000_000
_MYERS_MAX_D = 500  # the k loop and the saved traces grow as D squared


def _equal_pairs(a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int, limit: int) -> int:
    """Number of (i, j) with a[i] == b[j] in the region, counted up to just past ``limit``."""
    counts = Counter(b[blo:bhi])
    total = 0
    for i in range(alo, ahi):
        total += counts.get(a[i], 0)
        if total > limit:
            break
    return total


def _difflib_blocks(a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int) -> list[Block]:
    sm = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
    return [(alo + i, blo + j, n) for i, j, n in sm.get_matching_blocks() if n]


def _unique_anchors(
    a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Lines occurring once on each side, as (i, j), the longest run increasing in both (patience)."""
    a_count = Counter(a[alo:ahi])
    b_pos: dict[str, int] = {}
    b_count: Counter[str] = Counter()
    for j in range(blo, bhi):
        line = b[j]
        b_count[line] += 1
        b_pos[line] = j
    pairs = [(i, b_pos[a[i]]) for i in range(alo, ahi) if a_count[a[i]] == 1 and b_count.get(a[i], 0) == 1]
    if not pairs:
        return []
    # longest increasing subsequence on j (pairs are in increasing i), patience sorting
    tails: list[int] = []  # index into pairs of the smallest tail of each length
    prev: list[int] = [-1] * len(pairs)
    tail_js: list[int] = []
    for idx, (_i, j) in enumerate(pairs):
        pos = bisect.bisect_left(tail_js, j)
        if pos > 0:
            prev[idx] = tails[pos - 1]
        if pos == len(tails):
            tails.append(idx)
            tail_js.append(j)
        else:
            tails[pos] = idx
            tail_js[pos] = j
    out: list[tuple[int, int]] = []
    k = tails[-1]
    while k >= 0:
        out.append(pairs[k])
        k = prev[k]
    out.reverse()
    return out


def _myers_blocks(a: Sequence[str], alo: int, ahi: int, b: Sequence[str], blo: int, bhi: int) -> list[Block] | None:
    """Blocks of a shortest edit script (Myers 1986, greedy forward); None past the work budget."""
    n, m = ahi - alo, bhi - blo
    max_d = min(n + m, _MYERS_MAX_D, max(16, _MYERS_BUDGET // max(1, n + m)))
    offset = max_d + 1
    v = [0] * (2 * max_d + 3)
    trace: list[list[int]] = []
    found = -1
    for d in range(max_d + 1):
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[offset + k - 1] < v[offset + k + 1]):
                x = v[offset + k + 1]
            else:
                x = v[offset + k - 1] + 1
            y = x - k
            while x < n and y < m and a[alo + x] == b[blo + y]:
                x += 1
                y += 1
            v[offset + k] = x
            if x >= n and y >= m:
                found = d
                break
        trace.append(v[:])
        if found >= 0:
            break
    if found < 0:
        return None
    blocks: list[Block] = []
    x, y = n, m
    for d in range(found, 0, -1):
        prev_v = trace[d - 1]
        k = x - y
        down = k == -d or (k != d and prev_v[offset + k - 1] < prev_v[offset + k + 1])
        prev_k = k + 1 if down else k - 1
        prev_x = prev_v[offset + prev_k]
        prev_y = prev_x - prev_k
        mid_x = prev_x if down else prev_x + 1
        if x > mid_x:
            blocks.append((alo + mid_x, blo + mid_x - k, x - mid_x))
        x, y = prev_x, prev_y
    if x > 0:
        blocks.append((alo, blo, x))
    blocks.reverse()
    return blocks


def matching_blocks(a: Sequence[str], b: Sequence[str]) -> list[Block]:
    """Runs of equal lines ``(i, j, n)``, increasing in both sequences, not overlapping."""
    if len(a) + len(b) <= _DIFFLIB_LINES and _equal_pairs(a, 0, len(a), b, 0, len(b), _DIFFLIB_PAIRS) <= _DIFFLIB_PAIRS:
        # ordinary input: exactly the answer difflib always gave (no prefix/suffix shortcut, which
        # can match differently when lines repeat)
        return _difflib_blocks(a, 0, len(a), b, 0, len(b))
    blocks: list[Block] = []
    stack = [(0, len(a), 0, len(b))]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        start_a, start_b = alo, blo
        while alo < ahi and blo < bhi and a[alo] == b[blo]:
            alo += 1
            blo += 1
        if alo > start_a:
            blocks.append((start_a, start_b, alo - start_a))
        end = 0
        while alo < ahi - end and blo < bhi - end and a[ahi - end - 1] == b[bhi - end - 1]:
            end += 1
        if end:
            blocks.append((ahi - end, bhi - end, end))
            ahi -= end
            bhi -= end
        if alo >= ahi or blo >= bhi:
            continue
        small = (ahi - alo) + (bhi - blo) <= _DIFFLIB_LINES
        if small and _equal_pairs(a, alo, ahi, b, blo, bhi, _DIFFLIB_PAIRS) <= _DIFFLIB_PAIRS:
            blocks.extend(_difflib_blocks(a, alo, ahi, b, blo, bhi))
            continue
        anchors = _unique_anchors(a, alo, ahi, b, blo, bhi)
        if not anchors and not small and _equal_pairs(a, alo, ahi, b, blo, bhi, _DIFFLIB_PAIRS) <= _DIFFLIB_PAIRS:
            blocks.extend(_difflib_blocks(a, alo, ahi, b, blo, bhi))
            continue
        if anchors:
            ci, cj = alo, blo
            for i, j in anchors:
                blocks.append((i, j, 1))
                if i > ci or j > cj:
                    stack.append((ci, i, cj, j))
                ci, cj = i + 1, j + 1
            stack.append((ci, ahi, cj, bhi))
            continue
        found = _myers_blocks(a, alo, ahi, b, blo, bhi)
        if found is not None:
            blocks.extend(found)
        # else: no anchor and too many edits for the budget: the whole region counts as changed
    blocks.sort()
    merged: list[Block] = []
    for i, j, n in blocks:
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            pi, pj, pn = merged[-1]
            merged[-1] = (pi, pj, pn + n)
        else:
            merged.append((i, j, n))
    return merged


def opcodes(a: Sequence[str], b: Sequence[str]) -> list[Opcode]:
    """difflib-style opcodes (``equal``/``replace``/``delete``/``insert``) turning ``a`` into ``b``."""
    out: list[Opcode] = []
    i = j = 0
    for ai, bj, n in [*matching_blocks(a, b), (len(a), len(b), 0)]:
        tag: Tag | None = None
        if i < ai and j < bj:
            tag = "replace"
        elif i < ai:
            tag = "delete"
        elif j < bj:
            tag = "insert"
        if tag is not None:
            out.append((tag, i, ai, j, bj))
        i, j = ai + n, bj + n
        if n:
            out.append(("equal", ai, i, bj, j))
    return out
