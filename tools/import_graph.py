"""Count import cycles and upward imports between nianbao's modules (stdlib `ast` only).

Every `from . import …` / `from .x import …` / `import nianbao.x` is an edge, wherever it is written
(module top, function body, or under `if TYPE_CHECKING:`). A module's floor comes from the layers list in
pyproject.toml (`[tool.importlinter]`), or from `--layers FILE` (a TOML file with the same table).
An upward import goes from a floor to a higher one (or sideways between independent modules of one
floor, written "a | b"); a cycle is a strongly connected set of modules.

    python tools/import_graph.py            # prints the counts and each offending edge
"""

from __future__ import annotations

import argparse
import ast
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "nianbao"


def edges(src: Path) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for file in sorted(src.glob("*.py")):
        name = file.stem
        targets: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level == 1:
                    if node.module:
                        targets.add(node.module.split(".")[0])
                    else:
                        targets.update(a.name for a in node.names)
                elif node.module and node.module.split(".")[0] == PACKAGE:
                    parts = node.module.split(".")
                    targets.add(parts[1] if len(parts) > 1 else "__init__")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] == PACKAGE:
                        targets.add(parts[1] if len(parts) > 1 else "__init__")
        known = {f.stem for f in src.glob("*.py")}
        graph[name] = {t if t in known else "__init__" for t in targets} - {name}
    return graph


def floors(config: Path) -> tuple[dict[str, int], set[int]]:
    """Module → floor number (0 = bottom) from the first layers contract of the import-linter table, and
    the floors whose modules are independent (" | ": they may not import each other)."""
    table = tomllib.loads(config.read_text(encoding="utf-8"))["tool"]["importlinter"]
    contract = next(c for c in table["contracts"] if c["type"] == "layers")
    result: dict[str, int] = {}
    independent: set[int] = set()
    layers = list(contract["layers"])
    for height, layer in enumerate(reversed(layers)):
        if "|" in layer:
            independent.add(height)
        for module in layer.replace(":", "|").split("|"):
            result[module.strip().removeprefix(PACKAGE + ".")] = height
    result["__init__"] = len(layers)  # the package's front door sits above everything
    result["__main__"] = len(layers)
    return result, independent


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    result: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=ROOT / "src" / PACKAGE)
    parser.add_argument("--layers", type=Path, default=ROOT / "pyproject.toml")
    args = parser.parse_args()
    graph = edges(args.src)
    floor, independent = floors(args.layers)
    unplaced = sorted(m for m in graph if m not in floor)
    upward = sorted(
        (a, b) for a, targets in graph.items() for b in targets
        if a in floor and b in floor and a not in ("__init__", "__main__")
        and (floor[b] > floor[a] or (floor[b] == floor[a] and floor[a] in independent))
    )
    found = cycles(graph)
    print(f"modules: {len(graph)}  import cycles: {len(found)}  upward imports: {len(upward)}")
    for component in found:
        print("  cycle:", " ↔ ".join(component))
    for a, b in upward:
        print(f"  upward: {a} (floor {floor[a]}) → {b} (floor {floor[b]})")
    if unplaced:
        print("  not in any layer:", ", ".join(unplaced))
    return 1 if found or upward or unplaced else 0


if __name__ == "__main__":
    sys.exit(main())
