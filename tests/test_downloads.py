"""Every download a page offers (chart CSVs, Excel lists, on-screen tables) is in Chinese with units, rounded as
shown, free of internal columns, and a CSV that Excel and WPS open as UTF-8."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from conftest import open_every_page

from gydash.meeting import sections
from gydash.plan import counties
from gydash.snapshots import export, store
from gydash.ui import plain_table

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "duties", "coverage", "commendations", "counties", "meeting", "data"]
DATA_TABS = ["变化对比", "导入模板"]
QUOTED_TEXT = ("说明", "原因")  # columns of explanations, which quote values as the user typed them
LONG_DECIMAL = re.compile(r"\d\.\d{3,}")  # 0.11538461538461542, 12.345: more decimals than any page shows


def assert_user_facing(frame: pl.DataFrame, where: str) -> None:
    for header in frame.columns:
        assert re.search("[\u4e00-\u9fff]", header) and not re.search("[A-Za-z_]", header), (where, header)
    for name, dtype in frame.schema.items():
        if dtype.is_float():
            values = frame[name].drop_nulls().to_list()
            assert all(abs(v * 100 - round(v * 100)) < 1e-6 for v in values), (where, name, values[:5])


def check_csv(data: bytes, where: str) -> pl.DataFrame:
    assert data.startswith("\ufeff".encode()), where  # the BOM: Excel/WPS read the text as UTF-8
    text = data.decode("utf-8-sig")
    frame = pl.read_csv(io.StringIO(text), infer_schema=False)
    # Figures are rounded as on screen; an explanation quotes a rejected value as typed (说明, 原因), which is text.
    figures = frame.drop([c for c in frame.columns if c in QUOTED_TEXT]).write_csv()
    assert not LONG_DECIMAL.search(figures), (where, LONG_DECIMAL.search(figures).group())
    assert_user_facing(frame, where)
    return frame


@pytest.fixture
def offered(monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """Every page of the app on the bundled data, recording what each download button and table hands over."""
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    monkeypatch.setenv("GYDASH_TODAY", "2026-11-26")
    got: dict[str, list] = {"download": [], "table": []}
    download = st.download_button

    def record_download(label, data=None, file_name=None, *args, **kwargs):
        got["download"].append((file_name, data))
        return download(label, data, file_name, *args, **kwargs)

    def record_plain(shown, *args, **kwargs):  # every table is drawn as plain HTML
        got["table"].append(shown)
        return render(shown, *args, **kwargs)

    render = plain_table.render
    monkeypatch.setattr(st, "download_button", record_download)
    monkeypatch.setattr(plain_table, "render", record_plain)
    open_every_page([f"pages/{page}.py" for page in PAGES], DATA_TABS, timeout=180)
    return got


def test_every_download_and_table_is_in_chinese_rounded_and_opens_in_excel(offered) -> None:
    names = [name for name, _ in offered["download"]]
    csvs = [(n, d) for n, d in offered["download"] if n.endswith(".csv")]
    sheets = [(n, d) for n, d in offered["download"] if n.endswith(".xlsx")]
    assert len(csvs) >= 15 and any(n.startswith("县区对比_") for n, _ in csvs), names
    assert any("待跟进组织名单" in n for n, _ in sheets) and any(n.startswith("变化清单") for n, _ in sheets), names
    for name, data in csvs:
        check_csv(data() if callable(data) else data, name)
    for name, data in sheets:
        raw = data() if callable(data) else data
        assert_user_facing(pl.read_excel(io.BytesIO(raw)), name)
    assert len(offered["table"]) >= 10
    for frame in offered["table"]:
        shown = frame if isinstance(frame, pl.DataFrame) else pl.DataFrame(frame)  # an Arrow table or pandas frame
        assert_user_facing(shown, str(shown.columns))


def test_county_comparison_csv_names_its_units_and_rounds_shares() -> None:
    data = store.load(ROOT / "data")
    frame = check_csv(export.csv(counties.compare(data, "tech_sme", 2025, 12), "家"), "县区对比")
    headers = ["县区", "数值（家）", "上年同期（家）", "县区目标（家）", "目标年度", "名次"]
    headers += ["同比（%）", "目标完成（%）"]
    assert frame.columns == headers
    lizhou = frame.row(by_predicate=pl.col("县区") == "利州区", named=True)
    assert (lizhou["数值（家）"], lizhou["同比（%）"]) == ("162", "14.9")  # 162 against 141: +14.893… %


def test_export_rounds_as_shown_and_leaves_out_internal_columns() -> None:
    raw = pl.DataFrame(
        {
            "area_code": ["510802"],
            "area": ["510802"],
            "tile_x": [1],
            "source_file": ["indicators/2025-12-31.parquet"],
            "value": [286.30000000000001],
            "yoy": [0.11538461538461542],
            "derived": [True],
            "金额（万元）": [0.1 + 0.2],
            "参与人数（人）": [12.0],
        }
    )
    out = export.table(raw, "亿元")
    assert out.columns == ["县区", "数值（亿元）", "同比（%）", "由县区数据相加", "金额（万元）", "参与人数（人）"]
    assert out.row(0) == ("利州区", 286.3, 11.5, "是", 0.3, 12)


def test_a_frame_with_mixed_units_keeps_a_unit_column() -> None:
    out = export.table(pl.DataFrame({"label": ["甲", "乙"], "actual": [3, 2], "unit": ["个", "名"]}))
    assert out.columns == ["类别", "完成", "单位"] and out["单位"].to_list() == ["个", "名"]


def test_every_meeting_pack_chart_exports_in_chinese() -> None:
    built = sections.build(ROOT / "data", date(2025, 12, 31), "2024")
    charts = [s.chart for s in built.sections if s.chart is not None]
    assert len(charts) >= 4
    for chart in charts:
        check_csv(export.csv(chart.data), chart.name)
