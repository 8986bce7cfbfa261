"""Property tests: the IOS parser on random mutations of real configurations (issues 9 and 10).

Mutations of the Batfish reference configs (read at test time, skipped with a reason when absent)
and of this project's fixtures: delete, duplicate, truncate, indent, dedent a line, or insert a
garbage line. Properties:

* the parser never raises anything but ``ConfigParseError`` (the one-line "bad input" error);
* every configuration line ends modelled, ignored with a reason, or warned (``LineAccounting``);
* an inserted invalid line is always warned (never silently accepted, also under a stanza the
  parser ignores: IOS runs it in global configuration mode).

The default run is bounded (a few seconds); ``pytest -m fuzz`` runs a long variant for maintainers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.errors import ConfigParseError
from validator.parsers import detect_vendor
from validator.parsers.cisco_ios.parser import parse_ios_accounted

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT.parent / "shared" / "reference" / "batfish-example"
FILE = "configs/fuzz.cfg"

# A first word that is no IOS command in any mode, so the line is invalid wherever it lands.
GARBAGE_WORDS = ("zzfrob", "qqxyzzy", "bogus-cmd-77", "no-such:thing", "\u00e9t\u00e9")


@cache
def corpus() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(name, lines) of every IOS config available: reference configs, then project fixtures."""
    paths = sorted(REFERENCE.glob("*/configs/*.cfg")) + sorted(ROOT.glob("fixtures/**/*.cfg"))
    out: list[tuple[str, tuple[str, ...]]] = []
    for path in paths:
        text = path.read_text(errors="replace")
        try:
            if detect_vendor(text, FILE) != "cisco_ios":
                continue
            parse_ios_accounted(text, FILE)
        except ConfigParseError:
            continue
        out.append((str(path.relative_to(path.parents[2])), tuple(text.splitlines())))
    return tuple(out)


def _banner_lines(lines: list[str]) -> set[int]:
    """0-based indexes inside a multi-line banner (text there is free-form by design)."""
    inside: set[int] = set()
    delim: str | None = None
    for i, line in enumerate(lines):
        if delim is not None:
            inside.add(i)
            if delim in line:
                delim = None
            continue
        words = line.split(None, 2)
        if line[:1] not in " \t" and words and words[0].lower() == "banner" and len(words) == 3:
            body = words[2]
            d = "^C" if body.startswith("^C") else body[0]
            if d not in body[len(d) :]:
                delim = d
    return inside


@dataclass(frozen=True)
class Mutation:
    op: str
    at: float  # position as a fraction of the current length
    arg: int


MUTATION = st.builds(
    Mutation,
    st.sampled_from(["delete", "duplicate", "truncate", "indent", "dedent", "garbage"]),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.integers(min_value=0, max_value=50),
)


def mutate(lines: list[str], mutations: list[Mutation]) -> tuple[list[str], set[int]]:
    """Apply the mutations; return the new lines and the 0-based indexes of inserted garbage."""
    garbage: set[int] = set()
    for m in mutations:
        n = len(lines)
        i = min(int(m.at * n), n - 1) if n else 0
        if m.op == "garbage":
            word = GARBAGE_WORDS[m.arg % len(GARBAGE_WORDS)]
            indent = " " * (m.arg % 3)
            lines.insert(i, f"{indent}{word} {m.arg} extra words")
            garbage = {g + 1 if g >= i else g for g in garbage} | {i}
            continue
        if not n:
            continue
        if m.op == "delete":
            del lines[i]
            garbage = {g - 1 if g > i else g for g in garbage if g != i}
        elif m.op == "duplicate":
            lines.insert(i, lines[i])
            garbage = {g + 1 if g >= i else g for g in garbage} | ({i} if i in garbage else set())
        elif i in garbage:
            continue  # keep inserted garbage recognisable
        elif m.op == "truncate":
            words = lines[i].split()
            lead = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            lines[i] = lead + " ".join(words[: m.arg % (len(words) + 1)])
        elif m.op == "indent":
            lines[i] = " " * (1 + m.arg % 3) + lines[i]
        elif m.op == "dedent":
            lines[i] = lines[i].lstrip()
    return lines, garbage


def check(lines: list[str], garbage: set[int]) -> None:
    text = "\n".join(lines) + "\n"
    try:
        node, acct = parse_ios_accounted(text, FILE)
    except ConfigParseError as e:
        assert e.file == FILE
        assert "\n" not in str(e)
        return
    warned = {w.line for w in node.warnings}
    silent = acct.content - acct.handled - warned
    assert not silent, f"lines neither modelled, ignored nor warned: {sorted(silent)[:5]}"
    in_banner = _banner_lines(lines)
    for g in garbage:
        if g in in_banner:
            continue
        assert g + 1 in warned, f"inserted invalid line {g + 1} {lines[g]!r} was not warned"


def run_property(max_examples: int) -> None:
    configs = corpus()
    if not configs:
        pytest.skip(f"no IOS configs found (reference data missing: {REFERENCE})")

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=max_examples <= 200,  # the bounded CI run is reproducible
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.sampled_from(configs), st.lists(MUTATION, min_size=1, max_size=6))
    def prop(config: tuple[str, tuple[str, ...]], mutations: list[Mutation]) -> None:
        lines, garbage = mutate(list(config[1]), mutations)
        check(lines, garbage)

    prop()


def test_unmutated_corpus_accounts_for_every_line() -> None:
    configs = corpus()
    if not configs:
        pytest.skip(f"no IOS configs found (reference data missing: {REFERENCE})")
    for _name, lines in configs:
        check(list(lines), set())


@pytest.mark.skipif(not REFERENCE.is_dir(), reason=f"reference data missing: {REFERENCE}")
def test_reference_configs_are_in_the_corpus() -> None:
    assert any(name.startswith(("live/", "candidate/")) for name, _ in corpus())


def test_mutated_configs_never_crash_and_invalid_lines_are_warned() -> None:
    run_property(max_examples=100)


def test_garbage_under_every_kind_of_stanza_is_warned() -> None:
    """Deterministic complement: a garbage line as the child of each stanza head of the corpus."""
    heads = sorted({ln for _, lines in corpus() for ln in lines if ln[:1] not in " \t!" and ln.strip()})
    heads += ["line vty 0 4", "service timestamps debug datetime msec", "control-plane"]
    for head in heads[:400]:
        if head.split()[0].lower() == "banner":
            continue
        check(["hostname r1", head, " zzfrob 1 extra words"], {2})


@pytest.mark.fuzz
def test_long_fuzz_run(request: pytest.FixtureRequest) -> None:
    if "fuzz" not in (request.config.option.markexpr or ""):
        pytest.skip("long fuzz run: select it with pytest -m fuzz")
    run_property(max_examples=20_000)
