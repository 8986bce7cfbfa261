"""Names, durations and token sealing: the validation that stands between input and git refs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from validator.coord.common import PlanRefused, parse_devices, parse_duration, validate_device, validate_owner
from validator.coord.token import check_integrity, content_digest, load_plan_token, seal
from validator.errors import InputError
from validator.snapshot import gitrefs


@pytest.mark.parametrize("name", ["core1", "core-1", "r1.az1", "border_2", "a", "10-0-0-1"])
def test_device_names_accepted(name: str) -> None:
    assert validate_device(name) == name


@pytest.mark.parametrize(
    "name",
    ["Core1", "", "core/1", "../core1", "a..b", "core1.", "core1.lock", ".core1", "-core1", "core 1", "c@{1}", "c:1"],
)
def test_device_names_rejected(name: str) -> None:
    with pytest.raises(InputError):
        validate_device(name)


def test_parse_devices_sorts_and_dedups() -> None:
    assert parse_devices("core2, core1,core2,") == ["core1", "core2"]
    with pytest.raises(InputError):
        parse_devices(" , ")


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("30m", 1800), ("2h", 7200), ("1d", 86400), (" 5m ", 300)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["30x", "30", "m", "-5m", "0s", "1.5h", "1h30m", "", "9999d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(InputError):
        parse_duration(text)


@pytest.mark.parametrize("owner", ["", "a b", "bot\nx", "<me>", "-bot", "x" * 200])
def test_bad_owner(owner: str) -> None:
    with pytest.raises(InputError):
        validate_owner(owner)


def _body() -> dict[str, object]:
    return {
        "schema": "validator.plan/1",
        "verdict": "pass",
        "base": {"commit": "a" * 40, "tree": "b" * 40},
        "head": {"commit": "c" * 40, "tree": "d" * 40},
        "snapshot_path": "snap",
        "policies": {"digest": "sha256:00", "path": None},
        "engine": {"name": "builtin", "version": "1"},
        "devices": ["core1"],
        "generations": {"core1": 0},
        "created_at": "2030-01-01T00:00:00Z",
    }


def test_unsigned_token_detects_any_edit() -> None:
    token = seal(_body(), None)
    check_integrity(token, None)
    for field, value in [("devices", ["core2"]), ("verdict", "block"), ("generations", {"core1": 5})]:
        edited = {**token, field: value}
        with pytest.raises(PlanRefused, match="digest mismatch"):
            check_integrity(edited, None)


def test_signed_token_needs_the_key() -> None:
    token = seal(_body(), b"k1")
    check_integrity(token, b"k1")
    with pytest.raises(PlanRefused, match="signature does not match"):
        check_integrity(token, b"k2")
    # a forger who edits and recomputes the public digest still lacks the key
    forged = {**token, "devices": ["core9"]}
    forged["digest"] = content_digest(forged)
    with pytest.raises(PlanRefused, match="signature does not match"):
        check_integrity(forged, b"k1")
    with pytest.raises(PlanRefused, match="not set"):
        check_integrity(token, None)
    with pytest.raises(PlanRefused, match="not signed"):
        check_integrity(seal(_body(), None), b"k1")


def test_load_rejects_non_tokens(tmp_path: object) -> None:
    with pytest.raises(InputError, match="schema"):
        load_plan_token({"schema": "something/1"})
    body = seal(_body(), None)
    del body["generations"]
    with pytest.raises(InputError, match="generations"):
        load_plan_token(body)


def test_git_blob_id_matches_git() -> None:
    # the well-known id of the blob "hello\n"
    assert gitrefs.git_blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


@pytest.mark.parametrize("ref", ["refs/heads/main", "refs/validator/../heads/main", "refs/validator/x.lock", "HEAD"])
def test_gitrefs_refuses_refs_outside_its_namespace(ref: str) -> None:
    with pytest.raises(InputError):
        gitrefs.transaction(".", [gitrefs.RefUpdate(ref, "a" * 40, None)])
