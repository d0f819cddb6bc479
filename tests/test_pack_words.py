"""The meeting pack's words: counts that add up, dates instead of file paths, commendations before they are due."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gydash.meeting import changes, sections, talking
from gydash.plan import commendations

QUOTA_GROUPS = {
    "leading_org_commended": 3,
    "leading_org_recommended": 2,
    "model_case": 2,
    "outstanding_worker": 20,
    "demo_site": 2,
}


def _change(text: str) -> dict:
    return {"text": text}


def test_change_counts_add_up_when_only_completions_changed() -> None:
    ch = changes.Changes("2026Q3", "2026Q2", completed=[_change(f"完成{i}") for i in range(6)])
    points = talking.change_points(ch)
    # six changes in all, not "6 项 … 其余 6 项" (which reads as twelve)
    assert points == ["与 2026Q2 相比共 6 项变化：责任新完成 6 项，明细见变化清单"]


def test_change_points_say_how_many_were_listed_and_which_were_not() -> None:
    ch = changes.Changes(
        "2025Q4",
        "2025Q3",
        overdue=[_change(f"逾期{i}") for i in range(7)],
        completed=[_change(f"完成{i}") for i in range(10)],
        revisions=[_change("修订")],
    )
    points = talking.change_points(ch, limit=6)
    assert points[0] == "与 2025Q3 相比共 18 项变化：责任新增未完成 7 项，责任新完成 10 项，数据修订 1 项"
    assert points[1:6] == [f"逾期{i}" for i in range(5)]
    assert points[6] == "以上列出 5 项；责任新增未完成 2 项，责任新完成 10 项，数据修订 1 项的明细见变化清单"


def _write(root: Path, dataset: str, name: str, rows: list[dict]) -> None:
    path = root / dataset / name
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def _awards(year: int) -> list[dict]:
    return [
        {"year": year, "category": c, "name": f"{c}{i}", "area": "利州区", "organization": f"{c}{i}单位"}
        for c, n in QUOTA_GROUPS.items()
        for i in range(n)
    ]


@pytest.fixture
def awards_dir(tmp_path: Path) -> Path:
    """Lists for 2024 and 2025 sent in December, each meeting every quota; an indicator file so quarters exist."""
    d = tmp_path / "data"
    _write(d, "commendations", "2024-12-18.parquet", _awards(2024))
    _write(d, "commendations", "2025-12-19.parquet", _awards(2025))
    row = {"indicator": "tech_sme", "area": "广元市", "year": 2026, "month": 6, "value": 520.0}
    _write(d, "indicators", "2026-06-30.parquet", [row])
    return d


def test_commendations_before_they_are_due_say_when_and_show_the_latest_year(awards_dir: Path) -> None:
    section = sections.build(awards_dir, "2026Q3").section("commendations")
    assert section.title == "表扬推荐（2026 年待评定，附 2025 年结果）"
    assert section.points[0] == (
        "2026 年表扬推荐尚未评定：按方案第 10、11 条每年评定，应于 2026 年 12 月 31 日前完成"
        "（2026 年不在方案考核期内，届时仅列示）"
    )
    assert section.points[1] == "最近完成的 2025 年：5 项定额中 5 项达标"
    assert not any("尚无" in p for p in section.points)
    assert section.chart is not None and section.chart.data["actual"].sum() > 0  # the 2025 results drawn
    assert [name for name, _ in section.tables] == ["2025 年定额完成情况（最近完成年度）"]


def test_within_the_plan_the_due_date_comes_from_the_plan_data(awards_dir: Path, monkeypatch) -> None:
    original = commendations.quotas()
    moved = original.with_columns(pl.when(pl.col("due").is_not_null()).then(pl.lit("12-20")).alias("due"))
    monkeypatch.setattr(commendations, "quotas", lambda: moved)
    section = sections.build(awards_dir, "2025Q3").section("commendations")
    assert section.points[0] == "2025 年表扬推荐尚未评定：按方案第 10、11 条每年评定，应于 2025 年 12 月 20 日前完成"
    assert section.points[1] == "最近完成的 2024 年：5 项定额中 5 项达标"
    assert section.title == "表扬推荐（2025 年待评定，附 2024 年结果）"


def test_a_year_already_reported_is_shown_as_before(awards_dir: Path) -> None:
    section = sections.build(awards_dir, "2025Q4").section("commendations")
    assert section.title == "表扬推荐（2025 年）"
    assert section.points[0] == "2025 年 5 项定额中 5 项达标"
