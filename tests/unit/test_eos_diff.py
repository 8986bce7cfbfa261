"""Stanza-level change sets on EOS files: 3-space indentation, ``address-family`` and ``vrf``
blocks nested in ``router bgp`` without ``exit-address-family`` (issue 16 part A)."""

from __future__ import annotations

from validator.diff.stanzas import segment_ios

EOS = """hostname leaf1
interface Port-Channel10
   no switchport
   ip address 10.0.0.1/31
router bgp 65101
   neighbor 10.1.1.0 remote-as 65000
   address-family ipv4
      neighbor 10.1.1.0 activate
      no neighbor 10.1.1.2 activate
   vrf RED
      neighbor 10.1.1.0 remote-as 65009
      address-family ipv4
         neighbor 10.1.1.0 activate
   redistribute connected
"""


def test_eos_bgp_blocks_are_split_by_indentation() -> None:
    st = segment_ios(EOS)
    default = st[("bgp neighbor", "10.1.1.0")]
    assert [(ln.line, ln.context) for ln in default.lines] == [(6, ""), (8, "address-family ipv4")]
    red = st[("bgp neighbor", "vrf RED 10.1.1.0")]
    assert [(ln.line, ln.context) for ln in red.lines] == [(11, "vrf RED"), (13, "vrf RED | address-family ipv4")]
    assert [ln.line for ln in st[("bgp neighbor", "10.1.1.2")].lines] == [9]
    # after the vrf block, a process line is back in the default context
    process = st[("router bgp", "")]
    assert [(ln.line, ln.context) for ln in process.lines if ln.line == 14] == [(14, "")]
    assert ("interface", "Port-channel10") in st
