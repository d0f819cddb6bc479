"""Hostile strings in every free-text field staff fill in (organisation names, titles, sources, plan names, even
file names) show as plain text on every page: no element injected, no dialog, nothing half-rendered as markdown,
and the layout holds with a 10 000-character name."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gydash.snapshots import resolve, store
from gydash.snapshots.sample import write_sample

from .conftest import slug
from .server import (
    ARTIFACTS,
    Watch,
    exceptions_on,
    full_page_screenshot,
    horizontal_overflow,
    nav_links,
    open_every_tab,
    real_errors,
    registered_pages,
)

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
LINK = "[点我](javascript:alert(1))"
LONG = "超长" + "W" * 9998  # 10 000 characters without a single break opportunity in the Latin part
HOSTILE = (IMG, SCRIPT, LINK, LONG)
# Pieces that may only ever appear as part of a whole hostile string: seeing one alone means the page rendered
# the string as HTML or markdown (the link text 点我 without its brackets, alert(1) without its tags …).
FRAGMENTS = ("onerror", "alert(1)", "点我", "javascript:")
LINK_FILE = f"indicators/2026-11-07_{LINK}.parquet"
IMG_FILE = f"activities/2026-11-06_{IMG}.parquet"
MAX_OVERFLOW_PX = 40


def _write(path: Path, rows: dict | pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(rows if isinstance(rows, pa.Table) else pa.table(rows), path)


def hostile_data(data: Path) -> None:
    """The sample data, then later snapshots carrying the hostile strings in every free-text field."""
    write_sample(data)
    current = resolve.indicator_values(store.load(data))
    city = current.filter((pl.col("area") == "510800") & (pl.col("year") == 2025) & (pl.col("month") == 12))
    n = city.height
    _write(
        data / "indicators/2026-11-01_来源.parquet",
        {
            "indicator": city["indicator"].to_list(),
            "area": ["广元市"] * n,
            "year": [2025] * n,
            "month": [12] * n,
            "value": city["value"].to_list(),  # same figures, only the source changes
            "source": [HOSTILE[i % len(HOSTILE)] for i in range(n)],
        },
    )
    k = len(HOSTILE)
    _write(
        data / "activities/2026-11-02_活动.parquet",
        {
            "date": ["2026-10-12"] * k,
            "area": ["利州区"] * k,
            "kind": ["tech_service", "policy_briefing", "science_popularization", "party_training"],
            "organizer": list(HOSTILE),
            "title": list(reversed(HOSTILE)),
            "enterprises_served": [5, None, None, None],
            "participants": [10] * k,
        },
    )
    _write(
        data / "loans/2026-11-03_贷款.parquet",
        {
            "date": ["2026-10-15"] * k,
            "area": ["旺苍县"] * k,
            "enterprise": list(HOSTILE),
            "amount_wan": [100.0] * k,
            "bank": list(reversed(HOSTILE)),
        },
    )
    _write(
        data / "commendations/2026-11-04_表扬.parquet",
        {
            "year": [2026] * k,
            "category": ["leading_org_commended", "model_case", "outstanding_worker", "demo_site"],
            "name": list(HOSTILE),
            "organization": list(reversed(HOSTILE)),
            "area": ["剑阁县"] * k,
            "date": ["2026-10-20"] * k,
        },
    )
    # The coverage ledger: 利州区's newest file again, plus four uncovered organisations with hostile names.
    ledger = store.load(data).frames["coverage"].filter(pl.col("area") == "510802")
    last = ledger.filter(pl.col("_order") == ledger["_order"].max())
    rows = last.select(
        "round", "updated_on", pl.lit("利州区").alias("area"), "org_name", "credit_code", "org_type", "employees",
        "party_members", "org_coverage", "work_coverage", "mobile_members", "mobile_members_placed",
    )  # fmt: skip
    extra = pl.DataFrame(
        {
            "round": [rows["round"][0]] * k,
            "updated_on": [rows["updated_on"][0]] * k,
            "area": ["利州区"] * k,
            "org_name": list(HOSTILE),
            "org_type": list(reversed(HOSTILE)),
            "party_members": [3] * k,
            "org_coverage": ["none"] * k,
            "work_coverage": [False] * k,
        }
    )
    _write(
        data / "coverage/2026-11-05_利州区_更正.parquet", pl.concat([rows, extra], how="diagonal_relaxed").to_arrow()
    )
    # Hostile file names: one accepted, one rejected (its reason quotes a hostile value too).
    _write(data / IMG_FILE, {"date": ["2026-10-18"], "area": ["苍溪县"], "kind": ["other"], "title": ["普通活动"]})
    _write(data / LINK_FILE, {"indicator": [SCRIPT], "area": ["广元市"], "year": [2026], "value": [1.0]})
    _write(
        data / "targets/2026-11-08_方案.parquet",
        {"plan": [LINK], "indicator": ["tech_sme"], "area": ["广元市"], "year": [2027], "target": [700.0]},
    )


# Where a hostile string must be readable as typed (the text is in the page, not in a data grid's canvas).
EXPECTED = {
    "pages/overview.py": (IMG, SCRIPT, LINK),  # the provenance caption names each figure's source
    "pages/coverage.py": (IMG, SCRIPT, LINK),  # uncovered organisations are listed by name
    "pages/data.py": (LINK_FILE,),  # a rejected file is named
}
# Pages that render a hostile string as markdown today (reported; not ours to fix). Safety is still asserted on
# them; only the "as typed" check is expected to fail, and the test fails once it passes, so the entry is removed.
KNOWN_BROKEN: dict[str, str] = {}  # pages that still render a hostile string as markup, with the symptom


@pytest.fixture(scope="module")
def hostile(app_server, tmp_path_factory) -> str:
    data = tmp_path_factory.mktemp("hostile") / "data"
    hostile_data(data)
    return app_server(data, name="hostile")


@pytest.fixture(scope="module")
def links(hostile, browser) -> dict[str, str]:
    """Page file → its URL, from the sidebar of the running app."""
    page = browser.new_page()
    try:
        watch = Watch(page)
        page.goto(hostile)
        watch.settled()
        hrefs = [href for _, href in nav_links(page)]
    finally:
        page.close()
    return {spec.path: href for spec, href in zip(registered_pages(), hrefs, strict=True)}


def injected(page) -> list[str]:
    """Elements that only exist if a hostile string was taken for HTML or for a link."""
    return page.evaluate(
        """() => {
            const out = [];
            for (const e of document.querySelectorAll('[onerror], img[src="x"]')) out.push(e.outerHTML.slice(0, 120));
            for (const s of document.querySelectorAll('script'))
                if (s.textContent.includes('alert(1)')) out.push('script: ' + s.textContent.slice(0, 80));
            for (const a of document.querySelectorAll('a[href]')) {
                const href = a.getAttribute('href').trim().toLowerCase();
                if (href.startsWith('javascript:')) out.push(a.outerHTML.slice(0, 120));
            }
            return out;
        }"""
    )


def mangled(text: str) -> list[str]:
    """Fragments left once every whole hostile string (and the file names) is taken out of the page's text."""
    for whole in sorted((*HOSTILE, LINK_FILE, IMG_FILE), key=len, reverse=True):
        text = text.replace(whole, "")
    return [f for f in FRAGMENTS if f in text]


def page_params() -> list:
    return [pytest.param(spec.path, id=Path(spec.path).stem) for spec in registered_pages()]


@pytest.mark.parametrize("path", page_params())
def test_hostile_strings_show_as_plain_text(hostile, links, new_page, path):
    page = new_page()
    watch = Watch(page)
    page.goto(links[path])
    watch.settled()
    page.wait_for_timeout(500)  # an injected <img onerror> would have fired by now
    full_page_screenshot(page, ARTIFACTS / f"hostile-{slug(Path(path).stem)}.png")
    text = page.locator('[data-testid="stMain"]').inner_text() + page.locator('[data-testid="stSidebar"]').inner_text()

    # Tabs draw only the open one (the overview's targets, each page's views, the data tabs): each is opened.
    def read_tab() -> None:
        nonlocal text
        text += page.locator('[data-testid="stMain"]').inner_text()
        assert injected(page) == [] and exceptions_on(page) == []

    open_every_tab(page, watch, read_tab)

    # Safety and robustness hold on every page, known markdown problems or not.
    assert watch.dialogs == [], "a dialog fired"
    assert injected(page) == []
    assert horizontal_overflow(page) <= MAX_OVERFLOW_PX, "the page is wider than the window"
    assert exceptions_on(page) == []
    assert real_errors(watch.errors) == []
    # Shown as typed: nothing half-rendered as markup, and the strings this page is known to show are there.
    problems = mangled(text) + [w for w in EXPECTED.get(path, ()) if w not in text]
    if path in KNOWN_BROKEN:
        if problems:
            pytest.xfail(KNOWN_BROKEN[path])
        pytest.fail(f"{path} now shows hostile strings as typed: take it out of KNOWN_BROKEN")
    assert problems == [], "a hostile string was rendered as markup, not shown as typed"
