"""The public surface: ``validator --version``, the typed keyword-only ``validator.check`` (a
typo in a deployment script fails ``mypy``), and pybatfish as the optional ``[batfish]`` extra."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import validator
from validator.backends.batfish import BATFISH_EXTRA, default_session_factory
from validator.cli import main
from validator.errors import BackendUnavailable

ROOT = Path(__file__).resolve().parents[2]


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.strip() == f"validator {validator.__version__}"
    assert validator.__version__[0].isdigit()


def _mypy(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "deploy.py"
    script.write_text("import validator\n\n" + body)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent", str(script)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


def test_check_signature_is_checked_by_mypy(tmp_path: Path) -> None:
    good = _mypy(tmp_path, 'v = validator.check(head="snap", base="live", policies="p", max_scenarios=10)\n')
    assert good.returncode == 0, good.stdout
    bad = _mypy(
        tmp_path,
        'v = validator.check(head="snap", polices="p")\n'  # typo
        'w = validator.check("snap")\n',  # positional: keyword-only
    )
    assert bad.returncode == 1
    assert 'Unexpected keyword argument "polices"' in bad.stdout
    assert "Too many positional arguments" in bad.stdout


def test_missing_pybatfish_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if name == "pybatfish" or name.startswith("pybatfish."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pybatfish", None)  # import fails, as when not installed
    with pytest.raises(BackendUnavailable) as exc:
        default_session_factory("127.0.0.1", 9)  # fails before any connection
    assert exc.value.exit_code == 3
    assert f"pip install '{BATFISH_EXTRA}'" in str(exc.value)
    assert BATFISH_EXTRA == "netchange-validator[batfish]"


def test_declared_dependencies() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = " ".join(project["dependencies"])
    assert "pybatfish" not in deps and "netaddr" not in deps and "networkx" not in deps
    assert any(d.startswith("pybatfish") for d in project["optional-dependencies"]["batfish"])
