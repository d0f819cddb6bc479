"""Browser fixtures: Debian's Chromium through Playwright, and the real app served by `streamlit run` on a free
localhost port against a data dir made by the test. Without Chromium every browser test is skipped, saying how
to install it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .server import ARTIFACTS, serve

TODAY = "2026-11-26"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: runs the real app in headless Chromium (skipped without Chromium)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def app_server(browser) -> Iterator[Callable[..., str]]:
    """start(data_dir, today=TODAY) → URL of `streamlit run app.py` on that dir; every server ends with the module.

    Asking for the browser first means a machine without Chromium skips before any server starts."""
    with _Servers() as servers:
        yield servers.start


class _Servers:
    def __init__(self):
        self._stack: list = []

    def __enter__(self):
        return self

    def start(self, data_dir: Path, today: str = TODAY, name: str = "server") -> str:
        cm = serve(data_dir, today, log=ARTIFACTS / f"{name}.log")
        url = cm.__enter__()
        self._stack.append(cm)
        return url

    def __exit__(self, *exc):
        while self._stack:
            self._stack.pop().__exit__(None, None, None)


@pytest.fixture
def new_page(browser) -> Iterator[Callable[..., object]]:
    """new_page(width=1366, height=900) → a page in its own browser context; all closed after the test."""
    contexts = []

    def make(width: int = 1366, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def slug(text: str) -> str:
    return re.sub(r"[^\w-]+", "_", text).strip("_") or "page"
