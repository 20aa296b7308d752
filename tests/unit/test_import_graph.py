"""No import cycle in ``portal``: every module imports on its own, and the import graph has no loop.

Two checks, because each misses what the other sees. Importing each module alone in a
fresh interpreter catches a cycle that breaks at import time (a name read from a
half-initialised module). The static graph of every ``import`` statement, function-level
ones included, catches a cycle that only happens to work because of the order modules
were first imported in, or because one side imports lazily to dodge it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "portal"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(module_name(path) for path in PACKAGE.rglob("*.py"))
KNOWN = set(MODULES)


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def imports_of(module: str) -> set[str]:
    """The portal modules ``module`` imports, wherever in the file the import is."""
    path = PACKAGE.parent / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = PACKAGE.parent / module.replace(".", "/") / "__init__.py"
    tree = ast.parse(path.read_text())
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from portal import data_access`` imports the module; ``from portal.x import Y`` imports portal.x.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in KNOWN else base for a in node.names]
        else:
            continue
        found.update(name for name in names if name in KNOWN and name != module)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that starts and ends at the same module, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_the_import_graph_of_portal_has_no_cycle():
    graph = {module: imports_of(module) for module in MODULES}
    assert sum(len(edges) for edges in graph.values()) > 100, "the graph was read"
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


# One interpreter that loads the third-party libraries once, then forks a child per module (two at
# a time): each child starts with no portal module loaded and imports just the one.
IMPORT_EACH_ALONE = """
import importlib, os, sys, traceback
separator = sys.argv.index("--")
for library in sys.argv[1:separator]:
    try:
        importlib.import_module(library)
    except Exception:
        pass
assert not any(name == "portal" or name.startswith("portal.") for name in sys.modules)
failed, running = [], {}
def reap():
    pid, status = os.wait()
    if status:
        failed.append(running[pid])
    del running[pid]
for module in sys.argv[separator + 1:]:
    if len(running) >= 2:
        reap()
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(module)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    running[pid] = module
while running:
    reap()
print("FAILED:" + ",".join(failed))
"""


def third_party_imports() -> list[str]:
    """Every module outside portal that portal imports, to load once before forking."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
    return sorted(name for name in found if name.split(".")[0] != "portal")


def import_each_alone(modules: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", IMPORT_EACH_ALONE, *third_party_imports(), "--", *modules],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_every_module_imports_on_its_own_in_a_fresh_interpreter():
    result = import_each_alone(MODULES)
    assert result.returncode == 0, result.stderr[-2000:]
    failed = result.stdout.strip().rpartition("FAILED:")[2]
    assert failed == "", f"these modules fail to import on their own: {failed}\n{result.stderr[-3000:]}"


def test_the_fresh_import_check_notices_a_module_that_fails():
    result = import_each_alone(["portal.no_such_module"])
    assert result.stdout.strip().endswith("FAILED:portal.no_such_module")
