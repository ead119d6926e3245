"""The package's import graph has no cycles: not at module level, and not through the imports
made inside functions (deferred so that `publish list` loads no renderer) either."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "publisher"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, *, deferred: bool) -> set[str]:
    """The package modules `name` imports: at module level, or (deferred) anywhere in it.
    Importing a.b.c also imports a.b (unless that is one of `name`'s own packages)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    nodes = ast.walk(tree) if deferred else _module_level(tree.body)
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            base = ".".join(here[:len(here) - node.level + 1] + [node.module or ""]).strip(".") if node.level \
                else node.module or ""
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in MODULES else base)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    own_packages = {".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 1)}
    with_parents = {".".join(t.split(".")[:n]) for t in found for n in range(1, t.count(".") + 2)}
    return {t for t in with_parents if t in MODULES and t != name and t not in own_packages}


def _module_level(body):
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try)):  # `if TYPE_CHECKING:`, `try: import ...`
            yield from _module_level(node.body)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_it_reads_relative_imports():
    assert "publisher.pagenumbers.starts" in imports_of("publisher.writers.pdf", deferred=False)
    assert "publisher.formats" in imports_of("publisher.build", deferred=False)


def test_no_import_cycle_at_module_level():
    assert cycles({m: imports_of(m, deferred=False) for m in MODULES}) == []


def test_no_import_cycle_through_deferred_imports():
    assert cycles({m: imports_of(m, deferred=True) for m in MODULES}) == []


def test_the_readme_names_every_module():
    """README.md's "Layout of the code" says what each module of the package is for."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout of the code"):]
    layout = layout[:layout.index("\n## ", 3)]
    unnamed = [name for name, path in MODULES.items() if name != "publisher"
               and f"`{path.stem if path.stem != '__init__' else path.parent.name}" not in layout]
    assert unnamed == []
