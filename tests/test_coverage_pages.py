"""AppTests of 两个覆盖台账 and 表扬推荐 against small data dirs made here, and the Excel download read back."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import choice, tables
from streamlit.testing.v1 import AppTest

from gydash.base import palette
from gydash.plan import ledger_orgs
from gydash.snapshots import store

ROOT = Path(__file__).resolve().parent.parent
COVERAGE = str(ROOT / "pages" / "coverage.py")
COMMENDATIONS = str(ROOT / "pages" / "commendations.py")
TODAY = "2025-11-26"


def put(root: Path, dataset: str, name: str, rows: list[dict]) -> None:
    path = root / dataset / name
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def org(name: str, rnd: str, updated_on: str, area: str, covered: bool = True, members: int = 3) -> dict:
    return {
        "round": rnd,
        "updated_on": date.fromisoformat(updated_on),
        "area": area,
        "org_name": name,
        "party_members": members,
        "org_coverage": "single" if covered else "none",
        "work_coverage": covered,
        "mobile_members": 2,
        "mobile_members_placed": 1,
    }


@pytest.fixture
def data_root(tmp_path, monkeypatch) -> Path:
    """2025-03 and 2025-10 for 利州区 and 旺苍县 (旺苍县 12 days late in October, one firm still uncovered);
    commendations for 2024 and 2025 in 利州区 only."""
    root = tmp_path / "data"
    put(
        root, "coverage", "2025-03-10_利州区.parquet", [org("甲公司", "2025-03", "2025-03-10", "利州区", covered=False)]
    )
    put(root, "coverage", "2025-10-10_利州区.parquet", [org("甲公司", "2025-10", "2025-10-10", "利州区")])
    put(root, "coverage", "2025-03-11_旺苍县.parquet", [org("乙公司", "2025-03", "2025-03-11", "旺苍县")])
    put(
        root,
        "coverage",
        "2025-11-12_旺苍县.parquet",
        [org("乙公司", "2025-10", "2025-11-12", "旺苍县"), org("丙公司", "2025-10", "2025-11-12", "旺苍县", False, 4)],
    )
    rows = [
        {"year": 2024, "category": "leading_org_commended", "name": f"组织{i}", "area": "利州区"} for i in range(2)
    ] + [{"year": 2025, "category": "outstanding_member", "name": f"党员{i}", "area": "利州区"} for i in range(20)]
    put(root, "commendations", "2025-12-01.parquet", rows)
    monkeypatch.setenv("GYDASH_DATA_DIR", str(root))
    monkeypatch.setenv("GYDASH_TODAY", TODAY)
    return root


def run(path: str) -> AppTest:
    at = AppTest.from_file(path, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table(at: AppTest, column: str):
    """The table showing `column`."""
    found = [d for d in tables(at) if column in d.columns]
    assert len(found) == 1, column
    return found[0]


def text(at: AppTest) -> str:
    parts = [e.value for kind in (at.markdown, at.caption, at.warning, at.info, at.success) for e in kind]
    return "\n".join(str(p) for p in parts)


def test_coverage_page_answers_who_is_late_and_what_is_uncovered(data_root):
    at = run(COVERAGE)
    assert choice(at, "round").value == "2025-10"
    page = text(at)
    assert "旺苍县（逾期 12 天" in page
    assert "丙公司" in page and "未报送" in page  # five counties sent nothing for 2025-10
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["已报送县区"] == "2 / 7 个"
    assert metrics["逾期报送"] == "1 个县区"
    changes = text(open_view(at, "与上一期相比", "coverage_view"))
    assert "新实现覆盖 **1 个**" in changes  # 甲公司
    assert "新纳入台账 **1 个**" in changes  # 丙公司
    follow = table(open_view(at, "清零与待跟进", "coverage_view"), "跟进原因")
    assert list(follow["组织名称"]) == ["丙公司"]
    assert list(follow["跟进原因"]) == ["未覆盖、应建未建"]


def test_coverage_page_switches_round(data_root):
    at = run(COVERAGE)
    choice(at, "round").set_value("2025-03").run()
    assert not at.exception
    assert list(table(open_view(at, "清零与待跟进", "coverage_view"), "跟进原因")["组织名称"]) == ["甲公司"]
    assert {m.label: m.value for m in at.metric}["逾期报送"] == "0 个县区"


def test_coverage_download_opens_back_with_chinese_headers(data_root, monkeypatch):
    import streamlit as st

    offered: dict[str, object] = {}
    original = st.download_button

    def record(label, data=None, *args, **kwargs):
        offered[kwargs.get("key") or label] = data
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", record)
    at = open_view(run(COVERAGE), "清零与待跟进", "coverage_view")
    button = next(b for b in at.get("download_button") if b.key == "follow_up_xlsx")  # charts have downloads too
    assert button.proto.deferred_file_id  # the file is made when clicked, not on every run of the page
    data = offered["follow_up_xlsx"]
    content = data() if callable(data) else data  # made when clicked
    back = pl.read_excel(io.BytesIO(content))
    assert back.columns == list(ledger_orgs.FOLLOW_UP_HEADERS.values())
    first = back.row(0, named=True)
    assert (first["县区"], first["组织名称"], first["党员人数（人）"], first["自何期起"]) == (
        "旺苍县",
        "丙公司",
        4,
        "2025-10",
    )
    expected = ledger_orgs.follow_up_sheet(store.load(data_root), date.fromisoformat(TODAY))
    assert back.height == expected.height


def quota_charts(at: AppTest) -> list[tuple[dict[str, str], list[dict]]]:
    """Each quota chart on the page: its status word → bar colour, and the rows it draws."""
    out = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        bars = next((layer for layer in spec.get("layer", []) if layer["mark"].get("type") == "bar"), None)
        if bars is None or "scale" not in bars["encoding"].get("color", {}):
            continue
        scale = bars["encoding"]["color"]["scale"]
        rows = [r for d in chart.proto.datasets for r in pa.ipc.open_stream(d.data.data).read_all().to_pylist()]
        out.append((dict(zip(scale["domain"], scale["range"], strict=True)), rows))
    return out


def every_year(at: AppTest) -> list[tuple[dict[str, str], list[dict]]]:
    """The quota charts of every year's tab, opened one after another (only the open tab is drawn)."""
    charts = quota_charts(at)
    assert len(charts) == 1  # the newest year's, open first
    years = [tab.label for tab in at.tabs if tab.label.endswith(" 年")]
    for label in years[1:]:
        at.session_state["quota_year"] = label
        at.run()
        charts += quota_charts(at)
    at.session_state["quota_year"] = years[0]
    at.run()
    return charts


def open_view(at: AppTest, view: str, key: str = "commendation_view") -> AppTest:
    """The page with one of its views open, as when the official taps its tab."""
    at.session_state[key] = view
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_commendations_page_shows_quota_bars_names_and_spread(data_root):
    at = run(COMMENDATIONS)
    # The year tabs sit inside the first view.
    assert [c.label for c in at.tabs] == ["完成情况", "2025 年", "2024 年", "名单", "各县区历年"]
    assert len(at.get("vega_lite_chart")) == 1  # the quotas of the newest year: the other views wait to be opened
    charts = every_year(at)
    words = [r["words"] for _, rows in charts for r in rows]
    assert "2/3 个 ✗ 未完成" in words  # 2024 表扬引领型党组织
    assert "20/20 名 ✓ 达标" in words  # 2025 优秀党务工作者、优秀共产党员
    open_view(at, "名单")
    assert choice(at, "year").value == 2025
    assert len(table(at, "名称/姓名")) == 20
    choice(at, "year").set_value(2024).run()
    assert not at.exception
    assert list(table(at, "名称/姓名")["名称/姓名"]) == ["组织0", "组织1"]
    open_view(at, "各县区历年")
    assert "从未获得表扬推荐的县区：昭化区、朝天区、旺苍县、青川县、剑阁县、苍溪县" in text(at)


def test_a_met_quota_is_drawn_in_the_met_colour_and_red_only_means_unmet(data_root):
    at = run(COMMENDATIONS)
    charts = every_year(at)
    assert len(charts) == 2
    colours = {}
    for scale, rows in charts:
        for r in rows:
            colours.setdefault(r["status"], set()).add(scale[r["state"]])
    assert colours["met"] == {palette.QUOTA["met"].ink}
    assert colours["unmet"] == {palette.QUOTA["unmet"].ink}
    red = palette.TONES["failed"].ink
    assert all(red not in found for status, found in colours.items() if status != "unmet")


@pytest.mark.parametrize("page", [COVERAGE, COMMENDATIONS], ids=["coverage", "commendations"])
def test_pages_explain_an_empty_data_dir(tmp_path, monkeypatch, page):
    monkeypatch.setenv("GYDASH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GYDASH_TODAY", TODAY)
    at = run(page)
    assert "还没有" in text(at)


@pytest.mark.parametrize("page", [COVERAGE, COMMENDATIONS], ids=["coverage", "commendations"])
def test_pages_run_on_the_bundled_sample(monkeypatch, page):
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    monkeypatch.setenv("GYDASH_TODAY", "2026-11-26")
    at = run(page)
    if page == COVERAGE:
        assert "**未报送**：青川县" in text(at)
        assert choice(at, "round").value == "2026-10"
