"""Cisco IOS / IOS-XE parser (also the Arista-like dialect Batfish reads as IOS).

Public entry: ``parse_ios(text, file) -> Node`` (``parse_ios_accounted`` also returns which lines
were modelled or ignored, for the property tests). The ignorable-line and sub-mode tables live in
``tables.py``.
"""

from validator.parsers.cisco_ios.parser import LineAccounting, parse_ios, parse_ios_accounted
from validator.parsers.cisco_ios.tables import (
    IGNORED_BGP,
    IGNORED_INTERFACE,
    IGNORED_NEIGHBOR,
    IGNORED_OSPF,
    IGNORED_TOP,
)

__all__ = [
    "IGNORED_BGP",
    "IGNORED_INTERFACE",
    "IGNORED_NEIGHBOR",
    "IGNORED_OSPF",
    "IGNORED_TOP",
    "LineAccounting",
    "parse_ios",
    "parse_ios_accounted",
]
