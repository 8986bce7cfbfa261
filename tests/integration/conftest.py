"""Fixtures for the end-to-end gate tests; the plain helpers are in gate_helpers.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from gate_helpers import GitRepo, make_repo, state_policies_text


@pytest.fixture(scope="session")
def state_policies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """region.yaml without the failure-sweep policies, as a file."""
    path = tmp_path_factory.mktemp("policies") / "region-state.yaml"
    path.write_text(state_policies_text())
    return path


@pytest.fixture(scope="session")
def repo_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., GitRepo]:
    """``repo_factory(change_dir, **make_repo_kwargs)``: a fresh repository in its own temp folder."""

    def factory(change: Path, **kw: Any) -> GitRepo:
        kw.setdefault("policies_text", state_policies_text())
        return make_repo(tmp_path_factory.mktemp(f"repo-{change.name}") / "r", change, **kw)

    return factory
