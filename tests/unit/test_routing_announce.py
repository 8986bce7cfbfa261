"""What the borders fixture announces to its external peers (engine/announce.py): the export
transformation an established eBGP session applies (AS prepend, next-hop self, communities only
with ``send-community``, ``default-originate``), and which neighbours count as external."""

from __future__ import annotations

import shutil
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from validator.engine.announce import announcements, bgp_ribs, external_peers
from validator.engine.dataplane import compute_dataplane
from validator.engine.incremental import fast_dataplane
from validator.engine.types import DataPlane, FailureSet
from validator.snapshot.folder import load_snapshot

BASE = Path(__file__).resolve().parents[2] / "fixtures" / "borders" / "base"


@pytest.fixture(scope="module")
def dp() -> DataPlane:
    return compute_dataplane(load_snapshot(BASE))


def test_external_peers_are_the_neighbours_no_device_owns(dp: DataPlane) -> None:
    assert sorted(p.label for p in external_peers(dp)) == [
        "border1[192.0.2.2]",
        "border1[198.51.100.2]",
        "border2[198.51.100.6]",
    ]


def test_announcements_follow_the_export_transformation(dp: DataPlane) -> None:
    sent = announcements(dp)
    isp1 = {str(a.network): a for a in sent["border1[198.51.100.2]"]}
    assert sorted(isp1) == ["198.18.5.0/24", "203.0.113.0/24"]  # no private, no ISP transit
    cust = isp1["198.18.5.0/24"]
    assert cust.route.as_path == (65000, 65300)
    assert cust.route.next_hop_ip == IPv4Address("198.51.100.1")  # next-hop self towards eBGP
    assert cust.route.communities == frozenset()  # 65000:300 is set, but send-community is off
    own = isp1["203.0.113.0/24"]
    assert own.route.as_path == (65000,)
    assert [o.line for o in own.origin] == [26]  # the network statement
    customer = {str(a.network): a for a in sent["border1[192.0.2.2]"]}
    assert sorted(customer) == ["0.0.0.0/0", "203.0.113.0/24"]
    assert customer["0.0.0.0/0"].line is not None and customer["0.0.0.0/0"].line.line == 33  # default-originate


def test_send_community_keeps_the_communities(tmp_path: Path) -> None:
    head = tmp_path / "head"
    shutil.copytree(BASE, head)
    cfg = head / "configs" / "border1.cfg"
    cfg.write_text(
        cfg.read_text().replace(
            " neighbor 198.51.100.2 route-map TO-ISP out\n",
            " neighbor 198.51.100.2 route-map TO-ISP out\n neighbor 198.51.100.2 send-community\n",
        )
    )
    sent = announcements(compute_dataplane(load_snapshot(head)))
    cust = next(a for a in sent["border1[198.51.100.2]"] if a.network == IPv4Network("198.18.5.0/24"))
    assert cust.route.communities == frozenset({(65000 << 16) | 300})


def test_incremental_data_plane_gets_the_reference_bgp_ribs(dp: DataPlane) -> None:
    fast = fast_dataplane(load_snapshot(BASE), FailureSet())
    assert set(bgp_ribs(fast)) == set(bgp_ribs(dp))
    assert announcements(fast).keys() == announcements(dp).keys()


def test_bgp_ribs_of_a_data_plane_without_them_come_from_the_python_reference(
    dp: DataPlane, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A data plane from another engine (native core, incremental) keeps no BGP RIBs; the routing
    check must not recompute them through ``compute_dataplane``, which may answer from the native
    core again without RIBs — "nothing announced" would be a silent pass."""
    import dataclasses

    import validator.engine.dataplane as dataplane_mod

    def no_dispatch(*_a: object, **_k: object) -> DataPlane:
        raise AssertionError("compute_dataplane may answer without BGP RIBs")

    monkeypatch.setattr(dataplane_mod, "compute_dataplane", no_dispatch)
    bare = dataclasses.replace(dp, bgp_ribs=None)
    ribs = bgp_ribs(bare)
    assert ribs and ribs == dp.bgp_ribs
