"""``validator.check(...)``: the library front door gives the same verdicts as the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from gate_helpers import BASE, EXPECTED_STATE, GitRepo, change_dir

import validator


@pytest.fixture(scope="module")
def blocked(state_policies: Path) -> validator.Verdict:
    return validator.check(head=change_dir("break-required-flow"), base=BASE, policies=state_policies)


@pytest.fixture(scope="module")
def passed(state_policies: Path) -> validator.Verdict:
    return validator.check(head=str(change_dir("benign")), base=str(BASE), policies=str(state_policies))


def test_blocked_verdict_object(blocked: validator.Verdict) -> None:
    assert isinstance(blocked, validator.Verdict)
    assert blocked.verdict == "block" and blocked.passed is False
    assert all(isinstance(f, validator.Finding) for f in blocked.findings)
    assert {f.policy for f in blocked.findings if f.severity == "error"} == EXPECTED_STATE["break-required-flow"][1]
    assert blocked.change is not None and blocked.change.devices == ("az2-r1",)
    doc = json.loads(blocked.to_json())
    assert doc["schema"] == "validator.verdict/1" and doc["verdict"] == "block"
    assert len(doc["findings"]) == len(blocked.findings)


def test_raise_for_block_raises_change_blocked(blocked: validator.Verdict) -> None:
    with pytest.raises(validator.ChangeBlocked) as info:
        blocked.raise_for_block()
    assert info.value.verdict is blocked
    assert info.value.exit_code == 1
    first = next(f for f in blocked.findings if f.severity == "error")
    assert first.policy in str(info.value)
    assert isinstance(info.value, validator.ValidatorError)


def test_passed_verdict_and_raise_for_block_returns_none(passed: validator.Verdict) -> None:
    assert passed.passed is True and passed.verdict == "pass"
    assert passed.findings == []
    assert passed.raise_for_block() is None  # type: ignore[func-returns-value]
    assert json.loads(passed.to_json())["verdict"] == "pass"


def test_intent_argument(state_policies: Path) -> None:
    intent = change_dir("intent-exact") / ".validator" / "intent.yaml"
    v = validator.check(head=change_dir("intent-more"), base=BASE, policies=state_policies, intent=intent)
    assert not v.passed
    assert {f.flow["dst_port"] for f in v.findings if f.flow} == {22}
    v = validator.check(head=change_dir("intent-exact"), base=BASE, policies=state_policies, intent=intent)
    assert v.passed


def test_state_only_library_call(state_policies: Path) -> None:
    v = validator.check(head=BASE, policies=state_policies)
    assert v.passed and v.base is None and v.change is None
    assert len(v.policies_run) == 12


def test_bad_input_raises_input_error(state_policies: Path, tmp_path: Path) -> None:
    with pytest.raises(validator.InputError) as info:
        validator.check(head=tmp_path / "missing", base=BASE, policies=state_policies)
    assert str(tmp_path / "missing") in str(info.value)
    with pytest.raises(validator.InputError):
        validator.check(head=BASE, policies=tmp_path / "no-policies.yaml")


def test_git_mode(repo_factory: Callable[..., GitRepo]) -> None:
    repo = repo_factory(change_dir("break-required-flow"))
    before = repo.state()
    v = validator.check(
        repo=repo.path, base_rev="main", head_rev=repo.branch, snapshot_path="network", policies="policies"
    )
    assert v.verdict == "block"
    assert {f.policy for f in v.findings if f.severity == "error"} == EXPECTED_STATE["break-required-flow"][1]
    assert v.base is not None and v.base.rev == repo.base_sha and v.head.rev == repo.head_sha
    # default revisions: HEAD against the merge-base with main
    v2 = validator.check(repo=str(repo.path), snapshot_path="network", policies="policies")
    assert v2.to_dict()["findings"] == v.to_dict()["findings"]
    assert repo.state() == before
    with pytest.raises(validator.ChangeBlocked):
        v.raise_for_block()
    with pytest.raises(validator.InputError, match="must not start with '-'"):
        validator.check(repo=repo.path, base_rev="--output=x", snapshot_path="network")
