"""The app starts on the bundled sample data."""

import json
import os
from pathlib import Path

import pytest
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
from gydash.base import libs


def packages():
    return {m.split(".")[0] for m in sys.modules} - set(sys.stdlib_module_names) - {"gydash", "__main__"}


preloaded = packages()
from streamlit.testing.v1 import AppTest

root = Path(sys.argv[1])
sys.path.insert(0, str(root / "tests"))
from page_views import every_view  # noqa: E402

before = packages()
at = AppTest.from_file(str(root / "app.py"), default_timeout=120).run()
for page in ["pages/duties.py", "pages/coverage.py", "pages/commendations.py", "pages/counties.py",
             "pages/meeting.py", "pages/data.py"]:
    at.switch_page(page).run()
    for _ in every_view(at):
        pass
for tab in ["修订记录", "变化对比", "导入模板", "上传导入"]:
    at.session_state["data_tab"] = tab
    at.run()
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
    "imported in a function": sorted(lazy - preloaded - set(libs.RARE)),
    "rare yet preloaded": sorted(preloaded & set(libs.RARE)),
    "errors": [e.value for e in at.exception],
    "pandas": "pandas" in sys.modules,
}))
"""


def fresh_process(script: str, tmp_path: Path, *args: str) -> dict:
    """Run `script` in a new Python process on the bundled data (`args` after the project's root); the JSON it
    prints last."""
    import subprocess
    import sys

    env = {**os.environ, "GYDASH_DATA_DIR": str(ROOT / "data"), "GYDASH_TODAY": "2026-11-26"}
    path = tmp_path / "script.py"
    path.write_text(script)
    done = subprocess.run(
        [sys.executable, str(path), str(ROOT), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_pages_import_no_library_on_first_use(monkeypatch, tmp_path):
    """A fresh server's first sessions run side by side; a library first imported inside one of them can reach
    another half-initialised. Everything the pages use is imported with gydash.ui; the libraries of rare actions
    (downloads of the pack and of pictures, Excel files) are not held by a server until first used."""
    result = fresh_process(FIRST_USE, tmp_path)
    assert result == {
        "imported by a page": [],
        "imported in a function": [],
        "rare yet preloaded": [],
        "errors": [],
        # pandas would cost every server about 40 MB held for good; no page needs it (gydash.ui.preload).
        "pandas": False,
    }


RARE_AT_ONCE = r"""
import json, sys, threading
from pathlib import Path

import gydash.ui  # a started server
from gydash.base import libs
from gydash.meeting import pack, render, sections
from gydash.snapshots import checking, templates, xlsx
import polars as pl

root = Path(sys.argv[1])
held = sorted(n for n in libs.RARE if n in sys.modules)
built = sections.build(root / "data", "2025Q3", "2024")
jobs = {
    "pptx": lambda: pack.write(built, "pptx")[:2] == b"PK",
    "pdf": lambda: pack.write(built, "pdf")[:4] == b"%PDF",
    "png": lambda: render.png(built.sections[0].chart.spec)[:4] == b"\x89PNG",
    "xlsx": lambda: xlsx.workbook(pl.DataFrame({"a": [1]}), "表")[:2] == b"PK",
    "upload": lambda: checking.prepare(
        templates.template("indicators"), "x.xlsx", "indicators", root / "data"
    ).__class__.__name__,
}
start = threading.Barrier(len(jobs))
done = {}


def run(name, job):
    start.wait()
    try:
        done[name] = job()
    except BaseException as exc:
        done[name] = f"{type(exc).__name__}: {exc}"


threads = [threading.Thread(target=run, args=item) for item in jobs.items()]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"held before": held, "done": done, "pandas": "pandas" in sys.modules}, ensure_ascii=False))
"""


@pytest.mark.cjk_font
def test_rare_libraries_are_imported_on_first_use_by_many_sessions_at_once(tmp_path):
    """A started server holds none of the rare actions' libraries; five sessions that first need them at the same
    moment (pack PPTX and PDF, a chart picture, an Excel download, an Excel upload) all get whole modules."""
    result = fresh_process(RARE_AT_ONCE, tmp_path)
    assert result["held before"] == []
    outcome = result["done"]
    files = ("pptx", "pdf", "png", "xlsx")
    assert {k: outcome[k] for k in files} == dict.fromkeys(files, True), outcome
    assert outcome["upload"] == "Prepared", outcome["upload"]
    assert result["pandas"] is False  # none of them loads pandas into the server either
