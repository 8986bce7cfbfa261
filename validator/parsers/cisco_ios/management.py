"""IOS management plane: ``line``, ``aaa``, TACACS+/RADIUS servers, ``snmp-server``, ``logging``,
``ntp``, ``ip ssh``, ``ip http`` and ``control-plane`` (model: ``validator.model.management``).

Syntax follows the Cisco IOS Security (AAA), Terminal Services (line), Network Management (SNMP,
syslog) and Basic System Management (NTP) command references. A line of one of these families
that does not parse is warned *and* recorded in ``ManagementPlane.unparsed`` (the plane is then
partial: a management check that depends on it cannot pass). Settings that cannot change who
reaches the device or what it reaches (buffer sizes, timeouts, trap lists, contacts) are read and
dropped, listed below with that reason. Indented lines that are not commands of a stanza's
sub-mode go to global configuration mode, as on the device (``fallback``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from validator.model.management import (
    TRANSPORT_PROTOCOLS,
    AaaMethodList,
    AaaServer,
    AaaServerGroup,
    LineKind,
    ManagementPlane,
    NtpAccessGroup,
    ServerRef,
    SnmpCommunity,
    SourceInterface,
    TerminalLine,
)
from validator.model.source import SourceRef
from validator.parsers.cisco_ios.common import Context, Line, LineError, Stanza, integer, interface_words, ip, is_ip
from validator.parsers.cisco_ios.management_tables import (
    DROPPED,
    LINE_KINDS,
    LIST_TYPES,
    RECORD_TYPES,
    SERVER_MODE,
    SERVER_MODEDROPPED,
)
from validator.parsers.cisco_ios.tables import SUBMODES, match_ignorable

__all__ = ["MgmtDraft", "is_management_head", "parse_management_stanza"]

Fallback = Callable[[list[Line], int], int]  # dispatch children[i] globally; returns the next index

_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("aaa",),
    ("line",),
    ("tacacs",),
    ("tacacs-server",),
    ("radius",),
    ("radius-server",),
    ("ip", "tacacs"),
    ("ip", "radius"),
    ("snmp-server",),
    ("logging",),
    ("ntp",),
    ("ip", "ssh"),
    ("ip", "http"),
    ("control-plane",),
)


@dataclass
class _LineDraft:
    kind: LineKind
    first: int
    last: int
    source: SourceRef
    settings: dict[str, object] = field(default_factory=dict)
    unparsed: list[SourceRef] = field(default_factory=list)


@dataclass
class MgmtDraft:
    """Collected while the file is read; ``freeze`` gives the model object."""

    aaa_new_model: bool = False
    aaa_new_model_source: SourceRef | None = None
    method_lists: list[AaaMethodList] = field(default_factory=list)
    servers: list[AaaServer] = field(default_factory=list)
    groups: list[AaaServerGroup] = field(default_factory=list)
    targets: list[ServerRef] = field(default_factory=list)
    source_interfaces: list[SourceInterface] = field(default_factory=list)
    lines: list[_LineDraft] = field(default_factory=list)
    communities: list[SnmpCommunity] = field(default_factory=list)
    ntp_access: list[NtpAccessGroup] = field(default_factory=list)
    ssh_version: int | None = None
    http_server: bool = False
    https_server: bool = False
    http_access_class: tuple[str, SourceRef] | None = None
    control_plane: list[str] = field(default_factory=list)
    control_plane_source: SourceRef | None = None
    unparsed: list[SourceRef] = field(default_factory=list)

    def freeze(self) -> ManagementPlane:
        return ManagementPlane(
            aaa_new_model=self.aaa_new_model,
            aaa_new_model_source=self.aaa_new_model_source,
            method_lists=tuple(self.method_lists),
            servers=tuple(self.servers),
            server_groups=tuple(self.groups),
            targets=tuple(self.targets),
            source_interfaces=tuple(self.source_interfaces),
            lines=tuple(_freeze_line(d) for d in self.lines),
            snmp_communities=tuple(self.communities),
            ntp_access_groups=tuple(self.ntp_access),
            ssh_version=self.ssh_version,
            http_server=self.http_server,
            https_server=self.https_server,
            http_access_class=self.http_access_class[0] if self.http_access_class else None,
            http_access_class_source=self.http_access_class[1] if self.http_access_class else None,
            control_plane=tuple(self.control_plane),
            control_plane_source=self.control_plane_source,
            unparsed=tuple(sorted(set(self.unparsed) | {u for d in self.lines for u in d.unparsed})),
        )


def _freeze_line(d: _LineDraft) -> TerminalLine:
    s = d.settings

    def ref(key: str) -> SourceRef | None:
        v = s.get(key)
        return v if isinstance(v, SourceRef) else None

    def text(key: str) -> str | None:
        v = s.get(key)
        return v if isinstance(v, str) else None

    transport = s.get("transport_input")
    return TerminalLine(
        kind=d.kind,
        first=d.first,
        last=d.last,
        source=d.source,
        access_class_in=text("access_class_in"),
        access_class_in_source=ref("access_class_in_source"),
        access_class_out=text("access_class_out"),
        access_class_out_source=ref("access_class_out_source"),
        transport_input=tuple(str(x) for x in transport) if isinstance(transport, tuple) else None,
        transport_input_source=ref("transport_input_source"),
        login_list=text("login_list"),
        login_local=bool(s.get("login_local", False)),
        login_source=ref("login_source"),
        unparsed=tuple(d.unparsed),
    )


def is_management_head(words: list[str]) -> bool:
    low = [w.lower() for w in words]
    if low[:1] == ["no"]:
        low = low[1:]
    return any(tuple(low[: len(f)]) == f for f in _FAMILIES)


def parse_management_stanza(stanza: Stanza, draft: MgmtDraft, ctx: Context, fallback: Fallback) -> bool:
    """Parse ``stanza`` if its head is a management-plane command; False if it is not one."""
    head = stanza.head
    if not is_management_head(head.words):
        return False
    low = [w.lower() for w in head.words]
    sub: Callable[[Line], bool] | None = None
    try:
        if low[0] == "line":
            sub = _line_stanza(head, draft, ctx)
        elif low[:3] == ["aaa", "group", "server"]:
            sub = _group_stanza(head, draft, ctx)
        elif low[0] in ("tacacs", "radius") and len(low) == 3 and low[1] == "server":
            sub = _server_stanza(head, draft, ctx)
        elif low == ["control-plane"] or low[:2] == ["control-plane", "host"]:
            draft.control_plane.append(" ".join(low))
            draft.control_plane_source = ctx.src(head)
            ctx.ok(head)
            sub = _control_plane_child(draft, ctx)
        else:
            _global_line(head, draft, ctx)
    except LineError as e:
        _lost(head, draft, ctx, f"unparsable: {e}")
    _children(stanza, sub, ctx, fallback)
    return True


def _children(stanza: Stanza, sub: Callable[[Line], bool] | None, ctx: Context, fallback: Fallback) -> None:
    children = stanza.children
    i = 0
    while i < len(children):
        if sub is not None and sub(children[i]):
            i += 1
        else:
            i = fallback(children, i)


def _lost(line: Line, draft: MgmtDraft, ctx: Context, reason: str) -> None:
    ctx.warn(line, reason)
    draft.unparsed.append(ctx.src(line))


def _dropped(low: list[str]) -> bool:
    return any(tuple(low[: len(d)]) == d for d in DROPPED)


# --- single-line global commands ---------------------------------------------------------------


def _global_line(line: Line, d: MgmtDraft, ctx: Context) -> None:
    w = line.words
    low = [x.lower() for x in w]
    negated = low[0] == "no"
    if negated:
        w, low = w[1:], low[1:]
    if _dropped(low):
        ctx.ok(line)
        return
    handled = _negated(low, d, line, ctx) if negated else _positive(w, low, d, line, ctx)
    if handled:
        ctx.ok(line)
    else:
        _lost(line, d, ctx, "management-plane line not understood")


def _negated(low: list[str], d: MgmtDraft, line: Line, ctx: Context) -> bool:
    src = ctx.src(line)
    if low == ["aaa", "new-model"]:
        d.aaa_new_model, d.aaa_new_model_source = False, src
        return True
    if low == ["ip", "http", "server"]:
        d.http_server = False
        return True
    if low == ["ip", "http", "secure-server"]:
        d.https_server = False
        return True
    # local logging sinks; remote hosts are ``logging host``
    return low[:1] == ["logging"] and len(low) == 2 and low[1] in ("console", "monitor", "buffered", "on", "trap")


def _positive(w: list[str], low: list[str], d: MgmtDraft, line: Line, ctx: Context) -> bool:
    src = ctx.src(line)
    n = len(low)
    if low == ["aaa", "new-model"]:
        d.aaa_new_model, d.aaa_new_model_source = True, src
        return True
    if low[0] == "aaa" and n >= 2 and low[1] in LIST_TYPES:
        return _method_list(w, low, d, src)
    if low[0] in ("tacacs-server", "radius-server") and n >= 3 and low[1] == "host":
        protocol: Literal["tacacs", "radius"] = "tacacs" if low[0] == "tacacs-server" else "radius"
        d.servers.append(AaaServer(protocol, ip(w[2]), src))
        return True
    if low[0] == "ip" and n >= 4 and low[1] in ("tacacs", "radius") and low[2] == "source-interface":
        return _source_interface(low[1], w, 3, d, src)
    if low[0] == "snmp-server":
        return _snmp(w, low, d, src, line, ctx)
    if low[0] == "logging":
        return _logging(w, low, d, src)
    if low[0] == "ntp":
        return _ntp(w, low, d, src, line, ctx)
    if low[:3] == ["ip", "ssh", "version"] and n == 4:
        d.ssh_version = integer(w[3], 1, 2)
        return True
    if low[:3] == ["ip", "ssh", "source-interface"] and n >= 4:
        return _source_interface("ssh", w, 3, d, src)
    if low == ["ip", "http", "server"]:
        d.http_server = True
        return True
    if low == ["ip", "http", "secure-server"]:
        d.https_server = True
        return True
    if low[:3] == ["ip", "http", "access-class"] and n in (4, 5):
        name = w[4] if n == 5 and low[3] == "ipv4" else w[3]
        if n == 5 and low[3] != "ipv4":
            return False
        d.http_access_class = (name, src)
        ctx.ref("acl", name, line)
        return True
    return False


def _source_interface(service: str, w: list[str], i: int, d: MgmtDraft, src: SourceRef) -> bool:
    name, end = interface_words(w, i)
    if end != len(w) and [x.lower() for x in w[end : end + 1]] != ["vrf"]:
        return False
    d.source_interfaces.append(SourceInterface(service, name, src))
    return True


def _methods(words: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i].lower() in ("group", "cache") and i + 1 < len(words):
            out.append(f"{words[i].lower()} {words[i + 1]}")
            i += 2
        else:
            out.append(words[i].lower())
            i += 1
    return tuple(out)


def _method_list(w: list[str], low: list[str], d: MgmtDraft, src: SourceRef) -> bool:
    verb = low[1]
    if len(low) < 4 or low[2] not in LIST_TYPES[verb]:
        return False
    i = 3
    kind = f"{verb} {low[2]}"
    if low[2] == "commands":
        integer(w[3], 0, 15)
        kind += f" {w[3]}"
        i = 4
    if i >= len(w):
        return False
    name = w[i]
    rest = low[i + 1 :]
    if verb == "accounting":
        if not rest or rest[0] not in RECORD_TYPES:
            if rest[:1] == ["broadcast"] and len(rest) > 1 and rest[1] in RECORD_TYPES:
                rest = rest[1:]
            else:
                return False
        rest = rest[1:]
    methods = _methods(w[len(w) - len(rest) :]) if rest else ()
    if not methods and not (verb == "accounting" and low[-1] == "none"):
        return False
    d.method_lists.append(AaaMethodList(kind, name, methods, src))
    return True


def _snmp(w: list[str], low: list[str], d: MgmtDraft, src: SourceRef, line: Line, ctx: Context) -> bool:
    n = len(low)
    if low[1:2] == ["community"] and n >= 3:
        access: Literal["ro", "rw"] = "ro"
        acl: str | None = None
        i = 3
        if i < n and low[i] == "view":
            i += 2
        if i < n and low[i] in ("ro", "rw"):
            access = "ro" if low[i] == "ro" else "rw"
            i += 1
        if i < n and low[i] == "ipv6":
            i += 2
        if i < n:
            acl = w[i]
            i += 1
            ctx.ref("acl", acl, line)
        if i != n:
            return False
        d.communities.append(SnmpCommunity(w[2], access, src, acl))
        return True
    if low[1:2] == ["host"] and n >= 4:
        i = 3
        vrf = "default"
        if low[i : i + 1] == ["vrf"] and n >= 6:
            vrf = w[i + 1]
        d.targets.append(ServerRef("snmp-trap", ip(w[2]), src, vrf))
        return True
    if low[1:2] == ["trap-source"] and n >= 3:
        return _source_interface("snmp-trap", w, 2, d, src)
    if low[1:2] == ["source-interface"] and n >= 4 and low[2] in ("traps", "informs"):
        return _source_interface("snmp-trap", w, 3, d, src)
    return False


def _logging(w: list[str], low: list[str], d: MgmtDraft, src: SourceRef) -> bool:
    n = len(low)
    if low[1:2] == ["host"] and n >= 3:
        i = 2
        vrf = "default"
        if low[2] == "ipv6":
            return True  # the model is IPv4 only; an IPv6 syslog host is outside it
        if n >= 5 and low[3] == "vrf":
            vrf = w[4]
        d.targets.append(ServerRef("logging", ip(w[i]), src, vrf))
        return True
    if n == 2 and is_ip(w[1]):
        d.targets.append(ServerRef("logging", ip(w[1]), src))  # legacy ``logging A.B.C.D``
        return True
    if low[1:2] == ["source-interface"] and n >= 3:
        return _source_interface("logging", w, 2, d, src)
    return False


def _ntp(w: list[str], low: list[str], d: MgmtDraft, src: SourceRef, line: Line, ctx: Context) -> bool:
    n = len(low)
    if low[1:2] in (["server"], ["peer"]) and n >= 3:
        i = 2
        vrf = "default"
        if low[i] == "vrf" and n >= 5:
            vrf, i = w[i + 1], i + 2
        if not is_ip(w[i]):
            return False  # a DNS name: the model cannot say where it goes
        addr = ip(w[i])
        source_if: str | None = None
        j = i + 1
        while j < n:
            if low[j] == "source" and j + 1 < n:
                source_if, j = interface_words(w, j + 1)
            elif low[j] in ("key", "version") and j + 1 < n:
                j += 2
            elif low[j] in ("prefer", "burst", "iburst"):
                j += 1
            else:
                return False
        d.targets.append(ServerRef("ntp", addr, src, vrf, source_if))
        return True
    if low[1:2] == ["source"] and n >= 3:
        return _source_interface("ntp", w, 2, d, src)
    if low[1:2] == ["access-group"] and n >= 4:
        kind = low[2]
        if kind == "ipv4":
            kind, rest = low[3], w[4:]
        else:
            rest = w[3:]
        if kind not in ("peer", "serve", "serve-only", "query-only") or not rest:
            return False
        d.ntp_access.append(NtpAccessGroup(kind, rest[0], src))
        ctx.ref("acl", rest[0], line)
        return True
    return False


# --- stanzas with a sub-mode -------------------------------------------------------------------


def _line_stanza(head: Line, d: MgmtDraft, ctx: Context) -> Callable[[Line], bool]:
    low = [x.lower() for x in head.words]
    kind = LINE_KINDS.get(low[1], "other") if len(low) >= 2 else "other"
    nums = [integer(x, 0, 65535) for x in head.words[2:]] if len(low) >= 3 else []
    if len(low) < 2 or len(nums) > 2 or (kind != "other" and not nums):
        raise LineError("expected line vty|con|aux FIRST [LAST]")
    draft = _LineDraft(kind, nums[0], nums[-1], ctx.src(head))
    d.lines.append(draft)
    ctx.ok(head)
    table = SUBMODES[("line",)]

    def child(line: Line) -> bool:
        cl = [x.lower() for x in line.words]
        if cl[0] in ("access-class", "transport", "login") or cl[:2] in (["no", "login"], ["no", "access-class"]):
            try:
                ok = _line_setting(line, cl, draft, ctx)
            except LineError as e:
                ok = False
                ctx.warn(line, f"unparsable: {e}")
                draft.unparsed.append(ctx.src(line))
                return True
            if ok:
                ctx.ok(line)
                return True
            if match_ignorable(line.words, table) is None:
                return False
            ctx.warn(line, "line setting not understood")
            draft.unparsed.append(ctx.src(line))
            return True
        words = line.words[1:] if cl[0] == "no" and len(cl) > 1 else line.words
        if match_ignorable(words, table) is not None:
            ctx.ok(line)
            return True
        return False

    return child


def _line_setting(line: Line, low: list[str], draft: _LineDraft, ctx: Context) -> bool:
    s = draft.settings
    src = ctx.src(line)
    w = line.words
    n = len(low)
    if low[0] == "access-class" and n >= 3 and low[2] in ("in", "out") and (n == 3 or low[3:] == ["vrf-also"]):
        s[f"access_class_{low[2]}"] = w[1]
        s[f"access_class_{low[2]}_source"] = src
        ctx.ref("acl", w[1], line)
        return True
    if low[:2] == ["no", "access-class"]:
        return True
    if low[:2] == ["transport", "input"] and n >= 3:
        words = tuple(low[2:])
        if any(x not in (*TRANSPORT_PROTOCOLS, "all", "none") for x in words):
            raise LineError(f"unknown transport protocol in {' '.join(words)!r}")
        s["transport_input"] = () if words == ("none",) else words
        s["transport_input_source"] = src
        return True
    if low[:2] == ["transport", "output"] or low[:2] == ["transport", "preferred"]:
        return True  # outgoing sessions from the device; not operator access into it
    if low[:2] == ["login", "authentication"] and n == 3:
        s["login_list"], s["login_local"], s["login_source"] = w[2], False, src
        return True
    if low in (["login", "local"], ["login"], ["no", "login"]):
        s["login_list"] = None
        s["login_local"] = low == ["login", "local"]
        s["login_source"] = src
        return True
    return False


def _group_stanza(head: Line, d: MgmtDraft, ctx: Context) -> Callable[[Line], bool]:
    w = head.words
    low = [x.lower() for x in w]
    if len(low) != 5 or low[3] not in ("tacacs+", "radius"):
        raise LineError("expected aaa group server tacacs+|radius NAME")
    protocol: Literal["tacacs", "radius"] = "tacacs" if low[3] == "tacacs+" else "radius"
    members: list[str] = []
    state: dict[str, object] = {}
    ctx.ok(head)
    index = len(d.groups)
    d.groups.append(AaaServerGroup(protocol, w[4], (), ctx.src(head)))
    table = SUBMODES[("aaa", "group", "server")]

    def child(line: Line) -> bool:
        cl = [x.lower() for x in line.words]
        try:
            if cl[:2] == ["server", "name"] and len(cl) == 3:
                members.append(line.words[2])
            elif cl[0] in ("server", "server-private") and len(cl) >= 2 and is_ip(line.words[1]):
                members.append(line.words[1])
            elif cl[:3] == ["ip", protocol, "source-interface"] and len(cl) >= 4:
                name, _ = interface_words(line.words, 3)
                state["source_interface"], state["source_interface_source"] = name, ctx.src(line)
            elif cl[:3] == ["ip", "vrf", "forwarding"] and len(cl) == 4:
                state["vrf"] = line.words[3]
            elif match_ignorable(line.words, table) is not None and cl[0] in ("deadtime", "load-balance"):
                pass
            elif match_ignorable(line.words, table) is not None:
                _lost(line, d, ctx, "server-group line not understood")
                return True
            else:
                return False
        except LineError as e:
            _lost(line, d, ctx, f"unparsable: {e}")
            return True
        ctx.ok(line)
        si = state.get("source_interface")
        sis = state.get("source_interface_source")
        vrf = state.get("vrf", "default")
        d.groups[index] = AaaServerGroup(
            protocol,
            w[4],
            tuple(members),
            ctx.src(head),
            si if isinstance(si, str) else None,
            sis if isinstance(sis, SourceRef) else None,
            vrf if isinstance(vrf, str) else "default",
        )
        return True

    return child


def _server_stanza(head: Line, d: MgmtDraft, ctx: Context) -> Callable[[Line], bool]:
    """``tacacs server NAME`` / ``radius server NAME`` with ``address ipv4 A.B.C.D``."""
    protocol: Literal["tacacs", "radius"] = "tacacs" if head.words[0].lower() == "tacacs" else "radius"
    name = head.words[2]
    ctx.ok(head)
    index = len(d.servers)
    d.servers.append(AaaServer(protocol, None, ctx.src(head), name))

    def child(line: Line) -> bool:
        cl = [x.lower() for x in line.words]
        if cl[0] not in SERVER_MODE and cl[0] not in SERVER_MODEDROPPED:
            return False
        if cl[:2] == ["address", "ipv4"] and len(cl) >= 3 and is_ip(line.words[2]):
            d.servers[index] = AaaServer(protocol, ip(line.words[2]), ctx.src(head), name)
            ctx.ok(line)
        elif cl[0] in SERVER_MODEDROPPED or cl[0] in ("port", "auth-port", "acct-port"):
            ctx.ok(line)
        else:
            _lost(line, d, ctx, "server line not understood")
        return True

    return child


def _control_plane_child(d: MgmtDraft, ctx: Context) -> Callable[[Line], bool]:
    def child(line: Line) -> bool:
        if line.words[0].lower() != "service-policy":
            return False
        d.control_plane.append(" ".join(line.words))
        ctx.ok(line)
        return True

    return child
