"""``validator policies lint``: exit codes and one line per problem, never a traceback."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from validator.cli import main

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^[^:\n]+:\d+: [^:\n]+: .+$")

CONFIG = """\
hostname Core1
!
interface GigabitEthernet0/0
 ip address 10.1.0.1 255.255.255.0
!
interface GigabitEthernet0/1
 ip address 10.2.0.1 255.255.255.0
!
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def snapshot_dir(tmp_path: Path) -> Path:
    write(tmp_path / "snap" / "configs" / "core1.cfg", CONFIG)
    return tmp_path / "snap"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(["policies", "lint", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_repository_examples_lint_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(REPO / "policies"))
    assert (code, err) == (0, "")
    assert len(out) == 1 and re.fullmatch(r"ok: \d+ policies, \d+ zones", out[0])


def test_valid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path / "p.yaml",
        """\
        version: 1
        zones: {a: {prefixes: [10.1.0.0/16]}, b: {nodes: [core1]}}
        policies:
          - {name: x, type: reachability, from: a, to: b, expect: allow}
          - {name: y, type: hygiene, require: [no_parse_errors]}
        """,
    )
    assert run(capsys, str(path)) == (0, ["ok: 2 policies, 2 zones"], "")


def test_schema_errors_one_line_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path / "p.yaml",
        """\
        version: 1
        zones:
          a: {prefixes: [10.1.0.0/16], colour: red}
        policies:
          - {name: x, type: reachability, from: a, to: nowhere, expect: allow}
          - {name: y, type: teleport}
        """,
    )
    code, out, err = run(capsys, str(path))
    assert code == 2 and err == ""
    assert out == [
        f"{path}:3: zones.a.colour: unknown key (expected one of: description, interfaces, nodes, prefixes)",
        f"{path}:6: policies[y].type: must be one of reachability, redundancy, blast_radius, no_regression, "
        "hygiene, management, routing (got 'teleport')",
    ]


def test_build_errors_after_schema_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path / "p.yaml",
        "version: 1\nzones: {a: {prefixes: [10.1.0.0/16]}}\n"
        "policies:\n  - {name: x, type: reachability, from: a, to: nowhere, expect: allow}\n",
    )
    code, out, _ = run(capsys, str(path))
    assert code == 2
    assert out == [f"{path}:4: policies[x].to: undefined zone 'nowhere' (zones: a)"]


def test_malformed_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "p.yaml", "version: 1\nzones:\n  a: {prefixes: [10.0.0.0/8]\nb: 2\n")
    code, out, err = run(capsys, str(path))
    assert code == 2 and err == "" and len(out) == 1
    assert out[0].startswith(f"{path}:4: yaml: malformed YAML") and LINE.match(out[0])


def test_duplicate_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "p.yaml", "version: 1\nversion: 1\n")
    assert run(capsys, str(path)) == (2, [f"{path}:2: version: duplicate key (first at line 1)"], "")


def test_missing_path_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(tmp_path / "nope"))
    assert code == 2 and len(out) == 1 and "no such policy file" in out[0] and "Traceback" not in err


def test_snapshot_names_checked(tmp_path: Path, snapshot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path / "p.yaml",
        """\
        version: 1
        zones:
          a: {nodes: [core1]}
          b: {nodes: [core2]}
          c: {interfaces: ["core1[GigabitEthernet0/7]"]}
        risk_groups:
          g: ["link:core1[GigabitEthernet0/0]"]
        """,
    )
    assert run(capsys, str(path))[0] == 0  # names are only checked with --snapshot
    code, out, err = run(capsys, str(path), "--snapshot-dir", str(snapshot_dir))
    assert code == 2 and err == ""
    assert [line.split(": ")[0:2] for line in out] == [
        [f"{path}:4", "zones.b.nodes[0]"],
        [f"{path}:5", "zones.c.interfaces[0]"],
    ]
    assert all(LINE.match(line) for line in out)


def test_snapshot_clean(tmp_path: Path, snapshot_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "p.yaml", "version: 1\nzones:\n  a: {nodes: ['/CORE/']}\n")
    assert run(capsys, str(path), "--snapshot-dir", str(snapshot_dir)) == (0, ["ok: 0 policies, 1 zones"], "")


def test_bad_snapshot_is_exit_2_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "p.yaml", "version: 1\n")
    code, out, err = run(capsys, str(path), "--snapshot-dir", str(tmp_path / "no-snapshot"))
    assert code == 2 and out == [] and len(err.splitlines()) == 1 and "Traceback" not in err


def test_intent_linted_with_policies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policies = write(tmp_path / "p.yaml", "version: 1\nzones:\n  a: {prefixes: [10.1.0.0/16]}\n")
    good = write(tmp_path / "good.yaml", "version: 1\nchanges:\n  - {from: a, to: {nodes: [core1]}, expect: allow}\n")
    bad = write(tmp_path / "bad.yaml", "version: 1\nchanges:\n  - {from: a, to: b, expect: allow}\n")
    assert run(capsys, str(policies), "--intent", str(good)) == (
        0,
        ["ok: 0 policies, 1 zones, intent with 1 changes"],
        "",
    )
    assert run(capsys, str(policies), "--intent", str(bad)) == (
        2,
        [f"{bad}:3: changes[0].to: undefined zone 'b' (zones: a)"],
        "",
    )


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["policies"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["policies", "lint"])
    assert info.value.code == 2


REGION = REPO / "fixtures" / "region"


@pytest.mark.parametrize("policies", [REPO / "policies", REGION / "policies"], ids=["examples", "fixture"])
def test_policies_name_only_what_the_region_fixture_has(policies: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not (REGION / "base" / "configs").is_dir() or not policies.is_dir():
        pytest.skip(f"region fixture not present: {REGION / 'base'} or {policies}")
    code, out, err = run(capsys, str(policies), "--snapshot-dir", str(REGION / "base"))
    assert (code, err) == (0, ""), out
    assert out[0].startswith("ok: ")
