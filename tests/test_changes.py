"""What changed since last quarter, on a small data dir whose every change is worked out by hand below."""

from __future__ import annotations

import pytest
from conftest import activity, coverage_row, ind

from gydash.meeting import changes, quarter, talking

CITY = "广元市"


@pytest.fixture
def dir_with_history(data_dir, write):
    """Hand-worked quarters (2024 plan: start 2023-12, deadline 2025-12; hitech target 60, tech_sme 500).

    Targets. 2025Q2: hitech 55 at 2025-06, pace (40 + 20 × 18/24) / 60 = 91.7 %, progress 91.7 % → 正常.
    2025Q3: hitech 52 at 2025-09, pace (40 + 20 × 21/24) / 60 = 95.8 %, progress 86.7 % → 滞后 (9.2 pp).
    tech_sme 450 → 480: 90 % vs pace 90 %, then 96 % vs 95 % → 正常 both times (not listed).
    conversion_output: no figure at Q2; 200 of 300 at 2025-09, pace 9/12 = 75 %, 66.7 % → 滞后 (listed).
    Revisions. conversion_output 2025-07 first sent 2025-08-01 as 100, corrected 2025-08-20 to 110 (within Q3);
    hitech 2025-09 sent as 52 on 2025-09-30, revised to 53 on 2025-11-15 (in Q4).
    Duties (政策宣讲, ≥ 2 a year per county). 利州区 2025: 1 at Q3 (进行中) and still 1 at Q4 → became overdue;
    昭化区 2025: 1 at Q3, a second in November → completed; 利州区 2024: 2, met at both ends → never listed.
    Ledger. 利州区 2025-03: 1 uncovered → 2025-10: 0 (cleared); 昭化区 0 → 1 (乙公司, re-opened);
    朝天区 2 → 1 (neither); 旺苍县 first ledger in 2025-10 (not compared).
    """
    write(
        "indicators",
        "2025-06-30.parquet",
        [
            ind("hitech_enterprise", CITY, 2023, 12, 40.0),
            ind("hitech_enterprise", CITY, 2025, 6, 55.0),
            ind("tech_sme", CITY, 2023, 12, 300.0),
            ind("tech_sme", CITY, 2025, 6, 450.0),
        ],
    )
    write("indicators", "2025-08-01.parquet", [ind("conversion_output", CITY, 2025, 7, 100.0)])
    write("indicators", "2025-08-20_fix.parquet", [ind("conversion_output", CITY, 2025, 7, 110.0)])
    write(
        "indicators",
        "2025-09-30.parquet",
        [
            ind("hitech_enterprise", CITY, 2025, 9, 52.0),
            ind("tech_sme", CITY, 2025, 9, 480.0),
            ind("conversion_output", CITY, 2025, 9, 200.0),
        ],
    )
    write("indicators", "2025-11-15_revised.parquet", [ind("hitech_enterprise", CITY, 2025, 9, 53.0)])
    write(
        "activities",
        "2025-09-30.parquet",
        [
            activity("2024-04-01", "利州区"),
            activity("2024-06-01", "利州区"),
            activity("2025-03-10", "利州区"),
            activity("2025-05-10", "昭化区"),
        ],
    )
    write("activities", "2025-12-31.parquet", [activity("2025-11-02", "昭化区")])
    uncovered = {"org_coverage": "none", "work_coverage": False}
    write(
        "coverage",
        "2025-03-20.parquet",
        [
            coverage_row("甲公司", "利州区", "2025-03", "2025-03-20", **uncovered),
            coverage_row("乙厂", "利州区", "2025-03", "2025-03-20"),
            coverage_row("丙公司", "昭化区", "2025-03", "2025-03-20"),
            coverage_row("丁公司", "朝天区", "2025-03", "2025-03-20", **uncovered),
            coverage_row("戊公司", "朝天区", "2025-03", "2025-03-20", **uncovered),
        ],
    )
    write(
        "coverage",
        "2025-10-20.parquet",
        [
            coverage_row("甲公司", "利州区", "2025-10", "2025-10-20", org_coverage="joint"),
            coverage_row("乙厂", "利州区", "2025-10", "2025-10-20"),
            coverage_row("丙公司", "昭化区", "2025-10", "2025-10-20"),
            coverage_row("乙公司", "昭化区", "2025-10", "2025-10-20", **uncovered),
            coverage_row("丁公司", "朝天区", "2025-10", "2025-10-20", **uncovered),
            coverage_row("戊公司", "朝天区", "2025-10", "2025-10-20"),
            coverage_row("己公司", "旺苍县", "2025-10", "2025-10-20"),
        ],
    )
    return data_dir


def _changes(data_dir, label: str) -> changes.Changes:
    return changes.since_last_quarter(quarter.load(data_dir, label), "2024")


def test_targets_whose_status_changed(dir_with_history) -> None:
    ch = _changes(dir_with_history, "2025Q3")
    assert (ch.since, ch.quarter, ch.compared) == ("2025Q2", "2025Q3", True)
    assert [(t["indicator"], t["before_status"], t["status"]) for t in ch.targets] == [
        ("hitech_enterprise", "on_track", "behind"),
        ("conversion_output", "no_data", "behind"),
    ]
    assert ch.targets[0]["text"] == (
        "全市高新技术企业（目标 60 家，2025 年）：● 正常，完成率 91.7% → ▲ 滞后，完成率 86.7%"
    )
    assert (ch.targets[1]["before"], ch.targets[1]["after"]) == ("○ 无数据", "▲ 滞后，完成率 66.7%")
    # Q3 → Q4: hitech revised to 53 (88.3 % against 95.8 %) is still 滞后 — no status change to report.
    assert _changes(dir_with_history, "2025Q4").targets == []


def test_a_figure_corrected_within_the_quarter_and_one_revised_later(dir_with_history) -> None:
    q3 = _changes(dir_with_history, "2025Q3").revisions
    assert [r["text"] for r in q3] == [
        "全市科技成果转化产值 2025 年 1–7 月：100 亿元 → 110 亿元（2025 年 8 月 1 日报送，2025 年 8 月 20 日修订）"
    ]
    # a sentence read out at a meeting names dates, never file paths; the change list keeps the files as 依据
    assert q3[0]["basis"] == "indicators/2025-08-01.parquet → indicators/2025-08-20_fix.parquet"
    q4 = _changes(dir_with_history, "2025Q4").revisions
    assert [(r["old_value"], r["value"], r["old_file"], r["file"]) for r in q4] == [
        (52.0, 53.0, "indicators/2025-09-30.parquet", "indicators/2025-11-15_revised.parquet")
    ]


def test_duties_that_became_overdue_or_were_completed(dir_with_history) -> None:
    ch = _changes(dir_with_history, "2025Q4")

    def cells(rows: list[dict]) -> set[tuple[str, str, str]]:
        return {(r["rule"], r["area"], r["period"]) for r in rows if r["rule"] == "policy_briefing"}

    assert ("policy_briefing", "利州区", "2025") in cells(ch.overdue)
    assert ("policy_briefing", "朝天区", "2025") in cells(ch.overdue)  # 0 of 2: in progress at Q3, overdue now
    assert cells(ch.completed) == {("policy_briefing", "昭化区", "2025")}
    listed = cells(ch.overdue) | cells(ch.completed)
    assert ("policy_briefing", "利州区", "2024") not in listed  # met at both ends
    assert ("policy_briefing", "昭化区", "2024") not in listed  # unmet at both ends: not new
    lizhou = next(r for r in ch.overdue if (r["rule"], r["area"], r["period"]) == ("policy_briefing", "利州区", "2025"))
    assert (lizhou["before"], lizhou["after"]) == ("进行中 1/2 次", "未完成 1/2 次")
    assert lizhou["text"] == "利州区 2025 年政策宣讲 1/2 次，未完成"


def test_counties_that_cleared_or_reopened(dir_with_history) -> None:
    ch = _changes(dir_with_history, "2025Q4")
    assert [(r["area_name"], r["before_uncovered"], r["uncovered"]) for r in ch.cleared] == [("利州区", 1, 0)]
    assert [(r["area_name"], r["orgs"]) for r in ch.reopened] == [("昭化区", ["乙公司"])]
    assert ch.cleared[0]["text"] == "利州区未覆盖组织清零（2025-03 期 1 个 → 2025-10 期 0 个）"
    assert ch.reopened[0]["text"] == "昭化区重新出现未覆盖组织 1 个（2025-03 期已清零 → 2025-10 期）：乙公司"
    # Q2 → Q3: no new ledger round was reported, so no county changed.
    q3 = _changes(dir_with_history, "2025Q3")
    assert q3.cleared == [] and q3.reopened == []


def test_change_list_table_and_talking_points(dir_with_history) -> None:
    ch = _changes(dir_with_history, "2025Q4")
    table = ch.table()
    assert table.columns == ["类别", "事项", "上季度", "本季度", "依据"]
    assert table.height == ch.total
    assert set(table["类别"]) == {"责任新增未完成", "责任新完成", "台账清零", "重新出现未覆盖", "数据修订"}
    points = talking.change_points(ch)
    assert points[0].startswith(f"与 2025Q3 相比共 {ch.total} 项变化：")
    assert not any(".parquet" in p for p in points)  # read out at a meeting: no file paths
    assert "台账清零 1 项" in points[0] and "数据修订 1 项" in points[0]


def test_no_comparison_when_last_quarter_had_no_data(dir_with_history) -> None:
    ch = _changes(dir_with_history, "2025Q1")  # only the 2025-03-20 ledger; 2024Q4 had nothing
    assert not ch.compared and ch.total == 0 and ch.table().is_empty()
    assert talking.change_points(ch) == ["上一季度（2024Q4）尚无数据，本季度不作比较"]


def test_a_restart_finds_the_changes_kept_and_a_new_file_of_the_quarter_recomputes_them(
    dir_with_history, write, monkeypatch
) -> None:
    from gydash.snapshots import store, warehouse

    monkeypatch.setenv("GYDASH_WAREHOUSE", "file")  # kept in the warehouse file a server keeps
    warehouse.close_all()
    worked: list[str] = []
    real = changes.between
    monkeypatch.setattr(
        changes, "between", lambda prev, cur, plan_id: worked.append(cur.label) or real(prev, cur, plan_id)
    )
    first = _changes(dir_with_history, "2025Q4")
    assert worked == ["2025Q4"] and first.total > 0
    warehouse.close_all()  # a restart: nothing in memory, the warehouse file as it was left
    store._versions.clear()
    again = _changes(dir_with_history, "2025Q4")
    assert again == first and worked == ["2025Q4"]  # the same changes, dates and all, not worked out again
    write("indicators", "2025-12-01_revised.parquet", [ind("hitech_enterprise", CITY, 2025, 9, 54.0)])  # 53 → 54
    assert _changes(dir_with_history, "2025Q4") != first and worked == ["2025Q4", "2025Q4"]
    warehouse.close_all()
