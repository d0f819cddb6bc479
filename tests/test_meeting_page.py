"""The 季度汇报 page (AppTest on the bundled data) and the chart downloads every page offers."""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl
import pytest
from conftest import tables
from page_views import every_view
from streamlit.testing.v1 import AppTest

from gydash.meeting import render, sections
from gydash.snapshots import export

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
MEETING = "pages/meeting.py"
CHART_PAGES = ["pages/overview.py", "pages/duties.py", "pages/coverage.py", "pages/commendations.py"]
CHART_PAGES += ["pages/counties.py", MEETING]


@pytest.fixture
def bundled(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    monkeypatch.setenv("GYDASH_TODAY", "2026-01-15")  # 2025Q4 is the newest quarter that has ended
    return ROOT / "data"


def run(page: str = MEETING, **query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def headings(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith(("# ", "### "))]


def test_quarters_offered_are_the_ended_ones_newest_first(bundled) -> None:
    at = run()
    box = at.selectbox(key="quarter")
    assert box.value == "2025Q4"
    assert box.options[:2] == ["2025Q4（截至 2025-12-31）", "2025Q3（截至 2025-09-30）"]
    assert box.options[-1] == "2023Q1（截至 2023-03-31）"


def test_the_quarter_is_kept_in_the_url(bundled) -> None:
    at = run(quarter="2025Q2")
    assert at.selectbox(key="quarter").value == "2025Q2"
    at.selectbox(key="quarter").set_value("2025Q3").run()
    assert at.query_params["quarter"] == "2025Q3"
    assert run(quarter="2031Q1").selectbox(key="quarter").value == "2025Q4"  # unknown: the newest


def test_presenter_mode_one_section_per_screen_with_previous_and_next(bundled) -> None:
    at = run()
    built = sections.build(bundled, "2025Q4", "2024")
    assert headings(at) == ["# 1. 主要目标完成情况"]
    assert at.button(key="meeting_prev").disabled and not at.button(key="meeting_next").disabled
    # The talking points on screen are the pack's, word for word.
    points = "\n".join(f"- {p}" for p in built.sections[0].points)
    assert any(m.value == points for m in at.markdown)
    for number, section in enumerate(built.sections[1:], 2):
        at.button(key="meeting_next").click().run()
        assert headings(at) == [f"# {number}. {section.title}"]
    assert at.button(key="meeting_next").disabled
    at.button(key="meeting_prev").click().run()
    assert headings(at) == ["# 6. 较上季度变化（2025Q3 → 2025Q4）"]


@pytest.mark.cjk_font
def test_stamp_downloads_and_change_list(bundled) -> None:
    at = run()
    built = sections.build(bundled, "2025Q4", "2024")
    captions = "\n".join(c.value for c in at.caption)
    assert built.stamp.line() in captions and "只使用 2025-12-31 及以前的快照" in captions
    keys = [b.key for b in at.get("download_button")]
    assert {"meeting_pptx", "meeting_pdf", "dl_2025Q4_主要目标_png", "dl_2025Q4_主要目标_csv"} <= set(keys)
    # Presenter mode: the change list is on its own section only, not under every slide.
    assert not any("较上季度变化清单" in m.value for m in at.markdown)
    keys = [section.key for section in built.sections]
    for key in keys[1:]:
        at.button(key="meeting_next").click().run()
        assert any("较上季度变化清单" in m.value for m in at.markdown) == (key == "changes"), key
        if key == "changes":
            break
    changes = tables(at)[-1]  # the change list closes its section
    assert list(changes.columns) == ["类别", "事项", "上季度", "本季度", "依据"]
    assert len(changes) == built.changes.total
    assert "利州区" not in set(changes["事项"])  # nothing happened to 利州区 as a whole, only its orgs
    at.segmented_control(key="meeting_mode").set_value("全部内容").run()
    assert list(tables(at)[-1].columns) == ["类别", "事项", "上季度", "本季度", "依据"]  # at the end


def test_another_quarter_restarts_at_the_first_section(bundled) -> None:
    at = run()
    at.button(key="meeting_next").click().run()
    at.selectbox(key="quarter").set_value("2025Q3").run()
    assert not at.exception
    assert headings(at) == ["# 1. 主要目标完成情况"]
    captions = "\n".join(c.value for c in at.caption)
    assert "2025Q3 · 数据截至 2025-09-30" in captions
    text = "\n".join(m.value for m in at.markdown)
    # 2025Q3 was before the deadline: the figure (as revised on 2025-09-30) is compared with pace, not final.
    assert "全市高新技术企业 2025 年 9 月末 56 家，完成率 93.3%，落后序时进度 3.5 个百分点（约 2 家）" in text


def test_all_content_mode_lists_every_section(bundled) -> None:
    at = run()
    at.segmented_control(key="meeting_mode").set_value("全部内容").run()
    assert not at.exception
    built = sections.build(bundled, "2025Q4", "2024")
    assert headings(at) == [f"### {i}. {s.title}" for i, s in enumerate(built.sections, 1)]


def test_without_a_cjk_font_the_page_says_what_to_install(bundled, monkeypatch: pytest.MonkeyPatch) -> None:
    render.font.cache_clear()
    monkeypatch.setenv(render.FONT_ENV, "/nonexistent/font.ttc")
    try:
        at = run()
        assert any("fonts-noto-cjk" in e.value for e in at.error)
        keys = {b.key for b in at.get("download_button")}
        assert "meeting_pdf" not in keys and not any(k.endswith("_png") for k in keys)
    finally:
        monkeypatch.delenv(render.FONT_ENV)
        render.font.cache_clear()


def test_every_chart_goes_through_the_download_helper() -> None:
    for page in CHART_PAGES:
        source = (ROOT / page).read_text(encoding="utf-8")
        assert "st.altair_chart(" not in source, page
        assert "ui.chart(" in source, page


@pytest.mark.cjk_font
@pytest.mark.parametrize("page", CHART_PAGES, ids=lambda p: Path(p).stem)
def test_every_page_offers_png_and_csv_for_its_charts_and_csv_for_its_tables(bundled, page: str) -> None:
    at = run(page)
    charts = 0
    # The page as first shown, then each view of it as the official opens its tab (checked as each is shown).
    for _, view in itertools.chain([(None, None)], every_view(at)):
        assert not at.exception, (view, [e.value for e in at.exception])
        keys = [b.key for b in at.get("download_button")]
        png = [k for k in keys if k.startswith("dl_") and k.endswith("_png")]
        csv = [k for k in keys if k.startswith("dl_") and k.endswith("_csv")]
        assert all(k.removesuffix("_png") + "_csv" in csv for k in png), (view, keys)
        # Every table too: Streamlit's own table toolbar (English only) is hidden, the 下载 menu offers its CSV.
        assert len(csv) == len(png) + len(tables(at)), (view, keys)
        charts += len(png)
    assert charts, page


def test_csv_download_opens_in_excel_with_chinese() -> None:
    data = export.csv(pl.DataFrame({"县区": ["利州区"], "数值": [52]}))
    assert data.startswith("\ufeff".encode()) and data.decode("utf-8-sig").splitlines() == ["县区,数值", "利州区,52"]


def test_presenter_mode_keeps_the_menu_within_reach(bundled) -> None:
    """Presenter mode hides the sidebar: its control bar has a 菜单 with a link to every page of the menu."""
    from gydash import ui

    at = run()
    assert "菜单" in [p.proto.popover.label for p in at.get("popover")]
    links = [link.proto.label for link in at.get("page_link")]
    assert links == [title for _, items in ui.MENU for _, title, _ in items]
    assert len({link.proto.page_script_hash for link in at.get("page_link")}) == len(links)  # each to its own page
