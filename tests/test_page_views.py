"""The tests find every page's views on the page itself (page_views), so a view added later is opened by them too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser.server import registered_pages
from conftest import APP
from page_views import every_view
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def shown():
    """Each registered page on the bundled data: the views found and opened, views inside views too (the data
    page's own tabs left aside)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    mp.setenv("GYDASH_TODAY", "2026-11-26")
    at = AppTest.from_file(APP, default_timeout=120).run()
    found = {}
    for page in registered_pages():
        at.switch_page(page.path).run()
        assert not at.exception, (page.path, [e.value for e in at.exception])
        found[page.path] = []
        for view in every_view(at):
            assert not at.exception, (page.path, view, [e.value for e in at.exception])
            found[page.path].append(view)
    mp.undo()
    return found


def _keys_in_source(page: str) -> set[str]:
    """The key of each tab set of a page's source (ui.views, or st.tabs of its own)."""
    source = (ROOT / page).read_text(encoding="utf-8")
    return set(re.findall(r'(?:ui\.views|st\.tabs)\([^\n]*key="(\w+)"', source))


def test_every_keyed_tab_set_of_every_page_is_found(shown):
    assert any(shown.values())
    for page, views in shown.items():
        assert {key for key, _ in views} == _keys_in_source(page) - {"data_tab"}, page


def test_views_inside_views_are_found_through_the_view_around_them(shown):
    """责任落实's city duties are tabs inside its 完成情况日历 view, drawn only when that view is open."""
    assert ("duty_view", "完成情况日历") in shown["pages/duties.py"]
    assert any(key == "duty_city_tab" for key, _ in shown["pages/duties.py"])


def test_the_views_found_are_the_tabs_after_the_first_in_order(shown):
    assert shown["pages/coverage.py"] == [
        ("coverage_view", "清零与待跟进"),
        ("coverage_view", "流动党员"),
        ("coverage_view", "与上一期相比"),
    ]
