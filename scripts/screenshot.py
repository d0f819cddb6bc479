"""Screenshot pages of a running gydash in headless Chromium: uv run python scripts/screenshot.py URL OUT.png."""

from __future__ import annotations

import argparse
import shutil

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def wait_until_rendered(page, timeout_ms: int = 30000) -> None:
    """Streamlit draws over a websocket: wait for the app view, then for the 'running' indicator to go."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')"
        ' && document.querySelectorAll(\'[data-testid="stMarkdown"], [data-testid="stHeading"]\').length > 0',
        timeout=timeout_ms,
    )
    page.wait_for_timeout(1500)  # charts draw after the script finishes


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("out")
    p.add_argument("--width", type=int, default=1366)
    p.add_argument("--height", type=int, default=768)
    p.add_argument("--full", action="store_true", help="whole page, not just the first screen")
    args = p.parse_args()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        page.goto(args.url)
        wait_until_rendered(page)
        if args.full:
            # Streamlit scrolls inside its own container, so grow the viewport to the content's height.
            height = page.evaluate(
                "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"] *')]"
                ".map(e => e.scrollHeight))"
            )
            page.set_viewport_size({"width": args.width, "height": min(int(height) + 100, 12000)})
            page.wait_for_timeout(1500)
        page.screenshot(path=args.out)
        browser.close()


if __name__ == "__main__":
    main()
