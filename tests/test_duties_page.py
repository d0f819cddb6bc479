"""The 责任落实 page runs on a small data dir made here, shows what is overdue, and lists the events behind a cell."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
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


def test_a_cell_lists_the_events_it_counts(page):
    at = page.run()
    at.selectbox(key="duty_year").set_value(2025).run()
    at.selectbox(key="duty_cell_area").set_value("朝天区").run()
    assert not at.exception
    assert at.selectbox(key="duty_cell_period").value == "2025"
    assert "朝天区 2025 年政策宣讲 1/2 次，未完成" in _markdown(at)
    table = at.dataframe[0].value
    assert list(table["名称"]) == ["2025年政策集中宣讲"]
    assert list(table["组织单位"]) == ["朝天区科技创新综合党委"]


def test_monthly_rule_cell_sums_enterprises(page):
    at = page.run()
    at.selectbox(key="duty_rule").set_value("tech_service_enterprises").run()
    at.selectbox(key="duty_year").set_value(2025).run()
    at.selectbox(key="duty_cell_period").set_value("2025-02").run()
    assert not at.exception
    assert "广元市 2025 年 2 月科技服务专场服务企业 21/20 家，已完成" in _markdown(at)
    table = at.dataframe[0].value
    assert list(table["名称"]) == ["二月专场一", "二月专场二"]
    assert any("合计 21 家" in c.value for c in at.caption)


def test_loans_tab_lists_the_loans(page):
    at = page.run()
    at.selectbox(key="duty_year").set_value(2025).run()
    assert not at.exception
    assert "广元市 2025 年天府科创贷 1,650/2,000 万元，未完成" in _markdown(at)
    loans = next(df.value for df in at.dataframe if "企业" in df.value.columns)
    assert list(loans["企业"]) == ["广元甲科技有限公司", "剑阁乙材料有限公司"]
    assert list(loans["累计（万元）"]) == [800, 1650]


def test_page_runs_with_an_empty_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GYDASH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GYDASH_TODAY", "2024-05-01")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert "广元市 2024 年 4 月科技服务专场 0/2 次，未完成" in _markdown(at)


def test_page_runs_on_the_bundled_sample(monkeypatch):
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    monkeypatch.setenv("GYDASH_TODAY", "2026-11-26")
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    text = _markdown(at)
    for line in ("朝天区 2025 年政策宣讲 1/2 次，未完成", "剑阁县 2024 年工作推进会 0/1 次，未完成"):
        assert line in text
