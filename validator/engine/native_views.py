"""The native core's result as lazy views with the ``DataPlane`` interface.

The core keeps its RIBs and FIBs in Rust (``validator._core.Tables``: per node and VRF, the routes
in Batfish order and the FIB in flat arrays). Building every route as a Python ``Route`` was most
of the native data plane's time and memory (1.57 M routes, 2.7 GB at 510 routers), and the BGP
topology rounds paid it once per round although session tracing needs a few FIB rows per session.
So the Python objects are built on demand, per (node, VRF) list or per FIB row:

- ``DataPlane.ribs`` is a plain dict node -> :class:`LazyVrfRibs`, a ``dict`` subclass whose keys
  (the node's VRFs) are all present and whose values (``list[Route]``) are built on first access;
- ``DataPlane.fibs`` is a plain dict node -> plain dict VRF -> :class:`NativeFib`, a ``Fib`` whose
  ``lookup`` asks the core for the longest-prefix-match row and builds that row only;
- a route is built once per view and shared by the RIB list and every FIB entry that refers to it.

Both behave exactly as the plain types: ``==`` against plain dicts (either side), iteration order,
``len``, ``dict(x)``/``{**x}`` (overriding ``__iter__`` makes CPython take the keys/getitem path),
copies, and pickling, which produces plain ``dict``/``list``/``Fib`` objects (the Rust tables never
cross a process boundary; a Ray worker gets the materialised data plane).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from ipaddress import IPv4Address, IPv4Network
from typing import Any

from validator.engine.collector import collector_paused
from validator.engine.routing_policy import community_str
from validator.engine.types import Fib
from validator.model.dataplane import FibAction, FibEntry, NextHop, Route
from validator.model.prefix import Address, prefix_of

_NH_TYPES = ("discard", "interface", "ip")


class _Pending:
    """Placeholder stored in a :class:`LazyVrfRibs` until its list is built; never handed out."""

    def __repr__(self) -> str:
        return "<routes not built>"


_PENDING: Any = _Pending()


class LazyVrfRibs(dict[str, list[Route]]):
    """One node's main RIBs (VRF -> routes in Batfish order), each list built on first access.

    Every method that reads values goes through :meth:`_load`/:meth:`_fill`; the ones reading
    keys only (``len``, ``in``, ``keys``, iteration) use the dict storage, whose keys are final.
    """

    __slots__ = ("_pending",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending: dict[str, Callable[[], list[Route]]] = {}

    @classmethod
    def lazy(cls, loaders: dict[str, Callable[[], list[Route]]]) -> LazyVrfRibs:
        """Keys in ``loaders`` order; each value is ``loader()`` when first read."""
        out = cls()
        for key in loaders:
            dict.__setitem__(out, key, _PENDING)
        out._pending = dict(loaders)
        return out

    def _load(self, key: Any) -> None:
        if self._pending:
            loader = self._pending.pop(key, None)
            if loader is not None:
                dict.__setitem__(self, key, loader())

    def _fill(self) -> None:
        for key in list(self._pending):
            self._load(key)

    def materialized(self) -> int:
        """How many VRFs' lists are built (for tests and the benchmark)."""
        return len(self) - len(self._pending)

    def __getitem__(self, key: str) -> list[Route]:
        self._load(key)
        return dict.__getitem__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        if key in self:
            return self[key]
        return default

    def __iter__(self) -> Iterator[str]:
        # overriding it makes dict(x), {**x} and dict.update(x) read values through __getitem__
        return dict.__iter__(self)

    def values(self) -> Any:
        self._fill()
        return dict.values(self)

    def items(self) -> Any:
        self._fill()
        return dict.items(self)

    def __eq__(self, other: object) -> bool:
        self._fill()
        if isinstance(other, LazyVrfRibs):
            other._fill()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None

    def __repr__(self) -> str:
        self._fill()
        return dict.__repr__(self)

    def copy(self) -> dict[str, list[Route]]:
        self._fill()
        return dict(dict.items(self))

    def __or__(self, other: Any) -> Any:
        self._fill()
        return dict.__or__(self, other)

    def __ror__(self, other: Any) -> Any:
        self._fill()
        return dict.__ror__(self, other)

    def __ior__(self, other: Any) -> Any:
        self.update(other)
        return self

    def __setitem__(self, key: str, value: list[Route]) -> None:
        self._pending.pop(key, None)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        self._pending.pop(key, None)
        dict.__delitem__(self, key)

    def update(self, *args: Any, **kwargs: Any) -> None:
        new = dict(*args, **kwargs)
        for key in new:
            self._pending.pop(key, None)
        dict.update(self, new)

    def pop(self, key: str, *default: Any) -> Any:
        self._load(key)
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[str, list[Route]]:
        self._fill()
        return dict.popitem(self)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._load(key)
        return dict.setdefault(self, key, default)

    def clear(self) -> None:
        self._pending.clear()
        dict.clear(self)

    def __reduce__(self) -> tuple[Any, ...]:
        # a plain dict: the Rust tables stay in this process
        self._fill()
        return (dict, (dict(dict.items(self)),))


class Converter:
    """Builds Python values from the core's tuples, sharing equal networks, next hops, actions and
    addresses (the same objects across views and topology rounds: less memory than the Python
    engine's own results)."""

    def __init__(self, node_names: list[str], names: list[str], protocols: list[str]) -> None:
        self.node_names = node_names
        self.names = names
        self.protocols = protocols
        self.nets: dict[tuple[int, int], IPv4Network] = {}
        self.hops: dict[tuple[int, int | None, int | None], NextHop] = {}
        self.actions: dict[tuple[int | None, int | None, bool], FibAction] = {}
        self.ips: dict[int, IPv4Address] = {}

    def ip(self, v: int | None) -> IPv4Address | None:
        if v is None:
            return None
        a = self.ips.get(v)
        if a is None:
            a = self.ips[v] = Address(v)
        return a

    def route(self, node: str, vrf: str, t: tuple[Any, ...]) -> Route:
        net, plen, proto, nht, iface, nh_ip, ad, metric, tag, attrs = t
        network = self.nets.get((net, plen))
        if network is None:
            network = self.nets[(net, plen)] = prefix_of(net, plen)
        hk = (nht, iface, nh_ip)
        hop = self.hops.get(hk)
        if hop is None:
            hop = self.hops[hk] = NextHop(
                _NH_TYPES[nht],  # type: ignore[arg-type]
                None if iface is None else self.names[iface],
                self.ip(nh_ip),
            )
        if attrs is None:
            return Route(node, vrf, network, self.protocols[proto], hop, ad, metric, tag)
        as_path, local_pref, communities = attrs
        return Route(
            node,
            vrf,
            network,
            self.protocols[proto],
            hop,
            ad,
            metric,
            tag,
            as_path=tuple(as_path),
            local_preference=local_pref,
            communities=tuple(community_str(c) for c in communities),
        )

    def action(self, iface: int | None, arp: int | None, null: bool) -> FibAction:
        key = (iface, arp, null)
        a = self.actions.get(key)
        if a is None:
            a = self.actions[key] = FibAction(None if iface is None else self.names[iface], self.ip(arp), null)
        return a

    def __call__(self, tables: Any) -> tuple[dict[str, dict[str, list[Route]]], dict[str, dict[str, Fib]]]:
        """(ribs, fibs) over ``tables`` (a ``validator._core.Tables``), nothing built yet."""
        ribs: dict[str, dict[str, list[Route]]] = {}
        fibs: dict[str, dict[str, Fib]] = {}
        names = self.names
        for ni, (node, vrf_ids) in enumerate(zip(self.node_names, tables.vrfs(), strict=True)):
            views = [VrfView(self, tables, ni, vi, node, names[v]) for vi, v in enumerate(vrf_ids)]
            ribs[node] = LazyVrfRibs.lazy({v.vrf: v.routes for v in sorted(views, key=lambda v: v.vrf)})
            fibs[node] = {v.vrf: NativeFib(v) for v in views}
        return dict(sorted(ribs.items())), fibs


class VrfView:
    """One node/VRF of the core's tables; builds its routes one by one or all at once, once."""

    __slots__ = ("_all", "_some", "conv", "ni", "node", "tables", "vi", "vrf")

    def __init__(self, conv: Converter, tables: Any, ni: int, vi: int, node: str, vrf: str) -> None:
        self.conv = conv
        self.tables = tables
        self.ni = ni
        self.vi = vi
        self.node = node
        self.vrf = vrf
        self._some: dict[int, Route] = {}
        self._all: list[Route] | None = None

    def route(self, i: int) -> Route:
        if self._all is not None:
            return self._all[i]
        r = self._some.get(i)
        if r is None:
            r = self._some[i] = self.conv.route(self.node, self.vrf, self.tables.route(self.ni, self.vi, i))
        return r

    def routes(self) -> list[Route]:
        """The whole list (a new list each call: a caller may mutate what it was given)."""
        if self._all is None:
            some, make, node, vrf = self._some, self.conv.route, self.node, self.vrf
            out: list[Route] = []
            with collector_paused():
                for i, t in enumerate(self.tables.routes(self.ni, self.vi)):
                    r = some.get(i)
                    out.append(make(node, vrf, t) if r is None else r)
            self._all = out
            self._some = {}
        return list(self._all)


class NativeFib(Fib):
    """A FIB over the core's tables: ``lookup`` builds the one row it hits (the core does the
    longest-prefix match); anything touching the whole table (``entries``, ``add``, the
    ``_by_len``/``_lens`` attributes the incremental engine reads) builds all of it first.
    Tracing a few flows (the BGP session checks, most policies) never pays for the rest."""

    def __init__(self, view: VrfView) -> None:
        # Fib.__init__ is not called: its attributes are the properties below
        self._view = view
        self._rows: dict[int, list[FibEntry]] = {}  # RIB slot -> entries
        self._lens_of: dict[int, int] = {}  # RIB slot -> its prefix length
        self._full: tuple[dict[int, dict[int, list[FibEntry]]], list[int]] | None = None

    def _entries(self, raw: list[tuple[Any, ...]]) -> list[FibEntry]:
        view = self._view
        built = view._all
        route: Callable[[int], Route] = view.route if built is None else built.__getitem__
        actions, make_action = view.conv.actions, view.conv.action
        out: list[FibEntry] = []
        for ri, iface, arp, null, chain in raw:
            action = actions.get((iface, arp, null))
            if action is None:
                action = make_action(iface, arp, null)
            out.append(FibEntry(route(ri), action, tuple([route(c) for c in chain]) if chain else ()))
        return out

    def _materialize(self) -> tuple[dict[int, dict[int, list[FibEntry]]], list[int]]:
        if self._full is None:
            view = self._view
            view.routes()  # one call for every route rather than one per entry
            by_len: dict[int, dict[int, list[FibEntry]]] = {}
            with collector_paused():
                for slot, (plen, net, raw) in enumerate(view.tables.fib_rows(view.ni, view.vi)):
                    row = self._rows.get(slot)
                    if row is None:
                        row = self._entries(raw)
                    level = by_len.get(plen)
                    if level is None:
                        level = by_len[plen] = {}
                    level[net] = row
            self._full = (by_len, sorted(by_len, reverse=True))
            self._rows, self._lens_of = {}, {}
        return self._full

    @property
    def _by_len(self) -> dict[int, dict[int, list[FibEntry]]]:
        return self._materialize()[0]

    @_by_len.setter
    def _by_len(self, value: dict[int, dict[int, list[FibEntry]]]) -> None:
        self._full = (value, self._materialize()[1])

    @property
    def _lens(self) -> list[int]:
        return self._materialize()[1]

    @_lens.setter
    def _lens(self, value: list[int]) -> None:
        self._full = (self._materialize()[0], value)

    def lookup(self, ip: IPv4Address) -> list[FibEntry]:
        if self._full is not None:
            return super().lookup(ip)
        view = self._view
        addr = int(ip)
        max_len = 32
        while True:
            slot = view.tables.fib_slot(view.ni, view.vi, addr, max_len)
            if slot is None:
                return []
            row = self._rows.get(slot)
            if row is None:
                plen, _net, raw = view.tables.fib_row(view.ni, view.vi, slot)
                row = self._rows[slot] = self._entries(raw)
                self._lens_of[slot] = plen
            # Fib.lookup skips a prefix without entries (the core never makes one: a route that
            # does not resolve gets a null entry), so a shorter prefix would answer
            if row:
                return row
            plen = self._lens_of[slot]
            if plen == 0:
                return []
            max_len = plen - 1

    def __reduce__(self) -> tuple[Any, ...]:
        # a plain Fib with the same rows in the same order: the Rust tables stay in this process
        by_len = self._materialize()[0]
        return (Fib, ({plen: dict(level) for plen, level in by_len.items()},))
