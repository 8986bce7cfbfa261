"""Fuzzing the command line in-process (issue 10, item 6): random argument lists and mutated
policy files through ``validator.cli.main``. The exit code is always 0-3 (usage errors exit 2
through argparse), stderr never holds a traceback, and exit 3 only comes from a real engine error
(never from "internal error")."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_helpers import ROOT, long_run, mutated_policy_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.cli import main

PAIR = ROOT / "fixtures" / "unit" / "harden" / "pair"
COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    "database": None,
}

COMMANDS = [
    ["check"],
    ["plan"],
    ["whatif"],
    ["routes"],
    ["trace"],
    ["policies", "lint"],
    ["policies"],
    ["compare-engines"],
    ["verify-plan"],
    ["lease", "list"],
    ["lease"],
    ["record-apply"],
    ["nonsense"],
    [],
]
OPTIONS = [
    "--head-dir",
    "--base-dir",
    "--policies",
    "--snapshot",
    "--format",
    "--fail",
    "--from",
    "--dst",
    "--protocol",
    "--dst-port",
    "--node",
    "--engine",
    "--timeout",
    "--max-scenarios",
    "--allow-empty",
    "--intent",
    "--repo",
    "--base",
    "--head",
    "--devices",
    "--owner",
    "--batfish-host",
    "--help",
    "-h",
]
VALUES = [
    str(PAIR / "base"),
    str(PAIR / "blocked"),
    str(PAIR / "policies.yaml"),
    str(PAIR / "missing"),
    str(PAIR / "base" / "configs" / "a.cfg"),
    "/dev/null",
    "/",
    "text",
    "json",
    "sarif",
    "junit",
    "markdown",
    "node:a",
    "node:zzz",
    "link:a[GigabitEthernet0/1]",
    "group:x",
    "interface:b[Gi0/1]",
    "a",
    "b",
    "/a|b/",
    "/(/",
    "@enter(b[GigabitEthernet0/1])",
    "10.255.0.2",
    "10.255.0.999",
    "tcp",
    "udp",
    "icmp",
    "22",
    "-1",
    "0",
    "1",
    "99999999999",
    "nan",
    "1e9",
    "builtin",
    "batfish",
    "127.0.0.1:9",
    "",
    " ",
    "é",
    "\x7f",
    "HEAD",
    "main",
    "--",
    "-",
]
# commands that read configured state only; exit 3 would then be a bug unless an engine error
ALLOWED_3 = ("compare-engines", "batfish", "Batfish", "did not converge", "timed out")


def _check_run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse usage errors and --help
        code = exc.code if isinstance(exc.code, int) else 2
        assert code in (0, 2), argv
    out, err = capsys.readouterr()
    assert code in (0, 1, 2, 3), (argv, code)
    assert "Traceback" not in err, (argv, err)
    assert "internal error" not in err, (argv, err)
    if code == 3:
        assert any(word in err + out for word in ALLOWED_3), (argv, err)


argument_lists = st.tuples(
    st.sampled_from(COMMANDS),
    st.lists(st.one_of(st.sampled_from(OPTIONS), st.sampled_from(VALUES), st.text(max_size=5)), max_size=8),
).map(lambda t: [*t[0], *t[1]])


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run with a scratch working directory: '.' is never the project's repository."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BATFISH_HOST", raising=False)
    monkeypatch.setenv("VALIDATOR_WORKERS", "1")
    return tmp_path


@settings(max_examples=60, **COMMON)
@given(argv=argument_lists)
def test_random_argument_lists(argv: list[str], in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _check_run([*argv, "--timeout", "30"] if argv[:1] in (["check"], ["plan"], ["whatif"]) else argv, capsys)


@settings(max_examples=25, **COMMON)
@given(case=mutated_policy_text(), blocked=st.booleans())
def test_mutated_policies_through_check(
    case: tuple[str, str], blocked: bool, in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = in_tmp / "p.yaml"
    policy.write_text(case[1])
    head = PAIR / ("blocked" if blocked else "base")
    _check_run(["policies", "lint", str(policy), "--snapshot-dir", str(PAIR / "base")], capsys)
    _check_run(
        [
            "check",
            "--base-dir",
            str(PAIR / "base"),
            "--head-dir",
            str(head),
            "--policies",
            str(policy),
            "--timeout",
            "30",
            "--max-scenarios",
            "2000",
        ],
        capsys,
    )


@pytest.mark.fuzz
@settings(max_examples=2000, **COMMON)
@given(argv=argument_lists)
def test_random_argument_lists_long(
    argv: list[str], in_tmp: Path, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    long_run(request)
    _check_run([*argv, "--timeout", "30"] if argv[:1] in (["check"], ["plan"], ["whatif"]) else argv, capsys)
