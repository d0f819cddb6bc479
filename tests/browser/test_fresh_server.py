"""A freshly started server whose first two visitors open different pages at the same moment: both pages run
to the end with no exception box (the libraries pages import on first use are complete before any page runs)."""

from __future__ import annotations

from gydash.snapshots.sample import write_sample

from .server import Watch, exceptions_on, real_errors

TIMEOUT_MS = 180_000  # the first run on a fresh server imports everything, on a shared machine
# The overview draws Altair charts from polars frames; 责任落实 hands polars frames to pandas for its charts: the two
# first runs import the same libraries by different routes.
FIRST_PAGES = ("", "duties")


def test_two_first_visitors_open_different_pages_at_once(app_server, browser, tmp_path):
    data = tmp_path / "data"
    write_sample(data)
    url = app_server(data, name="fresh")  # started for this test alone: nothing imported by a page yet
    contexts = [browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN") for _ in FIRST_PAGES]
    try:
        pages = [c.new_page() for c in contexts]
        watches = [Watch(p) for p in pages]
        for page, path in zip(pages, FIRST_PAGES, strict=True):
            page.goto(f"{url}/{path}", wait_until="commit")  # both requests out before either page has loaded
        for watch in watches:
            watch.settled(TIMEOUT_MS)
        problems = {
            path or "overview": exceptions_on(p) + real_errors(w.errors) + w.dialogs
            for path, p, w in zip(FIRST_PAGES, pages, watches, strict=True)
        }
        assert not any(problems.values()), problems
        main = [p.locator('[data-testid="stMain"]').inner_text() for p in pages]
        assert "项目标" in main[0] and "责任落实" in main[1]
    finally:
        for c in contexts:
            c.close()
