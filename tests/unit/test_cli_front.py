"""The command line's front: every subcommand's help page, -q/-v/--color, NO_COLOR/FORCE_COLOR,
``--snapshot-dir`` (a folder) with the old ``--snapshot`` spelling as a noted alias, and progress
lines in logs."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from validator.cli import build_parser, main
from validator.cli.common import is_group, subparsers, use_color
from validator.cli.progress import progress_bar, progress_lines

ROOT = Path(__file__).resolve().parents[2]
PAIR = ROOT / "fixtures" / "unit" / "harden" / "pair"
CHECK = ["check", "--base-dir", str(PAIR / "base"), "--head-dir", str(PAIR / "blocked")]
CHECK += ["--policies", str(PAIR / "policies.yaml")]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _leaves() -> list[tuple[str, argparse.ArgumentParser]]:
    return [(path, p) for path, p in subparsers(build_parser()) if not is_group(p)]


def test_every_subcommand_help_has_description_defaults_exit_codes_and_example() -> None:
    leaves = _leaves()
    assert {"check", "plan", "whatif", "routes", "trace", "policies lint", "verify-plan"} <= {p for p, _ in leaves}
    for path, parser in leaves:
        text = parser.format_help()
        body = text.split("\n\n", 1)[1]
        assert parser.description and body.startswith(parser.description.split("\n")[0]), path
        assert "\nexit codes:\n  0 " in text, path
        example = text.split("\nexample:\n", 1)[1]
        assert example.lstrip().startswith(f"validator {path}"), path
        for flag in ("-q, --quiet", "--color {auto,always,never}"):
            assert flag in text, (path, flag)
        defaulted = [a for a in parser._actions if a.option_strings and a.default not in (None, False, [], True)]
        defaulted = [a for a in defaulted if a.default is not argparse.SUPPRESS]
        for action in defaulted:
            shown = parser._get_formatter()._expand_help(action) if action.help else ""
            assert "default" in shown, (path, action.option_strings)


def test_help_exits_0_and_prints_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["whatif", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "--snapshot-dir DIR" in out and "exit codes:" in out and "validator whatif --snapshot-dir" in out


def test_snapshot_dir_and_the_old_spelling(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["routes", "--snapshot-dir", str(PAIR / "base"), "--format", "json"]) == 0
    new = capsys.readouterr()
    assert new.err == "" and '"node": "a"' in new.out
    assert main(["routes", "--snapshot", str(PAIR / "base"), "--format", "json"]) == 0
    old = capsys.readouterr()
    assert old.out == new.out
    (note,) = old.err.splitlines()
    assert "deprecated" in note and "--snapshot-dir" in note and "routes" in note
    # check and plan keep --snapshot as the path inside the repository
    check = build_parser().parse_args(["check", "--snapshot", "network"])
    assert check.snapshot == "network"


def test_quiet_and_verbose_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*CHECK, "-q"]) == 1
    quiet = capsys.readouterr()
    assert quiet.out.startswith("BLOCK: ") and "fix: configs/b.cfg:12 — " in quiet.out
    assert "findings:" not in quiet.out and quiet.err == ""
    assert main([*CHECK, "-v"]) == 1
    verbose = capsys.readouterr().out
    assert verbose.count("    config:") == 2  # both findings of the one cause in full
    assert main(CHECK) == 1
    normal = capsys.readouterr().out
    assert normal.count("    config:") == 1 and "[2] ERROR no-regress (no_regression): " in normal


def test_color_flag_and_environment(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    ns = argparse.Namespace(color="auto")
    assert not use_color(ns)  # pytest's stdout is not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert use_color(ns)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(ns)  # NO_COLOR wins over FORCE_COLOR
    assert use_color(argparse.Namespace(color="always")) and not use_color(argparse.Namespace(color="never"))
    monkeypatch.delenv("NO_COLOR")
    assert main([*CHECK, "--color", "always"]) == 1
    assert ANSI.search(capsys.readouterr().out)
    assert main([*CHECK, "--color", "never"]) == 1
    assert not ANSI.search(capsys.readouterr().out)


def test_progress_lines_in_a_log(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    now = [0.0]
    show = progress_lines(30.0, clock=lambda: now[0])
    for done, t in ((1, 5.0), (2, 31.0), (3, 40.0), (4, 62.0), (10, 63.0)):
        now[0] = t
        show("inter-az", done, 10)
    err = capsys.readouterr()
    assert err.out == ""  # never on stdout
    assert err.err.splitlines() == [
        "validator: progress: inter-az: 2/10 scenarios, 31 s",
        "validator: progress: inter-az: 4/10 scenarios, 62 s",
        "validator: progress: inter-az: 10/10 scenarios, 63 s",
    ]
    assert progress_bar(quiet=True) is None
    monkeypatch.setenv("VALIDATOR_PROGRESS", "0")
    assert progress_bar() is None
    monkeypatch.delenv("VALIDATOR_PROGRESS")
    assert progress_bar() is not None  # stderr is not a terminal here: periodic lines


def test_whatif_json_carries_the_root_cause_groups(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["whatif", "--snapshot-dir", str(PAIR / "base"), "--fail", "link:a[GigabitEthernet0/1]"]
    assert main([*argv, "--policies", str(PAIR / "policies.yaml"), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["groups"]
    grouped = sorted(i for g in doc["groups"] for i in g["findings"])
    assert grouped == [i for i, f in enumerate(doc["findings"]) if f["check"] != "note"]
    assert all(doc["findings"][i]["group"] == g["id"] for g in doc["groups"] for i in g["findings"])
