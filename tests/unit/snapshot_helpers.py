"""Shared helpers for the snapshot loader tests: a stand-in IOS parser and the fixture path.

The loader's job (file layout, side files, errors) is tested against this tiny parser so the tests
do not depend on the IOS parser's completeness; tests of the real parser live elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from validator import parsers
from validator.errors import ConfigParseError
from validator.model.config import Interface, Node
from validator.model.source import SourceRef

REPO = Path(__file__).resolve().parents[2]
SMALL = REPO / "fixtures" / "unit" / "snapshot" / "small"
BATFISH_EXAMPLE = REPO.parent / "shared" / "reference" / "batfish-example"


def fake_ios(text: str, file: str) -> Node:
    """Understands ``hostname`` and ``interface`` lines only; ``!FAIL`` raises a parse error."""
    hostname = None
    interfaces: dict[str, Interface] = {}
    for no, line in enumerate(text.splitlines(), start=1):
        if line.startswith("!FAIL"):
            raise ConfigParseError("fake parse failure", file=file, line=no)
        if line.startswith("hostname "):
            hostname = line.split()[1]
        elif line.startswith("interface "):
            name = line.split()[1]
            interfaces[name] = Interface(node="?", name=name, source=SourceRef(file, no))
    if hostname is None:
        raise ConfigParseError("no hostname", file=file, line=1)
    return Node(name=hostname.lower(), hostname=hostname, file=file, vendor="cisco_ios", interfaces=interfaces)


@pytest.fixture
def fake_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(parsers.PARSERS, "cisco_ios", fake_ios)
