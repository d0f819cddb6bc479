"""A table of more than a hundred rows is shown a hundred rows at a time (ui.table's pages): in Chromium, every row
can be reached with 下一页, and the first view carries only the first page, not the whole table."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from .server import Watch, bench_module, exceptions_on, real_errors

FILES = 1_100  # eleven pages of a hundred


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


def test_every_row_of_a_long_file_list_can_be_reached_page_by_page(many_files, new_page):
    url, _ = many_files
    page = new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text} @ {m.location.get('url')}")
            if m.type == "error" else None)  # fmt: skip
    watch = Watch(page)
    page.goto(f"{url}/data")
    watch.settled(timeout_ms=180_000)
    assert not exceptions_on(page)
    main = page.locator('[data-testid="stMain"]')
    newest, oldest = "indicators/2025-01-04.parquet", "indicators/2022-01-01.parquet"  # newest first
    assert newest in main.inner_text() and oldest not in main.inner_text()
    assert "第 1–100 行，共 1,100 行" in main.inner_text()
    turns = 0
    while oldest not in main.inner_text() and turns < 20:
        next_page = page.get_by_role("button", name="下一页")
        assert next_page.is_enabled()
        watch.run_and_wait(next_page.click)
        turns += 1
    assert oldest in main.inner_text() and turns == 10  # the last of eleven pages
    assert "第 1,001–1,100 行，共 1,100 行" in main.inner_text()
    assert page.get_by_role("button", name="下一页").is_disabled()
    assert not real_errors(errors)


def test_a_viewer_is_first_sent_only_the_first_rows(many_files):
    bench = bench_module()
    url, _ = many_files
    assert bench.app_session(url, "data", look_for="indicators/2025-01-04.parquet")["found"]  # the newest file
    assert not bench.app_session(url, "data", look_for="indicators/2024-09-26.parquet")["found"]  # the 101st row
