"""Route-policy guarantees end to end (issue 18) on ``fixtures/borders``: two border routers of
AS 65000 peering with two ISPs (AS 65100, AS 65200) and a customer (AS 65300), and an internal
core router, checked with ``fixtures/borders/policies/borders.yaml`` through the CLI and the library.

Each change is the base with text edits applied to the named configs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from gate_helpers import run_cli

import validator

BORDERS = Path(__file__).resolve().parents[2] / "fixtures" / "borders"
BASE = BORDERS / "base"
POLICIES = BORDERS / "policies" / "borders.yaml"

PRIVATE_DENY = "route-map TO-ISP deny 10\n match ip address prefix-list PRIVATE\n"


def _head(tmp_path: Path, edits: list[tuple[str, str]], only: tuple[str, ...] = ("border1", "border2")) -> Path:
    head = tmp_path / "head"
    shutil.copytree(BASE, head)
    for old, new in edits:
        edited = 0
        for name in only:
            cfg = head / "configs" / f"{name}.cfg"
            text = cfg.read_text()
            if old in text:
                cfg.write_text(text.replace(old, new, 1))
                edited += 1
        assert edited, f"{old!r} not found"
    return head


def _check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, head: Path, base: Path | None = BASE
) -> tuple[int, list[dict[str, Any]]]:
    out = tmp_path / "verdict.json"
    argv = ["check", "--head-dir", str(head), "--policies", str(POLICIES), "--format", "json", "--output", str(out)]
    if base is not None:
        argv += ["--base-dir", str(base)]
    run = run_cli(capsys, argv)
    return run.code, json.loads(out.read_text())["findings"]


def _errors(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in findings if f["severity"] == "error" or f["status"] == "undecided"]


def _texts(f: dict[str, Any]) -> list[str]:
    return [str(loc.get("text")) for loc in f["locations"]]


def test_base_passes_in_state_mode_and_against_itself(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, findings = _check(capsys, tmp_path, BASE, base=None)
    assert code == 0 and [f for f in findings if f["severity"] != "info"] == []
    code, findings = _check(capsys, tmp_path, BASE)
    assert code == 0 and findings == []


def test_private_deny_removed_on_both_borders_blocks_naming_the_clause(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    head = _head(tmp_path, [(PRIVATE_DENY, "")])
    code, findings = _check(capsys, tmp_path, head)
    assert code == 1
    leaks = [f for f in _errors(findings) if f["policy"] == "no-private-leaks"]
    assert sorted(f["device"] for f in leaks) == ["border1", "border2"]
    for f in leaks:
        assert f["kind"] == "announced" and f["route"]["prefix"] == "10.1.0.0/16"
        assert "route-map TO-ISP permit 20" in _texts(f)
        assert f["clause"].startswith(f"configs/{f['device']}.cfg:")
        assert "10.0.0.0/8 le 32" in f["message"]
    # the differential (no_regression) lists the new announcement per peer, with the clause
    new = [f for f in findings if f.get("kind") == "newly-announced"]
    assert sorted((f["device"], f["peer"], f["route"]["prefix"]) for f in new) == [
        ("border1", "198.51.100.2", "10.1.0.0/16"),
        ("border2", "198.51.100.6", "10.1.0.0/16"),
    ]
    assert all(f["policy"] == "no-regress-inbound" and f["severity"] == "warning" for f in new)
    assert all("route-map TO-ISP permit 20" in _texts(f) for f in new)


def test_leak_not_in_the_rib_is_found_symbolically(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # customer-tagged routes now pass before the private deny: no private route carries the
    # customer community today, so nothing private is announced, but the policy would leak one
    head = _head(
        tmp_path, [(PRIVATE_DENY, "route-map TO-ISP permit 5\n match community CUSTOMER-ROUTES\n!\n" + PRIVATE_DENY)]
    )
    code, findings = _check(capsys, tmp_path, head)
    assert code == 1
    leaks = [f for f in _errors(findings) if f["policy"] == "no-private-leaks"]
    assert sorted(f["device"] for f in leaks) == ["border1", "border2"]
    for f in leaks:
        assert f["kind"] == "could-announce"
        assert f["route"]["communities"] == ["65000:300"]
        assert f["route"]["prefix"].startswith("10.")
        assert "route-map TO-ISP permit 5" in _texts(f) and "match community CUSTOMER-ROUTES" in _texts(f)
    assert not [f for f in findings if f.get("kind") in ("announced", "newly-announced")]


def test_only_list_violated_by_a_new_network_statement_blocks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    head = _head(
        tmp_path,
        [
            (
                " network 203.0.113.0 mask 255.255.255.0\n",
                " network 203.0.113.0 mask 255.255.255.0\n network 100.64.10.0 mask 255.255.255.0\n",
            ),
            (
                "ip route 203.0.113.0 255.255.255.0 Null0\n",
                "ip route 203.0.113.0 255.255.255.0 Null0\nip route 100.64.10.0 255.255.255.0 Null0\n",
            ),
            (
                "ip prefix-list DEFAULT-AND-OURS seq 10 permit 203.0.113.0/24\n",
                "ip prefix-list DEFAULT-AND-OURS seq 10 permit 203.0.113.0/24\n"
                "ip prefix-list DEFAULT-AND-OURS seq 15 permit 100.64.10.0/24\n",
            ),
        ],
        only=("border1",),
    )
    code, findings = _check(capsys, tmp_path, head)
    assert code == 1
    errors = _errors(findings)
    assert {f["policy"] for f in errors} == {"customer-feed"}
    announced = [f for f in errors if f["kind"] == "announced"]
    assert [(f["device"], f["peer"], f["route"]["prefix"]) for f in announced] == [
        ("border1", "192.0.2.2", "100.64.10.0/24")
    ]
    assert "network 100.64.10.0 mask 255.255.255.0" in _texts(announced[0])  # the statement that sources it
    assert "route-map TO-CUSTOMER permit 10" in _texts(announced[0])
    assert "only: 0.0.0.0/0, 203.0.113.0/24" in announced[0]["message"]


def test_customer_import_accepting_a_default_route_blocks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    head = _head(
        tmp_path,
        [
            (
                "ip prefix-list CUSTOMER-NETS seq 5 permit 198.18.0.0/15 le 24\n",
                "ip prefix-list CUSTOMER-NETS seq 5 permit 198.18.0.0/15 le 24\n"
                "ip prefix-list CUSTOMER-NETS seq 10 permit 0.0.0.0/0\n",
            )
        ],
        only=("border1",),
    )
    code, findings = _check(capsys, tmp_path, head)
    assert code == 1
    errors = _errors(findings)
    assert [(f["policy"], f["device"], f["direction"], f["kind"], f["route"]["prefix"]) for f in errors] == [
        ("customer-feed", "border1", "import", "would-accept", "0.0.0.0/0")
    ]
    assert "route-map FROM-CUSTOMER permit 10" in _texts(errors[0])
    assert "reject: 0.0.0.0/0" in errors[0]["message"]


def test_a_correct_export_change_passes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # traffic engineering: prepend towards isp2; what is announced does not change
    head = _head(
        tmp_path,
        [
            (
                "route-map TO-ISP permit 20\n match as-path 1\n",
                "route-map TO-ISP permit 20\n match as-path 1\n set as-path prepend 65000 65000\n",
            )
        ],
        only=("border2",),
    )
    code, findings = _check(capsys, tmp_path, head)
    assert code == 0, findings
    assert findings == []


def test_withdrawn_routes_are_listed_with_what_stops_them(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    head = _head(tmp_path, [("route-map TO-ISP permit 30\n match community CUSTOMER-ROUTES\n", "")], only=("border2",))
    code, findings = _check(capsys, tmp_path, head)
    assert code == 0  # the differential is evidence, not a guarantee
    gone = [f for f in findings if f.get("kind") == "withdrawn"]
    assert [(f["device"], f["peer"], f["route"]["prefix"]) for f in gone] == [
        ("border2", "198.51.100.6", "198.18.5.0/24")
    ]
    assert "implicit deny" in gone[0]["message"]


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            " match community CUSTOMER-ROUTES\n",
            " match community CUSTOMER-ROUTES\n match interface GigabitEthernet0/1\n",
            "partly unparsed",
        ),
        (
            " match community CUSTOMER-ROUTES\n",
            " match community NO-SUCH-LIST\n",
            "community-list NO-SUCH-LIST is not defined",
        ),
        ("route-map TO-ISP out\n", "route-map TO-ISP-V2 out\n", "route-map TO-ISP-V2 is not defined"),
        (
            " neighbor 198.51.100.2 route-map TO-ISP out\n",
            " neighbor 198.51.100.2 route-map TO-ISP out\n neighbor 198.51.100.2 filter-list 1 out\n",
            "neighbor 198.51.100.2 has lines the parser could not read",
        ),
    ],
)
def test_partial_export_policy_is_undecided_never_a_pass(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, old: str, new: str, reason: str
) -> None:
    head = _head(tmp_path, [(old, new)], only=("border1",))
    code, findings = _check(capsys, tmp_path, head)
    assert code == 1
    undecided = [f for f in findings if f["status"] == "undecided" and f["policy"] == "no-private-leaks"]
    assert [(f["device"], f["direction"]) for f in undecided] == [("border1", "export")]
    assert reason in undecided[0]["message"]
    assert undecided[0]["locations"]
    if "TO-ISP-V2" in reason:  # the line that names the missing route-map
        assert _texts(undecided[0]) == ["neighbor 198.51.100.2 route-map TO-ISP-V2 out"]


def test_library_check_blocks_the_leak(tmp_path: Path) -> None:
    head = _head(tmp_path, [(PRIVATE_DENY, "")])
    verdict = validator.check(head=head, base=BASE, policies=POLICIES)
    assert not verdict.passed
    assert {f.extra.get("device") for f in verdict.findings if f.policy == "no-private-leaks"} == {"border1", "border2"}


def test_listen_range_peers_are_searched_symbolically(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Dynamic (``bgp listen range``) neighbours have no fixed address, so nothing concrete is
    computed for them, but their policies are still searched: no export filter leaks everything."""
    head = _head(
        tmp_path,
        [
            (
                " neighbor 198.51.100.6 remote-as 65200\n",
                " bgp listen range 100.100.0.0/16 peer-group CLOUD\n neighbor CLOUD peer-group\n"
                " neighbor CLOUD remote-as 65400\n neighbor 198.51.100.6 remote-as 65200\n",
            )
        ],
        only=("border2",),
    )
    policies = tmp_path / "cloud.yaml"
    policies.write_text(
        "version: 1\npolicies:\n  - name: cloud-no-private\n    type: routing\n    peers: {groups: [CLOUD]}\n"
        "    export: {never: [10.0.0.0/8 le 32]}\n"
    )
    out = tmp_path / "verdict.json"
    run = run_cli(
        capsys,
        ["check", "--head-dir", str(head), "--policies", str(policies), "--format", "json", "--output", str(out)],
    )
    assert run.code == 1
    findings = json.loads(out.read_text())["findings"]
    leaks = [f for f in findings if f["policy"] == "cloud-no-private"]
    assert [(f["device"], f["peer"], f["kind"]) for f in leaks] == [("border2", "100.100.0.0/16", "could-announce")]
    assert "no export policy filters it" in leaks[0]["message"]


def test_inactive_network_statement_that_would_violate_only_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # no route for 100.64.20.0/24 exists yet, so nothing is announced today; the statement and
    # the prefix-list line are ready to announce it the moment the route appears
    head = _head(
        tmp_path,
        [
            (
                " network 203.0.113.0 mask 255.255.255.0\n",
                " network 203.0.113.0 mask 255.255.255.0\n network 100.64.20.0 mask 255.255.255.0\n",
            ),
            (
                "ip prefix-list DEFAULT-AND-OURS seq 10 permit 203.0.113.0/24\n",
                "ip prefix-list DEFAULT-AND-OURS seq 10 permit 203.0.113.0/24\n"
                "ip prefix-list DEFAULT-AND-OURS seq 15 permit 100.64.20.0/24\n",
            ),
        ],
        only=("border1",),
    )
    code, findings = _check(capsys, tmp_path, head)
    assert code == 1
    errors = _errors(findings)
    assert not [f for f in errors if f["kind"] == "announced"]
    pending = [f for f in errors if f["kind"] == "would-announce"]
    assert [(f["device"], f["peer"], f["route"]["prefix"]) for f in pending] == [
        ("border1", "192.0.2.2", "100.64.20.0/24")
    ]
    assert _texts(pending[0])[:2] == ["network 100.64.20.0 mask 255.255.255.0", "route-map TO-CUSTOMER permit 10"]


def test_import_of_a_real_announcement_names_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """isp1 announces our own block (a hijack) and border1 no longer filters it: the finding is
    about that announcement, with the clause that accepts it."""
    head = _head(tmp_path, [("ip prefix-list BOGONS seq 25 permit 203.0.113.0/24 le 32\n", "")], only=("border1",))
    ann_file = head / "external_bgp_announcements.json"
    doc = json.loads(ann_file.read_text())
    doc["Announcements"].append(
        {
            "type": "ebgp_sent",
            "network": "203.0.113.0/24",
            "nextHopIp": "198.51.100.2",
            "srcIp": "198.51.100.2",
            "dstNode": "border1",
            "dstIp": "198.51.100.1",
            "originType": "igp",
            "localPreference": 0,
            "med": 0,
            "asPath": [[65100], [64666]],
            "communities": [],
        }
    )
    ann_file.write_text(json.dumps(doc))
    code, findings = _check(capsys, tmp_path, head)
    assert code == 1
    accepted = [f for f in _errors(findings) if f["kind"] == "accepted"]
    assert [(f["policy"], f["device"], f["peer"], f["route"]["prefix"], f["route"]["as_path"]) for f in accepted] == [
        ("isp-imports", "border1", "198.51.100.2", "203.0.113.0/24", "65100 64666")
    ]
    assert _texts(accepted[0]) == ["route-map FROM-ISP permit 20"]
    assert "reject: 203.0.113.0/24 le 32" in accepted[0]["message"]


def test_peers_that_select_nothing_are_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policies = tmp_path / "typo.yaml"
    policies.write_text(
        "version: 1\npolicies:\n  - name: typo\n    type: routing\n    peers: {remote_as: [65101]}\n"
        "    export: {never: [10.0.0.0/8 le 32]}\n"
    )
    run = run_cli(capsys, ["check", "--head-dir", str(BASE), "--policies", str(policies)])
    assert run.code == 2
    assert f"{policies}:5" in run.err and "select no BGP neighbour outside the snapshot" in run.err
    assert "Traceback" not in run.err
