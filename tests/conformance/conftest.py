"""Shared fixtures for conformance tests against recorded Batfish answers in ../shared."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from validator.engine.dataplane import compute_dataplane
from validator.engine.types import DataPlane
from validator.model.snapshot import Snapshot

EXAMPLE = Path(__file__).parents[2] / ".." / "shared" / "reference" / "batfish-example"


@pytest.fixture(scope="session")
def example_dir() -> Path:
    if not EXAMPLE.is_dir():
        pytest.skip(f"reference example not found at {EXAMPLE.resolve()}")
    return EXAMPLE


def load_answer(example: Path, name: str) -> Any:
    return json.loads((example / "answers" / name).read_text())


def answer_rows(example: Path, name: str) -> list[dict[str, Any]]:
    """Rows of a recorded TableAnswerElement (a list holding one element, or a bare answer)."""
    data = load_answer(example, name)
    element = data[0] if isinstance(data, list) else data["answerElements"][0]
    rows: list[dict[str, Any]] = element["rows"]
    return rows


@pytest.fixture(scope="session")
def rows_of(example_dir: Path) -> Any:
    """``rows_of("routes.ref")``: the rows of a recorded answer."""
    return lambda name: answer_rows(example_dir, name)


@lru_cache(maxsize=16)
def _snapshot(path: str) -> Snapshot:
    from validator.snapshot.folder import load_snapshot

    return load_snapshot(path)


@lru_cache(maxsize=16)
def _dataplane(path: str) -> DataPlane:
    return compute_dataplane(_snapshot(path))


@pytest.fixture(scope="session")
def snapshot_of(example_dir: Path) -> Any:
    return lambda name: _snapshot(str(example_dir / name))


@pytest.fixture(scope="session")
def dataplane_of(example_dir: Path) -> Any:
    return lambda name: _dataplane(str(example_dir / name))
