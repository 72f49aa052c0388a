"""The package layout is the pipeline: no module imports from a later stage, and nothing is circular."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "fidelity"

#: Stages in pipeline order; a module may import from its own stage or an earlier one.
STAGES: tuple[tuple[str, ...], ...] = (
    ("fidelity.model", "fidelity.toml", "fidelity.files", "fidelity.cycles", "fidelity.stopping",
     "fidelity.globs"),
    ("fidelity.redact",),
    ("fidelity.probe",),
    ("fidelity.config",),
    ("fidelity.snapshot",),
    ("fidelity.diff",),
    ("fidelity.policy",),
    ("fidelity.report",),
    ("fidelity.publish",),
    ("fidelity.exit_codes", "fidelity.commands"),
    ("fidelity.cli", "fidelity.__main__"),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> int | None:
    if module == "fidelity":
        return 0  # the package itself holds only the version
    for index, prefixes in enumerate(STAGES):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    return None


def imports_of(path: Path) -> set[str]:
    """Every fidelity module a file imports, at any depth (lazy imports count too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("fidelity"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fidelity"):
            found.add(node.module)
            for alias in node.names:  # `from fidelity.x import module` imports that module
                target = PACKAGE.parent / f"{node.module}.{alias.name}".replace(".", "/")
                if target.with_suffix(".py").exists() or target.is_dir():
                    found.add(f"{node.module}.{alias.name}")
    return found


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: {i for i in imports_of(path) if i in MODULES and i != name} for name, path in MODULES.items()}


def test_every_module_belongs_to_a_stage() -> None:
    assert [m for m in MODULES if stage_of(m) is None] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_from_a_later_stage(module: str) -> None:
    mine = stage_of(module)
    assert mine is not None
    later = sorted(i for i in GRAPH[module] if (stage_of(i) or 0) > mine)
    assert later == [], f"{module} (stage {mine}) imports from later stages: {later}"


def test_only_the_cli_knows_click() -> None:
    users = sorted(m for m, p in MODULES.items() if "click" in {
        n.split(".")[0] for n in _all_imports(p)})
    assert users == ["fidelity.cli"]


def _all_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_import_cycles() -> None:
    """Package __init__ modules re-export their stage, so an edge to a package means its members."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(_edges(node)):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(MODULES):
        if module not in state:
            visit(module)
    assert cycles == []


def _edges(module: str) -> set[str]:
    # An __init__ that re-exports its submodules imports them; a submodule importing its own package's
    # __init__ for a sibling is not a cycle of code, so edges into one's own package are left out.
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    return {i for i in GRAPH[module] if not (i == package or (module.startswith(i + ".")))}


PROBE_FILES = sorted((ROOT / "probes").rglob("*.py"))


@pytest.mark.parametrize("path", PROBE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_probes_use_only_the_probe_sdk(path: Path) -> None:
    """Built-in probes are written as a plugin would be: against `fidelity.probe` alone."""
    used = {m for m in _all_imports(path) if m.startswith("fidelity")}
    assert {m for m in used if m != "fidelity.probe" and not m.startswith("fidelity.probe.")} == set()
