"""Issue 9's fidelity cases end to end through the ``validator`` CLI (in process), one test per row
of the README's fail-closed table that had only parser or engine unit tests so far.

Fixtures: ``fixtures/fidelity`` (README there): ``lan`` (one router between the internet and a
server LAN, plus one-edit changes), ``bgp`` (edge with eBGP to AS 65008 and AS 65009, ``open``
without and ``filtered`` with the as-path and community filters) and ``listen`` (a ``bgp listen
range`` hub and a spoke). Each test asserts the exit code and the verdict JSON, and is written so
that it fails without the feature it covers (see each docstring).

Cases covered elsewhere (not repeated here): ``maximum-paths N ecmp M`` in
tests/unit/test_ecmp_fabric.py::test_routes_json_lists_every_ecmp_path (``validator routes`` on
fixtures/ecmp-fabric), overlay host files in
tests/integration/test_unread_inputs.py::test_overlay_host_file_filters_the_router_end_to_end.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from gate_helpers import ROOT, run_cli

FID = ROOT / "fixtures" / "fidelity"
POL = FID / "policies"
LAN = FID / "lan"


def check(
    capsys: pytest.CaptureFixture[str], head: Path, policies: str, base: Path | None = None
) -> tuple[int, dict[str, Any]]:
    """``check --base-dir BASE --head-dir HEAD`` (state mode without ``base``), verdict JSON."""
    argv = ["check", "--head-dir", str(head), "--policies", str(POL / f"{policies}.yaml"), "--format", "json"]
    if base is not None:
        argv += ["--base-dir", str(base)]
    run = run_cli(capsys, argv)
    assert "Traceback" not in run.err
    assert run.out, (run.code, run.err)
    return run.code, json.loads(run.out)


def errors(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The first error finding of each policy."""
    found: dict[str, dict[str, Any]] = {}
    for f in doc["findings"]:
        if f["severity"] == "error":
            found.setdefault(f["policy"], f)
    return found


def decided(f: dict[str, Any], disposition: str) -> None:
    """A finding proved by a trace (not undecided, not a parse complaint) ending ``disposition``."""
    assert f["status"] == "new", f
    assert [t["disposition"] for t in f["trace"]] == [disposition], f["message"]
    assert "undecided" not in f["message"]


def line_of(path: Path, text: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln.strip() == text)


# --- 1. ip access-list NAME with sequence-numbered lines ------------------------------------------


def test_sequence_numbered_acl_blocks_allow_and_passes_deny(capsys: pytest.CaptureFixture[str]) -> None:
    """``ip access-list FROM-INTERNET`` (no standard/extended keyword) with ``10 deny tcp any any eq
    22`` on the internet interface. Without the ACL form the filter is dropped (or partial): ssh
    is then delivered (the deny policy blocks) or undecided (both block); only the modelled ACL
    gives exit 1 for the allow policy on line 14 and exit 0 for the deny policy."""
    head = LAN / "changes" / "acl-seq"
    cfg = head / "configs" / "r1.cfg"
    code, doc = check(capsys, head, "lan-open", base=LAN / "base")
    assert (code, doc["verdict"]) == (1, "block")
    failing = errors(doc)
    assert set(failing) == {"ssh-open"}  # web (tcp/443) is permitted by line 20
    decided(failing["ssh-open"], "DENIED_IN")
    deny_line = line_of(cfg, "10 deny tcp any any eq 22")
    assert failing["ssh-open"]["locations"][0] == {
        "file": "configs/r1.cfg",
        "line": deny_line,
        "text": "10 deny tcp any any eq 22",
    }
    step = failing["ssh-open"]["trace"][0]["hops"][0]["steps"][-1]
    assert (step["filter"], step["action"]) == ("FROM-INTERNET", "DENIED")

    code, doc = check(capsys, head, "lan-ssh-closed", base=LAN / "base")
    assert (code, doc["verdict"], errors(doc)) == (0, "pass", {})
    # the same deny policy blocks on the base, which has no filter: the ACL is what closes ssh
    code, doc = check(capsys, LAN / "base", "lan-ssh-closed")
    assert code == 1 and set(errors(doc)) == {"ssh-closed"}


# --- 2. ip as-path access-list + match as-path -----------------------------------------------------


def test_as_path_deny_rejects_the_route_from_as_65009(capsys: pytest.CaptureFixture[str]) -> None:
    """edge's route-map FROM-R9 matches as-path list 1 (``deny _65009_``, ``permit .*``): r9's
    10.9.0.0/24 is rejected, so internet -> AS 65009 is NO_ROUTE, while AS 65008 (whose session
    has no as-path filter) stays reachable. Without ``match as-path`` the clause matched every
    route (reach-65009 passes) or is partial (reach-65009 undecided)."""
    code, doc = check(capsys, FID / "bgp" / "filtered", "as-path", base=FID / "bgp" / "open")
    assert (code, doc["verdict"]) == (1, "block")
    failing = errors(doc)
    assert set(failing) == {"reach-65009"}
    decided(failing["reach-65009"], "NO_ROUTE")
    texts = {loc["text"] for loc in failing["reach-65009"]["locations"]}
    assert "ip as-path access-list 1 deny _65009_" in texts


def test_removing_the_as_path_deny_is_a_regression(capsys: pytest.CaptureFixture[str]) -> None:
    """The reverse change (the ``deny _65009_`` line removed) newly delivers internet -> AS 65009:
    ``no_regression`` blocks it as an exposure, base NO_ROUTE, head delivered at r9."""
    code, doc = check(capsys, FID / "bgp" / "open", "as-path-regress", base=FID / "bgp" / "filtered")
    assert (code, doc["verdict"]) == (1, "block")
    f = errors(doc)["no-regress-peers"]
    assert f["status"] == "new" and f["kind"] == "exposure"
    assert f["flow"]["dst_ip"].startswith("10.9.0.")
    assert "base NO_ROUTE at edge" in f["message"]
    assert [t["disposition"] for t in f["trace"]] == ["DELIVERED_TO_SUBNET"]
    assert "10.8." not in json.dumps(f["flow"])  # AS 65008 was never filtered


# --- 3. old-style ip community-list NAME permit 20:30 ----------------------------------------------


def test_old_style_community_list_matches(capsys: pytest.CaptureFixture[str]) -> None:
    """``ip community-list PEER-TAG permit 20:30`` (no standard/expanded keyword) and route-map
    FROM-R8 ``deny 10 / match community PEER-TAG``: r8 tags 10.8.0.0/24 with 20:30, so only that
    prefix is dropped at edge. If the list is not parsed, the match never matches (both prefixes
    delivered: exit 0) or the clause is partial (both undecided)."""
    code, doc = check(capsys, FID / "bgp" / "filtered", "community", base=FID / "bgp" / "open")
    assert (code, doc["verdict"]) == (1, "block")
    failing = errors(doc)
    assert set(failing) == {"reach-tagged"}  # 10.8.1.0/24 is untagged: permitted by clause 20
    decided(failing["reach-tagged"], "NO_ROUTE")
    texts = {loc["text"] for loc in failing["reach-tagged"]["locations"]}
    assert "route-map FROM-R8 deny 10" in texts


# --- 5. a global command indented under line vty ---------------------------------------------------


def test_static_route_under_line_vty_changes_the_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    """`` ip route 10.1.0.128 255.255.255.128 Null0`` indented under ``line vty 0 4``: IOS runs it
    in global configuration mode, so the servers' half of the LAN is null-routed and both allow
    policies block, naming that line. When the line was ignored with its stanza, the change
    passed."""
    head = LAN / "changes" / "vty-route"
    code, doc = check(capsys, head, "lan-open", base=LAN / "base")
    assert (code, doc["verdict"]) == (1, "block")
    failing = errors(doc)
    assert set(failing) == {"web-open", "ssh-open"}
    route_line = line_of(head / "configs" / "r1.cfg", "ip route 10.1.0.128 255.255.255.128 Null0")
    for f in failing.values():
        decided(f, "NULL_ROUTED")
        assert {"file": "configs/r1.cfg", "line": route_line, "text": "ip route 10.1.0.128 255.255.255.128 Null0"} in (
            f["locations"]
        )


# --- 6. parse errors in state mode ----------------------------------------------------------------


def test_state_mode_router_bgp_notanumber_blocks(capsys: pytest.CaptureFixture[str]) -> None:
    """``check --head-dir`` alone on a snapshot with ``router bgp notanumber``: exit 1 naming the
    file:line (it used to exit 0 and say nothing); the base alone passes."""
    head = LAN / "changes" / "bgp-notanumber"
    line = line_of(head / "configs" / "r1.cfg", "router bgp notanumber")
    code, doc = check(capsys, head, "lan-open")
    assert (code, doc["verdict"]) == (1, "block")
    msgs = [f["message"] for f in doc["findings"] if f["severity"] == "error"]
    assert len(msgs) == 1 and f"not understood at configs/r1.cfg:{line}" in msgs[0], msgs
    code, doc = check(capsys, LAN / "base", "lan-open")
    assert (code, errors(doc)) == (0, {})


# --- 7. traces to a subnet's network / broadcast address ------------------------------------------


@pytest.mark.parametrize(
    ("dst", "disposition"),
    [
        ("10.1.0.255", "EXITS_NETWORK"),  # broadcast of r1's server LAN: no interface owns it
        ("10.1.0.0", "EXITS_NETWORK"),  # its network address
        ("203.0.113.255", "EXITS_NETWORK"),  # broadcast of the internet link
        ("10.1.0.77", "DELIVERED_TO_SUBNET"),  # a host address of the LAN: internal, unchanged
    ],
)
def test_trace_to_broadcast_address_exits_the_network(
    capsys: pytest.CaptureFixture[str], dst: str, disposition: str
) -> None:
    """Batfish's internal space is the interfaces' host IPs (network and broadcast addresses
    excluded below /31), so a flow to a subnet's broadcast address leaves the network; with
    whole prefixes as the internal space it ended INSUFFICIENT_INFO."""
    argv = ["trace", "--snapshot-dir", str(LAN / "base"), "--from", "r1", "--dst", dst, "--format", "json"]
    run = run_cli(capsys, argv)
    assert run.code == 0, run.err
    items = json.loads(run.out)  # one per source address of r1
    assert {i["flow"]["src_ip"] for i in items} == {"10.1.0.1", "203.0.113.1"}
    for item in items:
        assert item["flow"]["dst_ip"] == dst
        assert [t["disposition"] for t in item["traces"]] == [disposition]


# --- 9. bgp listen range peers ---------------------------------------------------------------------


def test_listen_range_sessions_through_hygiene(capsys: pytest.CaptureFixture[str]) -> None:
    """A ``bgp listen range`` gives one session row per compatible remote peer (Batfish's
    bgpSessionStatus), not an invented DYNAMIC_LISTEN status:
    - spoke2 inside the range, session up: ``bgp_sessions_up`` passes;
    - the hub's inbound ACL drops spoke2's BGP: the hub's row for 10.0.12.2 is NOT_ESTABLISHED and
      blocks, located at the listen range line (this fails without per-remote rows);
    - the range covers no peer: the hub's one row names the prefix and is not an error, while
      spoke2, whose neighbour statement has no compatible remote, is NOT_COMPATIBLE."""
    listen = FID / "listen"
    code, doc = check(capsys, listen / "up", "bgp-up")
    assert (code, doc["verdict"], errors(doc)) == (0, "pass", {})

    code, doc = check(capsys, listen / "blocked", "bgp-up")
    assert (code, doc["verdict"]) == (1, "block")
    msgs = sorted(f["message"] for f in doc["findings"] if f["severity"] == "error")
    assert msgs == [
        "hub: BGP session to 10.0.12.2 (AS 65002) is NOT_ESTABLISHED",
        "spoke2: BGP session to 10.0.12.1 (AS 65001) is NOT_ESTABLISHED",
    ]
    hub_cfg = listen / "blocked" / "configs" / "hub.cfg"
    hub = next(f for f in doc["findings"] if f["message"].startswith("hub:"))
    assert hub["locations"][0]["line"] == line_of(hub_cfg, "bgp listen range 10.0.12.0/24 peer-group SPOKES")

    code, doc = check(capsys, listen / "no-peer", "bgp-up")
    assert code == 1
    msgs = [f["message"] for f in doc["findings"] if f["severity"] == "error"]
    assert msgs == ["spoke2: BGP session to 10.0.12.1 (AS 65001) is NOT_COMPATIBLE"]


# --- 10. interface-name canonicalisation ----------------------------------------------------------


def test_hundredgige_interface_resolves_under_its_canonical_name(capsys: pytest.CaptureFixture[str]) -> None:
    """The config says ``interface HundredGigE0/0/0/0.2302``; the policy's zone names
    ``r1[HundredGigabitEthernet0/0/0/0.2302]`` as Batfish does. Without canonicalisation the zone
    names an unknown interface (exit 2)."""
    code, doc = check(capsys, LAN / "changes" / "hundredgige", "tenant")
    assert (code, doc["verdict"], errors(doc)) == (0, "pass", {})
    assert [p["name"] for p in doc["policies"]] == ["tenant-to-servers"]


# --- subinterfaces ride on their parent (fixtures/fidelity/subif) -----------------------------------

SUBIF = FID / "subif"


def test_shutting_the_parent_takes_both_vlans_down(capsys: pytest.CaptureFixture[str]) -> None:
    """Primary (Gi0/1.100) and backup (Gi0/1.200) share r1's cable interface Gi0/1; the change shuts
    it. Batfish deactivates subinterfaces whose BIND parent is down; before this the gate kept both
    VLANs forwarding and passed the outage (exit 0)."""
    code, doc = check(capsys, SUBIF / "base", "subif")
    assert code == 0, doc["findings"]
    code, doc = check(capsys, SUBIF / "changes" / "parent-shut", "subif", base=SUBIF / "base")
    assert code == 1, doc["findings"]
    f = errors(doc)["servers-to-users"]
    decided(f, "NO_ROUTE")
    cfg = SUBIF / "changes" / "parent-shut" / "configs" / "r1.cfg"
    assert {"file": "configs/r1.cfg", "line": line_of(cfg, "shutdown"), "text": "shutdown"} in f["locations"], f


def test_a_failed_parent_interface_is_a_redundancy_finding(capsys: pytest.CaptureFixture[str]) -> None:
    """Failing the cable interface r1[Gi0/1] breaks both VLANs: a redundancy finding, not pruned away
    (the relevance closure holds the parent of every subinterface it depends on)."""
    code, doc = check(capsys, SUBIF / "base", "subif-redundancy")
    assert code == 1
    failed = {f["message"].split(" down:")[0].rsplit(" ", 1)[-1] for f in doc["findings"] if f["check"] == "redundancy"}
    assert "interface:r1[GigabitEthernet0/1]" in failed, failed


UND = FID / "undecided"


@pytest.mark.parametrize("prune", ["1", "0"], ids=["pruned", "unpruned"])
def test_a_failure_that_only_shortens_the_match_is_undecided_not_a_pass(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, prune: str
) -> None:
    """With r failed, a's lookup of the servers falls back from r's BGP /24 to the static /8: the
    same out interface and ARP IP, so the forwarding decision is the base's, but now d's undecided
    10.9.0.0/16 (its route map reaches an unparsed line) is at least as specific as the match and
    the trace is undecided. Reusing the base's decided trace because the decisions are equal
    passed this change (exit 0); the footprint check now counts any FIB change as moved when the
    data plane has undecided routes."""
    monkeypatch.setenv("VALIDATOR_PRUNE", prune)
    code, doc = check(capsys, UND / "changes" / "describe", "undecided-redundancy", base=UND / "base")
    assert code == 1, doc["findings"]
    found = [f for f in doc["findings"] if f["check"] == "redundancy"]
    assert [f["status"] for f in found] == ["undecided"], found
    assert found[0]["failures"] == ["node:r"]
    assert "configs/d.cfg:15" in found[0]["message"]


PROXY = FID / "proxyvrf"


@pytest.mark.parametrize("prune", ["1", "0"], ids=["pruned", "unpruned"])
def test_proxy_arp_is_read_in_the_neighbours_vrf(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, prune: str
) -> None:
    """r1 reaches r2 over a link whose r2 end is in VRF X: r2 answers ARP for r1's next hop
    10.0.0.9 by proxy because VRF X routes it out Gi0/3. Failing Gi0/3 takes that answer away while
    the flow's own path (r1 -> r2 -> r3) is untouched. The sweep looked at r2's FIB in r1's VRF
    (default) in both the footprint check and the relevance closure, so it kept the base's trace
    and missed that failure."""
    monkeypatch.setenv("VALIDATOR_PRUNE", prune)
    code, doc = check(capsys, PROXY / "base", "proxyvrf-redundancy")
    assert code == 1
    failed = {tuple(f["failures"]) for f in doc["findings"] if f["check"] == "redundancy"}
    assert ("interface:r2[GigabitEthernet0/3]",) in failed, failed
    assert ("interface:r2[GigabitEthernet0/1]",) in failed  # and the path's own elements still


UNDG = FID / "undecided-group"


def test_destinations_matching_prefixes_of_other_lengths_are_not_grouped(capsys: pytest.CaptureFixture[str]) -> None:
    """a reaches 10.9.0.0/24 by r's BGP /24 and the rest of c's /23 by a static /8, both to c's
    10.0.0.2 out Gi0/1: the same forwarding actions. d's 10.9.0.0/16 is undecided, so 10.9.1.0/25
    (matching the /8) is undecided while 10.9.0.128/25 (matching the /24) is decided. The explorer
    grouped the two destination pieces by actions and traced only the decided one: the deny
    policy passed (exit 0). With undecided routes every piece now stands alone."""
    code, doc = check(capsys, UNDG / "changes" / "describe", "undecided-deny", base=UNDG / "base")
    assert code == 1, doc["findings"]
    found = [f for f in doc["findings"] if f["severity"] == "error"]
    assert found and all(f["status"] == "undecided" for f in found), found
    assert any("configs/d.cfg:15" in f["message"] and "10.9.1." in f["message"] for f in found), found
