"""Eight browser sessions at once against one server while a new snapshot lands: no errors anywhere, and after
their reruns every session shows the same numbers (the new ones)."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gydash.snapshots.sample import write_sample

from .server import Watch, bench_module, exceptions_on, nav_links, press_rerun, real_errors, registered_pages

SESSIONS = 8
ON_OVERVIEW = 4  # the other four spread over the other pages, so different computations run side by side
TIMEOUT_MS = 180_000  # eight sessions share two cores


@pytest.fixture(scope="module")
def served(app_server, tmp_path_factory) -> tuple[str, Path]:
    data = tmp_path_factory.mktemp("concurrency") / "data"
    write_sample(data)
    return app_server(data, name="concurrency"), data


def drop(data: Path) -> None:
    path = data / "indicators" / "2026-11-22_并发测试.parquet"
    part = path.with_name(path.name + ".part")
    row = {"indicator": ["tech_sme"], "area": ["广元市"], "year": [2025], "month": [12], "value": [888.0]}
    pq.write_table(pa.table(row), part)
    os.replace(part, path)


def test_eight_sessions_while_a_file_arrives(served, browser):
    url, data = served
    first = browser.new_page()
    watch = Watch(first)
    first.goto(url)
    watch.settled()
    hrefs = [href for _, href in nav_links(first)]
    first.close()
    assert len(hrefs) == len(registered_pages())
    others = hrefs[1:] or hrefs
    targets = [hrefs[0]] * ON_OVERVIEW + [others[i % len(others)] for i in range(SESSIONS - ON_OVERVIEW)]

    contexts = [browser.new_context(viewport={"width": 1366, "height": 900}) for _ in range(SESSIONS)]
    try:
        pages = [c.new_page() for c in contexts]
        watches = [Watch(p) for p in pages]
        for page, href in zip(pages, targets, strict=True):
            page.goto(href)  # returns once the HTML is in; the eight scripts then run side by side
        for watch in watches:
            watch.settled(TIMEOUT_MS)

        # Half the sessions rerun, the file lands while they run, the other half rerun.
        for watch in watches:
            watch.arm()
        for page in pages[::2]:
            press_rerun(page)
        drop(data)
        for page in pages[1::2]:
            press_rerun(page)
        for page, watch in zip(pages, watches, strict=True):
            watch.wait_for_rerun(TIMEOUT_MS, retry=lambda page=page: press_rerun(page))

        # Every session reruns once more, all at once; by now the file is in for everyone.
        for watch in watches:
            watch.arm()
        for page in pages:
            press_rerun(page)
        for page, watch in zip(pages, watches, strict=True):
            watch.wait_for_rerun(TIMEOUT_MS, retry=lambda page=page: press_rerun(page))

        problems = {
            f"session {i} ({targets[i]})": exceptions_on(p) + real_errors(w.errors) + w.dialogs
            for i, (p, w) in enumerate(zip(pages, watches, strict=True))
        }
        assert not any(problems.values()), problems

        sidebars = {p.locator('[data-testid="stSidebar"]').inner_text() for p in pages}
        assert len(sidebars) == 1, sidebars  # the same 数据截至 date and the same warnings everywhere
        assert "2026-11-22" in sidebars.pop()
        overviews = {p.locator('[data-testid="stMain"]').inner_text() for p in pages[:ON_OVERVIEW]}
        assert len(overviews) == 1, "the overview sessions disagree"
        assert "888 家" in overviews.pop()
    finally:
        for c in contexts:
            c.close()


def test_a_bare_websocket_viewer_gets_the_page_it_asks_for(served):
    """What the benchmark's app-server figures rest on (benchmarks/bench.py app_session): a WebSocket session
    without a browser runs the very page a browser asks for by its URL name, and many at once are all served."""
    bench = bench_module()
    url, _ = served
    pages = registered_pages()
    for i, page in enumerate(pages):
        name = "" if i == 0 else Path(page.path).stem  # the first page is the default, at the site's root
        got = bench.app_session(url, name, look_for=page.title)
        assert got["found"] and got["messages"] > 10, (page.path, got)
        # the overview's own heading comes with the overview only: each session ran its page, not the default
        assert bench.app_session(url, name, look_for="逐项详情")["found"] == (i == 0), page.path
    crowd = bench.app_crowd(url, 4)
    assert crowd["served"] == 4 and crowd["all_served_s"] is not None
