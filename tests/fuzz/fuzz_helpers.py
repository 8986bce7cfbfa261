"""Shared pieces of the fuzz suite (issue 10, item 6): YAML mutations and the long-run switch.

Every property runs a bounded number of examples in the ordinary suite; ``pytest -m fuzz`` runs
the long variants (see docs/fuzzing.md). A module with a unique name (imported as
``fuzz_helpers``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
POLICY_FILES = sorted(
    [
        *ROOT.glob("policies/*.yaml"),
        *ROOT.glob("fixtures/**/policies/*.yaml"),
        *ROOT.glob("fixtures/unit/harden/**/*.yaml"),
    ]
)
SEEDS = {str(p.relative_to(ROOT)): p.read_text() for p in POLICY_FILES}

# tokens that make YAML and the schema interesting: structure, wrong types, huge and odd values
TOKENS = [
    "",
    " ",
    ":",
    "- ",
    "{",
    "}",
    "[",
    "]",
    ",",
    "'",
    '"',
    "#",
    "&a",
    "*a",
    "!!python/object:os.system",
    "<<: *a",
    "null",
    "~",
    "true",
    "yes",
    "0",
    "-1",
    "1000000",
    "1e309",
    "0x1F",
    "10.0.0.0/33",
    "300.1.1.1",
    "/(/",
    "policies",
    "zones",
    "version",
    "max_failures",
    "elements",
    "between",
    "expect",
    "allow",
    "deny",
    "reachability",
    "redundancy",
    "hygiene",
    "blast_radius",
    "no_regression",
    "ports",
    "protocol",
    "\t",
    "\x00",
    "\ufeff",
    "é",
    "%YAML 1.1",
    "---",
    "...",
]


def long_run(request: pytest.FixtureRequest) -> None:
    """Skip unless the run selected ``-m fuzz`` (the long variants are for maintainers)."""
    expr = request.config.getoption("markexpr", default="") or ""
    if "fuzz" not in expr:
        pytest.skip("long fuzz run: select it with `pytest -m fuzz` (docs/fuzzing.md)")


@st.composite
def mutated_policy_text(draw: st.DrawFn) -> tuple[str, str]:
    """(seed name, text): a real policy file with a few line-level and character-level edits."""
    name = draw(st.sampled_from(sorted(SEEDS)))
    lines = SEEDS[name].splitlines(keepends=True)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "replace", "truncate", "indent", "swap"]))
        i = draw(st.integers(min_value=0, max_value=max(len(lines) - 1, 0)))
        if not lines:
            lines = [draw(st.sampled_from(TOKENS)) + "\n"]
            continue
        line = lines[i]
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, line)
        elif op == "insert":
            j = draw(st.integers(min_value=0, max_value=len(line)))
            lines[i] = line[:j] + draw(st.sampled_from(TOKENS)) + line[j:]
        elif op == "replace":
            words = line.split(" ")
            k = draw(st.integers(min_value=0, max_value=len(words) - 1))
            words[k] = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)))
            lines[i] = " ".join(words)
        elif op == "truncate":
            lines = lines[: i + 1]
            lines[-1] = lines[-1][: draw(st.integers(min_value=0, max_value=len(lines[-1])))]
        elif op == "indent":
            lines[i] = draw(st.sampled_from(["  ", "\t", " "])) + line
        else:
            j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    return name, "".join(lines)
