"""The registry's slot for Juniper (issue 16 part B registers ``juniper``): detection returns the
key once a parser is registered under it, and refuses the file as today otherwise."""

from __future__ import annotations

import pytest

from validator import parsers
from validator.errors import UnsupportedVendorError
from validator.model.config import Node

JUNOS = [
    "set system host-name j1\nset interfaces ge-0/0/0 unit 0 family inet address 10.0.0.1/31\n",
    "system {\n    host-name j1;\n}\ninterfaces {\n}\n",
    "!RANCID-CONTENT-TYPE: juniper\nsystem {\n    host-name j1;\n}\n",
    "#BATFISH_FORMAT: juniper\nsystem {\n    host-name j1;\n}\n",
]


@pytest.mark.parametrize("text", JUNOS)
def test_junos_is_refused_without_its_parser(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(parsers.PARSERS, "juniper", raising=False)
    with pytest.raises(UnsupportedVendorError) as ei:
        parsers.detect_vendor(text, "configs/j1.cfg")
    assert ei.value.vendor.startswith("Juniper") and ei.value.file == "configs/j1.cfg"


@pytest.mark.parametrize("text", JUNOS)
def test_junos_goes_to_the_registered_juniper_parser(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(text: str, file: str) -> Node:
        return Node(name="j1", hostname="j1", file=file, vendor="cisco_ios")

    monkeypatch.setitem(parsers.PARSERS, "juniper", fake)
    assert parsers.detect_vendor(text, "configs/j1.cfg") == "juniper"
    assert parsers.parse_config(text, "configs/j1.cfg").name == "j1"
