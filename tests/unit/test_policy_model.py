"""Name specifiers behave like Batfish's: case-insensitive names, case-insensitive find-regexes."""

from __future__ import annotations

import pytest

from validator.policy.model import NameSpec, split_interface_spec


@pytest.mark.parametrize(
    ("spec", "name", "expected"),
    [
        ("core1", "core1", True),
        ("CORE1", "core1", True),
        ("core1", "core10", False),
        ("/core/", "az1-core1", True),  # find, not fullmatch
        ("/^core/", "az1-core1", False),
        ("/CORE[12]$/", "az1-core2", True),
        ("/core[12]$/", "az1-core3", False),
        ("GigabitEthernet0/0", "gigabitethernet0/0", True),
        ("/", "/", True),  # too short to be a regex: a literal
    ],
)
def test_name_spec_matching(spec: str, name: str, expected: bool) -> None:
    assert NameSpec(spec).matches(name) is expected


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("core1[GigabitEthernet0/0]", ("core1", "GigabitEthernet0/0")),
        ("/border/[GigabitEthernet0/0]", ("/border/", "GigabitEthernet0/0")),
        ("/core[12]/[Gi0/1]", ("/core[12]/", "Gi0/1")),
        ("core1[/Gig.*0\\/1/]", ("core1", "/Gig.*0\\/1/")),
        ("core1", None),
        ("[Gi0/0]", None),
        ("/core[Gi0/0]", None),
        ("core1[]", None),
    ],
)
def test_split_interface_spec(text: str, parts: tuple[str, str] | None) -> None:
    assert split_interface_spec(text) == parts
