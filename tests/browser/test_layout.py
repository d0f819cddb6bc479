"""Every registered page on a phone (390×844) and on a projector (1280×720, 季度汇报 in presenter mode), in real
Chromium on the sample data, on the phone each of its tabs opened as a user would: nothing in the main area runs past
the screen edge, no English UI word is shown (visible text, or the tooltip and label a hover or tap reveals), and a
screenshot of each page and tab under artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gydash.snapshots.sample import write_sample

from .conftest import slug
from .server import ROOT, Watch, exceptions_on, nav_links, open_every_tab, real_errors, registered_pages

SHOTS = ROOT / "artifacts"
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1280, "height": 720}
MEETING = "meeting"
MIN_SECTIONS = 7  # 季度汇报 on the sample data: targets, duties, ledger, commendations, scoreboard, changes, next
WIDE = {"width": 1920, "height": 1080}

# Words of Streamlit's and Vega's own controls; none of them may reach an official.
ENGLISH = re.compile(
    r"\b(Download|Show data|Show chart|Fullscreen|Full screen|Copy|Copied|Vega|Search|Running|Stop|Deploy|Rerun|"
    r"Settings|Clear cache|Print|Record|About|Close|Show/hide|Hide|Sort|Pin|Autosize|Expand|Collapse|"
    r"View (?:more|less)|Made with|Streamlit|Loading|Open|Choose|titled|scale|visualization)\b",
    re.IGNORECASE,
)

# Offenders: elements of the main area whose box runs past the window's right edge. An element inside a box that
# scrolls sideways inside a table is excepted; so is one the user cannot see (zero size, hidden).
OVERFLOW_JS = """() => {
  const limit = window.innerWidth + 1;
  const table = '[data-testid="stDataFrame"], [data-testid="stTable"], .gy-table';
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (/(auto|scroll|hidden)/.test(s.overflowX) && p.clientWidth < p.scrollWidth && p.closest(table)) return true;
      if (p.dataset.testid === 'stMain') return false; }
    return false; };
  const out = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right <= limit) continue;
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || s.display === 'none') continue;
    if (scrolls(el)) continue;
    const id = el.dataset.testid || el.getAttribute('class') || el.tagName;
    out.push(`${el.tagName.toLowerCase()} ${String(id).slice(0, 60)} right=${Math.round(r.right)}`);
  }
  return out.slice(0, 15);
}"""

# What a user can read or hear: the page's visible text without the names of Material icons (drawn as glyphs),
# plus every title (a hover shows it), aria-label (a screen reader says it) and placeholder on the page.
WORDS_JS = """() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest('[data-testid="stIconMaterial"], style, script, noscript')) continue;
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) continue;
    texts.push(n.textContent);
  }
  for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
    if (!el.checkVisibility({visibilityProperty: true}) && !el.closest('[data-testid="stSidebar"]')) continue;
    texts.push(...['title', 'aria-label', 'placeholder'].map(a => el.getAttribute(a)).filter(Boolean));
  }
  return texts.join('\\n');
}"""


@pytest.fixture(scope="module")
def served(app_server, tmp_path_factory) -> str:
    data = tmp_path_factory.mktemp("layout") / "data"
    write_sample(data)
    return app_server(data, name="layout")


@pytest.fixture(scope="module")
def hrefs(served, browser) -> list[tuple[str, str]]:
    """(page stem, URL) of every page app.py registers, as the sidebar links them."""
    page = browser.new_page()
    watch = Watch(page)
    page.goto(served)
    watch.settled()
    links = nav_links(page)
    page.close()
    specs = registered_pages()
    assert len(links) == len(specs)
    return [(Path(s.path).stem, href) for s, (_, href) in zip(specs, links, strict=True)]


def english_words(page) -> list[str]:
    return sorted({m.group(0) for m in ENGLISH.finditer(page.evaluate(WORDS_JS))})


def check(browser, href: str, viewport: dict, shot: Path) -> list[str]:
    """Open one page in a fresh session at that size; return what is wrong with it (empty when nothing)."""
    context = browser.new_context(viewport=viewport, locale="zh-CN", has_touch=viewport is PHONE)
    try:
        page = context.new_page()
        watch = Watch(page)
        page.goto(href)
        watch.settled()
        page.wait_for_timeout(500)
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=False)
        found = problems_in_sight(page)
        if viewport is not PHONE and MEETING in href:
            found += every_section(page, watch, shot)
        else:
            tall_shot(page, shot.with_name(shot.stem + "-full.png"))
        if viewport is PHONE:  # the narrow screen; what English a tab shows does not depend on the size
            found += every_view(page, watch, shot)
        return found + real_errors(watch.errors)
    finally:
        context.close()


def problems_in_sight(page, where: str = "") -> list[str]:
    """What runs past the screen edge and the English words, of the page as it is now."""
    found = [f"past the edge: {o}" for o in page.evaluate(OVERFLOW_JS)]
    found += [f"English: {w}" for w in english_words(page)]
    found += [f"exception: {e[:200]}" for e in exceptions_on(page)]
    return [f"{where}: {p}" if where else p for p in found]


def every_view(page, watch, shot: Path) -> list[str]:
    """Each tab of the page opened as a user would (views are drawn only when opened, a view may hold tabs of its
    own): each checked like the page, and a screenshot of each, whole, beside the page's."""
    found = []

    def after() -> None:
        opened = [t.inner_text() for t in page.get_by_role("tab").all() if t.get_attribute("aria-selected") == "true"]
        where = " / ".join(opened)
        found.extend(problems_in_sight(page, where))
        tall_shot(page, shot.with_name(f"{shot.stem}-{slug(where)}.png"))

    open_every_tab(page, watch, after)
    return found


def every_section(page, watch, shot: Path) -> list[str]:
    """Presenter mode, paged with the arrow key as a presenter does: each section fits the screen."""
    found, seen = [], []
    while True:
        heading = page.locator(".st-key-presenter h1").first.inner_text()
        if heading in seen:
            break  # the last section: → changes nothing
        seen.append(heading)
        page.screenshot(path=str(shot.with_name(f"{shot.stem}-{len(seen)}.png")))
        found += [f"{heading}: {p}" for p in presenter_problems(page) + english_words_of(page)]
        page.evaluate("document.activeElement?.blur()")
        if page.locator(".st-key-meeting_next button").is_disabled():
            break
        watch.run_and_wait(lambda: page.keyboard.press("ArrowRight"), settle_ms=1200)
    if len(seen) < MIN_SECTIONS:
        found.append(f"the arrow key paged through {len(seen)} sections only: {seen}")
    return found


def english_words_of(page) -> list[str]:
    return [f"English: {w}" for w in english_words(page)]


def presenter_problems(page) -> list[str]:
    """Presenter mode: the section fits the screen (nothing to scroll), the sidebar is out of the way, the chart
    text is at least 18 px."""
    found = []
    main = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return [m.scrollHeight, m.clientHeight]; }"
    )
    if main[0] > main[1] + 2:
        found.append(f"presenter mode scrolls: content {main[0]} px in a {main[1]} px screen")
    if page.locator('[data-testid="stSidebar"]').is_visible():
        found.append("presenter mode shows the sidebar")
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('.st-key-presenter svg text')]"
        ".map(t => parseFloat(getComputedStyle(t).fontSize)).filter(s => s > 0)"
    )
    charts = page.locator('.st-key-presenter [data-testid="stVegaLiteChart"]').count()
    if charts and not sizes:
        found.append("presenter mode: a chart without text")
    elif sizes and min(sizes) < 18:
        found.append(f"presenter mode: chart text of {min(sizes)} px")
    return found


def tall_shot(page, path: Path) -> None:
    """The whole page at the same width (Streamlit scrolls inside its own box, so grow the window)."""
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"] *')].map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": size["width"], "height": min(int(height) + 80, 9000)})
    page.wait_for_timeout(600)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def test_every_page_fits_a_phone_in_chinese(browser, hrefs):
    problems = {}
    for stem, href in hrefs:
        found = check(browser, href, PHONE, SHOTS / f"phone-{slug(stem)}.png")
        if found:
            problems[stem] = found
    assert not problems, problems


def test_presenter_mode_fits_a_1920_projector(browser, hrefs):
    href = next(h for stem, h in hrefs if stem == MEETING)
    assert not check(browser, href, WIDE, SHOTS / "projector-1920-meeting.png")


def test_every_page_fits_a_projector_in_chinese(browser, hrefs):
    problems = {}
    for stem, href in hrefs:
        found = check(browser, href, PROJECTOR, SHOTS / f"projector-{slug(stem)}.png")
        if found:
            problems[stem] = found
    assert not problems, problems


def test_a_link_to_no_page_says_so_in_chinese(browser, served):
    """An old or mistyped link (/overview, /no-such-page) opens the first page with Streamlit's notice, which
    gydash.js puts in Chinese."""
    page = browser.new_page(viewport=PHONE, locale="zh-CN")
    try:
        watch = Watch(page)
        page.goto(served.rstrip("/") + "/no-such-page")
        watch.settled()
        dialog = page.locator('[role="dialog"]')
        dialog.wait_for(timeout=30_000)
        page.wait_for_function("() => document.querySelector('[role=dialog]').innerText.includes('找不到该页面')")
        assert "链接中的页面不存在" in dialog.inner_text()
        assert not english_words(page)
    finally:
        page.close()


def test_a_date_fields_calendar_speaks_chinese(browser, hrefs):
    """数据管理 → 变化对比: the date field's calendar, opened and turned a month back, names its buttons and its
    heading in Chinese (gydash.js)."""
    page = browser.new_page(viewport=PHONE, locale="zh-CN", has_touch=True)
    try:
        watch = Watch(page)
        page.goto(next(h for stem, h in hrefs if stem == "data"))
        watch.settled()
        watch.run_and_wait(page.get_by_role("tab", name="变化对比").click)
        page.locator('[data-testid="stDateInputCalendarButton"]').first.click()
        page.locator('[data-testid="stDateInputCalendar"]').wait_for(timeout=30_000)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=stDateInputCalendar] [aria-label*=\"月\"]') !== null"
        )
        page.wait_for_timeout(300)  # gydash.js renames once per animation frame
        assert not english_words(page)
        page.locator('[data-testid="stDateInputCalendar"] [aria-label="上个月"]').first.click()  # its heading changes
        page.wait_for_timeout(300)
        assert not english_words(page)
    finally:
        page.close()
