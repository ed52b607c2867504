"""The layout a newcomer reads: imports in one direction, no circles, no private names
taken across modules, no module of a thousand lines.

Oracle: the rules of docs/development.md ("Layout"): build.py -> devkit/ -> bin/; bin/
never imports devkit/ or build.py, devkit/ never imports build.py; a name that starts
with an underscore belongs to its module. The import graph is read from the source with
`ast` (every import, at the top or inside a function, since a circle hidden in a
function is still a circle), so nothing is imported to check it.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
LONGEST_MODULE = 1000  # lines, in devkit/ and bin/


def our_files() -> List[Path]:
    files = [ROOT / "build.py", *sorted((ROOT / "devkit").rglob("*.py")),
             *sorted((ROOT / "bin").rglob("*.py"))]
    return [f for f in files if "lib" not in f.relative_to(ROOT).parts
            and "__pycache__" not in f.parts]


def module_name(path: Path) -> str:
    """bin/cloud_secrets/aws.py -> cloud_secrets.aws (bin/ is on the path at run time);
    devkit/spl/__init__.py -> devkit.spl; build.py -> build."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[0] == "bin":
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES: Dict[str, Path] = {module_name(f): f for f in our_files()}


def imports_of(name: str) -> Iterator[Tuple[str, str, str]]:
    """(module imported, name taken from it or "", the name it is bound to) for every
    import of module `name` that names one of ours; `from package import module` yields
    the module itself."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    yield alias.name, "", alias.asname or alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[:len(parts) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            for alias in node.names:
                bound = alias.asname or alias.name
                if f"{source}.{alias.name}" in MODULES:
                    yield f"{source}.{alias.name}", "", bound
                elif source in MODULES:
                    yield source, alias.name, bound


@functools.cache
def graph() -> Dict[str, Set[str]]:
    return {name: {target for target, _, _ in imports_of(name)} - {name} for name in MODULES}


def cycles(edges: Dict[str, Set[str]]) -> List[List[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    found: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_checker_sees_a_circle_and_the_modules():
    """The checker itself: a circle of three is found, a chain is not; and it reads the
    modules it must (so that the tests below cannot pass on an empty graph)."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert {"build", "devkit.packaging", "devkit.spl.engine", "cloud_secrets.rules",
            "cloudsecrets"} <= set(MODULES)
    assert "devkit.packaging" in graph()["build"] or "devkit" in graph()["build"]


def test_no_import_circles():
    assert cycles(graph()) == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not n.startswith(("devkit",
                                                                                "build"))))
def test_bin_never_imports_the_devkit_or_build_py(name):
    assert not {t for t in graph()[name] if t == "build" or t.startswith("devkit")}


def test_no_module_imports_build_py():
    assert [name for name, targets in graph().items() if "build" in targets] == []


def test_no_private_name_is_taken_from_another_module():
    """Neither `from module import _name` nor `module._name` across modules of devkit/,
    bin/ and build.py (dunder names such as __doc__ are public)."""
    taken = []
    for name in MODULES:
        modules_bound = {}
        for source, imported, bound in imports_of(name):
            if imported.startswith("_") and not imported.startswith("__"):
                taken.append(f"{name}: from {source} import {imported}")
            if not imported and source != name:
                modules_bound[bound] = source
        tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                    node.value.id in modules_bound and node.attr.startswith("_") and \
                    not node.attr.startswith("__"):
                taken.append(f"{name}: {modules_bound[node.value.id]}.{node.attr}")
    assert taken == []


def test_no_module_of_devkit_or_bin_reaches_a_thousand_lines():
    long = {str(p.relative_to(ROOT)): n for p in our_files() if p.name != "build.py"
            for n in [len(p.read_text(encoding="utf-8").splitlines())] if n > LONGEST_MODULE}
    assert long == {}
