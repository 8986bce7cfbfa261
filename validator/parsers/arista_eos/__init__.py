"""Arista EOS parser (its own package: Batfish reads EOS with a separate Arista grammar).

Public entry: ``parse_eos(text, file) -> Node``. Stanza families whose syntax EOS shares with IOS
are read by ``validator.parsers.cisco_ios``'s stanza parsers; EOS semantics live here.
"""

from validator.parsers.arista_eos.interfaces import canonical_eos_interface
from validator.parsers.arista_eos.parser import parse_eos

__all__ = ["canonical_eos_interface", "parse_eos"]
