"""Suite-wide: say which data-plane core the run uses, so a CI log shows whether the native tests
ran or skipped (``VALIDATOR_ENGINE_CORE=python pytest`` is a supported way to run the suite: the
Python engine is the reference, and the tests that compare it with the core still force the core)."""

from __future__ import annotations

import os

import pytest

import validator.engine.native as native


def pytest_report_header(config: pytest.Config) -> str:
    mode = os.environ.get(native.ENV, "auto") or "auto"
    built = native.load_core() is not None
    ext = f"built (ABI {native.ABI_VERSION})" if built else "not built: the tests of the native core skip"
    return f"data-plane core: {native.ENV}={mode}; extension validator._core {ext}"
