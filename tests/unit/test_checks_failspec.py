"""validator.engine.failspec: failure SPECs resolved on fixtures/unit/checks/square (cases as data)."""

from __future__ import annotations

import pytest
from test_checks_helpers import dataplane

from validator.engine.failspec import parse_fail_spec, parse_fail_specs
from validator.engine.types import FailureSet
from validator.errors import InputError

G1, G2, G3 = "GigabitEthernet0/1", "GigabitEthernet0/2", "GigabitEthernet0/3"
GROUPS = {
    "primary": ["link:a[GigabitEthernet0/1]", "node:b"],
    "nested": ["group:primary", "interface:c[GigabitEthernet0/3]"],
    "loop": ["group:loop"],
}

OK: list[tuple[str, FailureSet]] = [
    ("node:b", FailureSet(nodes=frozenset({"b"}))),
    ("node: B ", FailureSet(nodes=frozenset({"b"}))),
    ("NODE:b", FailureSet(nodes=frozenset({"b"}))),
    ("interface:a[GigabitEthernet0/1]", FailureSet(interfaces=frozenset({("a", G1)}))),
    ("interface:A[gigabitethernet0/1]", FailureSet(interfaces=frozenset({("a", G1)}))),
    ("link:a[GigabitEthernet0/1]", FailureSet(interfaces=frozenset({("a", G1), ("b", G1)}))),
    ("link:d[GigabitEthernet0/2]", FailureSet(interfaces=frozenset({("d", G2), ("c", G3)}))),
    ("link:a[Loopback0]", FailureSet(interfaces=frozenset({("a", "Loopback0")}))),  # no edge: one end
    ("group:primary", FailureSet(nodes=frozenset({"b"}), interfaces=frozenset({("a", G1), ("b", G1)}))),
    (
        "group:nested",
        FailureSet(nodes=frozenset({"b"}), interfaces=frozenset({("a", G1), ("b", G1), ("c", G3)})),
    ),
]


@pytest.mark.parametrize(("spec", "want"), OK, ids=[c[0] for c in OK])
def test_fail_spec(spec: str, want: FailureSet) -> None:
    dp = dataplane("square")
    assert parse_fail_spec(spec, dp.snapshot, dp.edges, GROUPS) == want


BAD: list[tuple[str, str]] = [
    ("node:zz", "unknown node 'zz'"),
    ("interface:zz[GigabitEthernet0/1]", "unknown node 'zz'"),
    ("interface:a[GigabitEthernet9/9]", "has no interface 'GigabitEthernet9/9'"),
    ("interface:a", "expected NODE[INTERFACE]"),
    ("link:a[Gi0/1", "expected NODE[INTERFACE]"),
    ("group:nope", "unknown risk group 'nope'"),
    ("group:loop", "nest too deeply"),
    ("b", "expected node:NAME"),
    ("node:", "expected node:NAME"),
    ("rack:r1", "unknown kind 'rack'"),
]


@pytest.mark.parametrize(("spec", "message"), BAD, ids=[c[0] for c in BAD])
def test_bad_fail_spec_is_one_line_input_error(spec: str, message: str) -> None:
    dp = dataplane("square")
    with pytest.raises(InputError) as exc:
        parse_fail_spec(spec, dp.snapshot, dp.edges, GROUPS)
    text = str(exc.value)
    assert message in text and "\n" not in text and repr(spec) in text


def test_several_specs_union() -> None:
    dp = dataplane("square")
    fs = parse_fail_specs(["node:b", "link:c[GigabitEthernet0/3]"], dp.snapshot, iter(dp.edges))
    assert fs == FailureSet(nodes=frozenset({"b"}), interfaces=frozenset({("c", G3), ("d", G2)}))


def test_group_without_risk_groups_is_an_error() -> None:
    dp = dataplane("square")
    with pytest.raises(InputError, match="unknown risk group"):
        parse_fail_spec("group:primary", dp.snapshot, dp.edges, None)


@pytest.mark.parametrize("spec", ["interface:a[Gi0/1]", "link:a[gi0/1]"])
def test_interface_abbreviations(spec: str) -> None:
    dp = dataplane("square")
    assert ("a", G1) in parse_fail_spec(spec, dp.snapshot, dp.edges).interfaces
