"""Shared fixtures: a fresh data dir per test and a writer of tiny Parquet snapshots into it."""

from __future__ import annotations

import os
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from page_views import every_view

# Tests keep the warehouse in memory: a DuckDB file per test's data dir would cost the suite minutes of disk syncs.
# tests/test_warehouse.py and the browser tests (real servers) use the file, as a server does. Whatever a test
# writes to the state dir goes to a folder of this run, never the user's cache.
os.environ.setdefault("GYDASH_WAREHOUSE", "memory")
# A page that fails shows officials a Chinese message (gydash.ui.page_guard); in the suite it fails as an exception,
# so every test that looks for none (at.exception, the browser tests' exception box) still sees a failing page.
# tests/test_page_guard.py turns the message back on to test it.
os.environ.setdefault("GYDASH_ERRORS", "raise")
if not os.environ.get("GYDASH_STATE_DIR"):
    import tempfile

    os.environ["GYDASH_STATE_DIR"] = tempfile.mkdtemp(prefix="gydash-test-state-")

from gydash import vega
from gydash.snapshots import store

vega.CHECK_SPECS = True  # every chart a test draws is checked against the Vega-Lite schema (a server skips it)

Rows = list[dict] | pl.DataFrame | pa.Table

IN_CI = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing_system_package(package: str, what: str) -> None:
    """Skip the test on a developer's machine that lacks a Debian package, in one line naming it; in CI fail:
    `.ci/run` installs every package, so a green CI must mean that the whole suite ran."""
    message = f"{what} needs the Debian package {package}: apt-get install {package}"
    if IN_CI:
        pytest.fail(f"CI=true and {message} (.ci/run should have installed it)", pytrace=False)
    pytest.skip(message)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked cjk_font draw the meeting pack or its charts: without a Chinese font they cannot run."""
    if item.get_closest_marker("cjk_font") is None:
        return
    from gydash.meeting import render

    try:
        render.font()
    except render.FontMissing:
        missing_system_package(render.DEBIAN_PACKAGE, f"drawing Chinese text (or set {render.FONT_ENV})")


def to_table(rows: Rows) -> pa.Table:
    if isinstance(rows, pa.Table):
        return rows
    if isinstance(rows, pl.DataFrame):
        return rows.to_arrow()
    # Columns are the union of every row's keys (pyarrow alone would take the first row's keys only).
    names = list(dict.fromkeys(k for row in rows for k in row))
    return pa.table({name: [row.get(name) for row in rows] for name in names})


def write_parquet(path: Path, rows: Rows, metadata: dict | None = None, mtime: float | None = None) -> Path:
    """Write rows as a Parquet file at path (parents created); optional schema metadata and mtime (seconds)."""
    table = to_table(rows)
    if metadata is not None:
        table = table.replace_schema_metadata({str(k).encode(): str(v).encode() for k, v in metadata.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def remove_tree(root: Path) -> None:
    """Remove a data dir even when read-only or nested deeper than the recursion limit (rglob and rmtree recurse;
    so would pytest's own clean-up of old temp dirs in a later session, which is why deep trees are removed here)."""
    folders, seen = ([root] if root.is_dir() and not root.is_symlink() else []), []
    while folders:
        folder = folders.pop()
        folder.chmod(0o755)
        seen.append(folder)
        for p in folder.iterdir():
            if p.is_dir() and not p.is_symlink():
                folders.append(p)
            else:
                p.unlink()
    for folder in reversed(seen):
        folder.rmdir()


APP = str(Path(__file__).resolve().parent.parent / "app.py")


def choice(at, key: str):
    """The ui.choice widget with this key: radio buttons when it offers a few options, a drop-down otherwise."""
    for kind in (at.radio, at.selectbox):
        try:
            return kind(key=key)
        except KeyError:
            pass
    raise KeyError(key)


class _TableWords(HTMLParser):
    """The words of a plain HTML table (gydash.ui.plain_table), row by row, header first, as a reader sees them."""

    def __init__(self) -> None:
        super().__init__()  # character references decoded: &lt; reads <, as on screen
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag) -> None:
        if tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(at) -> list[pd.DataFrame]:
    """Every table the page shows, in page order, read back from its HTML (ui.table) as the words on screen (every
    cell text: "1,650", "—")."""
    from streamlit.testing.v1.element_tree import Html

    out = []
    for node in at.main:  # the main area, element by element in page order
        if isinstance(node, Html) and 'class="gy-table' in node.value:
            words = _TableWords()
            words.feed(node.value)
            header, *rows = words.rows
            out.append(pd.DataFrame(rows, columns=header))
    return out


def html_words(at, marker: str = "") -> str:
    """The words of the page's plain HTML blocks (cards, bullets; those holding `marker`), as a reader sees them:
    tags dropped (a block element ends a line), entities read."""
    import html
    import re

    blocks = [h.value for h in at.get("html") if marker in h.value]
    text = "\n".join(re.sub(r"<(?:/div|br|/p|/li|/h\d|/section)>", "\n", b) for b in blocks)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def open_every_page(pages, tabs=(), timeout: float = 120):
    """The app run through each page (paths as app.py registers them), each view of it, views inside views too
    (page_views.every_view), and each 数据管理 tab in turn, asserting that none of them raises; the AppTest, at the
    last one shown."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout).run()
    assert not at.exception, [e.value for e in at.exception]
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        for _, view in every_view(at):
            assert not at.exception, (page, view, [e.value for e in at.exception])
    for tab in tabs:
        at.session_state["data_tab"] = tab
        at.run()
        assert not at.exception, (tab, [e.value for e in at.exception])
    return at


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def write(data_dir: Path) -> Callable[..., Path]:
    """write(dataset, name, rows_or_frame, metadata=None, mtime=None) → path of data_dir/dataset/name."""

    def _write(dataset: str, name: str, rows: Rows, metadata: dict | None = None, mtime: float | None = None) -> Path:
        return write_parquet(data_dir / dataset / name, rows, metadata, mtime)

    return _write


@pytest.fixture
def load(data_dir: Path) -> Callable[..., store.Data]:
    """load(cutoff=None) → the data in effect in this test's data dir."""

    def _load(cutoff=None) -> store.Data:
        return store.load(data_dir, cutoff=cutoff)

    return _load


def ind(indicator: str, area: str, year: int, month: int, value: float, **extra) -> dict:
    """One indicators row."""
    return {"indicator": indicator, "area": area, "year": year, "month": month, "value": value, **extra}


def activity(date: str, area: str = "利州区", kind: str = "policy_briefing", **extra) -> dict:
    """One activities row (date as text, which the contract accepts)."""
    return {"date": date, "area": area, "kind": kind, **extra}


def coverage_row(org: str, area: str = "利州区", rnd: str = "2025-03", updated_on: str = "2025-03-20", **extra) -> dict:
    row = {
        "round": rnd,
        "updated_on": updated_on,
        "area": area,
        "org_name": org,
        "party_members": 3,
        "org_coverage": "single",
        "work_coverage": True,
    }
    return row | extra


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test keeps the import log in its own folder, never in the user's ~/.cache."""
    path = tmp_path / "state"
    monkeypatch.setenv("GYDASH_STATE_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one for the whole run: Playwright's sync API allows one at a time per
    thread, and both the browser tests and the deployment test open pages."""
    from browser.server import CHROMIUM_ARGS, chromium_path

    path = chromium_path()
    if path is None:
        missing_system_package("chromium", "a browser test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()
