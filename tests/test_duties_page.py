"""The 责任落实 page runs on a small data dir made here, shows what is overdue, and lists the events behind a cell."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import tables
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "duties.py")


def _activities(root: Path) -> None:
    rows = [
        (date(2025, 4, 1), "朝天区", "policy_briefing", "朝天区科技创新综合党委", "2025年政策集中宣讲", None, "A1"),
        (date(2025, 5, 6), "利州区", "policy_briefing", "利州区科技创新综合党委", "利州第一场", None, "A2"),
        (date(2025, 9, 6), "利州区", "policy_briefing", "利州区科技创新综合党委", "利州第二场", None, "A3"),
        (date(2025, 1, 31), "广元市", "tech_service", "中共广元市科技创新综合委员会", "一月专场", 15, "A4"),
        (date(2025, 2, 1), "苍溪县", "tech_service", "苍溪县科技创新综合党委", "二月专场一", 12, "A5"),
        (date(2025, 2, 20), "旺苍县", "tech_service", "旺苍县科技创新综合党委", "二月专场二", 9, "A6"),
        (date(2025, 6, 1), "青川县", "science_popularization", "青川某企业党支部", "科普进企业", None, "A7"),
    ]
    names = ["date", "area", "kind", "organizer", "title", "enterprises_served", "id"]
    frame = pl.DataFrame(rows, schema=names, orient="row", schema_overrides={"enterprises_served": pl.Int64})
    (root / "activities").mkdir(parents=True)
    frame.write_parquet(root / "activities" / "2025-12-31.parquet")


def _loans(root: Path) -> None:
    frame = pl.DataFrame(
        {
            "date": [date(2025, 3, 3), date(2025, 8, 8)],
            "area": ["利州区", "剑阁县"],
            "enterprise": ["广元甲科技有限公司", "剑阁乙材料有限公司"],
            "amount_wan": [800.0, 850.0],
            "bank": ["四川银行广元分行", None],
            "id": ["L1", "L2"],
        }
    )
    (root / "loans").mkdir(parents=True)
    frame.write_parquet(root / "loans" / "2025-12-31.parquet")


@pytest.fixture
def page(tmp_path, monkeypatch) -> AppTest:
    root = tmp_path / "data"
    _activities(root)
    _loans(root)
    monkeypatch.setenv("GYDASH_DATA_DIR", str(root))
    monkeypatch.setenv("GYDASH_TODAY", "2026-02-10")
    return AppTest.from_file(PAGE, default_timeout=60)


def _calendar(page: AppTest) -> AppTest:
    """The page run with its calendar tab open, as when the official taps 完成情况日历."""
    page.session_state["duty_view"] = "完成情况日历"
    return page.run()


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_page_runs_and_shows_what_is_overdue(page):
    at = page.run()
    assert not at.exception
    text = _markdown(at)
    assert "朝天区 2025 年政策宣讲 1/2 次，未完成" in text
    assert "广元市 2025 年天府科创贷 1,650/2,000 万元，未完成" in text
    assert "广元市 2025 年 1 月科技服务专场 1/2 次，未完成" in text
    assert "利州区 2025 年政策宣讲" not in text  # two briefings: met
    assert at.title[0].value == "责任落实"


def test_the_page_opens_on_what_is_overdue_and_draws_the_calendar_when_asked(page):
    """A new viewer's browser draws no chart until the calendar is asked for: the list to act on comes first."""
    at = page.run()
    assert not at.exception
    assert "朝天区 2025 年政策宣讲 1/2 次，未完成" in _markdown(at)
    assert at.get("vega_lite_chart") == []
    at = _calendar(page)
    assert not at.exception
    assert len(at.get("vega_lite_chart")) >= 2  # the calendar and the city's monthly services
    assert "2026 年全市重点指标" in [h.value for h in at.subheader]


def test_a_cell_lists_the_events_it_counts(page):
    at = _calendar(page)
    at.selectbox(key="duty_year").set_value(2025).run()
    at.selectbox(key="duty_cell_area").set_value("朝天区").run()
    assert not at.exception
    assert at.selectbox(key="duty_cell_period").value == "2025"
    assert "朝天区 2025 年政策宣讲 1/2 次，未完成" in _markdown(at)
    table = tables(at)[0]
    assert list(table["名称"]) == ["2025年政策集中宣讲"]
    assert list(table["组织单位"]) == ["朝天区科技创新综合党委"]


def test_monthly_rule_cell_sums_enterprises(page):
    at = _calendar(page)
    at.selectbox(key="duty_rule").set_value("tech_service_enterprises").run()
    at.selectbox(key="duty_year").set_value(2025).run()
    at.selectbox(key="duty_cell_period").set_value("2025-02").run()
    assert not at.exception
    assert "广元市 2025 年 2 月科技服务专场服务企业 21/20 家，已完成" in _markdown(at)
    table = tables(at)[0]
    assert list(table["名称"]) == ["二月专场一", "二月专场二"]
    assert any("合计 21 家" in c.value for c in at.caption)


def test_loans_tab_lists_the_loans_once_opened(page):
    at = _calendar(page)
    at.selectbox(key="duty_year").set_value(2025).run()
    assert not at.exception
    assert not any("企业" in df.columns for df in tables(at))  # a closed tab is not computed nor drawn
    at.session_state["duty_city_tab"] = "天府科创贷"  # as when the official taps the tab
    at.run()
    assert "广元市 2025 年天府科创贷 1,650/2,000 万元，未完成" in _markdown(at)
    loans = next(df for df in tables(at) if "企业" in df.columns)
    assert list(loans["企业"]) == ["广元甲科技有限公司", "剑阁乙材料有限公司"]
    assert list(loans["累计（万元）"]) == ["800", "1,650"]


def test_page_runs_with_an_empty_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GYDASH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GYDASH_TODAY", "2024-05-01")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert "广元市 2024 年 4 月科技服务专场 0/2 次，待报送" in _markdown(at)  # nothing reported yet


def test_page_runs_on_the_bundled_sample(monkeypatch):
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    monkeypatch.setenv("GYDASH_TODAY", "2026-11-26")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    text = _markdown(at)
    for line in ("朝天区 2025 年政策宣讲 1/2 次，未完成", "剑阁县 2024 年工作推进会 0/1 次，未完成"):
        assert line in text


def _this_year_and_earlier(at: AppTest) -> tuple[str, dict[str, str]]:
    """The page's markdown outside the expanders, and each expander's label → its markdown."""
    folded = {e.label: "\n".join(m.value for m in e.markdown) for e in at.expander}
    inside = {m.value for e in at.expander for m in e.markdown}
    return "\n".join(m.value for m in at.markdown if m.value not in inside), folded


@pytest.fixture
def this_year(tmp_path, monkeypatch) -> AppTest:
    """Activities reported to 2026-03-31: one 2025 briefing in 朝天区, one January 2026 tech service."""
    root = tmp_path / "data"
    rows = [
        (date(2025, 4, 1), "朝天区", "policy_briefing", "朝天区科技创新综合党委", "宣讲", None, "A1"),
        (date(2026, 1, 9), "广元市", "tech_service", "中共广元市科技创新综合委员会", "一月专场", 21, "A2"),
    ]
    names = ["date", "area", "kind", "organizer", "title", "enterprises_served", "id"]
    frame = pl.DataFrame(rows, schema=names, orient="row", schema_overrides={"enterprises_served": pl.Int64})
    (root / "activities").mkdir(parents=True)
    frame.write_parquet(root / "activities" / "2026-03-31.parquet")
    monkeypatch.setenv("GYDASH_DATA_DIR", str(root))
    monkeypatch.setenv("GYDASH_TODAY", "2026-05-10")
    return AppTest.from_file(PAGE, default_timeout=60)


def test_overdue_list_shows_this_year_first_and_folds_earlier_years(this_year):
    at = this_year.run()
    assert not at.exception
    shown, folded = _this_year_and_earlier(at)
    assert "2026 年未完成" in shown
    assert "✗ 广元市 2026 年 1 月科技服务专场 1/2 次，未完成" in shown
    assert "2025 年" not in shown.split("待报送")[0]  # no earlier year above the fold
    # 7 briefings, 8 meetings, the report, science, 9 months (from April, the first event) of both monthly rules;
    # the loans, with no loans file at all, await data.
    assert list(folded) == ["2025 年未完成 35 项"]
    assert "朝天区 2025 年政策宣讲 1/2 次，未完成" in folded["2025 年未完成 35 项"]
    # April has ended, the data stop at 03-31: awaiting, listed apart and never as 未完成.
    assert "◇ 广元市 2026 年 4 月科技服务专场 0/2 次，待报送" in shown
    assert "2026 年 4 月科技服务专场 0/2 次，未完成" not in shown + "".join(folded.values())


def test_overdue_list_with_area_shows_that_countys_only(this_year):
    this_year.query_params["area"] = "朝天区"
    at = this_year.run()
    assert not at.exception
    shown, folded = _this_year_and_earlier(at)
    assert "✓ 2026 年目前没有逾期未完成的责任。" in [s.value for s in at.success]
    assert list(folded) == ["2025 年未完成 2 项"]  # its briefing and its meeting
    assert "朝天区 2025 年政策宣讲 1/2 次，未完成" in folded["2025 年未完成 2 项"]
    listed = [line for line in (shown + "\n" + folded["2025 年未完成 2 项"]).splitlines() if line.startswith("- ")]
    assert len(listed) == 2 and all("朝天区" in line for line in listed)
