"""Prefixes that hash once: the engine's dict and set keys.

Every RIB, FIB patch and BGP table is keyed by prefixes, and ``IPv4Network.__hash__`` recomputes
``hash(int(network_address) ^ int(netmask))`` through three Python-level calls on every lookup
(7.9 M calls, a tenth of a 150-router failure sweep). :class:`Prefix` is an ``IPv4Network`` whose
hash and an integer identity key are computed once, at construction. It is equal to, orders like
and hashes exactly like the ``IPv4Network`` of the same value, so plain networks and prefixes mix
as keys of one dict; ``str``, ``repr`` and JSON renderings are unchanged.

:func:`prefix` interns: equal prefixes made through it are one object, so a dict lookup matches on
identity before it ever calls ``__eq__``. The table holds weak references, so a long-running process
keeps only the prefixes still in use. Interning is an optimisation only: equality never depends on
it (a ``Prefix`` made directly, or by ``supernet()``, is simply another equal object).

:class:`InterfaceAddress` is an ``IPv4Interface`` whose ``.network`` is an interned :class:`Prefix`,
so connected, local and OSPF routes, which take their prefix from the interface, carry one too.
"""

from __future__ import annotations

import weakref
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

_MAX_PLEN_BITS = 6  # a key is (network << 6) | length: lengths 0..32 fit, so keys order as (network, length)

# the netmask of every prefix length as an int: longest-prefix-match loops index it
MASKS: tuple[int, ...] = tuple((0xFFFFFFFF << (32 - n)) & 0xFFFFFFFF for n in range(33))


class Prefix(IPv4Network):
    """An ``IPv4Network`` with its hash and an integer key cached (see the module docstring).

    Pickles as ``(network int, length)`` and unpickles through :func:`prefix_of` (interned again in
    the receiving process); the cached values are recomputed there, never carried.
    """

    __slots__ = ("_hash", "_key")

    def __init__(self, address: Any, strict: bool = True) -> None:
        super().__init__(address, strict)
        net = int(self.network_address)
        self._key: int = (net << _MAX_PLEN_BITS) | self.prefixlen
        # exactly IPv4Network.__hash__, so a Prefix and the equal IPv4Network find each other in a dict
        self._hash: int = hash(net ^ int(self.netmask))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if type(other) is Prefix:
            return self._key == other._key
        return IPv4Network.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        if type(other) is Prefix:
            return self._key != other._key
        eq = IPv4Network.__eq__(self, other)
        return eq if eq is NotImplemented else not eq

    def __lt__(self, other: IPv4Network) -> bool:
        # IPv4Network orders by (network address, netmask): a longer prefix has the larger mask
        if type(other) is Prefix:
            return self._key < other._key
        return IPv4Network.__lt__(self, other)

    def __repr__(self) -> str:
        return f"IPv4Network({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return prefix_of, (int(self.network_address), self.prefixlen)

    @property
    def key(self) -> int:
        """``(network << 6) | length``: unique per prefix, ordered like the prefixes themselves."""
        return self._key


_interned: weakref.WeakValueDictionary[int, Prefix] = weakref.WeakValueDictionary()


def prefix_of(network: int, length: int) -> Prefix:
    """The interned prefix ``network/length`` (``network`` has no host bits set)."""
    key = (network << _MAX_PLEN_BITS) | length
    hit = _interned.get(key)
    if hit is None:
        hit = Prefix((network, length))
        _interned[key] = hit
    return hit


def prefix(value: Any, strict: bool = True) -> Prefix:
    """The interned :class:`Prefix` of anything ``IPv4Network`` accepts (a string, ``(address,
    length)``, an int, a network); ``strict`` as in ``IPv4Network`` (False clears host bits)."""
    if type(value) is Prefix:
        hit = _interned.get(value._key)
        if hit is None:
            _interned[value._key] = value
            return value
        return hit
    net = value if isinstance(value, IPv4Network) else IPv4Network(value, strict=strict)
    return prefix_of(int(net.network_address), net.prefixlen)


class Address(IPv4Address):
    """An ``IPv4Address`` whose hash is computed once: BGP next hops and session addresses key the
    engine's next-hop tables, and ``IPv4Address.__hash__`` is ``hash(hex(int(ip)))`` on every
    lookup. Equal to, ordered and hashed exactly like the ``IPv4Address`` of the same value.

    The cached hash is of a ``str``, so it differs between processes: it is never pickled (an
    address pickles as its int, as ``IPv4Address`` does, and rehashes where it is unpickled).
    """

    __slots__ = ("_hash",)

    def __init__(self, address: Any) -> None:
        super().__init__(address)
        self._hash: int = IPv4Address.__hash__(self)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if type(other) is Address:
            return self._ip == other._ip  # type: ignore[attr-defined,no-any-return]
        if isinstance(other, IPv4Interface):
            # as ``IPv4Address == IPv4Interface`` is: Python asks the interface first there (a
            # subclass), and an interface never equals a bare address; here it would be asked second
            return False
        return IPv4Address.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    def __repr__(self) -> str:
        return f"IPv4Address({str(self)!r})"


class InterfaceAddress(IPv4Interface):
    """An ``IPv4Interface`` (address and its subnet) whose ``.network`` is an interned
    :class:`Prefix` and whose ``.ip`` is one :class:`Address`; otherwise identical (equality, hash,
    ``str``, ``repr``, pickling by string)."""

    def __init__(self, address: Any) -> None:
        super().__init__(address)
        self.network: Prefix = prefix(self.network)
        self._address = Address(int(self))

    @property
    def ip(self) -> Address:
        # IPv4Interface.ip builds a new IPv4Address on every read
        return self._address

    def __repr__(self) -> str:
        return f"IPv4Interface({str(self)!r})"
