"""No import cycle in ``portal``: every module imports on its own, and the import graph has no loop.

Two checks, because each misses what the other sees. Importing each module alone in a
fresh interpreter catches a cycle that breaks at import time (a name read from a
half-initialised module). The static graph of every ``import`` statement, function-level
ones included, catches a cycle that only happens to work because of the order modules
were first imported in, or because one side imports lazily to dodge it.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "portal"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
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


# Each module imported first, as in a fresh interpreter, without paying a fresh interpreter per module.
# One process loads the third-party libraries once (no module of the package: an import cycle needs
# the package's own modules unloaded to show). It then forks a child per top-level module, and every
# child that imported a package forks one per module directly below it: Python imports ``a.b.c`` by
# importing ``a``, then ``a.b``, then ``a.b.c``, so a child forked just after ``a.b`` was imported is in
# the very state a fresh interpreter reaches on its way to ``a.b.c``, and packages are paid for once.
# Two imports run at a time (the tokens in a pipe); each child writes its module's traceback, or
# nothing, to a file named after the module.
IMPORT_EACH_ALONE = r"""
import gc, importlib, json, os, select, sys, traceback

package, results = sys.argv[1], sys.argv[2]
separator = sys.argv.index("--")
libraries, modules = sys.argv[3:separator], sys.argv[separator + 1:]
for spec in libraries:  # "a.b" for ``import a.b``, "a.b:c" for ``from a.b import c``
    library, _, name = spec.partition(":")
    try:
        loaded = importlib.import_module(library)
        if name and not hasattr(loaded, name):  # hasattr runs a lazy __getattr__ (pydantic, PIL…)
            importlib.import_module(library + "." + name)
    except Exception:
        pass
assert not any(n == package or n.startswith(package + ".") for n in sys.modules), "the parent loaded " + package

nodes = {".".join(m.split(".")[:i]) for m in modules for i in range(1, m.count(".") + 2)}
below = {}
for node in sorted(nodes):
    below.setdefault(node.rpartition(".")[0], []).append(node)
tokens_r, tokens_w = os.pipe()
os.set_blocking(tokens_r, False)
os.write(tokens_w, b"xx")

def result(module):
    path = os.path.join(results, module)
    return open(path).read() if os.path.exists(path) else None

def record(module, outcome):
    with open(os.path.join(results, module + ".part"), "w") as file:
        file.write(outcome)
    os.rename(os.path.join(results, module + ".part"), os.path.join(results, module))

def reap(running, flags):
    while running:
        pid, status = os.waitpid(-1, flags)
        if pid == 0:
            return
        module = running.pop(pid)
        if result(module) is None:  # died inside the import, holding a token
            record(module, f"the process importing it died (exit code {os.waitstatus_to_exitcode(status)})")
            os.write(tokens_w, b"x")

def check(names):
    gc.freeze()  # the children leave this process's objects alone: no copy-on-write of every page by a collection
    running = {}
    for name in names:
        while True:
            try:
                os.read(tokens_r, 1)
                break
            except BlockingIOError:
                reap(running, os.WNOHANG)
                select.select([tokens_r], [], [], 0.2)
        pid = os.fork()
        if pid == 0:
            try:
                try:
                    importlib.import_module(name)
                    outcome = ""
                except BaseException:
                    outcome = traceback.format_exc()
                record(name, outcome)
                os.write(tokens_w, b"x")
                if not outcome:
                    check(below.get(name, []))
            finally:
                os._exit(0)
        running[pid] = name
    reap(running, 0)

check(below[""])
failed = {}
for module in modules:
    outcome = result(module)
    if outcome is None:
        parents = [module[:i] for i in range(len(module)) if module[i] == "."]
        outcome = next((f"not imported: {p} failed" for p in reversed(parents) if result(p)), "no result")
    if outcome:
        failed[module] = outcome
print(json.dumps(failed))
"""


#: Imported by a library rather than by portal: SQLAlchemy loads a dialect on a keyword such as ``sqlite_where``.
ALSO_PRELOADED = ["sqlalchemy.dialects.postgresql", "sqlalchemy.dialects.sqlite"]


def third_party_imports(package: Path = PACKAGE) -> list[str]:
    """Every module outside ``package`` that it imports (``module:name`` for a from-import), to load once."""
    found = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.update(
                    f"{node.module}:{alias.name}" if alias.name != "*" else node.module for alias in node.names
                )
    return sorted(name for name in found if name.split(".")[0].split(":")[0] != package.name) + ALSO_PRELOADED


def import_each_alone(modules: list[str], root: Path = ROOT, package: Path = PACKAGE) -> dict[str, str]:
    """Each of ``modules`` imported first, as in a fresh interpreter: the traceback of each that failed."""
    with tempfile.TemporaryDirectory() as results:
        command = [sys.executable, "-c", IMPORT_EACH_ALONE, package.name, results, *third_party_imports(package), "--"]
        process = subprocess.Popen(
            [*command, *modules], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip
        try:
            stdout, stderr = process.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the forked children too
            process.communicate()
            unfinished = sorted(set(modules) - set(os.listdir(results)))
            raise AssertionError(f"the import check hung; no result for {unfinished[:20]}") from None
    assert process.returncode == 0, stderr[-3000:]
    return json.loads(stdout.strip().splitlines()[-1])


def test_every_module_imports_on_its_own_in_a_fresh_interpreter():
    failed = import_each_alone(MODULES)
    assert not failed, "these modules fail to import on their own:\n" + "\n".join(
        f"--- {module}\n{outcome[-3000:]}" for module, outcome in failed.items()
    )


def test_the_fresh_import_check_fails_on_a_cycle_and_on_every_other_broken_import(tmp_path):
    """A package of its own proves the checker can fail: each module is imported first, not after another."""
    files = {
        "cyclic/__init__.py": "",
        "cyclic/a.py": "from cyclic.b import B\nA = 1\n",  # a and b need each other's names: both fail
        "cyclic/b.py": "from cyclic.a import A\nB = 2\n",
        # c fails first (d reads C before c defined it); d first works (c finds d half-done and needs nothing
        # of it): a checker that imported d before c in one interpreter would pass c.
        "cyclic/c.py": "import cyclic.d\nC = 3\n",
        "cyclic/d.py": "from cyclic.c import C\n",
        "cyclic/fine.py": "import json\n",
        "cyclic/dies.py": "import os\nos._exit(3)\n",  # no traceback to write: its parent reports it
        "cyclic/broken/__init__.py": "raise RuntimeError('broken on purpose')\n",
        "cyclic/broken/leaf.py": "",
        "cyclic/sub/__init__.py": "",
        "cyclic/sub/leaf.py": "from cyclic.fine import json\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    modules = sorted(module_name(path, tmp_path) for path in (tmp_path / "cyclic").rglob("*.py"))
    failed = import_each_alone([*modules, "cyclic.missing"], root=tmp_path, package=tmp_path / "cyclic")
    assert sorted(failed) == [
        "cyclic.a",
        "cyclic.b",
        "cyclic.broken",
        "cyclic.broken.leaf",
        "cyclic.c",
        "cyclic.dies",
        "cyclic.missing",
    ]
    assert all("circular import" in failed[module] for module in ("cyclic.a", "cyclic.b", "cyclic.c")), failed
    assert "cannot import name 'C' from partially initialized module 'cyclic.c'" in failed["cyclic.c"]
    assert "broken on purpose" in failed["cyclic.broken"]
    assert failed["cyclic.dies"] == "the process importing it died (exit code 3)"
    assert failed["cyclic.broken.leaf"] == "not imported: cyclic.broken failed"
    assert "No module named 'cyclic.missing'" in failed["cyclic.missing"]
