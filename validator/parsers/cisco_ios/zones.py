"""IOS zone-based policy firewall: ``zone security``, ``zone-member security``, ``zone-pair
security``, ``class-map type inspect`` and ``policy-map type inspect``.

The stanzas may come in any order in a file, so they are collected into a :class:`ZoneDraft` and
resolved once the whole file is read: each zone-pair gets its inspect policy's classes with their
class-maps inlined (``validator.model.zones``), which is all the engine needs.

Lines inside these stanzas that the parser cannot read are warnings (so a change touching them is
an unmodelled change) *and* are recorded as ``unparsed`` on the zone-pair or inspect class they
belong to, so the engine never lets a verdict depend on a partially understood zone policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from validator.model.config import Interface
from validator.model.source import SourceRef
from validator.model.zones import INSPECT_PROTOCOLS, InspectAction, InspectClass, ZonePair
from validator.parsers.cisco_ios.common import Context, Line, Stanza, interface_words

__all__ = ["ZoneDraft", "finish_zones", "parse_zone_stanza", "take_zone_members"]


_ACTIONS: dict[str, InspectAction] = {"inspect": "inspect", "pass": "pass", "drop": "drop"}


@dataclass
class _ClassMap:
    name: str
    source: SourceRef
    match_all: bool
    acls: list[str] = field(default_factory=list)
    protocols: list[str] = field(default_factory=list)
    unparsed: list[SourceRef] = field(default_factory=list)


@dataclass
class _PolicyClass:
    name: str
    source: SourceRef  # the ``class type inspect C`` line
    action: InspectAction | None = None
    action_source: SourceRef | None = None
    unparsed: list[SourceRef] = field(default_factory=list)


@dataclass
class _PolicyMap:
    name: str
    source: SourceRef
    classes: list[_PolicyClass] = field(default_factory=list)
    default: _PolicyClass | None = None  # ``class class-default``
    unparsed: list[SourceRef] = field(default_factory=list)  # lines outside any class


@dataclass
class _Pair:
    name: str
    source_zone: str
    destination_zone: str
    source: SourceRef
    policy: str | None = None
    policy_source: SourceRef | None = None
    unparsed: list[SourceRef] = field(default_factory=list)


@dataclass
class ZoneDraft:
    """Everything the zone stanzas of one file declared, resolved by :func:`finish_zones`."""

    zones: dict[str, SourceRef] = field(default_factory=dict)
    members: dict[str, tuple[str, SourceRef]] = field(default_factory=dict)  # interface -> zone
    bad_members: dict[str, list[SourceRef]] = field(default_factory=dict)  # unreadable zone-member lines
    pairs: list[_Pair] = field(default_factory=list)
    class_maps: dict[str, _ClassMap] = field(default_factory=dict)
    policy_maps: dict[str, _PolicyMap] = field(default_factory=dict)


# --- stanzas -------------------------------------------------------------------------------------


def parse_zone_stanza(stanza: Stanza, draft: ZoneDraft, ctx: Context) -> bool:
    """Parse ``stanza`` if it is one of the zone-firewall stanzas; False if it is not one."""
    w = stanza.head.words
    low = [x.lower() for x in w]
    n = len(w)
    if low[:2] == ["zone", "security"] and n == 3:
        _zone(stanza, draft, ctx)
    elif low[:2] == ["zone-pair", "security"] and n == 7 and low[3] == "source" and low[5] == "destination":
        _zone_pair(stanza, draft, ctx)
    elif low[:3] == ["class-map", "type", "inspect"] and n in (4, 5):
        if n == 5 and low[3] not in ("match-any", "match-all"):
            return False
        _class_map(stanza, draft, ctx)
    elif low[:3] == ["policy-map", "type", "inspect"] and n == 4:
        _policy_map(stanza, draft, ctx)
    else:
        return False
    return True


def take_zone_members(stanza: Stanza, draft: ZoneDraft, ctx: Context) -> None:
    """Remove ``zone-member security Z`` lines from an ``interface`` stanza and record them.

    Called before the interface parser so that module needs no knowledge of zones.
    """
    if len(stanza.head.words) < 2:
        return
    name, _ = interface_words(stanza.head.words, 1)
    kept: list[Line] = []
    for line in stanza.children:
        low = [x.lower() for x in line.words]
        if low[:2] == ["zone-member", "security"]:
            if len(line.words) == 3:
                draft.members[name] = (line.words[2], ctx.src(line))
                ctx.ok(line)
            else:  # the interface's zone is unknown: it is partial (its egress filter is undecided)
                draft.bad_members.setdefault(name, []).append(ctx.src(line))
                ctx.warn(line, "expected zone-member security ZONE")
            continue
        kept.append(line)
    stanza.children = kept


def _zone(stanza: Stanza, draft: ZoneDraft, ctx: Context) -> None:
    name = stanza.head.words[2]
    draft.zones.setdefault(name, ctx.src(stanza.head))
    ctx.ok(stanza.head)
    for line in stanza.children:
        if line.words[0].lower() == "description":
            ctx.ok(line)
        else:
            ctx.warn(line, "zone option not modelled")


def _zone_pair(stanza: Stanza, draft: ZoneDraft, ctx: Context) -> None:
    w = stanza.head.words
    pair = _Pair(name=w[2], source_zone=w[4], destination_zone=w[6], source=ctx.src(stanza.head))
    ctx.ok(stanza.head)
    for line in stanza.children:
        low = [x.lower() for x in line.words]
        if low[:3] == ["service-policy", "type", "inspect"] and len(low) == 4:
            pair.policy, pair.policy_source = line.words[3], ctx.src(line)
            ctx.ok(line)
        elif low[0] == "description":
            ctx.ok(line)
        else:
            pair.unparsed.append(ctx.src(line))
            ctx.warn(line, "zone-pair option not modelled (the zone-pair is undecided)")
    draft.pairs.append(pair)


def _class_map(stanza: Stanza, draft: ZoneDraft, ctx: Context) -> None:
    w = stanza.head.words
    match_all = not (len(w) == 5 and w[3].lower() == "match-any")
    # re-entering a class-map adds its match lines to the existing one (IOS configuration mode)
    cm = draft.class_maps.get(w[-1]) or _ClassMap(name=w[-1], source=ctx.src(stanza.head), match_all=match_all)
    draft.class_maps[cm.name] = cm
    ctx.ok(stanza.head)
    for line in stanza.children:
        low = [x.lower() for x in line.words]
        n = len(low)
        if low[:3] == ["match", "access-group", "name"] and n == 4:
            cm.acls.append(line.words[3])
            ctx.ref("acl", line.words[3], line)
            ctx.ok(line)
        elif low[:2] == ["match", "access-group"] and n == 3 and low[2].isdigit():
            cm.acls.append(line.words[2])
            ctx.ref("acl", line.words[2], line)
            ctx.ok(line)
        elif low[:2] == ["match", "protocol"] and n == 3 and low[2] in INSPECT_PROTOCOLS:
            cm.protocols.append(low[2])
            ctx.ok(line)
        elif low[0] == "description":
            ctx.ok(line)
        else:
            cm.unparsed.append(ctx.src(line))
            ctx.warn(line, "inspect class-map match not modelled (the class is undecided)")


def _policy_map(stanza: Stanza, draft: ZoneDraft, ctx: Context) -> None:
    name = stanza.head.words[3]
    pm = draft.policy_maps.get(name) or _PolicyMap(name=name, source=ctx.src(stanza.head))
    draft.policy_maps[name] = pm
    ctx.ok(stanza.head)
    current: _PolicyClass | None = None
    class_indent = 0
    for line in stanza.children:
        low = [x.lower() for x in line.words]
        n = len(low)
        if current is not None and line.indent <= class_indent:
            current = None  # back at the policy-map level: the line is not an action of the class
        if low[0] == "class":
            class_indent = line.indent
        if low[:3] == ["class", "type", "inspect"] and n == 4:
            current = _PolicyClass(name=line.words[3], source=ctx.src(line))
            pm.classes = [c for c in pm.classes if c.name != current.name] + [current]
            ctx.ok(line)
        elif low == ["class", "class-default"]:
            current = _PolicyClass(name="class-default", source=ctx.src(line))
            pm.default = current
            ctx.ok(line)
        elif current is not None and low[0] in _ACTIONS and _action_ok(low):
            current.action, current.action_source = _ACTIONS[low[0]], ctx.src(line)
            ctx.ok(line)
        elif low[0] == "description":
            ctx.ok(line)
        else:
            (current.unparsed if current is not None else pm.unparsed).append(ctx.src(line))
            ctx.warn(line, "inspect policy-map line not modelled (the policy is undecided)")


def _action_ok(low: list[str]) -> bool:
    """``inspect [PARAMETER-MAP]``, ``pass [log]``, ``drop [log]``: options that do not change
    which packets the class lets through."""
    if low[0] == "inspect":
        return len(low) <= 2
    return len(low) == 1 or low[1:] == ["log"]


# --- resolution ------------------------------------------------------------------------------------


def finish_zones(
    draft: ZoneDraft, interfaces: dict[str, Interface]
) -> tuple[dict[str, Interface], dict[str, SourceRef], tuple[ZonePair, ...], list[tuple[str, str, SourceRef]]]:
    """Interfaces with their zones, declared zones, resolved zone-pairs, undefined references."""
    undefined: list[tuple[str, str, SourceRef]] = []
    out = dict(interfaces)
    for iname, (zone, src) in draft.members.items():
        iface = out.get(iname)
        if iface is not None:
            out[iname] = replace(iface, security_zone=zone, security_zone_source=src)
        if zone not in draft.zones:
            undefined.append(("security-zone", zone, src))
    for iname, bad in draft.bad_members.items():
        iface = out.get(iname)
        if iface is not None:
            out[iname] = replace(iface, unparsed=(*iface.unparsed, *bad))
    pairs: list[ZonePair] = []
    for p in draft.pairs:
        for zone in (p.source_zone, p.destination_zone):
            if zone != "self" and zone not in draft.zones:
                undefined.append(("security-zone", zone, p.source))
        classes: tuple[InspectClass, ...] = ()
        unparsed = list(p.unparsed)
        if p.policy is not None:
            pm = draft.policy_maps.get(p.policy)
            if pm is None:
                undefined.append(("inspect-policy-map", p.policy, p.policy_source or p.source))
            else:
                classes = _resolve(pm, draft, undefined)
                unparsed.extend(pm.unparsed)
        pairs.append(
            ZonePair(
                name=p.name,
                source_zone=p.source_zone,
                destination_zone=p.destination_zone,
                source=p.source,
                policy=p.policy,
                classes=classes,
                unparsed=tuple(unparsed),
            )
        )
    return out, dict(draft.zones), tuple(pairs), undefined


def _resolve(pm: _PolicyMap, draft: ZoneDraft, undefined: list[tuple[str, str, SourceRef]]) -> tuple[InspectClass, ...]:
    """The policy's classes in configuration order, class-default last (drop unless configured).

    A class without an action or whose class-map is undefined is left out, as Batfish does
    (CiscoConfiguration.createInspectPolicyMapAcls).
    """
    out: list[InspectClass] = []
    for pc in pm.classes:
        cm = draft.class_maps.get(pc.name)
        if cm is None:
            undefined.append(("inspect-class-map", pc.name, pc.source))
            continue
        if pc.action is None:
            if pc.unparsed:  # the action line itself was unreadable: keep the class, undecided
                out.append(_inspect_class(pc, cm, "drop"))
            continue
        out.append(_inspect_class(pc, cm, pc.action))
    default = pm.default
    if default is None:
        out.append(InspectClass(name="class-default", action="drop", source=pm.source))
    else:
        action: InspectAction = default.action if default.action is not None else "drop"
        out.append(
            InspectClass(
                name="class-default",
                action=action,
                source=default.action_source or default.source,
                unparsed=tuple(default.unparsed),
            )
        )
    return tuple(out)


def _inspect_class(pc: _PolicyClass, cm: _ClassMap, action: InspectAction) -> InspectClass:
    return InspectClass(
        name=pc.name,
        action=action,
        source=pc.action_source or pc.source,
        match_all=cm.match_all,
        acls=tuple(cm.acls),
        protocols=tuple(cm.protocols),
        unparsed=tuple(pc.unparsed + cm.unparsed),
    )
