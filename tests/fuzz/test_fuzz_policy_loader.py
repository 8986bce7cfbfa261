"""Fuzzing the policy loader: mutated real policy files load or fail with one InputError that
names the file and line, never another exception (issue 10, item 6)."""

from __future__ import annotations

import pytest
from fuzz_helpers import SEEDS, long_run, mutated_policy_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from validator.errors import InputError
from validator.policy import load_policies_from_bytes
from validator.policy.model import PolicySet

COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow], "database": None}


def _load_or_input_error(name: str, data: bytes) -> None:
    try:
        pset = load_policies_from_bytes({name: data})
    except InputError as exc:
        assert exc.file == name, exc
        assert exc.line is not None and exc.line >= 1, exc.one_line()
        assert "\n" not in exc.one_line()
        return
    assert isinstance(pset, PolicySet)


def test_every_seed_loads() -> None:
    assert SEEDS, "no policy files found to mutate"
    for name, text in SEEDS.items():
        load_policies_from_bytes({name: text.encode()})


@settings(max_examples=100, **COMMON)
@given(mutated_policy_text())
def test_mutated_policy_files(case: tuple[str, str]) -> None:
    name, text = case
    _load_or_input_error(name, text.encode())


@settings(max_examples=60, **COMMON)
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    _load_or_input_error("policies/random.yaml", data)


@pytest.mark.fuzz
@settings(max_examples=5000, **COMMON)
@given(case=mutated_policy_text())
def test_mutated_policy_files_long(request: pytest.FixtureRequest, case: tuple[str, str]) -> None:
    long_run(request)
    _load_or_input_error(case[0], case[1].encode())
