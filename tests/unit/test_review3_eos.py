"""Fail-closed review #3 (Arista EOS, mixed snapshots, native feature check): each test failed
before its fix."""

from __future__ import annotations

import pytest

from validator.parsers import parse_config

_EOS_HEAD = "! device: r1 (DCS-7050SX3, EOS-4.28.3M)\nhostname r1\n"


@pytest.mark.parametrize("address", ["a/b", "10.0.0.0/33", "10.0.0.0/x"])
def test_malformed_cidr_in_eos_acl_is_warned_not_a_traceback(address: str) -> None:
    """``permit ip a/b any`` raised ipaddress's ValueError out of the ACL parser (a traceback, exit
    3): it must be one warning on its line, with the ACL partial so nothing passes on it."""
    text = _EOS_HEAD + f"ip access-list A\n   10 permit ip {address} any\n   20 permit ip any any\n"
    node = parse_config(text, "configs/r1.cfg")
    assert any(w.line == 4 for w in node.warnings)
    assert node.acls["A"].unparsed


def test_malformed_cidr_in_ios_acl_is_warned_not_a_traceback() -> None:
    text = "hostname r1\nip access-list extended A\n 10 permit ip any 1.2.3.4/40\n"
    node = parse_config(text, "configs/r1.cfg")
    assert any(w.line == 3 for w in node.warnings)
    assert node.acls["A"].unparsed


def test_eos_match_ip_address_access_list_names_the_acl_only() -> None:
    """EOS spells ``match ip address access-list NAME``: the keyword was read as a second (undefined)
    ACL name, a spurious undefined reference, and with NAME undefined too the match was dropped."""
    text = _EOS_HEAD + (
        "ip access-list A\n   10 permit ip 10.0.0.0/8 any\nroute-map R permit 10\n   match ip address access-list A\n"
    )
    node = parse_config(text, "configs/r1.cfg")
    (match,) = node.route_maps["R"].clauses[0].matches
    assert getattr(match, "acls", None) == ("A",)
    assert not node.undefined_references
