"""Policy loading: valid files of every type, and every schema or build violation pinned to its line and key."""

from __future__ import annotations

import hashlib
import textwrap
from ipaddress import IPv4Network
from pathlib import Path

import pytest

from validator.errors import PolicyError
from validator.policy import (
    BlastRadiusPolicy,
    HygienePolicy,
    NoRegressionPolicy,
    PolicySet,
    PolicyValidationError,
    ReachabilityPolicy,
    RedundancyPolicy,
    load_policies,
    load_policies_from_bytes,
)

VALID = textwrap.dedent(
    """\
    version: 1
    description: every policy type once
    zones:
      az1: {prefixes: [10.1.0.0/16]}
      az2: {prefixes: [10.2.0.0/16, 10.20.0.0/24]}
      az3:
        prefixes: [10.3.0.0/16]
        description: third availability zone
      hosts: {nodes: ["/host/", web1]}
      internet: {interfaces: ["/border/[GigabitEthernet0/0]", "core1[/Gig.*0\\\\/1/]"]}
    risk_groups:
      conduit-7: ["link:core1[GigabitEthernet0/1]", "interface:Core2[GigabitEthernet0/1]", "node:core3"]
    policies:
      - {name: web-open, type: reachability, from: internet, to: hosts, protocol: tcp, ports: [80, 443, "8000-8080"],
         expect: allow}
      - {name: db-closed, type: reachability, from: internet, to: az3, expect: deny, severity: warning}
      - name: resilient-web
        type: reachability
        from: az1
        to: hosts
        protocols: [tcp, 17]
        src_ports: ["1024-65535"]
        expect: allow
        max_failures: 2
        elements: [node, risk_group]
      - {name: inter-az, type: redundancy, between: [[az1, az2], [az2, az3]], max_failures: 1,
         elements: [link, node, risk_group]}
      - {name: staged, type: blast_radius, protect: all}
      - {name: staged-web, type: blast_radius, protect: [[internet, hosts]]}
      - {name: no-regress, type: no_regression, from: internet, to: hosts, protocol: icmp}
      - name: hygiene
        type: hygiene
        require: [no_parse_errors, no_undefined_references, bgp_sessions_up, no_forwarding_loops]
        description: the basics
    """
)


def load_text(text: str, name: str = "p.yaml") -> PolicySet:
    return load_policies_from_bytes({name: textwrap.dedent(text).encode()})


def diagnostics_of(text: str, name: str = "p.yaml") -> list[tuple[int, str, str]]:
    with pytest.raises(PolicyValidationError) as info:
        load_text(text, name)
    return [(d.line, d.key, d.message) for d in info.value.diagnostics]


def test_valid_file_builds_typed_objects_of_every_type() -> None:
    ps = load_text(VALID)
    assert [type(p) for p in ps.policies] == [
        ReachabilityPolicy,
        ReachabilityPolicy,
        ReachabilityPolicy,
        RedundancyPolicy,
        BlastRadiusPolicy,
        BlastRadiusPolicy,
        NoRegressionPolicy,
        HygienePolicy,
    ]
    assert sorted(ps.zones) == ["az1", "az2", "az3", "hosts", "internet"]
    assert ps.zones["az2"].prefixes == (IPv4Network("10.2.0.0/16"), IPv4Network("10.20.0.0/24"))
    assert ps.zones["az3"].description == "third availability zone"
    assert ps.zones["az3"].source.line == 6
    assert [s.text for s in ps.zones["hosts"].nodes] == ["/host/", "web1"]
    internet = ps.zones["internet"].interfaces
    assert internet[0].node.text == "/border/" and internet[0].interface.text == "GigabitEthernet0/0"
    assert internet[1].node.text == "core1" and internet[1].interface.text == "/Gig.*0\\/1/"

    web = ps.policy("web-open")
    assert isinstance(web, ReachabilityPolicy)
    assert (web.from_zone, web.to_zone, web.expect) == ("internet", "hosts", "allow")
    assert web.headers.protocols == (6,)
    assert web.headers.dst_ports == ((80, 80), (443, 443), (8000, 8080))
    assert web.max_failures == 0 and web.elements == ()
    assert web.source.line == 14 and web.severity == "error"

    closed = ps.policy("db-closed")
    assert isinstance(closed, ReachabilityPolicy)
    assert closed.headers.any_protocol and closed.severity == "warning"

    resilient = ps.policy("resilient-web")
    assert isinstance(resilient, ReachabilityPolicy)
    assert resilient.headers.protocols == (6, 17)
    assert resilient.headers.src_ports == ((1024, 65535),)
    assert (resilient.max_failures, resilient.elements) == (2, ("node", "risk_group"))

    inter = ps.policy("inter-az")
    assert isinstance(inter, RedundancyPolicy)
    assert inter.pairs == (("az1", "az2"), ("az2", "az3"))
    assert inter.elements == ("link", "node", "risk_group")

    staged = ps.policy("staged")
    assert isinstance(staged, BlastRadiusPolicy) and staged.protect_all
    staged_web = ps.policy("staged-web")
    assert isinstance(staged_web, BlastRadiusPolicy)
    assert not staged_web.protect_all and staged_web.pairs == (("internet", "hosts"),)

    hygiene = ps.policy("hygiene")
    assert isinstance(hygiene, HygienePolicy) and len(hygiene.require) == 4
    assert hygiene.description == "the basics"

    group = ps.risk_groups["conduit-7"]
    assert group.specs == (
        "link:core1[GigabitEthernet0/1]",
        "interface:core2[GigabitEthernet0/1]",
        "node:core3",
    )
    assert ps.risk_group_specs() == {"conduit-7": list(group.specs)}
    assert ps.protected_pairs() == (("internet", "hosts"), ("az1", "hosts"), ("az1", "az2"), ("az2", "az3"))
    assert ps.digest == hashlib.sha256(VALID.encode()).hexdigest()
    assert ps.file == "p.yaml" and ps.files == ("p.yaml",)


def test_defaults_when_optional_keys_are_absent() -> None:
    ps = load_text(
        """\
        version: 1
        zones: {a: {prefixes: [10.0.0.0/8]}, b: {nodes: [x]}}
        policies:
          - {name: r, type: redundancy, between: [[a, b]]}
          - {name: f, type: reachability, from: a, to: b, expect: allow, max_failures: 1}
          - {name: br, type: blast_radius}
        """
    )
    r, f, br = ps.policies
    assert isinstance(r, RedundancyPolicy) and (r.max_failures, r.elements) == (1, ("link", "node"))
    assert isinstance(f, ReachabilityPolicy) and f.elements == ("link", "node")
    assert isinstance(br, BlastRadiusPolicy) and br.protect_all


def test_file_with_only_version_is_an_empty_set() -> None:
    ps = load_text("version: 1\n")
    assert (ps.zones, ps.risk_groups, ps.policies) == ({}, {}, ())


def test_protocol_any_means_every_protocol() -> None:
    ps = load_text(
        """\
        version: 1
        zones: {a: {prefixes: [10.0.0.0/8]}}
        policies: [{name: x, type: no_regression, from: a, to: a, protocols: [tcp, any]}]
        """
    )
    assert ps.policies[0].headers.protocols == ()  # type: ignore[union-attr]


# --- one generic test over a table of violations --------------------------------------------------
BASE = "version: 1\nzones:\n  a: {prefixes: [10.0.0.0/8]}\n  b: {nodes: [x]}\npolicies:\n"
# (policy file text, expected line, expected key substring, expected message substring)
# fmt: off
VIOLATIONS: list[tuple[str, int, str, str]] = [
    ("version: 2\n", 1, "version", "must be 1"),
    ("zones: {}\n", 1, "version", "missing required key"),
    ("version: 1\nzone: {}\n", 2, "zone", "unknown key"),
    ("- 1\n- 2\n", 1, "(root)", "must be a mapping"),
    ("version: 1\nzones:\n  a: {prefixes: [10.0.0.0/8], nodez: [x]}\n", 3, "zones.a.nodez", "unknown key"),
    ("version: 1\nzones:\n  'bad name': {nodes: [x]}\n", 3, "zones.bad name", "invalid name"),
    ("version: 1\nzones:\n  a: {nodes: []}\n", 3, "zones.a.nodes", "must not be empty"),
    ("version: 1\nzones:\n  a:\n    nodes:\n      - x\n      - 'a b'\n", 6, "zones.a.nodes[1]", "NAME or a /regex/"),
    ("version: 1\nzones:\n  a: {interfaces: [border1]}\n", 3, "zones.a.interfaces[0]", "NODE[INTERFACE]"),
    ("version: 1\nzones:\n  a: {prefixes: 10.0.0.0/8}\n", 3, "zones.a.prefixes", "must be a list"),
    ("version: 1\nzones:\n  a: {description: empty}\n", 3, "zones.a", "needs prefixes, nodes or interfaces"),
    ("version: 1\nzones:\n  a:\n    prefixes: [10.0.0.0/8, 10.1.0.1/16]\n", 4, "zones.a.prefixes[1]", "host bits"),
    ("version: 1\nzones:\n  a:\n    prefixes:\n      - 10.300.0.0/16\n", 5, "zones.a.prefixes[0]", "not an IPv4"),
    ("version: 1\nzones:\n  a:\n    nodes: ['/a(b/']\n", 4, "zones.a.nodes[0]", "bad regex"),
    ("version: 1\nrisk_groups:\n  g: ['link:r1[Gi0/0]', 'power:r1']\n", 3, "risk_groups.g[1]", "risk group element"),
    ("version: 1\nrisk_groups:\n  g: []\n", 3, "risk_groups.g", "must not be empty"),
    (BASE + "  - {name: p, type: reachabilty, from: a, to: b}\n", 6, "policies[p].type", "must be one of"),
    (BASE + "  - {type: hygiene, require: [no_parse_errors]}\n", 6, "policies[0].name", "missing required key"),
    (BASE + "  - {name: p, type: reachability, from: a, to: b}\n", 6, "policies[p].expect", "missing required"),
    (BASE + "  - {name: p, type: reachability, from: a, to: b, expect: maybe}\n", 6, "policies[p].expect", "allow"),
    (BASE + "  - name: p\n    type: reachability\n    from: a\n    to: b\n    expect: allow\n    colour: red\n",
     11, "policies[p].colour", "unknown key"),
    (BASE + "  - {name: p, type: reachability, from: a, to: b, expect: deny, protocol: tpc}\n",
     6, "policies[p].protocol", "tcp, udp, icmp, any"),
    (BASE + "  - {name: p, type: reachability, from: a, to: b, expect: deny, protocol: 300}\n",
     6, "policies[p].protocol", "at most 255"),
    (BASE + "  - name: p\n    type: reachability\n    from: a\n    to: b\n    expect: deny\n    ports:\n"
     "      - 80\n      - 1-\n", 13, "policies[p].ports[1]", "LOW-HIGH"),
    (BASE + "  - {name: p, type: reachability, from: a, to: b, expect: deny, ports: [70000]}\n",
     6, "policies[p].ports[0]", "at most 65535"),
    (BASE + "  - {name: p, type: reachability, from: a, to: b, expect: deny, ports: ['90-80']}\n",
     6, "policies[p].ports[0]", "bad port range"),
    (BASE + "  - {name: p, type: reachability, from: a, to: b, expect: deny, protocol: icmp, ports: [80]}\n",
     6, "policies[p].ports", "tcp and udp only"),
    (BASE + "  - {name: p, type: reachability, from: a, to: b, expect: deny, protocol: tcp, protocols: [udp]}\n",
     6, "policies[p].protocols", "not both"),
    (BASE + "  - {name: p, type: reachability, from: a, to: b, expect: deny, elements: [node]}\n",
     6, "policies[p].max_failures", "required when 'elements'"),
    (BASE + "  - {name: p, type: reachability, from: a, to: nowhere, expect: deny}\n",
     6, "policies[p].to", "undefined zone 'nowhere'"),
    (BASE + "  - {name: p, type: reachability, from: a, to: b, expect: deny, severity: fatal}\n",
     6, "policies[p].severity", "error, warning"),
    (BASE + "  - {name: r, type: redundancy, between: [[a]]}\n", 6, "policies[r].between[0]", "a pair is"),
    (BASE + "  - {name: r, type: redundancy, between: [[a, c]]}\n", 6, "policies[r].between[0][1]", "undefined zone"),
    (BASE + "  - {name: r, type: redundancy, between: [[a, b]], max_failures: 0}\n",
     6, "policies[r].max_failures", "at least 1"),
    (BASE + "  - {name: r, type: redundancy, between: [[a, b]], elements: [link, power]}\n",
     6, "policies[r].elements[1]", "must be one of"),
    (BASE + "  - {name: r, type: redundancy, between: [[a, b]], elements: [link, risk_group]}\n",
     6, "policies[r].elements[1]", "no risk_groups are defined"),
    (BASE + "  - {name: r, type: redundancy}\n", 6, "policies[r].between", "missing required key"),
    (BASE + "  - {name: s, type: blast_radius, protect: some}\n", 6, "policies[s].protect", 'protect is "all"'),
    (BASE + "  - {name: s, type: blast_radius, protect: [[a, zz]]}\n", 6, "policies[s].protect[0][1]", "undefined"),
    (BASE + "  - {name: n, type: no_regression, from: a}\n", 6, "policies[n].to", "missing required key"),
    (BASE + "  - {name: h, type: hygiene, require: [no_parse_errors, foo]}\n", 6, "policies[h].require[1]", "foo"),
    (BASE + "  - {name: h, type: hygiene, require: []}\n", 6, "policies[h].require", "must not be empty"),
    (BASE + "  - {name: h, type: hygiene, require: [no_parse_errors, no_parse_errors]}\n",
     6, "policies[h].require", "duplicate"),
    (BASE + "  - {name: h, type: hygiene, require: [no_parse_errors]}\n  - {name: h, type: blast_radius}\n",
     7, "policies[h].name", "already used at p.yaml:6"),
    ("version: 1\nzones:\n  a: {nodes: [x]}\n  a: {nodes: [y]}\n", 4, "zones.a", "duplicate key (first at line 3)"),
    ("version: 1\nzones:\n  yes: {nodes: [x]}\n", 3, "zones.yes", "quote it"),
    ("version: 1\nzones: {a: {nodes: [x]}\n", 3, "yaml", "malformed YAML"),
    ("version: 1\npolicies:\n  - name: a\n   type: hygiene\n", 4, "yaml", "malformed YAML"),
    ("version: 1\nzones: !!python/object:os.system {}\n", 2, "zones", "unsupported tag"),
    ("version: 1\nzones: {a: {nodes: [!!python/name:os.system x]}}\n", 2, "yaml", "malformed YAML"),
    ("", 1, "(root)", "empty"),
]
# fmt: on


@pytest.mark.parametrize(("text", "line", "key", "message"), VIOLATIONS)
def test_violation_names_line_and_key(text: str, line: int, key: str, message: str) -> None:
    found = diagnostics_of(text)
    assert any(d_line == line and key in d_key and message in d_msg for d_line, d_key, d_msg in found), found


def test_all_errors_are_reported_at_once_in_file_order() -> None:
    found = diagnostics_of(
        """\
        version: 1
        zones:
          a: {prefixes: [10.0.0.1/8]}
          b: {nodes: ['/x(/']}
        policies:
          - {name: p, type: reachability, from: a, to: c, expect: deny}
          - {name: q, type: reachability, from: d, to: b, expect: deny}
        """
    )
    assert [(line, key) for line, key, _ in found] == [
        (3, "zones.a.prefixes[0]"),
        (4, "zones.b.nodes[0]"),
        (6, "policies[p].to"),
        (7, "policies[q].from"),
    ]


def test_error_is_a_policy_error_with_one_line_message() -> None:
    with pytest.raises(PolicyError) as info:
        load_text("version: 1\nzones:\n  a: {nodez: [x]}\n  b: {nodes: 3}\n")
    assert info.value.exit_code == 2
    assert info.value.file == "p.yaml" and info.value.line == 3
    assert (
        info.value.one_line() == "p.yaml:3: zones.a.nodez: unknown key (expected one of: description, "
        "interfaces, nodes, prefixes) (and 1 more error)"
    )


def test_unreadable_bytes_name_the_line() -> None:
    with pytest.raises(PolicyValidationError) as info:
        load_policies_from_bytes({"p.yaml": b"version: 1\nzones:\n  a: {nodes: [\xc3\x28]}\n"})
    (d,) = info.value.diagnostics
    assert (d.line, d.key) == (3, "yaml") and "unreadable" in d.message


def test_merge_keys_work_and_explicit_keys_win() -> None:
    ps = load_text(
        """\
        version: 1
        zones:
          a: {prefixes: [10.0.0.0/8]}
          b: {prefixes: [11.0.0.0/8]}
        policies:
          - &web {name: w1, type: reachability, from: a, to: b, protocol: tcp, ports: [80], expect: allow}
          - <<: *web
            name: w2
            ports: [443]
        """
    )
    w1, w2 = ps.policies
    assert isinstance(w2, ReachabilityPolicy) and w2.headers.dst_ports == ((443, 443),)
    assert w2.headers.protocols == (6,) and w2.source.line == 7
    assert w1.name == "w1"


# --- directories and bytes ---------------------------------------------------------------------------


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(textwrap.dedent(text))
    return path


def test_directory_merges_files_and_shares_zones(tmp_path: Path) -> None:
    write(tmp_path, "10-zones.yaml", "version: 1\nzones:\n  a: {prefixes: [10.0.0.0/8]}\n  b: {nodes: [x]}\n")
    write(tmp_path, "20-policies.yml", "version: 1\npolicies:\n  - {name: p, type: no_regression, from: a, to: b}\n")
    write(tmp_path, "README.md", "not a policy: ignored\n")
    ps = load_policies(tmp_path)
    assert sorted(ps.zones) == ["a", "b"]
    assert ps.policies[0].source.file == str(tmp_path / "20-policies.yml")
    assert ps.files == (str(tmp_path / "10-zones.yaml"), str(tmp_path / "20-policies.yml"))
    manifest = "".join(
        f"{hashlib.sha256((tmp_path / n).read_bytes()).hexdigest()}  {n}\n"
        for n in ("10-zones.yaml", "20-policies.yml")
    )
    assert ps.digest == hashlib.sha256(manifest.encode()).hexdigest()
    assert ps.file == str(tmp_path)


def test_directory_rejects_names_duplicated_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "version: 1\nzones:\n  z: {nodes: [x]}\npolicies:\n  - {name: p, type: blast_radius}\n")
    write(tmp_path, "b.yaml", "version: 1\nzones:\n  z: {nodes: [y]}\npolicies:\n  - {name: p, type: blast_radius}\n")
    with pytest.raises(PolicyValidationError) as info:
        load_policies(tmp_path)
    found = [(Path(d.file).name, d.line, d.key, d.message) for d in info.value.diagnostics]
    a = str(tmp_path / "a.yaml")
    assert found == [
        ("b.yaml", 3, "zones.z", f"zone 'z' already defined at {a}:3"),
        ("b.yaml", 5, "policies[p].name", f"policy name 'p' already used at {a}:5"),
    ]


def test_directory_reports_errors_of_every_file(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "version: 1\nzones: [\n")
    write(tmp_path, "b.yaml", "version: 3\n")
    with pytest.raises(PolicyValidationError) as info:
        load_policies(tmp_path)
    assert [(Path(d.file).name, d.key) for d in info.value.diagnostics] == [("a.yaml", "yaml"), ("b.yaml", "version")]


def test_empty_directory_and_missing_path(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no policy files"):
        load_policies(tmp_path)
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policies(tmp_path / "nope.yaml")


def test_from_bytes_matches_from_disk(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", VALID)
    on_disk = load_policies(path)
    from_git = load_policies_from_bytes({"policies/p.yaml": VALID.encode()})
    assert from_git.digest == on_disk.digest
    assert from_git.policies[0].source.file == "policies/p.yaml"
    assert [p.name for p in from_git.policies] == [p.name for p in on_disk.policies]
    two = load_policies_from_bytes({"policies/a.yaml": b"version: 1\n", "policies/b.yaml": b"version: 1\n"})
    assert two.file == "policies"
    with pytest.raises(PolicyError):
        load_policies_from_bytes({})


def test_repository_examples_load() -> None:
    root = Path(__file__).resolve().parents[2] / "policies"
    ps = load_policies(root)
    assert ps.policies and ps.zones
    assert {p.type for p in ps.policies} == {"reachability", "redundancy", "blast_radius", "no_regression", "hygiene"}
