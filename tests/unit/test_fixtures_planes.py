"""The transit-planes fixture (fixtures/planes) is well formed: every folder parses without a
warning, and the build script reproduces exactly what is committed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from validator.snapshot.folder import load_snapshot

PLANES = Path(__file__).resolve().parents[2] / "fixtures" / "planes"
FOLDERS = sorted(str(p.parent.relative_to(PLANES)) for p in PLANES.rglob("configs"))


def test_every_change_folder_is_listed_in_the_readme() -> None:
    readme = (PLANES.parent / "README.md").read_text()
    assert len(FOLDERS) == 13
    for rel in FOLDERS:
        assert f"`{rel}`" in readme, rel


@pytest.mark.parametrize("rel", FOLDERS)
def test_snapshot_parses_without_warnings(rel: str) -> None:
    snap = load_snapshot(PLANES / rel)
    assert not snap.warnings and not snap.file_errors
    assert sorted(snap.nodes) == [
        "az1-core",
        "az1-web",
        "az2-core",
        "az2-web",
        "az3-core",
        "az3-web",
        "plane-a",
        "plane-b",
    ]


def test_build_script_reproduces_committed_fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("planes_build", PLANES / "build.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["planes_build"] = mod
    try:
        spec.loader.exec_module(mod)
        monkeypatch.setattr(mod, "HERE", tmp_path)
        mod.main()
    finally:
        sys.modules.pop("planes_build", None)
    for rel in FOLDERS:
        for f in sorted((PLANES / rel).rglob("*")):
            if f.is_file():
                built = tmp_path / rel / f.relative_to(PLANES / rel)
                assert built.read_text() == f.read_text(), f
