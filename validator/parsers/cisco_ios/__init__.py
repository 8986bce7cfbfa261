"""Cisco IOS / IOS-XE parser (also the Arista-like dialect Batfish reads as IOS).

Public entry: ``parse_ios(text, file) -> Node``. The ignorable-line tables live in ``tables.py``.
"""

from validator.parsers.cisco_ios.parser import parse_ios
from validator.parsers.cisco_ios.tables import (
    IGNORED_BGP,
    IGNORED_INTERFACE,
    IGNORED_NEIGHBOR,
    IGNORED_OSPF,
    IGNORED_TOP,
)

__all__ = ["IGNORED_BGP", "IGNORED_INTERFACE", "IGNORED_NEIGHBOR", "IGNORED_OSPF", "IGNORED_TOP", "parse_ios"]
