"""Junos AS-path regular expressions to Python regular expressions over the rendered AS path.

Junos AS-path regexes work on whole AS numbers (Juniper "Configuring AS Path Regular
Expressions"): terms are separated by spaces and the expression is implicitly anchored at both
ends; ``.`` is any one AS number; ``N-M`` (or ``[N-M]``) a range of AS numbers; ``( a | b )`` a
group of alternatives; ``*``, ``+``, ``?``, ``{n}``, ``{n,}``, ``{n,m}`` repeat the term before
them; ``()`` is the empty path. Batfish converts them the same way (``juniper.parboiled.AsPathRegex``:
each term becomes ``(^| )TERM`` inside ``^...$``) and matches the result against the AS path
rendered with single spaces, which is what ``engine.routing_policy.as_path_string`` gives.

Anything outside this grammar returns None: the caller makes the list partial (never a guess).
"""

from __future__ import annotations

import re

__all__ = ["junos_as_path_regex"]

_ANY_ASN = "(?:0|[1-9][0-9]*)"
_MAX_RANGE = 5000  # a range becomes an alternation of its numbers
_TOKEN = re.compile(r"\s*(\d+-\d+|\[\d+-\d+\]|\d+|\.|\(|\)|\||\*|\+|\?|\{\d+(?:,\d*)?\})")


def junos_as_path_regex(text: str) -> str | None:
    """The Python regex for Junos AS-path regex ``text`` (matched with ``search``), or None."""
    body = text.strip()
    if body.startswith("^"):
        body = body[1:]
    if body.endswith("$"):
        body = body[:-1]
    if body.strip() == "()":
        return "^$"
    tokens = _tokenize(body)
    if tokens is None or not tokens:
        return None
    parser = _Parser(tokens)
    seq = parser.sequence()
    if seq is None or parser.pos != len(tokens):
        return None
    return f"^{seq}$"


def _tokenize(body: str) -> list[str] | None:
    out: list[str] = []
    pos = 0
    while pos < len(body):
        if body[pos:].strip() == "":
            break
        m = _TOKEN.match(body, pos)
        if m is None:
            return None
        out.append(m.group(1))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def sequence(self) -> str | None:
        parts: list[str] = []
        while self.peek() not in (None, ")", "|"):
            term = self.term()
            if term is None:
                return None
            parts.append(term)
        return "".join(parts) if parts else None

    def term(self) -> str | None:
        tok = self.peek()
        if tok is None:
            return None
        self.pos += 1
        if tok == "(":
            alts: list[str] = []
            while True:
                seq = self.sequence()
                if seq is None:
                    return None
                alts.append(seq)
                nxt = self.peek()
                self.pos += 1
                if nxt == ")":
                    break
                if nxt != "|":
                    return None
            atom = "(?:" + "|".join(alts) + ")"
        else:
            single = _single(tok)
            if single is None:
                return None
            atom = f"(?:(?:^| ){single})"
        op = self.peek()
        if op is not None and (op in ("*", "+", "?") or op.startswith("{")):
            self.pos += 1
            return atom + op
        return atom


def _single(tok: str) -> str | None:
    if tok == ".":
        return _ANY_ASN
    if tok.isdigit():
        return str(int(tok))
    rng = tok.strip("[]")
    lo_s, sep, hi_s = rng.partition("-")
    if sep and lo_s.isdigit() and hi_s.isdigit():
        lo, hi = int(lo_s), int(hi_s)
        if lo > hi or hi - lo >= _MAX_RANGE:
            return None
        return "(?:" + "|".join(str(n) for n in range(lo, hi + 1)) + ")"
    return None
