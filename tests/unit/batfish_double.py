"""A test double of pybatfish's Session that answers from Batfish's recorded answers.

The answers are ../shared/reference/batfish-example/answers/*.ref (real Batfish output on the
example network; commands.txt says which question produced each). An uploaded snapshot is
recognised by its files (it must equal one of the example folders byte for byte), and each
question is answered with the recording for that snapshot wrapped in pybatfish's TableAnswer,
exactly as ``Session.get_answer`` returns it. A question without a recording raises, so a test
can never pass on an invented answer.

Two recordings predate today's question names and are re-expressed, not invented:
``topology.ref`` (the "pojo" topology) gives ``layer3Edges`` rows (its links, without IPs), and
``init.ref``/``init-candidate.ref`` (the parse and convert answer elements of init-snapshot)
give ``fileParseStatus``, ``undefinedReferences`` and ``initIssues`` rows in those questions'
column layout.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "batfish-example"
ANSWERS = EXAMPLE / "answers"
RECORDED_VERSION = "0.36.0"  # the version in init.ref
TABLE = "org.batfish.datamodel.table.TableAnswerElement"


def load_ref(name: str) -> Any:
    return json.loads((ANSWERS / name).read_text())


def table(rows: list[dict[str, Any]], metadata: dict[str, Any] | None = None) -> Any:
    """A pybatfish TableAnswer, as Session.get_answer builds it from the service's JSON."""
    from pybatfish.datamodel.answer import TableAnswer

    if metadata is None:
        names = sorted({k for r in rows for k in r})
        metadata = {"columnMetadata": [{"name": n, "schema": "Object"} for n in names]}
    return TableAnswer({"status": "SUCCESS", "answerElements": [{"class": TABLE, "metadata": metadata, "rows": rows}]})


def recorded(name: str) -> Any:
    """A recorded table answer as TableAnswer (the .ref file holds the answer elements)."""
    from pybatfish.datamodel.answer import TableAnswer

    return TableAnswer({"status": "SUCCESS", "answerElements": load_ref(name)})


def layer3_rows_from_topology(topology: dict[str, Any]) -> list[dict[str, Any]]:
    ifaces = {
        i["id"]: {"hostname": i["nodeId"].removeprefix("node-"), "interface": i["name"]} for i in topology["interfaces"]
    }
    return [
        {"Interface": ifaces[link["srcId"]], "IPs": [], "Remote_Interface": ifaces[link["dstId"]], "Remote_IPs": []}
        for link in topology["links"]
    ]


def init_tables(init: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """fileParseStatus, undefinedReferences and initIssues rows from a recorded init answer."""
    parse = next(e for e in init["answerElements"] if e["class"].endswith("ParseVendorConfigurationAnswerElement"))
    convert = next(e for e in init["answerElements"] if e["class"].endswith("ConvertConfigurationAnswerElement"))
    nodes_of: dict[str, list[str]] = {}
    for node, files in parse["fileMap"].items():
        for f in files:
            if f != node:
                nodes_of.setdefault(f, []).append(node)
    status_rows = [
        {
            "File_Name": f,
            "Status": status,
            "File_Format": parse["fileFormats"].get(f),
            "Nodes": sorted(nodes_of.get(f, [])),
        }
        for f, status in sorted(parse["parseStatus"].items())
    ]
    undefined_rows = []
    for f, by_type in sorted(convert["undefinedReferences"].items()):
        for struct_type, by_name in sorted(by_type.items()):
            for ref_name, by_context in sorted(by_name.items()):
                for context, lines in sorted(by_context.items()):
                    undefined_rows.append(
                        {
                            "File_Name": f,
                            "Struct_Type": struct_type,
                            "Ref_Name": ref_name,
                            "Context": context,
                            "Lines": {"filename": f, "lines": lines},
                        }
                    )
    issue_rows = []
    for node, kinds in sorted(convert.get("warnings", {}).items()):
        for kind, items in sorted(kinds.items()):
            for item in items or []:
                text = item.get("text") if isinstance(item, dict) else str(item)
                issue_rows.append(
                    {"Nodes": [node], "Source_Lines": None, "Type": f"Convert warning ({kind})", "Details": text}
                )
    return {"fileParseStatus": status_rows, "undefinedReferences": undefined_rows, "initIssues": issue_rows}


def folder_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


class NoRecording(LookupError):
    """The double was asked something Batfish was never recorded answering."""


class _Question:
    def __init__(self, session: RecordedSession, name: str, params: dict[str, Any]) -> None:
        self.session, self.name, self.params = session, name, params

    def answer(self, snapshot: str | None = None, reference_snapshot: str | None = None, **_: Any) -> Any:
        return self.session.answer(self.name, snapshot, reference_snapshot, self.params)


class _Questions:
    def __init__(self, session: RecordedSession) -> None:
        self._session = session

    def __getattr__(self, name: str) -> Callable[..., _Question]:
        if name.startswith("_") or name not in self._session.known_questions:
            raise AttributeError(name)
        return lambda **params: _Question(self._session, name, params)


def _traceroute(rows: list[dict[str, Any]], metadata: dict[str, Any], params: dict[str, Any]) -> Any:
    """The recorded row for exactly the flow asked about (a traceroute of one pinned flow)."""
    loc = str(params["startLocation"])
    h = params["headers"]
    entering = loc.startswith("@enter(")
    inner = loc[len("@enter(") : -1] if entering else loc
    node, _, iface = inner.partition("[")
    iface = iface.rstrip("]") or None
    hits = []
    for row in rows:
        f = row["Flow"]
        if f["ingressNode"] != node.strip('"') or (f.get("ingressInterface") if entering else None) != (
            iface.strip('"') if iface else None
        ):
            continue
        if f["srcIp"] != h.srcIps or f["dstIp"] != h.dstIps or f["ipProtocol"] not in (h.ipProtocols or []):
            continue
        if h.srcPorts is not None and str(f.get("srcPort")) != h.srcPorts:
            continue
        if h.dstPorts is not None and str(f.get("dstPort")) != h.dstPorts:
            continue
        hits.append(row)
    if not hits:
        raise NoRecording(f"no recorded traceroute for {loc} {h}")
    return table(hits, metadata)


class RecordedSession:
    """Enough of pybatfish's Session for BatfishBackend, answering from recordings."""

    known_questions = frozenset(
        {
            "routes",
            "layer3Edges",
            "bgpSessionStatus",
            "traceroute",
            "fileParseStatus",
            "undefinedReferences",
            "initIssues",
            "detectLoops",
            "reachability",
            "differentialReachability",
        }
    )

    def __init__(self, *, version: str = RECORDED_VERSION, delay: float = 0.0) -> None:
        self.version = version
        self.delay = delay  # seconds each answer takes (to exercise the backend's deadline)
        self.q = _Questions(self)
        self.network: str | None = None
        self.snapshots: dict[str, str] = {}  # server snapshot name -> example folder it equals
        self.uploads: dict[str, dict[str, bytes]] = {}
        self.forks: dict[str, dict[str, Any]] = {}
        self.deleted: list[str] = []
        self.calls: list[tuple[str, str | None, str | None, dict[str, Any]]] = []
        self._examples = {
            name: folder_files(EXAMPLE / name)
            for name in ("live", "candidate", "live-with-bgp-announcements", "live-with-interface-outage")
            if (EXAMPLE / name).is_dir()
        }

    # --- session API used by the backend --------------------------------------------------

    def get_component_versions(self) -> dict[str, Any]:
        return {"Batfish": self.version, "pybatfish": "double"}

    def set_network(self, name: str | None = None) -> str:
        self.network = name or "network"
        return self.network

    def init_snapshot(self, upload: str, name: str | None = None, overwrite: bool = False, **_: Any) -> str:
        assert name is not None
        files = folder_files(Path(upload))
        self.uploads[name] = files
        match = [ex for ex, ex_files in self._examples.items() if ex_files == files]
        if not match:
            raise NoRecording(f"uploaded folder {upload} equals no recorded example snapshot")
        self.snapshots[name] = match[0]
        return name

    def fork_snapshot(self, base_name: str, name: str | None = None, overwrite: bool = False, **kwargs: Any) -> str:
        assert name is not None and base_name in self.snapshots
        self.forks[name] = {"base": base_name, **kwargs}
        return name

    def delete_snapshot(self, name: str) -> None:
        self.deleted.append(name)
        self.snapshots.pop(name, None)
        self.forks.pop(name, None)

    # --- answers ----------------------------------------------------------------------------

    def answer(self, question: str, snapshot: str | None, reference: str | None, params: dict[str, Any]) -> Any:
        self.calls.append((question, snapshot, reference, params))
        if self.delay:
            threading.Event().wait(self.delay)
        if snapshot not in self.snapshots:
            raise NoRecording(f"{question}: snapshot {snapshot!r} has no recording (fork or unknown)")
        example = self.snapshots[snapshot]
        ref_example = self.snapshots.get(reference) if reference else None
        if reference is None:
            return self._plain(question, example, params)
        if question == "routes" and (example, ref_example) == ("live-with-bgp-announcements", "candidate"):
            return recorded("routes-diff.ref")
        raise NoRecording(f"{question}: no recording for {example} against {ref_example}")

    def _plain(self, question: str, example: str, params: dict[str, Any]) -> Any:
        if example in ("live", "candidate") and question in ("fileParseStatus", "undefinedReferences", "initIssues"):
            init = load_ref("init.ref" if example == "live" else "init-candidate.ref")
            return table(init_tables(init)[question])
        if example == "live":
            if question == "routes":
                return recorded("routes.ref")
            if question == "layer3Edges":
                return table(layer3_rows_from_topology(load_ref("topology.ref")))
            if question == "bgpSessionStatus":
                return recorded("bgpSessionStatus.ref")  # recorded with nodes="as2.*", remoteNodes="as3.*"
            if question == "traceroute":
                rows: list[dict[str, Any]] = []
                metadata: dict[str, Any] = {}
                for name in ("traceroute-1-2.ref", "traceroute-2-1.ref"):
                    element = load_ref(name)[0]
                    rows.extend(element["rows"])
                    metadata = element["metadata"]
                return _traceroute(rows, metadata, params)
        raise NoRecording(f"{question}: no recording for snapshot {example}")
