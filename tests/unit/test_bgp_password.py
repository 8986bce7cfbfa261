"""``neighbor X password``: a session whose ends disagree (one side set, or different keys) is not
established, as on real routers (TCP MD5 drops unsigned or badly signed segments), and the routes
it would carry are gone. Batfish does not model this; the builtin engine does, on purpose."""

from __future__ import annotations

import pytest
from engine_helpers import dataplane, protocols

from validator.checks.hygiene import check_hygiene

R1 = """
hostname r1
interface GigabitEthernet0/0
 ip address 10.0.12.1 255.255.255.0
interface Loopback1
 ip address 10.1.1.1 255.255.255.0
router bgp 65001
 network 10.1.1.0 mask 255.255.255.0
 neighbor 10.0.12.2 remote-as 65002
{pw}
"""
R2 = """
hostname r2
interface GigabitEthernet0/0
 ip address 10.0.12.2 255.255.255.0
router bgp 65002
 neighbor 10.0.12.1 remote-as 65001
{pw}
"""


def _status(pw1: str, pw2: str) -> tuple[str, str, set[str]]:
    dp = dataplane(
        R1.format(pw=pw1 and f" neighbor 10.0.12.2 password {pw1}"),
        R2.format(pw=pw2 and f" neighbor 10.0.12.1 password {pw2}"),
    )
    (s,) = [s for s in dp.bgp_sessions if s.node == "r2"]
    return s.status, s.reason, protocols(dp, "r2", "10.1.1.0/24")


@pytest.mark.parametrize(
    ("pw1", "pw2", "up"),
    [
        ("", "", True),
        ("s3cret", "s3cret", True),
        ("7 0822455D0A16", "cisco", True),  # type 7 and clear text of the same key
        ("s3cret", "", False),  # one side only
        ("", "s3cret", False),
        ("s3cret", "other", False),  # different keys
    ],
)
def test_password_mismatch_keeps_the_session_down(pw1: str, pw2: str, up: bool) -> None:
    status, reason, learned = _status(pw1, pw2)
    if up:
        assert (status, reason, learned) == ("ESTABLISHED", "", {"bgp"})
    else:
        assert (status, reason, learned) == ("NOT_ESTABLISHED", "AUTHENTICATION_MISMATCH", set())


def test_hygiene_names_the_mismatch() -> None:
    dp = dataplane(R1.format(pw=" neighbor 10.0.12.2 password a"), R2.format(pw=""))
    msgs = [f.message for f in check_hygiene(policy="h", dp=dp, require=("bgp_sessions_up",))]
    assert any("r2: BGP session to 10.0.12.1" in m and "AUTHENTICATION_MISMATCH" in m for m in msgs), msgs
