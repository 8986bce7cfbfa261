"""The layout shows the architecture: layers import downward only and no module imports itself
back through others. Module-level imports are held to both rules; imports inside functions (kept
lazy so a CLI call does not load engines it does not use) to the layering rule only, except the
few named below with the reason they exist."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "validator"

# lower number = lower layer; a module may import its own layer or any lower one
LAYER = {
    "errors": 0, "model": 0, "fileio": 0, "limits": 0, "phases": 0, "executors": 0,
    "parsers": 1,
    "snapshot": 2, "diff": 2,
    "engine": 3,
    "backends": 4,
    "checks": 5, "policy": 5,  # the guide's order: cli/report -> checks/policy -> backends -> engine -> model
    "lookup": 6, "planning": 6, "inputs": 6, "maintenance": 6, "api": 6, "report": 6, "coord": 6,
    "ci": 7, "cli": 7, "__main__": 7, "": 7,  # "" = the package's own __init__ (the public API)
}  # fmt: skip
# names of the top package that any layer may import (its version, modules; not its API)
TOP_ANYWHERE = {"__version__", "limits", "_core"}  # _core: the compiled extension, below every layer


def _module(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(tree: ast.Module, *, top_level: bool) -> list[tuple[str, tuple[str, ...], int]]:
    out: list[tuple[str, tuple[str, ...], int]] = []
    nodes = tree.body if top_level else list(ast.walk(tree))
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "validator":
            out.append((node.module, tuple(a.name for a in node.names), node.lineno))
        elif isinstance(node, ast.Import):
            out.extend((a.name, (), node.lineno) for a in node.names if a.name.split(".")[0] == "validator")
    return out


@functools.cache
def _sources() -> dict[str, ast.Module]:
    return {_module(p): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(PKG.rglob("*.py"))}


def test_every_layer_is_ranked() -> None:
    layers = {_layer_of(m) for m in _sources()}
    assert layers <= set(LAYER), f"new top-level modules need a layer in this test: {sorted(layers - set(LAYER))}"


def test_imports_go_downward() -> None:
    wrong: list[str] = []
    for module, tree in _sources().items():
        src = LAYER[_layer_of(module)]
        for target, names, line in _imports(tree, top_level=False):
            layer = _layer_of(target)
            if layer == "" and set(names) <= TOP_ANYWHERE:
                continue
            if LAYER.get(layer, 99) > src:
                wrong.append(f"{module}:{line} imports {target} ({_layer_of(module) or 'validator'} -> {layer})")
    assert not wrong, "upward imports:\n" + "\n".join(wrong)


def test_no_module_level_import_cycles() -> None:
    sources = _sources()
    graph: dict[str, set[str]] = {m: set() for m in sources}
    for module, tree in sources.items():
        for target, names, _line in _imports(tree, top_level=True):
            for cand in [f"{target}.{n}" for n in names] + [target]:
                if cand in sources and cand != module:
                    graph[module].add(cand)
                    break
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(m: str, stack: list[str]) -> bool:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycle.extend([*stack[stack.index(n) :], n])
                return True
            if n not in state and visit(n, stack):
                return True
        stack.pop()
        state[m] = 2
        return False

    for m in sorted(graph):
        if m not in state and visit(m, []):
            break
    assert not cycle, "import cycle: " + " -> ".join(cycle)
