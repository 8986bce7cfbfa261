"""The style rules the README promises, enforced where every submission runs them (``.ci/run``):
``ruff check`` and ``ruff format --check`` are clean on the package, the tests and the benchmarks.
(``mypy --strict validator`` runs in the GitHub workflow; it takes a minute, so not here.)"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ["validator", "tests", "benchmarks"]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists():
        pytest.skip("ruff is not installed (it comes with the [dev] extra)")
    exe = str(Path(sys.executable).parent / "ruff") if (Path(sys.executable).parent / "ruff").exists() else "ruff"
    return subprocess.run([exe, *args, *TARGETS], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_check_is_clean() -> None:
    run = _ruff("check", "--no-cache")
    assert run.returncode == 0, run.stdout[-4000:]


def test_ruff_format_is_clean() -> None:
    run = _ruff("format", "--check", "--no-cache")
    assert run.returncode == 0, run.stdout[-4000:]
