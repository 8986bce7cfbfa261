"""The Batfish backend: a typed adapter over pybatfish's dynamic questions.

This is the only module that imports pybatfish (and, through it, pandas and requests), and only
inside functions, so importing it costs nothing when Batfish is not used. Answers are read in
their JSON form and translated by :mod:`validator.backends.batfish_translate`; the rest of the
validator only sees the project's model, so every check runs unchanged on Batfish's results
(``DataPlane.tracer`` routes each traced flow through Batfish's traceroute).

Failing closed: an unreachable server, an incompatible version, a snapshot Batfish cannot
initialise and a question that does not answer in time all raise :class:`EngineError` (or its
subclass :class:`BackendUnavailable`) with one line naming the host; never a silent pass. Before
any HTTP traffic the host's port is probed with a short TCP connect, so a missing server costs
seconds, not pybatfish's retry schedule.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import socket
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from validator.backends.batfish_hygiene import (
    HygieneReport,
    augment_snapshot,
    file_parse_status_from_rows,
    init_issues_from_rows,
    undefined_references_from_rows,
)
from validator.backends.batfish_outbound import (
    headers_of_flow,
    location_of_flow,
    reachability_headers,
    zone_start_location,
)
from validator.backends.batfish_translate import (
    DifferentialFlowTraces,
    FlowTraces,
    answer_rows,
    bgp_sessions_from_rows,
    differential_from_rows,
    edges_from_layer3_rows,
    fibs_from_ribs,
    flow_traces_from_rows,
    ribs_from_routes,
    routes_from_rows,
    same_flow,
)
from validator.engine.topology import compute_active_interfaces, compute_ip_owners
from validator.engine.types import DataPlane, FailureSet
from validator.errors import BackendUnavailable, EngineError, ValidatorError
from validator.limits import signals_blocked
from validator.model.dataplane import Edge, Route
from validator.model.flow import Flow, Trace
from validator.model.snapshot import Snapshot

DEFAULT_PORT = 9996
PROBE_TIMEOUT = 2.0  # seconds for the TCP connect that tells "no server" apart quickly
SESSION_TIMEOUT = 60.0  # seconds to open the session (load question templates, set the network)
QUESTION_TIMEOUT = 900.0  # seconds for one snapshot initialisation or question
# The oldest Batfish whose answers the translation is tested on (the recorded reference answers).
MIN_VERSION = (0, 36, 0)
NETWORK = "validator"
MAX_LIVE_FORKS = 8  # failure-scenario snapshots kept on the server; older ones are deleted

T = TypeVar("T")
SessionFactory = Callable[[str, int], Any]


def parse_host(host: str) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT``, ``[V6]:PORT`` or a URL -> (host, port); the port defaults to 9996."""
    text = host.strip()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text, flags=re.IGNORECASE).split("/", 1)[0]
    if not text:
        raise BackendUnavailable("no Batfish host given (use --batfish-host or BATFISH_HOST)")
    m = re.match(r"^\[(?P<v6>[^\]]+)\](?::(?P<port>\d+))?$", text)
    if m:
        return m.group("v6"), int(m.group("port") or DEFAULT_PORT)
    if text.count(":") == 1:
        name, port = text.split(":")
        if not port.isdigit():
            raise BackendUnavailable(f"Batfish host {host!r}: bad port {port!r}")
        return name, int(port)
    return text, DEFAULT_PORT


def probe(host: str, port: int, timeout: float = PROBE_TIMEOUT) -> None:
    """One TCP connect to the given host only; raises BackendUnavailable when nothing listens."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, TimeoutError | socket.timeout):
            reason = f"no answer within {timeout:g}s"
        raise BackendUnavailable(f"Batfish is not reachable at {host}:{port}: {reason}") from None


BATFISH_EXTRA = "netchange-validator[batfish]"


def default_session_factory(host: str, port: int) -> Any:
    """Open a pybatfish Session (which loads the question templates) after probing the port.

    pybatfish (with pandas and numpy) is the optional extra ``[batfish]``: the builtin engine does
    not need it, so its absence is checked first and named with the command that installs it."""
    try:
        from pybatfish.client.session import Session
    except ImportError as exc:
        raise BackendUnavailable(
            f"the Batfish engine needs pybatfish, which is not installed ({exc}): pip install '{BATFISH_EXTRA}'"
        ) from None
    probe(host, port)
    return Session(host=host, port=port)


def _version_tuple(version: str) -> tuple[int, ...] | None:
    m = re.match(r"^\s*(\d+(?:\.\d+)*)", version)
    return tuple(int(x) for x in m.group(1).split(".")) if m else None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


class BatfishBackend:
    """The Backend protocol over a Batfish service.

    Snapshots are uploaded once per Snapshot object (from its folder, or materialised from its
    files in git mode), failure scenarios are forks (``deactivate_nodes``/``deactivate_interfaces``)
    kept in a small LRU and re-forked on demand, and everything created on the server is deleted
    by :meth:`close`.
    """

    name = "batfish"

    def __init__(
        self,
        host: str = "localhost",
        *,
        session_factory: SessionFactory | None = None,
        question_timeout: float = QUESTION_TIMEOUT,
        session_timeout: float = SESSION_TIMEOUT,
    ) -> None:
        self.host_spec = host
        self.host, self.port = parse_host(host)
        self._factory: SessionFactory = session_factory or default_session_factory
        self.question_timeout = question_timeout
        self.session_timeout = session_timeout
        self._session_obj: Any = None
        self._version: str | None = None
        self._bases: list[tuple[Snapshot, str]] = []  # uploaded snapshots, by identity
        self._augmented: dict[str, Snapshot] = {}  # base snapshot name -> model with Batfish hygiene
        self._forks: OrderedDict[tuple[str, FailureSet], str] = OrderedDict()
        self._trace_cache: dict[tuple[str, FailureSet, Flow], list[Trace]] = {}
        self._created: list[str] = []
        self._fork_names: set[str] = set()

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    # --- session and guarded calls ----------------------------------------------------------

    def _guard(self, what: str, fn: Callable[[], T], timeout: float | None = None) -> T:
        """Run ``fn`` with a deadline; map every failure to EngineError/BackendUnavailable."""
        limit = self.question_timeout if timeout is None else timeout
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:
                box["error"] = exc

        worker = threading.Thread(target=run, name=f"batfish-{what}", daemon=True)
        with signals_blocked():  # signals stay the main thread's (limits.signals_blocked)
            worker.start()
        worker.join(limit)
        if worker.is_alive():
            raise EngineError(f"Batfish at {self.where}: {what} timed out after {limit:g}s")
        if "error" in box:
            exc = box["error"]
            if isinstance(exc, ValidatorError):
                raise exc
            raise self._translate_error(what, exc) from None
        value: T = box["value"]
        return value

    def _translate_error(self, what: str, exc: BaseException) -> EngineError:
        names = {c.__name__ for c in type(exc).__mro__}
        if names & {"ConnectionError", "ConnectTimeout", "NewConnectionError", "MaxRetryError"}:
            return BackendUnavailable(f"Batfish at {self.where} became unreachable during {what}: {_first_line(exc)}")
        if names & {"Timeout", "ReadTimeout", "TimeoutError"}:
            return EngineError(f"Batfish at {self.where}: {what} timed out ({_first_line(exc)})")
        return EngineError(f"Batfish at {self.where}: {what} failed: {_first_line(exc)}")

    def _session(self) -> Any:
        if self._session_obj is not None:
            return self._session_obj
        session = self._guard("opening a session", lambda: self._factory(self.host, self.port), self.session_timeout)
        versions = self._guard("reading the version", session.get_component_versions, self.session_timeout)
        version = str(versions.get("Batfish", "")) if isinstance(versions, Mapping) else ""
        parsed = _version_tuple(version)
        if parsed is None:
            raise BackendUnavailable(f"Batfish at {self.where} reports no usable version ({version or 'none'!r})")
        if parsed < MIN_VERSION:
            need = ".".join(map(str, MIN_VERSION))
            raise BackendUnavailable(
                f"Batfish at {self.where} is version {version}; the validator needs {need} or newer"
            )
        self._guard("selecting the network", lambda: session.set_network(NETWORK), self.session_timeout)
        self._version = version
        self._session_obj = session
        return session

    @property
    def version(self) -> str:
        self._session()
        assert self._version is not None
        return self._version

    def _ask(self, question: str, snapshot: str, reference: str | None = None, **params: Any) -> list[dict[str, Any]]:
        session = self._session()

        def run() -> Any:
            factory = getattr(session.q, question, None)
            if factory is None:
                raise BackendUnavailable(f"Batfish at {self.where} has no question {question!r} (incompatible version)")
            q = factory(**params)
            if reference is not None:
                return q.answer(snapshot=snapshot, reference_snapshot=reference)
            return q.answer(snapshot=snapshot)

        answer = self._guard(f"question {question}", run)
        try:
            return answer_rows(answer)
        except EngineError as exc:
            raise EngineError(f"Batfish at {self.where}: question {question}: {exc.message}") from None

    # --- snapshots ----------------------------------------------------------------------------

    def _base(self, snapshot: Snapshot) -> str:
        for snap, name in self._bases:
            if snap is snapshot:
                return name
        session = self._session()
        digest = hashlib.sha256()
        for path in sorted(snapshot.files):
            digest.update(path.encode() + b"\0" + snapshot.files[path].encode() + b"\0")
        name = f"validator-{digest.hexdigest()[:12]}-{uuid.uuid4().hex[:8]}"
        folder = Path(snapshot.source)
        if not snapshot.source.startswith("git:") and folder.is_dir():
            self._init(session, str(folder), name)
        else:
            with tempfile.TemporaryDirectory(prefix="validator-batfish-") as tmp:
                root = Path(tmp) / (re.sub(r"[^A-Za-z0-9._-]", "_", snapshot.name) or "snapshot")
                materialise(snapshot, root)
                self._init(session, str(root), name)
        self._bases.append((snapshot, name))
        return name

    def _init(self, session: Any, folder: str, name: str) -> None:
        self._created.append(name)
        self._guard(f"initialising snapshot {name}", lambda: session.init_snapshot(folder, name=name, overwrite=True))

    def _scenario(self, snapshot: Snapshot, failures: FailureSet) -> str:
        """The server-side snapshot for ``snapshot`` with ``failures`` down (forked on demand)."""
        base = self._base(snapshot)
        if not failures:
            return base
        key = (base, failures)
        name = self._forks.get(key)
        if name is not None:
            self._forks.move_to_end(key)
            return name
        session = self._session()
        name = f"{base}-f{uuid.uuid4().hex[:8]}"
        nodes = sorted(failures.nodes) or None
        interfaces = None
        if failures.interfaces:
            from pybatfish.datamodel.primitives import Interface

            interfaces = [Interface(hostname=n, interface=i) for n, i in sorted(failures.interfaces)]
        self._created.append(name)
        self._fork_names.add(name)
        self._guard(
            f"forking snapshot {name}",
            lambda: session.fork_snapshot(
                base, name=name, overwrite=True, deactivate_nodes=nodes, deactivate_interfaces=interfaces
            ),
        )
        self._forks[key] = name
        while len(self._forks) > MAX_LIVE_FORKS:
            _old_key, old = self._forks.popitem(last=False)
            self._delete(old)
        return name

    def _delete(self, name: str) -> None:
        session = self._session_obj
        if session is None or name not in self._created:
            return
        self._created.remove(name)
        # best effort: a leftover snapshot on the server is not a wrong answer
        with contextlib.suppress(EngineError):
            self._guard(f"deleting snapshot {name}", lambda: session.delete_snapshot(name), self.session_timeout)

    def _model(self, snapshot: Snapshot) -> Snapshot:
        """The model augmented with Batfish's parse status, init issues and undefined references."""
        base = self._base(snapshot)
        hit = self._augmented.get(base)
        if hit is None:
            report = self._hygiene_inputs(base)
            hit = augment_snapshot(
                snapshot,
                parse_status=report.parse_status,
                init_issues=report.init_issues,
                undefined=report.undefined_references,
            )
            self._augmented[base] = hit
            if hit is not snapshot:
                # checks hand the data plane's snapshot back for failure scenarios: same upload
                self._bases.append((hit, base))
        return hit

    def _hygiene_inputs(self, name: str) -> HygieneReport:
        return HygieneReport(
            parse_status=file_parse_status_from_rows(self._ask("fileParseStatus", name)),
            init_issues=init_issues_from_rows(self._ask("initIssues", name)),
            undefined_references=undefined_references_from_rows(self._ask("undefinedReferences", name)),
        )

    # --- the Backend protocol -----------------------------------------------------------------

    def routes(self, snapshot: Snapshot, failures: FailureSet | None = None) -> list[Route]:
        return routes_from_rows(self._ask("routes", self._scenario(snapshot, failures or FailureSet())))

    def edges(self, snapshot: Snapshot, failures: FailureSet | None = None) -> tuple[Edge, ...]:
        return edges_from_layer3_rows(self._ask("layer3Edges", self._scenario(snapshot, failures or FailureSet())))

    def dataplane(self, snapshot: Snapshot, failures: FailureSet | None = None) -> DataPlane:
        fs = failures or FailureSet()
        name = self._scenario(snapshot, fs)
        model = self._model(snapshot)
        ribs = ribs_from_routes(routes_from_rows(self._ask("routes", name)), snapshot)
        edges = edges_from_layer3_rows(self._ask("layer3Edges", name))
        sessions = bgp_sessions_from_rows(self._ask("bgpSessionStatus", name))

        def tracer(_dp: DataPlane, flow: Flow) -> list[Trace]:
            return self._trace(snapshot, fs, flow)

        return DataPlane(
            snapshot=model,
            failures=fs,
            active_interfaces=compute_active_interfaces(snapshot, fs),
            edges=edges,
            ribs=ribs,
            fibs=fibs_from_ribs(ribs),
            bgp_sessions=sessions,
            ip_owners=compute_ip_owners(snapshot),
            tracer=tracer,
        )

    def trace(self, dp: DataPlane, flow: Flow) -> list[Trace]:
        if dp.tracer is not None:
            return dp.tracer(dp, flow)
        return self._trace(dp.snapshot, dp.failures, flow)

    def _trace(self, snapshot: Snapshot, failures: FailureSet, flow: Flow) -> list[Trace]:
        name = self._scenario(snapshot, failures)
        key = (self._base(snapshot), failures, flow)
        hit = self._trace_cache.get(key)
        if hit is not None:
            return hit
        rows = self._ask(
            "traceroute", name, startLocation=location_of_flow(flow), headers=_header_constraints(headers_of_flow(flow))
        )
        for ft in flow_traces_from_rows(rows, snapshot):
            if same_flow(ft.flow, flow):
                result = list(ft.traces)
                self._trace_cache[key] = result
                return result
        raise EngineError(f"Batfish at {self.where}: traceroute returned no result for flow {flow}")

    # --- typed questions beyond the protocol ----------------------------------------------------

    def reachability(
        self,
        snapshot: Snapshot,
        src: Any,
        dst: Any,
        headers: Any = None,
        *,
        actions: str = "SUCCESS,FAILURE",
        failures: FailureSet | None = None,
    ) -> list[FlowTraces]:
        """Batfish ``reachability`` from zone ``src`` to zone ``dst`` (policy Zone objects),
        narrowed by a policy HeaderSpec; one example flow per result with its traces."""
        fs = failures or FailureSet()
        start = zone_start_location(src, snapshot, compute_active_interfaces(snapshot, fs))
        hdr = reachability_headers(src, dst, headers, snapshot)
        if start is None or hdr is None:
            return []
        from pybatfish.datamodel.flow import PathConstraints

        rows = self._ask(
            "reachability",
            self._scenario(snapshot, fs),
            pathConstraints=PathConstraints(startLocation=start),
            headers=_header_constraints(hdr),
            actions=actions,
        )
        return flow_traces_from_rows(rows, snapshot)

    def differential_reachability(
        self, base: Snapshot, head: Snapshot, src: Any, dst: Any, headers: Any = None
    ) -> list[DifferentialFlowTraces]:
        """Batfish ``differentialReachability`` (head = snapshot, base = reference): the flows
        whose fate changed, with the traces in both."""
        start = zone_start_location(src, head, compute_active_interfaces(head))
        hdr = reachability_headers(src, dst, headers, head)
        if start is None or hdr is None:
            return []
        from pybatfish.datamodel.flow import PathConstraints

        rows = self._ask(
            "differentialReachability",
            self._base(head),
            reference=self._base(base),
            pathConstraints=PathConstraints(startLocation=start),
            headers=_header_constraints(hdr),
        )
        return differential_from_rows(rows, head, base)

    def hygiene(self, snapshot: Snapshot) -> HygieneReport:
        """Everything Batfish says about the snapshot's health, typed."""
        name = self._base(snapshot)
        inputs = self._hygiene_inputs(name)
        return HygieneReport(
            parse_status=inputs.parse_status,
            init_issues=inputs.init_issues,
            undefined_references=inputs.undefined_references,
            bgp_sessions=bgp_sessions_from_rows(self._ask("bgpSessionStatus", name)),
            loops=tuple(flow_traces_from_rows(self._ask("detectLoops", name), snapshot)),
        )

    def close(self) -> None:
        """Delete every snapshot this backend created (forks first); safe to call twice."""
        if self._session_obj is None:
            return
        for name in sorted(self._created, key=lambda n: (n not in self._fork_names, n)):
            self._delete(name)
        self._forks.clear()
        self._bases.clear()
        self._augmented.clear()
        self._trace_cache.clear()


def materialise(snapshot: Snapshot, root: Path) -> None:
    """Write the snapshot's files under ``root``: the exact bytes when the loader kept them
    (``raw_files``, binary side files included), else the text it parsed (UTF-8)."""
    files: dict[str, bytes] = dict(snapshot.raw_files)
    for path, text in snapshot.files.items():
        files.setdefault(path, text.encode("utf-8"))
    root.mkdir(parents=True, exist_ok=True)
    base = root.resolve()
    for rel, data in sorted(files.items()):
        target = (root / rel).resolve()
        if base not in target.parents:
            raise EngineError(f"snapshot file {rel!r} escapes the snapshot folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _header_constraints(fields: Mapping[str, Any]) -> Any:
    """pybatfish HeaderConstraints from translated fields (tcpFlags as MatchTcpFlags dicts)."""
    from pybatfish.datamodel import flow as bf_flow

    match_flags: Any = bf_flow.MatchTcpFlags
    kwargs = dict(fields)
    flags = kwargs.pop("tcpFlags", None)
    if flags is not None:
        kwargs["tcpFlags"] = [match_flags.from_dict(f) for f in flags]
    return bf_flow.HeaderConstraints(**kwargs)
