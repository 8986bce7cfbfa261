"""Inert changes: stanzas that provably cannot alter forwarding, routing or management behaviour.

The decision comes from the model, not from the text: a changed stanza is inert when the model
objects it maps to are equal in base and head once documentation is ignored (descriptions,
remarks, display text, source lines), or when it is a policy object referenced nowhere (no unit,
see :mod:`validator.diff.units`), or a banner.

One text check keeps this sound: the parser deliberately *drops* some lines it considers without
effect on the converged state (``timers bgp``, ``neighbor X timers``, SPF throttling, logging,
NTP, ...). Those lines are absent from both models, so model equality would call a change to them
inert, yet they bear behaviour the engine does not simulate (a hold timer changes when a session
drops). A changed line that the parser's ignore tables drop therefore makes the stanza
non-inert (it touches its session, process or node), unless it is documentation the parser drops
(a route-map ``description``). A partial object (``unparsed`` lines) is never inert.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from validator.diff.stanzas import Stanza, canonical_interface_name, segment_ios
from validator.model.config import AclLine, Node
from validator.model.snapshot import Snapshot
from validator.model.verdict import ChangedStanza
from validator.parsers.cisco_ios.tables import (
    IGNORED_BGP,
    IGNORED_INTERFACE,
    IGNORED_NEIGHBOR,
    IGNORED_OSPF,
    IGNORED_TOP,
    match_ignorable,
)

# lines that only document: the model keeps them as ``description`` fields or not at all
_DOC_WORDS = ("description", "remark")
_IGNORED = IGNORED_TOP + IGNORED_INTERFACE + IGNORED_OSPF + IGNORED_BGP


def _is_source_ref(value: Any) -> bool:
    from validator.model.source import SourceRef

    return isinstance(value, SourceRef) or (
        isinstance(value, tuple) and bool(value) and all(isinstance(v, SourceRef) for v in value)
    )


def semantic(obj: Any) -> Any:
    """A comparable form of a model object without documentation and source references."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        skip = {"text", "name"} if isinstance(obj, AclLine) else set()
        return (
            type(obj).__name__,
            tuple(
                (f.name, semantic(getattr(obj, f.name)))
                for f in dataclasses.fields(obj)
                if f.name not in skip
                and f.name not in ("source", "description")
                # a field named ``*_source`` may be behaviour (``update_source``): only source
                # references are documentation
                and not _is_source_ref(getattr(obj, f.name))
            ),
        )
    if isinstance(obj, (tuple, list)):
        return tuple(semantic(x) for x in obj)
    if isinstance(obj, dict):
        return tuple(sorted(((str(k), semantic(v)) for k, v in obj.items()), key=lambda kv: kv[0]))
    return obj


def _partial(obj: Any) -> bool:
    return bool(getattr(obj, "unparsed", ()))


def _model_objects(node: Node | None, st: ChangedStanza) -> Any:
    """The model objects a stanza defines on one side; ``_NO_MODEL`` when the kind has none."""
    if node is None:
        return None
    name = st.name
    if st.kind == "interface":
        return node.interfaces.get(canonical_interface_name(name))
    if st.kind == "acl":
        return node.acls.get(name)
    if st.kind == "prefix-list":
        return node.prefix_lists.get(name)
    if st.kind == "community-list":
        return node.community_lists.get(name)
    if st.kind == "route-map":
        rm_name, _, seq = name.rpartition(" ")
        rm = node.route_maps.get(rm_name)
        if rm is None:
            return None
        return tuple(c for c in rm.clauses if str(c.seq) == seq)
    if st.kind == "router ospf":
        # ``network`` and ``passive-interface`` lines live on the interfaces in the model
        pid = name.split()[0] if name else ""
        joined = tuple(
            (i.name, i.ospf)
            for i in sorted(node.interfaces.values(), key=lambda i: i.name)
            if i.ospf is not None and i.ospf.process_id == pid
        )
        return (tuple(p for p in node.ospf if p.process_id == pid), joined)
    if node.bgp is None:
        return None if st.kind.startswith("bgp ") or st.kind == "router bgp" else _NO_MODEL
    bgp = node.bgp
    if st.kind == "router bgp":
        return dataclasses.replace(bgp, neighbors=(), networks=(), aggregates=())
    if st.kind == "bgp neighbor":
        return tuple(n for n in bgp.neighbors if str(n.peer_ip) == name or n.peer_group == name)
    if st.kind == "bgp network":
        return tuple(n for n in bgp.networks if str(n.prefix).split("/")[0] == name.split()[0])
    if st.kind == "bgp aggregate":
        return tuple(a for a in bgp.aggregates if str(a.prefix).split("/")[0] == name.split()[0])
    return _NO_MODEL


_NO_MODEL = object()


def _stanza(text: str | None, st: ChangedStanza) -> Stanza | None:
    if text is None:
        return None
    found = [s for (k, _key), s in segment_ios(text).items() if k == st.kind and s.name == st.name]
    return found[0] if found else None


def _changed_lines(base: Stanza | None, head: Stanza | None) -> list[list[str]]:
    """The lines (as words) present on one side only, as multisets of normalised lines."""
    b = Counter(base.normalised if base else ())
    h = Counter(head.normalised if head else ())
    out: list[list[str]] = []
    for line in (b - h) + (h - b):
        out.append(line.split(" | ")[-1].split())
    return out


def _behaviour_dropped(words: list[str], kind: str) -> bool:
    """A line the parser reads and drops although it bears behaviour (timers, logging, ...)."""
    if not words or words[0].lower() in _DOC_WORDS:
        return False
    low = [w.lower() for w in words]
    if low[:1] == ["neighbor"] and len(words) > 2:
        rest = words[2:]
        return rest[0].lower() not in _DOC_WORDS and match_ignorable(rest, IGNORED_NEIGHBOR) is not None
    if low[:2] in (["ip", "access-list"],) or low[:1] == ["access-list"]:
        return False  # ACL lines are modelled (remarks are documentation)
    if kind == "route-map":
        return False  # the only dropped route-map line is ``description``
    return match_ignorable(words, _IGNORED) is not None


def is_inert(st: ChangedStanza, base: Snapshot, head: Snapshot, units: frozenset[Any]) -> bool:
    """Whether ``st`` cannot change behaviour (see the module docstring). ``units`` are the
    stanza's change units (an unreferenced object has none)."""
    if not st.device or st.kind in ("host", "iptables", "hostname"):
        return False
    b_node, h_node = base.nodes.get(st.device), head.nodes.get(st.device)
    if b_node is None or h_node is None:
        return False  # a device appears or disappears
    if st.kind == "other" and st.name.split()[:1] == ["banner"]:
        return True  # login text; the parser drops the whole block
    b_st, h_st = _stanza(base.files.get(st.file), st), _stanza(head.files.get(st.file), st)
    changed = _changed_lines(b_st, h_st)
    if any(_behaviour_dropped(w, st.kind) for w in changed):
        return False
    texts = {" ".join(w) for w in changed}
    if any(" ".join(w.text.split()) in texts for n in (b_node, h_node) for w in n.warnings):
        return False  # a line the parser did not model (the gate also blocks it as unmodelled)
    b_obj, h_obj = _model_objects(b_node, st), _model_objects(h_node, st)
    if b_obj is _NO_MODEL or h_obj is _NO_MODEL:
        return False
    if _any_partial(b_obj) or _any_partial(h_obj):
        return False
    if not units and st.kind in ("acl", "prefix-list", "community-list", "route-map"):
        return True  # referenced nowhere, in base or head
    if b_obj is None or h_obj is None:
        return False
    return bool(semantic(b_obj) == semantic(h_obj))


def _any_partial(obj: Any) -> bool:
    if isinstance(obj, tuple):
        return any(_partial(o) for o in obj)
    return obj is not None and _partial(obj)
