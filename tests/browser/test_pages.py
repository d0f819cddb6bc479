"""Every page app.py registers, in real Chromium on the sample data: no exception box, no console error, a
full-page screenshot each; then a new snapshot dropped into the data dir shows after a rerun, no restart."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gydash.snapshots.sample import write_sample

from .conftest import slug
from .server import (
    ARTIFACTS,
    Watch,
    exceptions_on,
    full_page_screenshot,
    nav_links,
    press_rerun,
    real_errors,
    registered_pages,
    wait_until_rendered,
)

NEW_FIGURE = 777.0  # hitech_enterprise, city, 2025-12: the sample says otherwise, so the change is visible


@pytest.fixture(scope="module")
def sample(app_server, tmp_path_factory) -> tuple[str, Path]:
    data = tmp_path_factory.mktemp("pages") / "data"
    write_sample(data)
    return app_server(data, name="pages"), data


def drop_snapshot(data: Path, name: str, value: float) -> Path:
    """A later indicators snapshot, written aside and renamed in, as staff tools should."""
    path = data / "indicators" / name
    part = path.with_name(name + ".part")
    row = {"indicator": ["hitech_enterprise"], "area": ["广元市"], "year": [2025], "month": [12], "value": [value]}
    pq.write_table(pa.table(row | {"source": ["浏览器测试新快照"]}), part)
    os.replace(part, path)
    return path


def leave_presenter_mode(page, watch) -> None:
    """季度汇报 opens in presenter mode, which hides the sidebar: a user leaves it with 全部内容 to reach the menu."""
    button = page.locator('.st-key-meeting_mode button:has-text("全部内容")')
    if page.locator(".st-key-presenter").count() and button.count():
        watch.run_and_wait(button.first.click)


def test_every_registered_page_renders_without_errors(sample, new_page):
    url, _ = sample
    specs = registered_pages()
    page = new_page()
    watch = Watch(page)
    page.goto(url)
    watch.settled()
    links = nav_links(page)
    assert len(links) == len(specs), f"sidebar {links} vs app.py {specs}"
    for (title, _), spec in zip(links, specs, strict=True):
        assert spec.title is None or title == spec.title

    problems: dict[str, list[str]] = {}
    for i, (spec, (_, href)) in enumerate(zip(specs, links, strict=True)):
        if i:  # the first page is the default one, already open; the others as a user reaches them
            leave_presenter_mode(page, watch)
            link = page.locator(f'[data-testid="stSidebarNav"] a[href="{href}"]')
            watch.run_and_wait(link.click)
        full_page_screenshot(page, ARTIFACTS / f"{i:02d}-{slug(Path(spec.path).stem)}.png")
        found = exceptions_on(page) + real_errors(watch.errors) + watch.dialogs
        if found:
            problems[spec.path] = found
        watch.errors.clear()
    assert not problems, problems


def test_every_page_opens_from_its_own_link(sample, new_page):
    """A link sent to a colleague opens the page directly, in a fresh session."""
    url, _ = sample
    page = new_page()
    watch = Watch(page)
    page.goto(url)
    watch.settled()
    problems = {}
    for title, href in nav_links(page)[1:]:
        watch.run_and_wait(lambda href=href: page.goto(href))
        wait_until_rendered(page)
        found = exceptions_on(page) + real_errors(watch.errors) + watch.dialogs
        if found:
            problems[title] = found
        watch.errors.clear()
    assert not problems, problems


def test_new_snapshot_shows_after_a_rerun_without_restart(sample, new_page):
    url, data = sample
    page = new_page()
    watch = Watch(page)
    page.goto(url)
    watch.settled()
    main = page.locator('[data-testid="stMain"]')
    assert "777 家" not in main.inner_text()

    drop_snapshot(data, "2026-11-20_浏览器测试.parquet", NEW_FIGURE)
    watch.run_and_wait(lambda: press_rerun(page))
    text = main.inner_text()
    assert "777 家" in text  # on the target's card
    watch.run_and_wait(page.get_by_role("tab", name="高新技术企业").click)  # its details, one tab per target
    assert "indicators/2026-11-20_浏览器测试.parquet" in main.inner_text()  # the provenance names the new file
    full_page_screenshot(page, ARTIFACTS / "new-snapshot-after-rerun.png")

    # A session opened afterwards (a reload) sees it too, and nothing went wrong along the way.
    watch.run_and_wait(page.reload)
    assert "777 家" in main.inner_text()
    assert not exceptions_on(page) and not real_errors(watch.errors) and not watch.dialogs
