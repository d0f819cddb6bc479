"""A table of more than a thousand rows is sent a screenful at a time (ui.table's lazy delivery): in Chromium, every
row can still be scrolled to, and the first view carries only the first rows, not the whole table."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from .server import Watch, bench_module, exceptions_on, real_errors

FILES = 1_100  # over Streamlit's thousand-row first chunk


def rows(grid) -> str:
    """The rows the grid has drawn, as its screen-reader table holds them (the grid itself is a canvas)."""
    return grid.evaluate("g => g.textContent")


@pytest.fixture(scope="module")
def many_files(app_server, tmp_path_factory) -> tuple[str, Path]:
    data = tmp_path_factory.mktemp("big") / "data"
    (data / "indicators").mkdir(parents=True)
    first = date(2022, 1, 1)
    for i in range(FILES):
        day = first + timedelta(days=i)
        row = {"indicator": ["tech_sme"], "area": ["利州区"], "year": [day.year], "month": [day.month], "value": [i]}
        pq.write_table(pa.table(row), data / "indicators" / f"{day.isoformat()}.parquet")
    return app_server(data, name="big-tables"), data


def test_every_row_of_a_long_file_list_can_be_scrolled_to(many_files, new_page):
    url, _ = many_files
    page = new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text} @ {m.location.get('url')}")
            if m.type == "error" else None)  # fmt: skip
    watch = Watch(page)
    page.goto(f"{url}/data")
    watch.settled(timeout_ms=180_000)
    assert not exceptions_on(page)
    grid = page.locator('[data-testid="stDataFrame"]').first  # the only dataset: one file list
    grid.scroll_into_view_if_needed()
    page.wait_for_function("g => g.textContent.includes('indicators/2025-01-04.parquet')", arg=grid.element_handle())
    oldest = "indicators/2022-01-01.parquet"  # newest first: the last row of the table
    assert oldest not in rows(grid)
    box = grid.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(120):
        page.mouse.wheel(0, 4000)
        page.wait_for_timeout(50)
        if oldest in rows(grid):
            break
    assert oldest in rows(grid)  # a row beyond the first thousand, fetched as the list was scrolled
    assert not real_errors(errors)


def test_a_viewer_is_first_sent_only_the_first_rows(many_files):
    bench = bench_module()
    url, _ = many_files
    assert bench.app_session(url, "data", look_for="indicators/2025-01-04.parquet")["found"]  # the newest file
    assert not bench.app_session(url, "data", look_for="indicators/2022-01-01.parquet")["found"]  # 1 100th row
