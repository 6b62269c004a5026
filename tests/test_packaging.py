"""Packaging contracts: layering, one dependency, import hygiene, vendoring, public surface.

Static checks read the checkout's ``mcplite/*.py``; the subprocess checks use the package this
test process imported, so ``tox -e vendor`` exercises the built wheel rather than the tree.
"""

from __future__ import annotations

import ast
import configparser
import importlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import mcplite

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "mcplite"
SNAPSHOT_ALL = Path(__file__).resolve().parent / "snapshots" / "all.txt"
UPDATE_SNAPSHOTS_ENV = "MCPLITE_UPDATE_SNAPSHOTS"

# DESIGN.md section 3: hard cap per module (the declarative type catalogue is exempt).
MAX_MODULE_LINES = 800
SUBPROCESS_TIMEOUT_SECONDS = 60

# DESIGN.md section 3, layer table: a layer is a folder. Top-level modules are listed by name;
# everything inside a private folder takes the folder's layer.
LAYERS: dict[str, int] = {
    "_errors": 0,
    "types": 0,
    "_core": 1,
    "_wire": 1,
    "_auth": 1,
    "_io": 2,
    "_server": 3,
    "_client": 3,
    "_cli": 4,
    "_gateway": 4,
    "__init__": 4,
    "__main__": 4,
    "protocol": 4,
    "auth": 4,
    "oauth": 4,
}
PURE_LAYERS = frozenset({0, 1})
# Layer-3 folders that must never import each other (connect(server) duck-types).
SIBLINGS_APART = frozenset({"_server", "_client"})
# Pure layers take values and return values: no I/O, no clock, no randomness, no threads, no
# logging (what a pure module would log becomes an event or a return value).
IMPURE_STDLIB = frozenset(
    {
        "asyncio",
        "socket",
        "ssl",
        "subprocess",
        "os",
        "time",
        "random",
        "secrets",
        "threading",
        "selectors",
        "logging",
        "sys",
    }
)
ALLOWED_THIRD_PARTY = frozenset({"msgspec"})
# Optional extras, allowed only as lazy imports inside a function of the named module: the
# package must import and work without them. `cryptography` (extra `auth`) gives _auth.jose
# constant-time signing; without it the pure-Python signers are used.
# `redis` (extra `redis`, redis-py) backs _server.redis_store.RedisStore, used only when a
# server is given one. `pydantic` (extra `test`) describes and validates model-typed tool
# parameters, imported only when an annotation uses it.
OPTIONAL_LAZY_THIRD_PARTY = {
    "cryptography": frozenset({"_auth.jose"}),
    "redis": frozenset({"_server.redis_store"}),
    "pydantic": frozenset({"_core.pydantic_support"}),
}
# Lookups a vendored copy cannot honour (its distribution metadata belongs to the host).
VENDOR_HOSTILE_MODULES = frozenset({"importlib.metadata", "importlib.resources", "pkg_resources"})


def module_name(path: Path, root: Path = SOURCE) -> str:
    """``mcplite/_core/protocol.py`` -> ``_core.protocol``; ``__init__.py`` -> ``__init__``."""
    parts = path.relative_to(root).with_suffix("").parts
    if len(parts) > 1 and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def folder_of(module: str) -> str:
    return module.partition(".")[0]


def layer_of(module: str) -> int:
    top = folder_of(module)
    if top not in LAYERS:
        raise AssertionError(
            f"module {module!r} is in no layer; expected one of {sorted(LAYERS)} "
            "(DESIGN.md section 3): place it in a layer folder"
        )
    return LAYERS[top]


def package_modules(root: Path = SOURCE) -> list[Path]:
    return sorted(root.rglob("*.py"))


@dataclass(frozen=True)
class Import:
    """One import statement, resolved to what it names."""

    line: int
    module: str  # absolute top-level-qualified name ("asyncio.events") or package module name
    relative: bool
    level: int
    in_function: bool
    type_checking_only: bool


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk_imports(
    node: ast.AST, in_function: bool = False, type_checking: bool = False
) -> Iterator[Import]:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import):
            for alias in child.names:
                yield Import(child.lineno, alias.name, False, 0, in_function, type_checking)
        elif isinstance(child, ast.ImportFrom):
            if child.level == 0:
                yield Import(child.lineno, child.module or "", False, 0, in_function, type_checking)
            elif child.module:  # from ._errors import X / from .types import Y
                yield Import(
                    child.lineno, child.module, True, child.level, in_function, type_checking
                )
            else:  # from . import types, _errors
                for alias in child.names:
                    yield Import(
                        child.lineno, alias.name, True, child.level, in_function, type_checking
                    )
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _walk_imports(child, True, type_checking)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for stmt in child.body:
                yield from _walk_imports(
                    ast.Module(body=[stmt], type_ignores=[]), in_function, True
                )
            for stmt in child.orelse:
                yield from _walk_imports(
                    ast.Module(body=[stmt], type_ignores=[]), in_function, type_checking
                )
        else:
            yield from _walk_imports(child, in_function, type_checking)


def imports_of(path: Path) -> list[Import]:
    return list(_walk_imports(ast.parse(path.read_text(encoding="utf-8"), str(path))))


def test_package_has_modules() -> None:
    names = {module_name(path) for path in package_modules()}
    assert {"__init__", "_errors", "types"} <= names, (
        f"expected the package at {SOURCE}, found {names}"
    )


def resolve(importer: str, imp: Import, is_package: bool) -> str:
    """The package-relative module a relative import names (``_core.jsonrpc``, ``types``)."""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    if importer == "__init__":
        base = []
    base = base[: len(base) - (imp.level - 1)] if imp.level > 1 else base
    return ".".join([*base, imp.module]) if imp.module else ".".join(base)


def package_imports(path: Path, root: Path = SOURCE) -> Iterator[tuple[Import, str]]:
    """Each relative import of ``path`` (a module of the package at ``root``) with the
    package module it reaches.

    ``from .._core import jsonrpc`` reaches ``_core.jsonrpc`` when that module exists, else
    the folder's ``__init__``.
    """
    importer = module_name(path, root)
    modules = {module_name(p, root) for p in package_modules(root)}
    for imp in imports_of(path):
        if not imp.relative:
            continue
        target = resolve(importer, imp, path.name == "__init__.py")
        if target not in modules and target.rpartition(".")[0] in modules:
            target = target.rpartition(".")[0]
        yield imp, target


def ids(path: Path) -> str:
    return module_name(path)


@pytest.mark.parametrize("path", package_modules(), ids=ids)
def test_layering(path: Path) -> None:
    """A module imports only from its own or lower layers (DESIGN.md section 3), relatively;
    pure layers import no I/O, clock, randomness, threads or logging; ``_server`` and
    ``_client`` never import each other."""
    me = module_name(path)
    own = layer_of(me)
    problems: list[str] = []
    for imp in imports_of(path):
        where = f"{me}:{imp.line}"
        if imp.relative:
            continue
        top = imp.module.partition(".")[0]
        if top == "mcplite":
            problems.append(
                f"{where}: absolute self-import {imp.module!r} breaks a vendored copy; "
                "expected a relative import"
            )
        if own in PURE_LAYERS and top in IMPURE_STDLIB:
            problems.append(
                f"{where}: layer-{own} module imports {imp.module!r}; layers 0-1 are pure "
                f"(none of {sorted(IMPURE_STDLIB)})"
            )
    for imp, target in package_imports(path):
        where = f"{me}:{imp.line}"
        if not target:
            continue  # the package itself (``from .. import types`` resolves to types)
        theirs = layer_of(target)
        if theirs > own:
            problems.append(
                f"{where}: layer-{own} module imports {target!r} (layer {theirs}); expected "
                f"layers 0-{own} only"
            )
        mine, their_folder = folder_of(me), folder_of(target)
        if mine != their_folder and {mine, their_folder} <= SIBLINGS_APART:
            problems.append(
                f"{where}: {mine} imports {target!r}; {sorted(SIBLINGS_APART)} never import "
                "each other"
            )
    assert not problems, "\n".join(problems)


def module_graph(root: Path = SOURCE) -> dict[str, set[str]]:
    """Who imports whom in the package at ``root``, counting every import: module level,
    under ``TYPE_CHECKING`` and inside functions (a lazy import hides a cycle from the
    interpreter, not from the design)."""
    graph: dict[str, set[str]] = {}
    for path in package_modules(root):
        me = module_name(path, root)
        edges = graph.setdefault(me, set())
        for _, target in package_imports(path, root):
            if target and target != me:
                edges.add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a path that starts and ends at the same module."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle() -> None:
    """No cycle among package modules, counting every import: module level, ``TYPE_CHECKING``
    and in-function ones (issue 12; DESIGN.md section 3: a cycle means a function is in the
    wrong module, or a small Protocol belongs lower down)."""
    cycle = find_cycle(module_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_cycle_check_counts_in_function_and_type_checking_imports(tmp_path: Path) -> None:
    """The two ways a cycle used to hide, an import inside a function and one under
    ``TYPE_CHECKING``, are edges of the graph the cycle check walks."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "a.py").write_text("from . import b\n", encoding="utf-8")
    (package / "b.py").write_text(
        "def f():\n    from . import a  # lazy: cycle: a imports b\n", encoding="utf-8"
    )
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import d\n",
        encoding="utf-8",
    )
    (package / "d.py").write_text("from . import c\n", encoding="utf-8")
    graph = module_graph(package)
    assert graph["b"] == {"a"} and graph["c"] == {"d"}
    assert find_cycle(graph) == ["a", "b", "a"]
    assert find_cycle({k: v for k, v in graph.items() if k not in {"a", "b"}}) == ["c", "d", "c"]


@pytest.mark.parametrize("path", package_modules(), ids=ids)
def test_ssl_is_imported_lazily(path: Path) -> None:
    """Some constrained builds lack ssl: import it inside the TLS code path only."""
    eager = [
        imp.line
        for imp in imports_of(path)
        if not imp.relative
        and imp.module.partition(".")[0] in {"ssl", "_ssl"}
        and not (imp.in_function or imp.type_checking_only)
    ]
    assert not eager, (
        f"{path.name}: module-level ssl import at line(s) {eager}; expected it inside a function"
    )


_LAZY_REASON = re.compile(r"#\s*lazy:\s*\S")


def lazy_imports_without_reason(path: Path) -> list[str]:
    """The in-function imports of ``path`` with no ``# lazy: <reason>`` on their line or
    as the comment line before them."""
    label = module_name(path) if path.is_relative_to(SOURCE) else path.name
    lines = path.read_text(encoding="utf-8").splitlines()
    missing = []
    for imp in imports_of(path):
        if not imp.in_function or imp.type_checking_only:
            continue
        here = lines[imp.line - 1]
        before = lines[imp.line - 2].strip() if imp.line > 1 else ""
        if not _LAZY_REASON.search(here) and not (
            before.startswith("#") and _LAZY_REASON.match(before)
        ):
            missing.append(f"{label}:{imp.line}: {here.strip()}")
    return missing


def test_every_in_function_import_says_why_it_is_lazy() -> None:
    """Issue 12, item 2: an import inside a function exists only for cold start (ssl, the
    HTTP stack, auth, the CLI, optional extras) and says which in a ``# lazy: <reason>``
    comment; any other import belongs at module level."""
    missing = [line for path in package_modules() for line in lazy_imports_without_reason(path)]
    assert not missing, "in-function imports without a `# lazy: <reason>` comment:\n" + (
        "\n".join(missing)
    )


def test_lazy_import_rule_catches_a_bare_one(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def a():\n"
        "    import ssl  # lazy: ssl only for TLS\n"
        "def b():\n"
        "    # lazy: redis extra\n"
        "    import redis\n"
        "def c():\n"
        "    import json\n"
        "def d():\n"
        "    import os  # lazy:\n",
        encoding="utf-8",
    )
    found = [line.partition(": ")[2] for line in lazy_imports_without_reason(sample)]
    assert found == ["import json", "import os  # lazy:"]


_LAZY_FOR_A_CYCLE = re.compile(r"#\s*lazy:.*\bcycle", re.IGNORECASE)


def lazy_imports_for_a_cycle(path: Path) -> list[str]:
    """The in-function imports of ``path`` whose ``# lazy:`` reason is an import cycle."""
    label = module_name(path) if path.is_relative_to(SOURCE) else path.name
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    for imp in imports_of(path):
        if not imp.in_function:
            continue
        here = lines[imp.line - 1]
        before = lines[imp.line - 2].strip() if imp.line > 1 else ""
        if _LAZY_FOR_A_CYCLE.search(here) or (
            before.startswith("#") and _LAZY_FOR_A_CYCLE.match(before)
        ):
            found.append(f"{label}:{imp.line}: {here.strip()}")
    return found


def test_no_in_function_import_breaks_a_cycle() -> None:
    """Issue 12, item 2: a cycle is not a reason to import inside a function (it only hides
    the cycle): move the function to where it belongs, or type against a small Protocol
    lower down, so the dependency points one way."""
    found = [line for path in package_modules() for line in lazy_imports_for_a_cycle(path)]
    assert not found, "in-function imports that hide an import cycle:\n" + "\n".join(found)


def test_cycle_reason_rule_catches_one(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def a():\n"
        "    import ssl  # lazy: ssl only for TLS\n"
        "def b():\n"
        "    from . import tasks  # lazy: cycle: tasks imports context\n"
        "def c():\n"
        "    # lazy: Cycle: bench_multi imports bench\n"
        "    from . import bench_multi\n",
        encoding="utf-8",
    )
    found = [line.partition(": ")[2] for line in lazy_imports_for_a_cycle(sample)]
    assert found == [
        "from . import tasks  # lazy: cycle: tasks imports context",
        "from . import bench_multi",
    ]


def test_no_asyncio_wait_for() -> None:
    """Python 3.11's ``asyncio.wait_for`` swallows a cancellation that lands as the awaited
    thing finishes (CPython gh-86296, fixed in 3.12): a cancelled ``ToolTask.wait()`` went on
    polling for 30 s.  ``async with asyncio.timeout(...)`` delivers it; use that."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in package_modules()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute)
        and node.attr == "wait_for"
        and isinstance(node.value, ast.Name)
        and node.value.id == "asyncio"
    ]
    assert not found, f"asyncio.wait_for at {found}; expected async with asyncio.timeout()"


def _import_time_calls(tree: ast.AST) -> list[ast.Call]:
    """Calls that run when the module is imported (not inside a function or lambda)."""
    found: list[ast.Call] = []
    todo = list(ast.iter_child_nodes(tree))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            todo.extend(node.decorator_list if not isinstance(node, ast.Lambda) else [])
            continue
        if isinstance(node, ast.Call):
            found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return found


def test_no_codec_built_at_import_time() -> None:
    """Nothing at import time (DESIGN.md section 2): a msgspec Decoder or Encoder is built on
    first use (``types.decoder``, a ``functools.cache`` factory), not when the module loads --
    a stdio server that never meets a type pays nothing for it."""
    found = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in package_modules()
        for call in _import_time_calls(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(call.func, ast.Attribute) and call.func.attr in ("Decoder", "Encoder")
    ]
    assert not found, f"msgspec codecs built at import time at {sorted(found)}"


def test_error_codes_are_declared_once() -> None:
    """A JSON-RPC error code is an ``ErrorCode`` member in ``_errors`` and imported from there
    (-32001 was once declared in four modules, and an unused ``CONNECTION_CLOSED`` shared it)."""
    found = []
    for path in package_modules():
        if path.name == "_errors.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
            if (
                isinstance(value, ast.UnaryOp)
                and isinstance(value.op, ast.USub)
                and isinstance(value.operand, ast.Constant)
                and isinstance(value.operand.value, int)
                and 32000 <= value.operand.value <= 32768
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"error codes declared outside _errors.ErrorCode at {found}"


def test_timeouts_are_typed() -> None:
    """Issue 12: no ``timeout: float | None | Any`` -- ``Any`` swallows every mistake.  A
    timeout is seconds, ``None`` (no limit), or left out (``...``, typed ``EllipsisType``:
    the client's default)."""
    found = []
    for path in package_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                if "timeout" in arg.arg and arg.annotation is not None:
                    text = ast.unparse(arg.annotation)
                    if "Any" in text.replace("|", " ").split():
                        found.append(f"{path.relative_to(ROOT)}:{arg.lineno} {arg.arg}: {text}")
    assert not found, f"timeouts typed with Any: {found}; expected float | None | EllipsisType"


def test_only_third_party_import_is_msgspec() -> None:
    found: set[str] = set()
    for path in package_modules():
        for imp in imports_of(path):
            top = imp.module.partition(".")[0]
            if imp.in_function and module_name(path) in OPTIONAL_LAZY_THIRD_PARTY.get(top, ()):
                continue
            if not imp.relative and top not in sys.stdlib_module_names and top != "mcplite":
                found.add(f"{top} ({path.name}:{imp.line})")
    unexpected = {name for name in found if name.partition(" ")[0] not in ALLOWED_THIRD_PARTY}
    assert not unexpected, (
        f"expected only {sorted(ALLOWED_THIRD_PARTY)}, found {sorted(unexpected)}"
    )


@pytest.mark.parametrize("path", package_modules(), ids=ids)
def test_vendorable_source(path: Path) -> None:
    """No metadata lookups, no paths from __file__, no hard-coded logger names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    problems: list[str] = []
    for imp in imports_of(path):
        if not imp.relative and any(
            imp.module == bad or imp.module.startswith(bad + ".") for bad in VENDOR_HOSTILE_MODULES
        ):
            problems.append(f"line {imp.line}: imports {imp.module}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "__file__":
            problems.append(f"line {node.lineno}: uses __file__ (no data files, no paths)")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            == "getLogger"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and node.args[0].value.split(".")[0] == "mcplite"
        ):
            problems.append(
                f"line {node.lineno}: getLogger({node.args[0].value!r}); expected __name__ so a "
                "vendored copy nests under its host"
            )
    assert not problems, f"{path.name}: " + "; ".join(problems)


@pytest.mark.parametrize("path", package_modules(), ids=ids)
def test_module_size(path: Path) -> None:
    if path.stem == "types" or path.stem.startswith("_types_"):
        return  # declarative catalogue: exempt from the cap (DESIGN.md section 2)
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, (
        f"{path.name} has {lines} lines; the hard cap is {MAX_MODULE_LINES}: split it by role"
    )


def test_version_is_a_literal() -> None:
    """setuptools reads ``version = attr: mcplite.__version__`` statically, without msgspec."""
    tree = ast.parse((SOURCE / "__init__.py").read_text(encoding="utf-8"))
    values = [
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [getattr(t, "id", None) for t in node.targets] == ["__version__"]
        and isinstance(node.value, ast.Constant)
    ]
    assert len(values) == 1, 'expected exactly one `__version__ = "x.y.z"` literal'
    assert isinstance(values[0], str)
    assert re.fullmatch(r"\d+\.\d+\.\d+([abc]|rc)?\d*", values[0]), values[0]
    assert values[0] == mcplite.__version__


def _setup_cfg() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    return parser


def _lines(value: str) -> list[str]:
    return [
        line.strip() for line in value.splitlines() if line.strip() and not line.startswith("#")
    ]


def test_single_runtime_dependency() -> None:
    """``pip install .`` brings exactly one other distribution: msgspec."""
    cfg = _setup_cfg()
    requires = _lines(cfg["options"]["install_requires"])
    assert len(requires) == 1, f"expected only msgspec, found {requires}"
    match = re.fullmatch(r"msgspec\s*>=\s*(\d+\.\d+\.\d+)(\s*,\s*<\s*[\d.]+)?", requires[0])
    assert match, f"expected 'msgspec>=X.Y.Z', found {requires[0]!r}"
    # The `min` tox env must test exactly that floor.
    tox = configparser.ConfigParser()
    tox.read(ROOT / "tox.ini", encoding="utf-8")
    assert _lines(tox["testenv:min"]["deps"]) == [f"msgspec=={match.group(1)}"]


def test_setup_cfg_ships_the_package_only() -> None:
    cfg = _setup_cfg()
    assert cfg["metadata"]["version"].strip() == "attr: mcplite.__version__"
    assert _lines(cfg["options.packages.find"]["include"]) == ["mcplite", "mcplite.*"]
    assert cfg["options.package_data"]["mcplite"].strip() == "py.typed"
    assert (SOURCE / "py.typed").is_file()
    assert "mcplite = mcplite.__main__:main" in _lines(
        cfg["options.entry_points"]["console_scripts"]
    )


def test_all_snapshot() -> None:
    """The public surface changes only on purpose: MCPLITE_UPDATE_SNAPSHOTS=1 rewrites it."""
    names = sorted(mcplite.__all__)
    assert len(names) == len(set(names)), "duplicate names in mcplite.__all__"
    missing = [name for name in names if not hasattr(mcplite, name)]
    assert not missing, f"in __all__ but not defined: {missing}"
    text = "".join(f"{name}\n" for name in names)
    if os.environ.get(UPDATE_SNAPSHOTS_ENV) == "1":
        SNAPSHOT_ALL.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT_ALL.write_text(text, encoding="utf-8")
    expected = SNAPSHOT_ALL.read_text(encoding="utf-8")
    assert text == expected, (
        f"mcplite.__all__ differs from {SNAPSHOT_ALL.name}; if intended, rerun with "
        f"{UPDATE_SNAPSHOTS_ENV}=1\nadded: {sorted(set(names) - set(expected.split()))}\n"
        f"removed: {sorted(set(expected.split()) - set(names))}"
    )


def _run_python(script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # -I: no user site, no PYTHON* variables, cwd not on sys.path; an empty environment.
    return subprocess.run(
        [sys.executable, "-I", "-X", "dev", "-W", "error", "-c", script],
        cwd=cwd,
        env={},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_SECONDS,
        check=False,
    )


# Runs in a fresh interpreter: import the package with a recording os.environ and ssl made
# unimportable (as in builds without it), then look for side effects.
HYGIENE_SCRIPT = """
import logging, os, signal, sys, threading
from collections.abc import MutableMapping

sys.path.insert(0, {parent!r})
SIGNALS = [s for s in (signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGCHLD", None)) if s]
signals_before = [signal.getsignal(s) for s in SIGNALS]

class RecordingEnviron(MutableMapping):
    def __init__(self, data):
        self.data, self.reads = data, []
    def _note(self, key):
        frame = sys._getframe(1)  # step out of this class, os and the frozen ABCs
        while frame.f_back and (
            frame.f_code.co_filename.startswith("<") or frame.f_code.co_filename == os.__file__
        ):
            frame = frame.f_back
        self.reads.append(f"{{key}} at {{frame.f_code.co_filename}}:{{frame.f_lineno}}")
    def __getitem__(self, key):
        self._note(key)
        return self.data[key]
    def __contains__(self, key):
        self._note(key)
        return key in self.data
    def __iter__(self):
        self._note("<iteration>")
        return iter(self.data)
    def __setitem__(self, key, value):
        self.data[key] = value
    def __delitem__(self, key):
        del self.data[key]
    def __len__(self):
        return len(self.data)

class NoSSL:
    def find_spec(self, name, path=None, target=None):
        if name in ("ssl", "_ssl"):
            raise ImportError(f"ssl is unavailable here (imported {{name}})")
        return None

sys.meta_path.insert(0, NoSSL())
environ, environb = os.environ, os.environb
os.environ, os.environb = RecordingEnviron(dict(environ)), RecordingEnviron(dict(environb))
reads = (os.environ, os.environb)
import {module}
os.environ, os.environb = environ, environb

problems = []
env_reads = reads[0].reads + reads[1].reads
if env_reads:
    problems.append(f"read the environment: {{env_reads}}")
if threading.active_count() != 1:
    problems.append(f"started threads: {{threading.enumerate()}}")
loggers = [logging.root, *logging.root.manager.loggerDict.values()]
handlers = [
    (lg.name, lg.handlers) for lg in loggers if isinstance(lg, logging.Logger) and lg.handlers
]
if handlers:
    problems.append(f"added logging handlers: {{handlers}}")
if [signal.getsignal(s) for s in SIGNALS] != signals_before:
    problems.append("installed signal handlers")
if "asyncio" in sys.modules:
    import asyncio.events as events
    if events._get_running_loop() is not None:
        problems.append("left a running loop")
    policy = events._event_loop_policy
    if policy is not None and getattr(policy._local, "_loop", None) is not None:
        problems.append("created an event loop")
for name in ("ssl", "_ssl"):
    if name in sys.modules:
        problems.append(f"imported {{name}}")
print("\\n".join(problems) if problems else "clean")
"""


PUBLIC_MODULES = ["mcplite.types", "mcplite.protocol", "mcplite.auth", "mcplite.oauth"]

# A stdio server from start to EOF, then what it imported that stdio never uses (issue 15
# "Cold start": nothing imported that a stdio server does not use).
STDIO_SERVER_SCRIPT = """
import sys
sys.path.insert(0, {parent!r})
from mcplite import Server

server = Server("cold")

@server.tool()
async def echo(text: str) -> str:
    return text

server.run()
unused = (
    "mcplite._io.httpserver", "mcplite._wire.http11", "mcplite._server.streamable_http",
    "mcplite._client.client", "mcplite._core.uritemplate", "hashlib", "hmac", "secrets",
)
print(" ".join(name for name in unused if name in sys.modules) or "lean")
"""


# Counts msgspec JSON decoders built by import mcplite, by a Server with a tool (neither
# may build any: DESIGN.md section 6, issue 15 "Cold start"), then by one call (which must:
# the count is live).
DECODERS_SCRIPT = """
import asyncio, sys
sys.path.insert(0, {parent!r})
import msgspec.json

built = []
real = msgspec.json.Decoder

class Counting:
    def __new__(cls, *args, **kwargs):
        built.append(repr(args[0]) if args else "untyped")
        return real(*args, **kwargs)

    def __class_getitem__(cls, item):
        return real[item]

msgspec.json.Decoder = Counting
import mcplite
at_import = list(built)
server = mcplite.Server("cold")

@server.tool()
async def echo(text: str, times: int = 1) -> str:
    return text * times

at_registration = built[len(at_import):]

async def main():
    async with mcplite.connect(server) as client:
        await client.call_tool("echo", {{"text": "a"}})

asyncio.run(main())
print(at_import, at_registration, len(built) > 0)
"""


def test_no_decoder_is_built_before_first_use(tmp_path: Path) -> None:
    parent = str(Path(mcplite.__file__).resolve().parent.parent)
    result = _run_python(DECODERS_SCRIPT.format(parent=parent), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] [] True", result.stdout


def test_a_stdio_server_imports_only_what_stdio_uses(tmp_path: Path) -> None:
    parent = str(Path(mcplite.__file__).resolve().parent.parent)
    script = STDIO_SERVER_SCRIPT.format(parent=parent)
    result = subprocess.run(
        [sys.executable, "-I", "-X", "dev", "-W", "error", "-c", script],
        cwd=tmp_path,
        env={},
        input="",  # end of input at once: run() returns
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "lean", result.stdout


@pytest.mark.parametrize("module", ["mcplite", *PUBLIC_MODULES])
def test_import_hygiene(module: str, tmp_path: Path) -> None:
    """Importing has no side effects (aesthetics 3.6 item 2) and works without ssl."""
    parent = str(Path(mcplite.__file__).resolve().parent.parent)
    result = _run_python(HYGIENE_SCRIPT.format(parent=parent, module=module), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "clean", result.stdout


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_public_module_surface(module: str) -> None:
    """A public module (DESIGN.md section 3, layer 4) says what it offers in ``__all__``:
    sorted (constants first), defined, no private names."""
    mod = importlib.import_module(module)
    names = list(mod.__all__)
    assert names == sorted(names, key=lambda n: (not n.isupper(), n)), f"{module}: unsorted"
    assert not [n for n in names if n.startswith("_")], f"{module}: private names exported"
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"{module}.__all__ names what it does not define: {missing}"


VENDOR_SCRIPT = """
import asyncio, sys

class NoTopLevelMcplite:
    # A vendored copy must never reach for the top-level name: refuse it outright, even when
    # an installed or editable mcplite would otherwise be importable.
    def find_spec(self, name, path=None, target=None):
        if name == "mcplite" or name.startswith("mcplite."):
            raise ImportError(f"absolute import of {name!r} from a vendored copy")
        return None

sys.meta_path.insert(0, NoTopLevelMcplite())
sys.path.insert(0, ".")
import host._vendor.mcplite as m

server = m.Server("v")

@server.tool()
async def add(a: int, b: int) -> int:
    return a + b

async def main() -> None:
    async with m.connect(server) as client:
        result = await client.call_tool("add", {"a": 1, "b": 2})
    assert result.structured_content == {"result": 3}, result

asyncio.run(main())
leaked = sorted(name for name in sys.modules if name.split(".")[0] == "mcplite")
assert not leaked, leaked
print("ok")
"""


def test_vendor_smoke(tmp_path: Path) -> None:
    """Copied to host/_vendor/mcplite, the package runs an in-memory tools/call round trip."""
    package = Path(mcplite.__file__).resolve().parent
    vendor = tmp_path / "host" / "_vendor"
    shutil.copytree(package, vendor / "mcplite", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "host" / "__init__.py").write_text("", encoding="utf-8")
    (vendor / "__init__.py").write_text("", encoding="utf-8")
    result = _run_python(textwrap.dedent(VENDOR_SCRIPT), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
