"""BGP attribute lists: ``ip community-list`` and ``ip as-path access-list``.

Both are one top-level line per entry, collected into ``Filters`` and frozen with the node.
"""

from __future__ import annotations

import re

from validator.model.config import Action, AsPathListLine, CommunityListLine
from validator.parsers.cisco_ios.common import (
    Context,
    Line,
    LineError,
    community,
)
from validator.parsers.cisco_ios.filters import Filters

# --- community-lists ----------------------------------------------------------------------------

# Batfish Cisco_acl.g4: ``ip_community_list_standard_stanza`` (``standard NAME``, a number 1-99, or a
# bare non-numeric NAME: the old/EOS form, standard) and ``ip_community_list_expanded_stanza``
# (``expanded|extended NAME`` or a number 100-500; ``seq N`` allowed, the regex may be quoted).
_EXPANDED_WORDS = ("expanded", "extended")


def parse_community_list(line: Line, f: Filters, ctx: Context) -> None:
    """``ip community-list N|standard NAME|expanded NAME|NAME [seq N] permit|deny ...``."""
    w = line.words
    low = [x.lower() for x in w]
    src = ctx.src(line)

    def partial(name: str, reason: str) -> None:
        # the list exists on the device with an entry we cannot read: keep it, partial
        ctx.warn(line, reason)
        f.community_lists.setdefault(name, (src, "standard", []))
        f.lost("community-list", name, src)

    if len(w) < 3 or (len(w) == 3 and low[2] in ("standard", *_EXPANDED_WORDS)):
        ctx.warn(line, "incomplete community-list line")
        return
    if low[2] == "standard" or low[2] in _EXPANDED_WORDS:
        kind, name, i = ("standard" if low[2] == "standard" else "expanded"), w[3], 4
    elif w[2].isdigit():
        number = int(w[2])
        if 1 <= number <= 99:
            kind = "standard"
        elif 100 <= number <= 500:
            kind = "expanded"
        else:
            partial(w[2], "community-list number out of range (1-99 standard, 100-500 expanded)")
            return
        name, i = w[2], 3
    else:
        # ``ip community-list NAME permit 20:30``: a standard list (Batfish ``name_cl``)
        kind, name, i = "standard", w[2], 3
    if kind == "expanded" and i + 1 < len(w) and low[i] == "seq" and w[i + 1].isdigit():
        i += 2
    if i >= len(w) or low[i] not in ("permit", "deny"):
        partial(name, "expected permit|deny")
        return
    if i + 1 >= len(w):
        partial(name, "community-list entry without a value")
        return
    action: Action = "permit" if low[i] == "permit" else "deny"
    _, known_kind, lines = f.community_lists.setdefault(name, (src, kind, []))
    if known_kind != kind:
        partial(name, f"community-list {name} mixes standard and expanded entries")
        return
    if kind == "expanded":
        regex = line.text.split(None, i + 1)[i + 1].strip()
        if len(regex) >= 2 and regex[0] == regex[-1] == '"':
            regex = regex[1:-1]
        if not valid_cisco_regex(regex):
            partial(name, f"invalid regular expression {regex!r}")
            return
        lines.append(CommunityListLine(action, src, (), regex))
        ctx.ok(line)
        return
    try:
        comms = tuple(community(x) for x in w[i + 1 :])
    except LineError as e:
        ctx.warn(line, f"unparsable community (entry dropped from {name}): {e}")
        f.lost("community-list", name, src)
        return
    lines.append(CommunityListLine(action, src, comms))
    ctx.ok(line)


# --- as-path access-lists ---------------------------------------------------------------------


def valid_cisco_regex(regex: str) -> bool:
    """True when ``regex`` compiles once Cisco's ``_`` is rewritten as Batfish does
    (CiscoConfiguration.toJavaRegex: ``_`` -> ``(,|\\{|\\}|^|\\$| )``); the engine applies the
    same rewrite (engine.routing_policy). A regex that does not compile is a parse warning."""
    try:
        re.compile(regex.replace("_", r"(,|\{|\}|^|$| )"))
    except re.error:
        return False
    return bool(regex)


def parse_as_path_list(line: Line, f: Filters, ctx: Context) -> None:
    """``ip as-path access-list NAME [seq N] permit|deny REGEX`` (Batfish
    ``ip_as_path_access_list_stanza``: any name, the regex is the rest of the line)."""
    w = line.words
    low = [x.lower() for x in w]
    if len(w) < 4:
        ctx.warn(line, "incomplete as-path access-list line")
        return
    name = w[3]
    src = ctx.src(line)
    i = 4
    if i + 1 < len(w) and low[i] == "seq" and w[i + 1].isdigit():
        i += 2
    f.as_path_lists.setdefault(name, (src, []))
    if i + 1 >= len(w) or low[i] not in ("permit", "deny"):
        ctx.warn(line, "expected permit|deny REGEX")
        f.lost("as-path-list", name, src)
        return
    regex = line.text.split(None, i + 1)[i + 1].strip()
    if len(regex) >= 2 and regex[0] == regex[-1] == '"':
        regex = regex[1:-1]
    if not valid_cisco_regex(regex):
        ctx.warn(line, f"invalid regular expression {regex!r} (entry dropped from {name})")
        f.lost("as-path-list", name, src)
        return
    action: Action = "permit" if low[i] == "permit" else "deny"
    f.as_path_lists[name][1].append(AsPathListLine(action, regex, src))
    ctx.ok(line)
