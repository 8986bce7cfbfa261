"""The near-linear line diff: a correct edit script always, difflib's answer on ordinary input."""

from __future__ import annotations

import difflib
import random
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st

from validator.diff import changed_lines, linediff
from validator.diff.linediff import matching_blocks, opcodes

# small alphabets make repeated lines (the hard case) likely
LINES = st.lists(st.sampled_from(["a", "b", "c", "!", " x", ""]), max_size=40)


def _assert_edit_script(a: list[str], b: list[str]) -> None:
    """The opcodes cover both sequences in order and every ``equal`` range really is equal."""
    ops = opcodes(a, b)
    i = j = 0
    for tag, i1, i2, j1, j2 in ops:
        assert (i1, j1) == (i, j), ops
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2]
        elif tag == "delete":
            assert j1 == j2 and i2 > i1
        elif tag == "insert":
            assert i1 == i2 and j2 > j1
        else:
            assert tag == "replace" and i2 > i1 and j2 > j1
        i, j = i2, j2
    assert (i, j) == (len(a), len(b))


@settings(max_examples=300, deadline=None)
@given(LINES, LINES)
def test_opcodes_are_a_correct_edit_script(a: list[str], b: list[str]) -> None:
    _assert_edit_script(a, b)


@settings(max_examples=300, deadline=None)
@given(LINES, LINES)
def test_small_inputs_equal_difflib(a: list[str], b: list[str]) -> None:
    """On small inputs the matched lines are exactly difflib's (autojunk off), as before."""
    ours = sum(n for _i, _j, n in matching_blocks(a, b))
    theirs = sum(n for _i, _j, n in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    assert ours == theirs


@settings(max_examples=100, deadline=None)
@given(LINES, LINES)
def test_changed_lines_equal_difflib_on_small_inputs(a: list[str], b: list[str]) -> None:
    base, head = "\n".join(a), "\n".join(b)
    sm = difflib.SequenceMatcher(None, base.splitlines(), head.splitlines(), autojunk=False)
    want_head: set[int] = set()
    want_base: set[int] = set()
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag != "equal":
            want_head.update(j + 1 for j in range(j1, j2) if head.splitlines()[j])
            want_base.update(i + 1 for i in range(i1, i2) if base.splitlines()[i])
    assert changed_lines(base, head) == (want_head, want_base)


def test_repetitive_input_gives_the_minimal_change() -> None:
    """30,000 lines cycling through three texts, three edits far apart: exactly those lines."""
    cycle = [" permit ip any any", " no shutdown", "!"]
    base = [cycle[i % 3] for i in range(30_000)]
    head = list(base)
    head.insert(7_000, " deny ip host 192.0.2.1 any")  # head line 7001
    del head[20_000]  # base line 20000
    head[25_000] = " remark changed"  # base and head line 25001
    assert changed_lines("\n".join(base), "\n".join(head)) == ({7_001, 25_001}, {20_000, 25_001})


def test_anchorless_many_edits_fall_back_to_a_coarse_but_valid_script() -> None:
    """No unique line and more edits than the budget: reported changed, never silently equal."""
    rng = random.Random(7)
    base = ["a", "b"] * 1_500
    head = [x if rng.random() > 0.3 else ("b" if x == "a" else "a") for x in base]
    _assert_edit_script(base, head)
    head_changed, base_changed = changed_lines("\n".join(base), "\n".join(head))
    flipped = {i + 1 for i, (x, y) in enumerate(zip(base, head, strict=True)) if x != y}
    assert flipped <= head_changed and flipped <= base_changed


@contextmanager
def _layers_forced(budget: int) -> Iterator[None]:
    """Send even tiny inputs through the anchor and Myers layers (and a tiny Myers budget)."""
    saved = (linediff._DIFFLIB_LINES, linediff._DIFFLIB_PAIRS, linediff._MYERS_BUDGET, linediff._MYERS_MAX_D)
    linediff._DIFFLIB_LINES, linediff._DIFFLIB_PAIRS = 0, -1
    linediff._MYERS_BUDGET, linediff._MYERS_MAX_D = budget, budget
    try:
        yield
    finally:
        (linediff._DIFFLIB_LINES, linediff._DIFFLIB_PAIRS, linediff._MYERS_BUDGET, linediff._MYERS_MAX_D) = saved


@settings(max_examples=300, deadline=None)
@given(LINES, LINES, st.sampled_from([0, 2, 10_000]))
def test_every_layer_gives_a_correct_edit_script(a: list[str], b: list[str], budget: int) -> None:
    """Patience anchors, Myers and the coarse fallback each keep the edit script correct."""
    with _layers_forced(budget):
        _assert_edit_script(a, b)


def _lcs(a: list[str], b: list[str]) -> int:
    row = [0] * (len(b) + 1)
    for x in a:
        prev = 0
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], prev + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


@settings(max_examples=200, deadline=None)
@given(LINES, LINES)
def test_myers_finds_a_longest_common_subsequence(a: list[str], b: list[str]) -> None:
    blocks = linediff._myers_blocks(a, 0, len(a), b, 0, len(b))
    assert blocks is not None
    assert sum(n for _i, _j, n in blocks) == _lcs(a, b)


def test_unique_lines_anchor_large_regions() -> None:
    base = [f"line {i}" for i in range(10_000)]
    head = [*base[:10], "new", *base[10:5_000], *base[5_001:]]
    assert changed_lines("\n".join(base), "\n".join(head)) == ({11}, {5_001})
