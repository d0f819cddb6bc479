"""The app starts on the bundled sample data."""

import os
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def test_app_starts_on_bundled_data(monkeypatch):
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert any("项目标" in m.value for m in at.markdown)


FIRST_USE = r"""
import ast, json, sys
from pathlib import Path

import gydash.ui  # what app.py imports first


def packages():
    return {m.split(".")[0] for m in sys.modules} - set(sys.stdlib_module_names) - {"gydash", "__main__"}


preloaded = packages()
from streamlit.testing.v1 import AppTest
from gydash.snapshots import checking, templates

root = Path(sys.argv[1])
before = packages()
at = AppTest.from_file(str(root / "app.py"), default_timeout=120).run()
for page in ["pages/duties.py", "pages/coverage.py", "pages/commendations.py", "pages/counties.py",
             "pages/meeting.py", "pages/data.py"]:
    at.switch_page(page).run()
for tab in ["修订记录", "变化对比", "导入模板", "上传导入"]:
    at.session_state["data_tab"] = tab
    at.run()
checking.prepare(templates.template("indicators"), "x.xlsx", "indicators", root / "data")
# Imports written inside functions (the meeting pack, chart PNGs …), read from the source.
lazy = set()
for path in [*root.glob("gydash/**/*.py"), *root.glob("pages/*.py")]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    lazy |= {a.name.split(".")[0] for a in inner.names}
                elif isinstance(inner, ast.ImportFrom) and inner.level == 0:
                    lazy.add(inner.module.split(".")[0])
lazy -= set(sys.stdlib_module_names) | {"gydash", "streamlit"}
print(json.dumps({
    "imported by a page": sorted(packages() - before),
    "imported in a function": sorted(lazy - preloaded),
    "errors": [e.value for e in at.exception],
}))
"""


def test_pages_import_no_library_on_first_use(monkeypatch, tmp_path):
    """A fresh server's first sessions run side by side; a library first imported inside one of them can reach
    another half-initialised. Everything the pages, downloads and upload use is imported with gydash.ui."""
    import json
    import subprocess
    import sys

    env = {**os.environ, "GYDASH_DATA_DIR": str(ROOT / "data"), "GYDASH_TODAY": "2026-11-26"}
    script = tmp_path / "first_use.py"
    script.write_text(FIRST_USE)
    done = subprocess.run(
        [sys.executable, str(script), str(ROOT)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"imported by a page": [], "imported in a function": [], "errors": []}
