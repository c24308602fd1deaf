"""The import graph of ``generator/`` and ``geometry/`` (DESIGN.md, "Dependency directions").

- No import cycle, counting every import that can run: module-level and function-level ones (a
  function-local import does not hide a cycle), but not ``if TYPE_CHECKING:`` blocks nor the lazy
  ``__getattr__``/``__dir__`` of a package ``__init__`` (PEP 562), which run only on attribute access.
- Constants and exceptions are leaf modules; ``geometry/`` never reaches the run, the writers, the VEGAS
  driver or the CLI; nothing imports the CLI.
- ``import generator.cli`` (hence ``mudump --help`` / ``--version``) and ``import geometry.materials`` load
  nothing heavy. Checked in a fresh interpreter, since this one has imported everything already.

The graph is built from the source with :mod:`ast` (nothing is imported). An import of ``a.b.c`` also
runs ``a`` and ``a.b``, so it counts as an edge to each of them.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROOTS = ("generator", "geometry")


# ------------------------------------------------------------------------------------------------
# the graph
# ------------------------------------------------------------------------------------------------
def project_modules(repo: Path, roots: tuple[str, ...] = ROOTS) -> dict[str, Path]:
    """Dotted module name -> source file, for every ``.py`` file under ``roots``."""
    mods = {}
    for root in roots:
        for path in sorted((repo / root).rglob("*.py")):
            parts = list(path.relative_to(repo).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            mods[".".join(parts)] = path
    return mods


def _runnable_imports(tree: ast.Module, is_init: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, at any depth (functions, methods, try/except, ...)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)  # the ``else:`` of a TYPE_CHECKING block does run
            continue
        if is_init and node in tree.body and isinstance(node, ast.FunctionDef) and node.name in (
            "__getattr__", "__dir__"
        ):
            continue  # PEP 562 lazy hooks of a package __init__
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _targets(module: str, is_init: bool, node: ast.Import | ast.ImportFrom) -> list[str]:
    """Dotted names an import statement may load (``from p import x`` may load ``p`` and ``p.x``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module if is_init else module.rpartition(".")[0]
        parts = package.split(".")
        parts = parts[: len(parts) - node.level + 1]
        base = ".".join(parts + ([base] if base else []))
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def import_graph(repo: Path = REPO, roots: tuple[str, ...] = ROOTS) -> dict[str, set[str]]:
    """Module -> the project modules that importing it (or calling into it) runs."""
    mods = project_modules(repo, roots)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for module, path in mods.items():
        is_init = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _runnable_imports(tree, is_init):
            for target in _targets(module, is_init, node):
                parts = target.split(".")
                for i in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
                    name = ".".join(parts[:i])
                    if name in mods and name != module:
                        graph[module].add(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
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
    return sorted(found)


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for w in graph[todo.pop()]:
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return seen


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


def _imported_names(path: Path, module_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = (
        [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        if module_level_only
        else _runnable_imports(tree, path.name == "__init__.py")
    )
    names = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.level:
            continue  # relative: inside the same package, covered by the graph
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        else:
            names.add(node.module or "")
    return names


# ------------------------------------------------------------------------------------------------
# the checker itself can fail
# ------------------------------------------------------------------------------------------------
def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_checker_finds_cycle_through_package_init(tmp_path):
    # the pattern this file was written against: an eager package face and a submodule that reads it
    _write(tmp_path, {
        "pkg/__init__.py": "from .run import go\n__version__ = '1'\n",
        "pkg/run.py": "from . import __version__\ndef go(): pass\n",
        "pkg/leaf.py": "import math\n",
    })
    assert cycles(import_graph(tmp_path, ("pkg",))) == [["pkg", "pkg.run"]]


def test_checker_counts_function_level_imports(tmp_path):
    _write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg import b\n",
        "pkg/b.py": "def f():\n    from .a import x\n    return x\n",
        "other/__init__.py": "",
        "other/c.py": "class C:\n    def m(self):\n        import pkg.b\n",
    })
    graph = import_graph(tmp_path, ("pkg", "other"))
    assert cycles(graph) == [["pkg.a", "pkg.b"]]
    assert graph["other.c"] == {"pkg", "pkg.b"}  # importing pkg.b runs pkg first


def test_checker_skips_type_checking_and_lazy_hooks(tmp_path):
    _write(tmp_path, {
        "pkg/__init__.py": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from .run import go\n"
            "def __getattr__(name):\n    from .run import go\n    return go\n"
            "def __dir__():\n    from . import run\n    return []\n"
        ),
        "pkg/run.py": "from pkg import leaf\ndef go(): pass\n",
        "pkg/leaf.py": "",
        "pkg/typed.py": (
            "import typing\n"
            "if typing.TYPE_CHECKING:\n    from pkg.run import go\nelse:\n    from pkg import leaf\n"
        ),
    })
    graph = import_graph(tmp_path, ("pkg",))
    assert graph["pkg"] == set()
    assert graph["pkg.typed"] == {"pkg", "pkg.leaf"}
    assert cycles(graph) == []


# ------------------------------------------------------------------------------------------------
# the project
# ------------------------------------------------------------------------------------------------
def test_graph_sees_the_project(graph):
    assert {"generator", "generator.cli", "generator.run", "geometry.materials"} <= set(graph)
    assert "generator.run" in graph["generator.cli"]  # function-level imports are counted


def test_no_import_cycle(graph):
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_package_init_is_lazy(graph):
    assert graph["generator"] <= {"generator._version"}
    assert graph["geometry"] == set()


LEAVES = ("generator._version", "generator.constants", "generator.exceptions", "geometry.exceptions")


@pytest.mark.parametrize("module", LEAVES)
def test_leaf_modules(graph, module):
    """Constants and exceptions import no project module but each other, their packages' lazy
    ``__init__`` and standard-library-only helpers (e.g. a difflib "did you mean"), so anything may
    import them without a cycle or a heavy load."""
    packages = {"generator", "geometry"}
    mods = project_modules(REPO)
    stdlib = set(sys.stdlib_module_names) | {"__future__"}
    true_leaves = {
        m for m in graph
        if _reaches(graph, m) <= packages | {"generator._version"}
        and all(n.split(".")[0] in stdlib for n in _imported_names(mods[m]))
    }
    allowed = set(LEAVES) | packages | true_leaves
    assert _reaches(graph, module) <= allowed, sorted(_reaches(graph, module) - allowed)


GEOMETRY_NEVER = ("vegas", "generator.integrate", "generator.run", "generator.output", "generator.cli")


def _matches(name: str, banned: str) -> bool:
    return name == banned or name.startswith(banned + ".")


def test_geometry_dependency_direction(graph):
    """geometry/ may use constants, exceptions and physics kernels; never VEGAS, the run, the writers or
    the CLI, not even through another module."""
    bad = {}
    for module in (m for m in graph if m.split(".")[0] == "geometry"):
        path = project_modules(REPO)[module]
        reached = _reaches(graph, module) | _imported_names(path)
        hits = sorted(n for n in reached for b in GEOMETRY_NEVER if _matches(n, b))
        if hits:
            bad[module] = hits
    assert not bad, bad


def test_geometry_does_not_import_awkward_at_module_level():
    # awkward only inside optional readers (geometry.beams: parquet flux files), never on import
    mods = project_modules(REPO)
    bad = [m for m, p in mods.items() if m.startswith("geometry") and "awkward" in _imported_names(p, True)]
    assert not bad


def test_nothing_imports_the_cli(graph):
    assert [m for m, deps in graph.items() if "generator.cli" in deps] == []


# ------------------------------------------------------------------------------------------------
# what a fresh interpreter loads
# ------------------------------------------------------------------------------------------------
def _loaded_after(statement: str, candidates: tuple[str, ...]) -> list[str]:
    code = (
        f"import sys; {statement}; "
        f"print(sorted(m for m in {candidates!r} if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert proc.returncode == 0, proc.stderr
    return ast.literal_eval(proc.stdout.strip().splitlines()[-1])


HEAVY = ("vegas", "numba", "awkward", "uproot", "matplotlib", "scipy", "generator.run")


def test_cli_import_loads_nothing_heavy():
    """``mudump --help`` and ``mudump --version`` must not pay for numba, VEGAS, awkward, ..."""
    assert _loaded_after("import generator.cli", HEAVY) == []


def test_package_import_loads_nothing_heavy():
    assert _loaded_after("import generator", HEAVY) == []


@pytest.mark.parametrize("statement", ["import geometry.materials", "import generator.constants"])
def test_geometry_and_constants_load_no_engine(statement):
    assert _loaded_after(statement, ("vegas", "awkward", "generator.run", "numba")) == []


def test_lazy_name_loads_its_module_only_when_asked():
    code = "import generator; generator.ScalarModel"
    assert _loaded_after(code, ("generator.models", "generator.run", "vegas")) == ["generator.models"]


def test_version_from_the_one_place():
    from generator._version import __version__

    proc = subprocess.run(
        [sys.executable, "-m", "generator.cli", "--version"],
        check=False, capture_output=True, text=True, timeout=120, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"mudump {__version__}"

    import generator

    assert generator.__version__ is __version__


def test_version_is_written_once():
    """pyproject.toml reads the version from generator/_version.py; no other file assigns one."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        tomllib = pytest.importorskip("tomli")
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in meta["project"]
    assert "version" in meta["project"]["dynamic"]
    assert meta["tool"]["hatch"]["version"]["path"] == "generator/_version.py"

    assigned = []
    for path in project_modules(REPO).values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
            ):
                assigned.append(path.relative_to(REPO).as_posix())
    assert assigned == ["generator/_version.py"]


# ------------------------------------------------------------------------------------------------
# what a cross section and a run load (issue 19: mudump xsec in under a second)
# ------------------------------------------------------------------------------------------------
NOT_FOR_A_CROSS_SECTION = ("awkward", "vector", "sympy", "particle", "scipy.integrate", "scipy.optimize",
                           "scipy.constants", "geometry.experiments", "generator.processes.vector_brems",
                           "generator.processes.ww", "generator.processes.zprime_ww", "uproot", "pyhepmc")


def test_cross_section_loads_only_its_kernels():
    """sigma of the scalar: no awkward, vector/sympy, particle's table, scipy's integrators, experiment
    loader or the other processes' kernels (numba's own cache load imports scipy.linalg, not these)."""
    code = "import generator; generator.cross_section(target='Pb', energy=160.0, mass=0.1, coupling=5e-4)"
    assert _loaded_after(code, NOT_FOR_A_CROSS_SECTION) == []


def test_lorentz_and_decays_load_no_vector():
    code = ("import numpy as np; from generator.decays import decay_events; from generator.lorentz import boost; "
            "boost(np.array([[1.0, 0, 0, 0]]), np.array([[5.0, 0, 0, 4.0]]))")
    assert _loaded_after(code, ("vector", "sympy")) == []
