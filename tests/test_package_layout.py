"""The package reads as the flow: base → snapshots → plan → meeting (and access, reminders), no arrow back up."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gydash"
# Each stage may use the ones before it, never one after it.
STAGES = {"base": 0, "snapshots": 1, "plan": 2, "meeting": 3, "access": 3, "reminders": 3}
SHARED_TOP = {"charts", "vega"}  # top-level modules the stages may use: they themselves use only base
APPS = {"ui", "cli", "summary", "textable"}  # the top: nothing in gydash uses them
MAX_LINES = 300


def _imports(path: Path) -> set[str]:
    """Every gydash module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "gydash":
            if node.module == "gydash" or (node.module.count(".") == 1 and node.module.split(".")[1] in STAGES):
                found |= {f"{node.module}.{a.name}" for a in node.names}
            else:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "gydash"}
    return found


def _place(module: str) -> tuple[str, int]:
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in STAGES:
        return parts[1], STAGES[parts[1]]
    name = parts[1] if len(parts) > 1 else ""
    return name, (0 if name in SHARED_TOP else 9)


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield ".".join(path.relative_to(ROOT).with_suffix("").parts), path


def test_no_stage_imports_a_later_stage_or_the_apps():
    backwards = []
    for module, path in _modules():
        stage, level = _place(module)
        if level == 9:
            continue  # the apps may use everything
        for other in _imports(path):
            their_stage, their_level = _place(other)
            if their_level > level and their_stage != stage:
                backwards.append(f"{module} → {other}")
    assert backwards == []


def test_shared_top_level_modules_use_only_base():
    for name in SHARED_TOP:
        used = {_place(m) for m in _imports(PACKAGE / f"{name}.py")}
        assert {stage for stage, _ in used} <= {"base"}, name


def test_every_stage_is_a_package_with_a_docstring():
    for stage in STAGES:
        init = PACKAGE / stage / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), stage
    top = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert top <= SHARED_TOP | APPS, top - SHARED_TOP - APPS
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert packages <= set(STAGES) | APPS, packages - set(STAGES) - APPS


def test_no_module_is_longer_than_a_newcomer_reads_at_once():
    """Modules are split by concern before they pass about 300 lines (the page scripts and app.py are layout)."""
    long = {m: n for m, path in _modules() if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_only_the_ui_package_imports_streamlit():
    users = [m for m, path in _modules() if any(n.split(".")[0] == "streamlit" for n in _all_imports(path))]
    assert users and all(m.startswith("gydash.ui.") for m in users), users


def _all_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
    return names
