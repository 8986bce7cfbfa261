"""Builtin routes vs Batfish's recorded ``routes`` answers on the reference example network."""

from __future__ import annotations

import json
from typing import Any

from validator.model.dataplane import Route

RouteRow = tuple[str, str, str, str, str, int, int]


def _ref_row(r: dict[str, Any]) -> RouteRow:
    return (
        r["Node"]["name"],
        r["VRF"],
        r["Network"],
        r["Protocol"],
        json.dumps(r["Next_Hop"], sort_keys=True),
        int(r["Admin_Distance"]),
        int(r["Metric"]),
    )


def _row(r: Route) -> RouteRow:
    return (
        r.node,
        r.vrf,
        str(r.network),
        r.protocol,
        json.dumps(r.next_hop.to_json(), sort_keys=True),
        r.admin_distance,
        r.metric,
    )


def _report(missing: list[RouteRow], extra: list[RouteRow]) -> str:
    lines = [f"missing (in Batfish, not builtin): {len(missing)}"]
    lines += [f"  - {m}" for m in missing]
    lines.append(f"extra (builtin only): {len(extra)}")
    lines += [f"  + {e}" for e in extra]
    return "\n".join(lines)


def test_live_routes_equal_batfish(rows_of: Any, dataplane_of: Any) -> None:
    expected = [_ref_row(r) for r in rows_of("routes.ref")]
    dp = dataplane_of("live")
    assert dp.converged
    actual = [_row(r) for r in dp.routes()]
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    assert not missing and not extra, _report(missing, extra)
    assert len(actual) == len(expected) == 315


def test_live_routes_in_batfish_order(rows_of: Any, dataplane_of: Any) -> None:
    """ribs[node][vrf] is sorted exactly as Batfish's routes answer (prefix, then next hop)."""
    expected = [_ref_row(r) for r in rows_of("routes.ref")]
    actual = [_row(r) for r in dataplane_of("live").routes()]
    assert actual == expected


def _by_key(routes: list[Route]) -> dict[tuple[str, str, str, str], Route]:
    return {(r.node, r.vrf, str(r.network), json.dumps(r.next_hop.to_json(), sort_keys=True)): r for r in routes}


def test_routes_diff_with_bgp_announcements_vs_candidate(rows_of: Any, dataplane_of: Any) -> None:
    """routes differential=true: snapshot live-with-bgp-announcements, reference candidate."""
    snap = _by_key(dataplane_of("live-with-bgp-announcements").routes())
    ref = _by_key(dataplane_of("candidate").routes())
    actual: set[tuple[Any, ...]] = set()
    for key in snap.keys() | ref.keys():
        s, r = snap.get(key), ref.get(key)
        if (
            s is not None
            and r is not None
            and (s.protocol, s.metric, s.admin_distance)
            == (
                r.protocol,
                r.metric,
                r.admin_distance,
            )
        ):
            continue
        presence = "Only in Snapshot" if r is None else "Only in Reference" if s is None else "In both"
        actual.add(
            (
                key[0],
                key[1],
                key[2],
                presence,
                key[3] if s is not None else None,
                s.protocol if s else None,
                s.metric if s else None,
                s.admin_distance if s else None,
                key[3] if r is not None else None,
                r.protocol if r else None,
                r.metric if r else None,
                r.admin_distance if r else None,
            )
        )
    expected = set()
    for row in rows_of("routes-diff.ref"):
        snh, rnh = row["Snapshot_Next_Hop"], row["Reference_Next_Hop"]
        expected.add(
            (
                row["Node"]["name"],
                row["VRF"],
                row["Network"],
                row["Entry_Presence"],
                json.dumps(snh, sort_keys=True) if snh else None,
                row["Snapshot_Protocol"],
                row["Snapshot_Metric"],
                row["Snapshot_Admin_Distance"],
                json.dumps(rnh, sort_keys=True) if rnh else None,
                row["Reference_Protocol"],
                row["Reference_Metric"],
                row["Reference_Admin_Distance"],
            )
        )
    assert actual == expected, (
        f"missing: {sorted(expected - actual, key=str)}\nextra: {sorted(actual - expected, key=str)}"
    )


def test_bgp_session_status_matches(rows_of: Any, dataplane_of: Any) -> None:
    """bgpSessionStatus nodes="as2.*", remoteNodes="as3.*"."""
    dp = dataplane_of("live")
    actual = {
        (
            s.node,
            s.vrf,
            s.local_as,
            str(s.local_ip),
            str(s.remote_as),
            s.remote_node,
            str(s.remote_ip),
            s.session_type,
            s.status,
        )
        for s in dp.bgp_sessions
        if s.node.startswith("as2") and s.remote_node is not None and s.remote_node.startswith("as3")
    }
    expected = {
        (
            r["Node"]["name"],
            r["VRF"],
            r["Local_AS"],
            r["Local_IP"],
            r["Remote_AS"],
            r["Remote_Node"]["name"],
            r["Remote_IP"]["value"],
            r["Session_Type"],
            r["Established_Status"],
        )
        for r in rows_of("bgpSessionStatus.ref")
    }
    assert actual == expected
