"""progress: actual, 序时进度 pace and status on hand-worked cases (the arithmetic is written beside each one).

The 2024 plan starts 2023-12-31 and ends 2025-12; behind means short of pace by at most 10 percentage points.
Built-in targets: hitech_enterprise 60 家 (stock), conversion_output 300 亿元 (annual flow, 1–N月累计),
tech_contract_turnover 年均增长 15 % from 2023.
"""

from __future__ import annotations

from datetime import date

import pytest
from conftest import ind

from gydash.plan import progress


def evaluate(load, indicator: str, area: str = "广元市", plan: str = "2024", year: int | None = None) -> dict:
    rows = [
        r
        for r in progress.target_progress(load(), plan)
        if r["indicator"] == indicator and r["area"] == area and year in (None, r["year"])
    ]
    assert len(rows) == 1, rows
    return rows[0]


def city(indicator: str, *points: tuple[int, int, float]) -> list[dict]:
    return [ind(indicator, "广元市", y, m, v) for y, m, v in points]


# --- level targets on a stock ----------------------------------------------------------------------------------


def test_level_target_mid_plan_on_pace(write, load):
    write("indicators", "2025-01-31.parquet", city("hitech_enterprise", (2023, 12, 40.0), (2024, 12, 50.0)))
    got = evaluate(load, "hitech_enterprise")
    # elapsed = 12 of 24 months; expected = 40 + (60 − 40) × 12/24 = 50; pace = 50/60; progress = 50/60
    assert got["pace"] == pytest.approx(50 / 60)
    assert got["progress"] == pytest.approx(50 / 60)
    assert got["gap_pp"] == pytest.approx(0.0, abs=1e-9)
    assert (got["status"], got["status_label"], got["final"]) == ("on_track", "正常", False)
    assert (got["actual"], got["actual_year"], got["actual_month"], got["base_value"]) == (50.0, 2024, 12, 40.0)
    # still needed: 60 − 50 = 10 in 12 months; recently (2023-12 → 2024-12): 10 in 12 months
    assert got["needed"] == 10.0 and got["months_left"] == 12
    assert got["needed_per_month"] == pytest.approx(10 / 12)
    assert got["recent_per_month"] == pytest.approx(10 / 12)
    assert got["deadline"] == date(2025, 12, 31)


@pytest.mark.parametrize(
    ("figure", "status"),
    [
        # pace 50/60 = 83.33 %; 51/60 = 85.00 % → ahead
        (51.0, "on_track"),
        # 45/60 = 75.00 % → 8.33 points short
        (45.0, "behind"),
        # 44/60 = 73.33 % → exactly 10 points short: still only behind
        (44.0, "behind"),
        # 43/60 = 71.67 % → 11.67 points short
        (43.0, "off_track"),
        # 20/60 = 33.33 % → 50 points short
        (20.0, "off_track"),
    ],
    ids=["ahead", "8pp-short", "10pp-short-boundary", "11pp-short", "far-behind"],
)
def test_behind_versus_off_track_around_the_tolerance(write, load, figure, status):
    write("indicators", "2025-01-31.parquet", city("hitech_enterprise", (2023, 12, 40.0), (2024, 12, figure)))
    got = evaluate(load, "hitech_enterprise")
    assert got["status"] == status
    assert got["gap_pp"] == pytest.approx((50 - figure) / 60 * 100)


def test_level_without_a_base_value_starts_from_zero(write, load):
    write("indicators", "2024-07-31.parquet", city("hitech_enterprise", (2024, 6, 12.0)))
    got = evaluate(load, "hitech_enterprise")
    # elapsed = 6 of 24 months; expected = 0 + 60 × 6/24 = 15; pace = 15/60 = 25 %; progress = 12/60 = 20 %
    assert got["pace"] == pytest.approx(0.25)
    assert got["progress"] == pytest.approx(0.20)
    assert got["status"] == "behind"
    assert got["base_value"] is None


def test_level_already_at_target_before_deadline_is_achieved(write, load):
    write("indicators", "2025-01-31.parquet", city("hitech_enterprise", (2023, 12, 40.0), (2024, 12, 61.0)))
    got = evaluate(load, "hitech_enterprise")
    # 61/60 ≥ 100 % a year early
    assert (got["status"], got["status_label"], got["final"]) == ("achieved", "达标", False)
    assert got["needed"] == 0.0


@pytest.mark.parametrize(
    ("final_figure", "status", "label"),
    [(60.0, "achieved", "完成"), (57.0, "missed", "未完成")],
    ids=["reached", "short"],
)
def test_level_final_result_once_the_deadline_is_reported(write, load, final_figure, status, label):
    points = ((2023, 12, 40.0), (2025, 9, 61.0), (2025, 12, final_figure), (2026, 3, 70.0))
    write("indicators", "2026-04-30.parquet", city("hitech_enterprise", *points))
    got = evaluate(load, "hitech_enterprise")
    # judged on 2025-12 (the deadline), not on the later 2026-03 figure
    assert (got["actual"], got["actual_year"], got["actual_month"]) == (final_figure, 2025, 12)
    assert (got["status"], got["status_label"], got["final"]) == (status, label, True)
    assert got["pace"] == pytest.approx(1.0)


def test_no_data_gives_no_data_for_every_target(load):
    rows = progress.target_progress(load())
    assert len(rows) == 5
    assert {r["status"] for r in rows} == {"no_data"}
    assert all(r["actual"] is None and r["progress"] is None and r["pace"] is None for r in rows)
    assert progress.headline(rows) == "5 项目标：5 项无数据"


def test_derived_city_figure_is_flagged(write, load):
    write(
        "indicators",
        "2025-01-31.parquet",
        [ind("hitech_enterprise", "利州区", 2024, 12, 20.0), ind("hitech_enterprise", "昭化区", 2024, 12, 25.0)],
    )
    got = evaluate(load, "hitech_enterprise")
    # 20 + 25 = 45 from two counties
    assert (got["actual"], got["derived"], got["counties"]) == (45.0, True, 2)
    assert got["source_file"] == "indicators/2025-01-31.parquet"


def test_revision_is_carried_to_the_target(write, load):
    write("indicators", "2025-01-31.parquet", city("hitech_enterprise", (2024, 12, 48.0)))
    write("indicators", "2025-02-28.parquet", city("hitech_enterprise", (2024, 12, 50.0)))
    got = evaluate(load, "hitech_enterprise")
    assert (got["actual"], got["revised"], got["previous_value"]) == (50.0, True, 48.0)
    assert got["source_file"] == "indicators/2025-02-28.parquet"


# --- level targets on an annual flow ---------------------------------------------------------------------------


def test_flow_year_to_date_in_the_deadline_year(write, load):
    write("indicators", "2025-07-31.parquet", city("conversion_output", (2023, 12, 200.0), (2025, 6, 140.0)))
    got = evaluate(load, "conversion_output")
    # deadline year: expected total 300, of which 6/12 by June → pace 50 %; progress 140/300 = 46.67 %
    assert got["pace"] == pytest.approx(0.5)
    assert got["progress"] == pytest.approx(140 / 300)
    assert got["status"] == "behind"
    # 300 − 140 = 160 still needed over 6 months
    assert got["needed_per_month"] == pytest.approx(160 / 6)


def test_flow_in_an_earlier_year_uses_the_base_year_total(write, load):
    write("indicators", "2024-10-31.parquet", city("conversion_output", (2023, 12, 200.0), (2024, 9, 180.0)))
    got = evaluate(load, "conversion_output")
    # 2024 is 1 of 2 years: expected 2024 total = 200 + (300 − 200) × 1/2 = 250; by September 250 × 9/12 = 187.5;
    # pace = 187.5/300 = 62.5 %; progress = 180/300 = 60 % → 2.5 points short
    assert got["pace"] == pytest.approx(0.625)
    assert got["progress"] == pytest.approx(0.6)
    assert got["status"] == "behind"
    assert got["needed_per_month"] is None  # the deadline year has not begun


def test_flow_above_target_in_an_earlier_year_is_not_yet_achieved(write, load):
    write("indicators", "2025-01-31.parquet", city("conversion_output", (2023, 12, 200.0), (2024, 12, 320.0)))
    got = evaluate(load, "conversion_output")
    # a 2024 total says nothing final about 2025's; pace = 250/300, progress = 320/300 → on track
    assert got["pace"] == pytest.approx(250 / 300)
    assert (got["status"], got["final"]) == ("on_track", False)


def test_flow_at_target_within_the_deadline_year_is_achieved(write, load):
    write("indicators", "2025-10-31.parquet", city("conversion_output", (2025, 9, 305.0)))
    assert evaluate(load, "conversion_output")["status"] == "achieved"  # 305 ≥ 300 by September 2025


# --- growth targets --------------------------------------------------------------------------------------------


def test_growth_from_base_year_to_latest_full_year(write, load):
    points = ((2023, 12, 10.0), (2024, 12, 11.0), (2025, 6, 4.0))
    write("indicators", "2025-07-31.parquet", city("tech_contract_turnover", *points))
    got = evaluate(load, "tech_contract_turnover")
    # 2023 → 2024: 11/10 − 1 = 10 %; the 2025 1–6月 figure is not a full year; progress 10/15; pace 100 %
    assert got["actual"] == pytest.approx(0.10)
    assert (got["actual_year"], got["actual_month"]) == (2024, 12)
    assert got["progress"] == pytest.approx(0.10 / 0.15)
    assert got["pace"] == 1.0
    assert got["status"] == "off_track"  # 33 points short
    # goal for 2025 = 10 × 1.15² = 13.225; from 11 that needs 13.225/11 − 1 = 20.23 % next year
    assert got["goal_level"] == pytest.approx(13.225)
    assert got["needed_rate"] == pytest.approx(13.225 / 11 - 1)
    assert got["final"] is False


@pytest.mark.parametrize(
    ("final_figure", "rate", "status"),
    [
        # √(13.3/10) − 1 = 15.33 % ≥ 15 %
        (13.3, 1.33**0.5 - 1, "achieved"),
        # √(12.1/10) − 1 = 10 %
        (12.1, 0.10, "missed"),
    ],
    ids=["achieved", "missed"],
)
def test_growth_final_once_the_deadline_year_is_reported(write, load, final_figure, rate, status):
    points = ((2023, 12, 10.0), (2024, 12, 11.0), (2025, 12, final_figure))
    write("indicators", "2026-01-31.parquet", city("tech_contract_turnover", *points))
    got = evaluate(load, "tech_contract_turnover")
    assert got["actual"] == pytest.approx(rate)
    assert (got["status"], got["final"], got["actual_year"]) == (status, True, 2025)


def test_growth_without_base_year_value_has_no_data(write, load):
    write("indicators", "2025-01-31.parquet", city("tech_contract_turnover", (2024, 12, 11.0)))
    got = evaluate(load, "tech_contract_turnover")
    assert (got["status"], got["actual"]) == ("no_data", None)


# --- targets from the targets dataset --------------------------------------------------------------------------


def test_county_target_uses_county_figures(write, load):
    write(
        "targets",
        "2025-01-15.parquet",
        [{"plan": "2024", "indicator": "hitech_enterprise", "area": "利州区", "year": 2025, "target": 18.0}],
    )
    rows = [ind("hitech_enterprise", "利州区", 2023, 12, 10.0), ind("hitech_enterprise", "利州区", 2024, 12, 13.0)]
    write("indicators", "2025-01-31.parquet", rows)
    got = evaluate(load, "hitech_enterprise", area="利州区")
    # expected = 10 + (18 − 10) × 12/24 = 14; pace 14/18 = 77.8 %; progress 13/18 = 72.2 % → 5.6 points short
    assert got["pace"] == pytest.approx(14 / 18)
    assert got["progress"] == pytest.approx(13 / 18)
    assert got["status"] == "behind"
    assert got["target_file"] == "targets/2025-01-15.parquet"


def test_later_plan_from_the_targets_dataset(write, load):
    plan = "2026年度目标"
    targets = [
        {"plan": plan, "indicator": "hitech_enterprise", "area": "广元市", "year": 2026, "target": 66.0},
        {"plan": plan, "indicator": "高新技术企业", "area": "全市", "year": 2027, "target": 72.0},
    ]
    write("targets", "2026-01-15.parquet", targets)
    write("indicators", "2026-10-31.parquet", city("hitech_enterprise", (2025, 12, 57.0), (2026, 9, 61.0)))
    y2026 = evaluate(load, "hitech_enterprise", plan=plan, year=2026)
    # plan starts 2025-12-31 (the year before its first target year); 9 of 12 months gone;
    # expected = 57 + (66 − 57) × 9/12 = 63.75; pace = 63.75/66 = 96.6 %; progress = 61/66 = 92.4 % → behind
    assert y2026["pace"] == pytest.approx(63.75 / 66)
    assert y2026["progress"] == pytest.approx(61 / 66)
    assert y2026["status"] == "behind"
    assert (y2026["plan_title"], y2026["base_value"]) == (plan, 57.0)
    y2027 = evaluate(load, "hitech_enterprise", plan=plan, year=2027)
    # 9 of 24 months gone: expected = 57 + (72 − 57) × 9/24 = 62.625; pace = 62.625/72; progress = 61/72
    assert y2027["pace"] == pytest.approx(62.625 / 72)
    assert y2027["progress"] == pytest.approx(61 / 72)
    assert y2027["status"] == "behind"
    assert y2027["deadline"] == date(2027, 12, 31)
    assert progress.plan_ids(load()) == ["2024", plan]


def test_headline_counts_statuses_in_order_of_severity(write, load):
    write("indicators", "2025-01-31.parquet", city("hitech_enterprise", (2023, 12, 40.0), (2024, 12, 61.0)))
    write("indicators", "2025-02-28.parquet", city("tech_sme", (2023, 12, 100.0), (2024, 12, 150.0)))
    rows = progress.target_progress(load())
    # hitech 61/60 achieved; tech_sme expected 100 + 400 × 1/2 = 300 → pace 60 %, progress 30 % → off track
    assert progress.headline(rows) == "5 项目标：1 项达标，1 项严重滞后，3 项无数据"
