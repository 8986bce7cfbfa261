"""Juniper Junos parser (hierarchical and ``set`` forms), flattened first as Batfish does."""

from validator.parsers.junos.flatten import FlatLine, flatten, looks_like_junos
from validator.parsers.junos.parser import JUNOS_PREFERENCES, parse_junos

__all__ = ["JUNOS_PREFERENCES", "FlatLine", "flatten", "looks_like_junos", "parse_junos"]
