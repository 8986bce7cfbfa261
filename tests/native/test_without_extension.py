"""The suite and the command line without the compiled core (issue 17: "without the extension, the
whole suite still passes").

The Python engine is the reference and the fallback, so a checkout where ``validator._core`` was
never built must work unchanged: ``auto`` (the default) falls back silently, ``native`` is an engine
error (exit 3) naming the missing extension, and every test that is about the native core skips
naming it. The full-suite runs are in the README's testing section (``VALIDATOR_ENGINE_CORE=python
pytest``); this module keeps the property CI-visible and cheap by running in subprocesses where the
extension cannot be imported (a ``sitecustomize`` puts ``None`` in ``sys.modules['validator._core']``,
which is what Python does for a module that is not there: ``from validator import _core`` raises
ImportError), so the work tree's built ``_core*.so`` is never moved or touched.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from native_helpers import FIXTURES, ROOT

import validator.engine.native as native

TESTS = ROOT / "tests"
OSPF_ONLY = FIXTURES / "native" / "ospf-areas"  # a snapshot the core supports: auto would go native
HIDE = "import sys\nsys.modules['validator._core'] = None  # type: ignore[assignment]\n"

# A slice of the suite that goes through ``auto`` on snapshots the core supports (so each would be
# computed natively if the extension were there), plus the native tests themselves (which must skip
# or pass) and the conformance tests against Batfish's recorded answers. About 25 s of CPU.
SLICE = [
    "tests/native/test_native_mode.py",
    "tests/native/test_native_dataplane.py",
    "tests/native/test_native_views.py",
    "tests/native/test_native_sessions.py",
    "tests/native/test_native_bench.py",
    "tests/native/test_review3_native.py",
    "tests/native/test_native_cli.py",
    "tests/conformance/test_routes.py",
    "tests/conformance/test_topology.py",
    "tests/conformance/test_traceroute.py",
    "tests/integration/test_zbf_gate.py",
    "tests/integration/test_soundness_cli.py",
    "tests/integration/test_fidelity_e2e.py",
    "tests/integration/test_check_folder.py::test_benign_passes_with_exit_0_and_says_so",
]


def _env(tmp_path: Path, core: str | None, hidden: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != native.ENV}
    if core is not None:
        env[native.ENV] = core
    if hidden:
        site = tmp_path / "hide-core"
        site.mkdir(exist_ok=True)
        (site / "sitecustomize.py").write_text(HIDE)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
    return env


def _run(args: list[str], tmp_path: Path, core: str | None, hidden: bool) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=_env(tmp_path, core, hidden),
        timeout=600,
        cwd=ROOT,
    )


def test_every_module_imports_and_no_core_loads_when_the_extension_is_hidden(tmp_path: Path) -> None:
    """No module may import the extension unconditionally: a checkout without it must still load."""
    code = (
        "import importlib, pkgutil, validator\n"
        "from validator.engine.native import load_core\n"
        "mods = [m.name for m in pkgutil.walk_packages(validator.__path__, 'validator.')\n"
        "        if m.name != 'validator._core' and not m.name.startswith('validator.__main__')]\n"
        "for m in mods: importlib.import_module(m)\n"
        "print(len(mods), load_core())\n"
    )
    run = _run(["-c", code], tmp_path, "auto", hidden=True)
    assert run.returncode == 0, run.stderr[-3000:]
    count, core = run.stdout.split()
    assert int(count) > 50 and core == "None"


def test_cli_without_the_extension_auto_falls_back_silently_native_exits_3(tmp_path: Path) -> None:
    routes = ["-m", "validator", "routes", "--snapshot-dir", str(OSPF_ONLY), "--format", "json"]
    reference = _run(routes, tmp_path, "python", hidden=False)
    assert reference.returncode == 0, reference.stderr
    # auto: the same answer as the Python engine, and not a word about the extension
    auto = _run(routes, tmp_path, None, hidden=True)
    assert auto.returncode == 0, auto.stderr
    assert auto.stderr == ""
    assert json.loads(auto.stdout) == json.loads(reference.stdout)
    # native insists: an engine error (exit 3), one line naming the extension, nothing on stdout
    insist = _run(routes, tmp_path, "native", hidden=True)
    assert insist.returncode == 3, insist.stderr
    assert insist.stdout == ""
    assert len(insist.stderr.splitlines()) == 1 and "Traceback" not in insist.stderr
    assert "validator._core" in insist.stderr and "not built" in insist.stderr


def test_check_insisting_on_the_missing_extension_still_writes_an_error_report(tmp_path: Path) -> None:
    """CI uploads the report whatever the exit code: exit 3 with verdict ``error``, never a pass."""
    region = FIXTURES / "region"
    out = tmp_path / "verdict.json"
    args = ["-m", "validator", "check", "--base-dir", str(region / "base"), "--head-dir"]
    args += [str(region / "changes" / "benign"), "--policies", str(region / "policies" / "region.yaml")]
    run = _run([*args, "--format", "json", "--output", str(out)], tmp_path, "native", hidden=True)
    assert run.returncode == 3, run.stderr
    assert "validator._core" in run.stderr and "Traceback" not in run.stderr
    assert json.loads(out.read_text())["verdict"] == "error"


def test_a_slice_of_the_suite_passes_without_the_extension(tmp_path: Path) -> None:
    """The slice passes with the extension hidden under the default mode; every test that needs
    the core skips, and says it is the extension that is missing."""
    # its own basetemp: the nested session never numbers or cleans the outer run's temp folders
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "slice"), *SLICE]
    run = _run(args, tmp_path, None, hidden=True)
    tail = run.stdout[-4000:]
    assert run.returncode == 0, tail
    summary = run.stdout.strip().splitlines()[-1]
    assert re.search(r"\d+ passed", summary) and "failed" not in summary and "error" not in summary, tail
    skips = [line for line in run.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skips, "the tests of the native core did not skip without it"
    assert all("validator._core is not built" in line for line in skips), "\n".join(skips)


def test_tests_that_need_the_core_ask_for_it() -> None:
    """A test module that calls the core directly (compute_native, the views, load_core) must go
    through require_core(), so a checkout without the extension skips it naming the extension
    instead of failing: this catches a new native test anywhere in the suite, not only the slice."""
    needs = {"compute_native", "load_core", "LazyVrfRibs", "NativeFib", "Converter", "_core"}
    offenders = []
    for path in sorted(TESTS.rglob("test_*.py")):
        if path.name == Path(__file__).name:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        if names & needs and "require_core" not in names:
            offenders.append(f"{path.relative_to(ROOT)}: {sorted(names & needs)}")
    assert not offenders, "call native_helpers.require_core() in:\n" + "\n".join(offenders)
