"""Junos text (hierarchical ``{ }`` or ``set`` form) to flat ``set`` lines, as Batfish does first.

Batfish never parses the hierarchical form directly: its ``FlatJuniper`` pre-processing turns every
leaf statement into the ``set`` line that would configure it, applies ``deactivate``/``delete``
(the ``Hierarchy`` of statements) and then parses one grammar. We do the same so that both forms
give the same model and the same change sets, and every flat line keeps the file line it came from
(its first token's line), so findings point at the text a person edited.

Handled here, not by the stanza parsers:

- ``inactive:`` before a statement or a block, and ``deactivate PATH`` lines: the statements under
  it are dropped (Junos ignores deactivated configuration at commit; ``activate PATH`` undoes it).
- ``delete PATH`` lines: every earlier statement under ``PATH`` is removed.
- ``replace:`` and ``protect:`` tags and ``/* annotations */`` (``annotate``) carry no meaning for
  the data plane and are stripped. ``#`` comments are dropped.
- ``[ a b c ]`` value lists stay one flat line (word order matters for policy chains).

``apply-groups`` is *not* expanded: the flat line is kept and the parser makes every object it could
affect partial (fail closed, see ``parser.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from validator.errors import ConfigParseError

__all__ = ["FlatLine", "flatten", "looks_like_junos"]


@dataclass(frozen=True)
class FlatLine:
    """One leaf statement as ``set`` words (without the ``set``) and its 1-based file line."""

    words: tuple[str, ...]
    line: int

    @property
    def text(self) -> str:
        return "set " + " ".join(_quote(w) for w in self.words)


def _quote(word: str) -> str:
    return f'"{word}"' if (not word or any(c.isspace() for c in word)) and not word.startswith("[") else word


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|/\*.*?\*/|#[^\n]*|[{};]|\[|\]|[^\s{};"\[\]]+', re.DOTALL)
_SET_HEADS = ("set ", "deactivate ", "delete ", "activate ")


def looks_like_junos(text: str) -> bool:
    """The syntax sniff Batfish's detector uses for Juniper: mostly ``set`` lines, or a top-level
    ``name {`` block among the first statements (``system {``, ``interfaces {``)."""
    code = [
        ln.strip()
        for ln in text.lstrip("\ufeff").splitlines()[:200]
        if ln.strip() and not ln.strip().startswith(("#", "!", "/*"))
    ]
    if not code:
        return False
    if sum(ln.startswith(_SET_HEADS) for ln in code) * 2 > len(code):
        return True
    return any(re.match(r"^(replace: |inactive: )?[A-Za-z][\w-]*( \S+)* \{$", ln) for ln in code[:10])


def flatten(text: str, file: str) -> list[FlatLine]:
    """Flat statements in file order after deactivation and deletion; ConfigParseError (naming the
    file and line) for unbalanced braces or a file that is neither form."""
    body = text.removeprefix("\ufeff")
    code = [ln.strip() for ln in body.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    if code and sum(ln.startswith(_SET_HEADS) for ln in code) * 2 > len(code):
        return _flatten_set(body, file)
    return _flatten_tree(body, file)


# --- set form ---------------------------------------------------------------------------------


def _split_words(line: str, file: str, num: int) -> list[str]:
    out: list[str] = []
    for m in _TOKEN.finditer(line):
        tok = m.group(0)
        if tok.startswith("#") or tok.startswith("/*"):
            if tok.startswith("#"):
                break
            continue
        if tok.startswith('"'):
            out.append(tok[1:-1])
        else:
            out.append(tok)
    return _join_brackets(out, file, num)


def _join_brackets(words: list[str], file: str, num: int) -> list[str]:
    """``[ a b ]`` as one word ``[ a b ]`` so a value list stays attached to its statement."""
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i] == "[":
            try:
                end = words.index("]", i)
            except ValueError:
                raise ConfigParseError("unclosed '[' value list", file=file, line=num) from None
            out.append("[ " + " ".join(words[i + 1 : end]) + " ]")
            i = end + 1
            continue
        out.append(words[i])
        i += 1
    return out


def _flatten_set(text: str, file: str) -> list[FlatLine]:
    lines: list[FlatLine] = []
    inactive: list[tuple[str, ...]] = []
    for num, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        words = _split_words(stripped, file, num)
        if not words:
            continue
        head, path = words[0], tuple(words[1:])
        if head == "set" and not path:
            raise ConfigParseError("'set' without a statement", file=file, line=num)
        if head == "set":
            lines.append(FlatLine(path, num))
        elif head == "deactivate":
            inactive.append(path)
        elif head == "activate":
            inactive = [p for p in inactive if p != path]
        elif head == "delete":
            lines = [fl for fl in lines if fl.words[: len(path)] != path]
        else:
            # keep it: the parser reports it as an unmodelled line (never dropped silently)
            lines.append(FlatLine(tuple(words), num))
    return [fl for fl in lines if not any(fl.words[: len(p)] == p for p in inactive)]


# --- hierarchical form ------------------------------------------------------------------------


def _tokens(text: str, file: str) -> list[tuple[str, int, bool]]:
    """(token, line, was_quoted); comments and annotations dropped."""
    out: list[tuple[str, int, bool]] = []
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        if tok.startswith("#") or tok.startswith("/*"):
            continue
        line = text.count("\n", 0, m.start()) + 1
        if tok.startswith('"'):
            out.append((tok[1:-1], line, True))
        else:
            out.append((tok, line, False))
    return out


def _flatten_tree(text: str, file: str) -> list[FlatLine]:
    toks = _tokens(text, file)
    out: list[FlatLine] = []
    # stack of (path words of the block, inactive)
    stack: list[tuple[tuple[str, ...], bool]] = []
    opened: list[tuple[int, int]] = []  # per open block: flat lines emitted before it, its line
    path: tuple[str, ...] = ()
    inactive = False
    stmt: list[str] = []
    stmt_line = 0
    stmt_inactive = False
    i = 0
    while i < len(toks):
        tok, line, quoted = toks[i]
        i += 1
        if not quoted and tok in ("inactive:", "replace:", "protect:") and not stmt:
            stmt_inactive = stmt_inactive or tok == "inactive:"
            continue
        if not quoted and tok == "[":
            vals: list[str] = []
            while i < len(toks) and not (toks[i][0] == "]" and not toks[i][2]):
                if toks[i][0] in ("{", "}", ";") and not toks[i][2]:
                    raise ConfigParseError("unclosed '[' value list", file=file, line=line)
                vals.append(toks[i][0])
                i += 1
            if i >= len(toks):
                raise ConfigParseError("unclosed '[' value list", file=file, line=line)
            i += 1
            if not stmt:
                stmt_line = line
            stmt.append("[ " + " ".join(vals) + " ]")
            continue
        if not quoted and tok == "{":
            if not stmt:
                raise ConfigParseError("'{' without a statement name", file=file, line=line)
            stack.append((path, inactive))
            opened.append((len(out), stmt_line))
            path = path + tuple(stmt)
            inactive = inactive or stmt_inactive
            stmt, stmt_inactive = [], False
            continue
        if not quoted and tok == "}":
            if stmt:
                raise ConfigParseError(f"missing ';' after {' '.join(stmt)!r}", file=file, line=stmt_line)
            if not stack:
                raise ConfigParseError("unbalanced '}'", file=file, line=line)
            emitted, block_line = opened.pop()
            if len(out) == emitted and not inactive:
                # an empty block (``term t { }``) is the statement ``set ... term t`` in Junos (an
                # empty term matches and accepts everything): keep it so the parser models or
                # reports it, never drop it silently (Batfish's flattener drops it; fail closed)
                out.append(FlatLine(path, block_line))
            path, inactive = stack.pop()
            continue
        if not quoted and tok == ";":
            if stmt and not (inactive or stmt_inactive):
                out.append(FlatLine(path + tuple(stmt), stmt_line))
            stmt, stmt_inactive = [], False
            continue
        if not stmt:
            stmt_line = line
        stmt.append(tok)
    if stmt:
        raise ConfigParseError(f"missing ';' after {' '.join(stmt)!r}", file=file, line=stmt_line)
    if stack:
        raise ConfigParseError("unclosed '{' at end of file", file=file, line=text.count("\n") + 1)
    return out
