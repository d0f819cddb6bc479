"""The duty rules engine on hand-worked cases, the rules table, and the summary's "duties" list."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from gydash import cli, summary
from gydash.plan import duties, duty_events, duty_lists, duty_rules
from gydash.snapshots import store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_TODAY = date(2026, 11, 26)

ACTIVITY_SCHEMA = {
    "date": pl.Date,
    "area": pl.String,
    "kind": pl.String,
    "organizer": pl.String,
    "title": pl.String,
    "enterprises_served": pl.Int64,
    "id": pl.String,
}
LOAN_SCHEMA = {"date": pl.Date, "area": pl.String, "enterprise": pl.String, "amount_wan": pl.Float64, "id": pl.String}


def ev(day: str, area: str, kind: str, served: int | None = None, id: str | None = None, title: str = "活动") -> dict:
    served = served if served is not None or kind != "tech_service" else 10
    return {
        "date": date.fromisoformat(day),
        "area": area,
        "kind": kind,
        "organizer": f"{area}科技创新综合党委",
        "title": title,
        "enterprises_served": served,
        "id": id,
    }


def loan(day: str, amount: float, area: str = "利州区", id: str | None = None, enterprise: str = "甲公司") -> dict:
    return {"date": date.fromisoformat(day), "area": area, "enterprise": enterprise, "amount_wan": amount, "id": id}


def put(root: Path, dataset: str, name: str, rows: list[dict]) -> None:
    schema = ACTIVITY_SCHEMA if dataset == "activities" else LOAN_SCHEMA
    (root / dataset).mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows, schema=schema).write_parquet(root / dataset / name)


def cells(root: Path, today: str, rule: str, table: pl.DataFrame | None = None) -> dict[tuple[str, str], tuple]:
    """(area, period) → (actual, required, status) for one rule."""
    frame = duties.evaluate(store.load(root), date.fromisoformat(today), table).filter(pl.col("rule") == rule)
    return {(r["area"], r["period"]): (r["actual"], r["required"], r["status"]) for r in frame.iter_rows(named=True)}


# --- each rule ------------------------------------------------------------------------------------------------


def test_policy_briefing_counts_each_county_per_calendar_year(tmp_path):
    put(
        tmp_path,
        "activities",
        "2026-03-31.parquet",
        [
            ev("2025-01-01", "朝天区", "policy_briefing"),
            ev("2025-12-31", "朝天区", "policy_briefing"),
            ev("2026-01-01", "朝天区", "policy_briefing"),  # next year
            ev("2025-05-05", "青川县", "policy_briefing"),
            ev("2025-06-06", "广元市", "policy_briefing"),  # the city's own: no county's duty
            ev("2025-06-06", "剑阁县", "promotion_meeting"),  # another kind
        ],
    )
    got = cells(tmp_path, "2026-06-30", "policy_briefing")
    assert got[("朝天区", "2025")] == (2, 2, "met")
    assert got[("朝天区", "2026")] == (1, 2, "in_progress")
    assert got[("青川县", "2025")] == (1, 2, "unmet")
    assert got[("剑阁县", "2025")] == (0, 2, "unmet")
    assert {a for a, _ in got} == {"利州区", "昭化区", "朝天区", "旺苍县", "青川县", "剑阁县", "苍溪县"}
    assert {p for _, p in got} == {"2025", "2026"}


def test_promotion_meeting_city_and_each_county_count_their_own(tmp_path):
    put(
        tmp_path,
        "activities",
        "2025-12-31.parquet",
        [ev("2025-03-01", "广元市", "promotion_meeting"), ev("2025-03-02", "利州区", "promotion_meeting")],
    )
    got = cells(tmp_path, "2026-01-10", "promotion_meeting")
    assert got[("广元市", "2025")] == (1, 1, "met")
    assert got[("利州区", "2025")] == (1, 1, "met")
    assert got[("昭化区", "2025")] == (0, 1, "unmet")
    assert got[("广元市", "2026")] == (0, 1, "in_progress")
    assert len(got) == 16  # 8 areas × 2 years


def test_secretary_report_counts_only_the_city_committee(tmp_path):
    put(
        tmp_path,
        "activities",
        "2025-12-31.parquet",
        [ev("2024-12-20", "广元市", "secretary_report"), ev("2025-12-20", "朝天区", "secretary_report")],
    )
    got = cells(tmp_path, "2026-02-01", "secretary_report")
    assert got == {
        ("广元市", "2024"): (1, 1, "met"),
        ("广元市", "2025"): (0, 1, "unmet"),
        ("广元市", "2026"): (0, 1, "in_progress"),
    }


def test_science_popularization_counts_every_area_against_twelve(tmp_path):
    areas = ["广元市", "利州区", "昭化区", "朝天区", "旺苍县", "青川县"]
    rows = [ev(f"2024-{m:02d}-15", areas[m % 6], "science_popularization") for m in range(1, 13)]
    rows += [ev(f"2025-{m:02d}-15", areas[m % 6], "science_popularization") for m in range(1, 12)]
    put(tmp_path, "activities", "2025-12-31.parquet", rows)
    got = cells(tmp_path, "2026-01-01", "science_popularization")
    assert got[("广元市", "2024")] == (12, 12, "met")  # exactly the minimum is met
    assert got[("广元市", "2025")] == (11, 12, "unmet")
    assert set(got) == {("广元市", "2024"), ("广元市", "2025"), ("广元市", "2026")}


def test_tech_service_month_boundary_and_enterprises_summed(tmp_path):
    put(
        tmp_path,
        "activities",
        "2025-03-31.parquet",
        [
            ev("2025-01-31", "朝天区", "tech_service", 15),
            ev("2025-02-01", "广元市", "tech_service", 10),
            ev("2025-02-28", "苍溪县", "tech_service", 10),
            ev("2025-03-01", "利州区", "tech_service", 25),
            ev("2025-03-02", "利州区", "policy_briefing", 40),  # not a service event
        ],
    )
    events = cells(tmp_path, "2025-03-15", "tech_service_events")
    served = cells(tmp_path, "2025-03-15", "tech_service_enterprises")
    assert events[("广元市", "2025-01")] == (1, 2, "unmet")
    assert served[("广元市", "2025-01")] == (15, 20, "unmet")
    assert events[("广元市", "2025-02")] == (2, 2, "met")
    assert served[("广元市", "2025-02")] == (20, 20, "met")
    assert events[("广元市", "2025-03")] == (1, 2, "in_progress")
    assert served[("广元市", "2025-03")] == (25, 20, "met")  # met before the month is over
    assert events[("广元市", "2025-04")] == (0, 2, "not_due")
    assert sorted(p for _, p in events) == [f"2025-{m:02d}" for m in range(1, 13)]  # first data month → December


def test_tianfu_loans_sum_every_area_with_float_amounts(tmp_path):
    put(
        tmp_path,
        "loans",
        "2025-12-31.parquet",
        [
            loan("2024-01-01", 1000.1, "利州区"),
            loan("2024-12-31", 999.9, "广元市", enterprise="乙公司"),
            loan("2025-01-01", 1999.5, "苍溪县"),
        ],
    )
    got = cells(tmp_path, "2025-12-31", "tianfu_loans")
    assert got[("广元市", "2024")] == (2000, 2000, "met")
    assert got[("广元市", "2025")] == (1999.5, 2000, "in_progress")  # 31 December is still in the year
    assert cells(tmp_path, "2026-01-01", "tianfu_loans")[("广元市", "2025")] == (1999.5, 2000, "unmet")


# --- resolution: revisions, duplicates, rejected files -------------------------------------------------------


def test_revision_by_id_moves_the_event_and_counts_it_once(tmp_path):
    first = [ev("2025-01-31", "利州区", "tech_service", 12, id="T1"), ev("2025-01-05", "利州区", "other")]
    put(tmp_path, "activities", "2025-01-31.parquet", first)
    put(tmp_path, "activities", "2025-02-28.parquet", [ev("2025-02-01", "利州区", "tech_service", 30, id="T1")])
    events = cells(tmp_path, "2025-03-01", "tech_service_events")
    served = cells(tmp_path, "2025-03-01", "tech_service_enterprises")
    assert events[("广元市", "2025-01")] == (0, 2, "unmet")
    assert events[("广元市", "2025-02")] == (1, 2, "unmet")
    assert served[("广元市", "2025-02")] == (30, 20, "met")


def test_loan_revised_by_id_counts_newest_amount(tmp_path):
    put(tmp_path, "loans", "2025-06-30.parquet", [loan("2025-05-01", 500, id="L1"), loan("2025-05-02", 900, id="L2")])
    put(tmp_path, "loans", "2025-09-30.parquet", [loan("2025-05-01", 1200, id="L1")])
    assert cells(tmp_path, "2025-10-01", "tianfu_loans")[("广元市", "2025")] == (2100, 2000, "met")


def test_identical_rows_without_id_across_files_count_once(tmp_path):
    row = ev("2024-04-01", "旺苍县", "policy_briefing", title="集中宣讲")
    put(tmp_path, "activities", "2024-06-30.parquet", [row])
    put(tmp_path, "activities", "2024-09-30.parquet", [row, ev("2024-09-01", "旺苍县", "policy_briefing")])
    assert cells(tmp_path, "2025-01-01", "policy_briefing")[("旺苍县", "2024")] == (2, 2, "met")


def test_rows_of_a_rejected_file_do_not_count(tmp_path):
    put(tmp_path, "activities", "2024-12-31.parquet", [ev("2024-04-01", "旺苍县", "policy_briefing")])
    put(
        tmp_path,
        "activities",
        "2024-09-30.parquet",
        [ev("2024-08-01", "旺苍县", "policy_briefing"), ev("2024-08-02", "不存在县", "policy_briefing")],
    )
    data = store.load(tmp_path)
    assert [f.entry.rel for f in data.rejected()] == ["activities/2024-09-30.parquet"]
    assert cells(tmp_path, "2025-01-01", "policy_briefing")[("旺苍县", "2024")] == (1, 2, "unmet")


# --- periods and today -------------------------------------------------------------------------------------


def test_today_from_gydash_today_makes_a_period_in_progress(tmp_path, monkeypatch):
    put(tmp_path, "activities", "2025-12-31.parquet", [ev("2025-05-01", "利州区", "policy_briefing")])
    monkeypatch.setenv("GYDASH_TODAY", "2025-12-31")
    row = duty_events.cell(store.load(tmp_path), "policy_briefing", "利州区", "2025")
    assert (row["actual"], row["status"]) == (1, "in_progress")
    monkeypatch.setenv("GYDASH_TODAY", "2026-01-01")
    row = duty_events.cell(store.load(tmp_path), "policy_briefing", "利州", "2025")
    assert (row["actual"], row["status"]) == (1, "unmet")


def test_first_period_is_the_datasets_earliest_event_of_any_kind(tmp_path):
    put(tmp_path, "activities", "2023-06-30.parquet", [ev("2023-05-10", "利州区", "party_training")])
    monthly = cells(tmp_path, "2023-07-15", "tech_service_events")
    assert sorted(p for _, p in monthly)[0] == "2023-05"
    assert monthly[("广元市", "2023-05")] == (0, 2, "unmet")
    assert monthly[("广元市", "2023-07")] == (0, 2, "in_progress")
    assert monthly[("广元市", "2023-12")] == (0, 2, "not_due")
    assert {p for _, p in cells(tmp_path, "2023-07-15", "policy_briefing")} == {"2023"}


def test_empty_dataset_is_judged_from_the_plan_start(tmp_path):
    put(tmp_path, "activities", "2025-06-30.parquet", [ev("2023-05-10", "利州区", "policy_briefing")])
    got = cells(tmp_path, "2025-06-30", "tianfu_loans")  # no loans file at all: nothing reported, nothing judged
    assert got == {
        ("广元市", "2024"): (0, 2000, "awaiting_data"),
        ("广元市", "2025"): (0, 2000, "in_progress"),
    }


def test_every_rule_appears_with_its_scope_areas(tmp_path):
    put(tmp_path, "activities", "2025-06-30.parquet", [ev("2025-05-10", "利州区", "other")])
    put(tmp_path, "loans", "2025-06-30.parquet", [loan("2025-05-10", 10)])
    frame = duties.evaluate(store.load(tmp_path), date(2025, 6, 30))
    per_rule = {r: set(g["area"]) for (r,), g in frame.group_by("rule")}
    assert per_rule["policy_briefing"] == {"利州区", "昭化区", "朝天区", "旺苍县", "青川县", "剑阁县", "苍溪县"}
    assert per_rule["promotion_meeting"] == per_rule["policy_briefing"] | {"广元市"}
    for rule in ("secretary_report", "science_popularization", "tech_service_events", "tianfu_loans"):
        assert per_rule[rule] == {"广元市"}
    assert set(frame["status"]) <= set(duties.STATUS_LABELS)


# --- rules as data ---------------------------------------------------------------------------------------------

OVERRIDES = """
2024,policy_briefing,5,政策宣讲,activities,policy_briefing,each_county,year,count,2,次,,,2025
2026,policy_briefing,5,政策宣讲,activities,policy_briefing,each_county,year,count,3,次,,2026,
2024,policy_briefing,5,政策宣讲,activities,policy_briefing,each_county,year,count,4,次,朝天区|510821,,
"""


def _table(tmp_path: Path, rows: str) -> pl.DataFrame:
    header = (ROOT / "gydash/base/plandata/duties.csv").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "duties.csv"
    path.write_text(header + "\n" + rows.strip() + "\n", encoding="utf-8")
    return duty_rules.load_rules(path)


def test_a_later_plan_and_a_county_stricter_rule_are_rows(tmp_path):
    rows = [
        ev(f"{y}-0{k}-01", a, "policy_briefing") for y in (2025, 2026) for a in ("利州区", "朝天区") for k in (1, 2, 3)
    ]
    put(tmp_path, "activities", "2026-12-31.parquet", rows)
    got = cells(tmp_path, "2027-01-01", "policy_briefing", _table(tmp_path, OVERRIDES))
    assert got[("利州区", "2025")] == (3, 2, "met")
    assert got[("利州区", "2026")] == (3, 3, "met")  # the 2026 plan's row from its `since`
    assert got[("朝天区", "2025")] == (3, 4, "unmet")  # the county's own row beats the scope-wide rows
    assert got[("旺苍县", "2026")] == (0, 4, "unmet")
    assert got[("昭化区", "2027")] == (0, 3, "in_progress")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2024,x,5,宣讲,activities,policy_briefing,every_town,year,count,2,次,,,", "scope"),
        ("2024,x,5,宣讲,activities,policy_briefing,city,week,count,2,次,,,", "period"),
        ("2024,x,5,宣讲,activities,policy_briefing,city,year,sum:title,2,次,,,", "measure"),
        ("2024,x,17,贷款,loans,tech_service,city,year,count,2,次,,,", "kind"),
        ("2024,x,5,宣讲,indicators,,city,year,count,2,次,,,", "dataset"),
        ("2024,x,5,宣讲,activities,policy_briefing,each_county,year,count,2,次,某某县,,", "县区"),
    ],
    ids=["bad-scope", "bad-period", "non-numeric-sum", "kind-on-loans", "non-event-dataset", "unknown-area"],
)
def test_bad_rule_rows_are_refused(tmp_path, row, message):
    with pytest.raises(ValueError, match=message):
        _table(tmp_path, row)


def test_builtin_rules_cover_the_plan_duties():
    table = duty_rules.rules()
    got = {
        r["code"]: (r["clause"], r["dataset"], r["kind"], r["scope"], r["period"], r["measure"], r["required"])
        for r in table.iter_rows(named=True)
    }
    assert got == {
        "policy_briefing": ("5", "activities", "policy_briefing", "each_county", "year", "count", 2),
        "promotion_meeting": ("7", "activities", "promotion_meeting", "city_and_counties", "year", "count", 1),
        "secretary_report": ("7", "activities", "secretary_report", "city", "year", "count", 1),
        "science_popularization": (
            "16",
            "activities",
            "science_popularization",
            "city_all_areas",
            "year",
            "count",
            12,
        ),
        "tech_service_events": ("17", "activities", "tech_service", "city_all_areas", "month", "count", 2),
        "tech_service_enterprises": (
            "17",
            "activities",
            "tech_service",
            "city_all_areas",
            "month",
            "sum:enterprises_served",
            20,
        ),
        "tianfu_loans": ("17", "loans", None, "city_all_areas", "year", "sum:amount_wan", 2000),
    }


# --- the events behind a cell, the overdue list --------------------------------------------------------------


def test_cell_events_are_exactly_the_counted_events(tmp_path):
    put(
        tmp_path,
        "activities",
        "2025-03-31.parquet",
        [
            ev("2025-01-31", "朝天区", "tech_service", 15, id="T1", title="一月专场"),
            ev("2025-02-01", "广元市", "tech_service", 10, id="T2", title="二月专场"),
            ev("2025-02-28", "苍溪县", "tech_service", 11, title="二月末专场"),
        ],
    )
    data = store.load(tmp_path)
    got = duty_events.cell_events(data, "tech_service_enterprises", "广元市", "2025-02", date(2025, 3, 15))
    assert got["title"].to_list() == ["二月专场", "二月末专场"]
    assert got["area"].to_list() == ["广元市", "苍溪县"]
    assert got["area_code"].to_list() == ["510800", "510824"]
    assert got["cumulative"].to_list() == [10, 21]
    assert {"date", "organizer", "enterprises_served", "id", "file"} <= set(got.columns)
    with pytest.raises(KeyError):
        duty_events.cell_events(data, "tech_service_events", "朝天区", "2025-02", date(2025, 3, 15))


def test_overdue_list_in_plain_chinese(tmp_path):
    put(
        tmp_path,
        "activities",
        "2025-12-31.parquet",
        [ev("2025-04-01", "朝天区", "policy_briefing")]
        + [ev("2025-05-01", a, "policy_briefing") for a in ["利州区"] * 2],
    )
    put(tmp_path, "loans", "2025-12-31.parquet", [loan("2025-04-01", 1650)])
    texts = [o["text"] for o in duty_lists.overdue(store.load(tmp_path), date(2026, 1, 5))]
    assert "朝天区 2025 年政策宣讲 1/2 次，未完成" in texts
    assert "广元市 2025 年天府科创贷 1,650/2,000 万元，未完成" in texts
    assert "广元市 2025 年 12 月科技服务专场 0/2 次，未完成" in texts
    assert not any("利州区 2025 年政策宣讲" in t for t in texts)
    assert not any("2026" in t for t in texts)  # in progress is not overdue


# --- the bundled sample -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    return store.load(ROOT / "data")


def test_sample_planted_duty_results(sample):
    frame = duties.evaluate(sample, SAMPLE_TODAY)

    def get(rule, area, period):
        row = frame.filter((pl.col("rule") == rule) & (pl.col("area") == area) & (pl.col("period") == period))
        return row["actual"][0], row["status"][0]

    assert get("policy_briefing", "朝天区", "2025") == (1, "unmet")
    assert get("policy_briefing", "青川县", "2024") == (1, "unmet")
    assert get("promotion_meeting", "剑阁县", "2024") == (0, "unmet")
    assert [get("science_popularization", "广元市", y)[0] for y in ("2023", "2024", "2025")] == [14, 13, 10]
    assert get("tech_service_events", "广元市", "2024-02") == (1, "unmet")
    assert get("tech_service_enterprises", "广元市", "2024-02") == (12, "unmet")
    assert get("tech_service_events", "广元市", "2025-07") == (2, "met")
    assert get("tech_service_enterprises", "广元市", "2025-07") == (15, "unmet")
    assert get("tech_service_enterprises", "广元市", "2023-08") == (17, "unmet")
    assert [get("tianfu_loans", "广元市", y) for y in ("2023", "2024", "2025")] == [
        (2350, "met"),
        (1650, "unmet"),
        (2480, "met"),
    ]


def test_sample_every_count_matches_the_events_behind_it(sample):
    for r in duties.evaluate(sample, SAMPLE_TODAY).iter_rows(named=True):
        behind = duty_events.cell_events(sample, r["rule"], r["area_code"], r["period"], SAMPLE_TODAY)
        assert behind.height == r["events"], r
        assert round(behind["value"].sum(), 6) == r["actual"], r


# --- summary --json --------------------------------------------------------------------------------------------


def test_summary_duties_shape_and_agreement(sample):
    entries = summary.build(sample, SAMPLE_TODAY)["duties"]
    frame = duties.evaluate(sample, SAMPLE_TODAY)
    assert len(entries) == frame.height
    for entry, row in zip(entries, frame.iter_rows(named=True), strict=True):
        assert set(duty_lists.SUMMARY_FIELDS) <= set(entry)
        assert (entry["rule"], entry["area"], entry["period"], entry["status"]) == (
            row["rule"],
            row["area"],
            row["period"],
            row["status"],
        )
        assert entry["actual"] == row["actual"] and entry["required"] == row["required"]


def test_cli_summary_json_has_duties(capsys, tmp_path):
    put(tmp_path, "activities", "2025-12-31.parquet", [ev("2025-04-01", "朝天区", "policy_briefing")])
    assert cli.main(["summary", str(tmp_path), "--json", "--today", "2026-01-05"]) == 0
    obj = json.loads(capsys.readouterr().out)
    entry = next(d for d in obj["duties"] if d["rule"] == "policy_briefing" and d["area"] == "朝天区")
    assert entry == entry | {
        "rule": "policy_briefing",
        "clause": "5",
        "area": "朝天区",
        "area_code": "510812",
        "period": "2025",
        "required": 2,
        "actual": 1,
        "status": "unmet",
    }
    assert isinstance(entry["actual"], int)


# --- periods the data do not reach yet -----------------------------------------------------------------------


def test_an_ended_period_the_data_do_not_cover_is_awaiting_data_not_unmet(tmp_path):
    # Activities reported up to 2025-09-30: October has ended by 11-05 but nobody has reported it yet.
    put(tmp_path, "activities", "2025-09-30.parquet", [ev("2025-09-10", "广元市", "tech_service", 12)])
    got = cells(tmp_path, "2025-11-05", "tech_service_events")
    assert got[("广元市", "2025-09")] == (1, 2, "unmet")  # the 09-30 snapshot covers September to its last day
    assert got[("广元市", "2025-10")] == (0, 2, "awaiting_data")
    assert got[("广元市", "2025-11")] == (0, 2, "in_progress")
    data = store.load(tmp_path)
    assert [o["period"] for o in duty_lists.overdue(data, date(2025, 11, 5)) if o["rule"] == "tech_service_events"] == [
        "2025-09"
    ]
    waiting = [o["text"] for o in duty_lists.awaiting(data, date(2025, 11, 5))]
    assert "广元市 2025 年 10 月科技服务专场 0/2 次，待报送" in waiting
    # A snapshot dated inside October does not cover it; one dated on its last day does.
    put(tmp_path, "activities", "2025-10-20.parquet", [ev("2025-10-08", "广元市", "tech_service", 12)])
    assert cells(tmp_path, "2025-11-05", "tech_service_events")[("广元市", "2025-10")] == (1, 2, "awaiting_data")
    put(tmp_path, "activities", "2025-10-31.parquet", [ev("2025-10-08", "广元市", "tech_service", 12)])
    assert cells(tmp_path, "2025-11-05", "tech_service_events")[("广元市", "2025-10")] == (1, 2, "unmet")


def test_a_period_met_before_the_data_cover_it_is_met(tmp_path):
    put(
        tmp_path,
        "activities",
        "2025-10-20.parquet",
        [ev("2025-10-0" + str(d), "广元市", "tech_service") for d in (1, 2)],
    )
    assert cells(tmp_path, "2025-11-05", "tech_service_events")[("广元市", "2025-10")] == (2, 2, "met")


def test_overdue_of_one_area(tmp_path):
    put(tmp_path, "activities", "2025-12-31.parquet", [ev("2025-04-01", "朝天区", "policy_briefing")])
    data = store.load(tmp_path)
    mine = duty_lists.overdue(data, date(2026, 1, 5), "朝天")
    assert mine and {o["area"] for o in mine} == {"朝天区"}
    assert {o["area"] for o in duty_lists.overdue(data, date(2026, 1, 5))} > {"朝天区", "广元市"}


def test_sample_october_tech_service_awaits_data(sample):
    # The bundled activities stop at 2026-09-30: October 2026 has ended by 11-26 but is not reported yet.
    for today in (SAMPLE_TODAY, date(2026, 11, 30)):
        row = duty_events.cell(sample, "tech_service_events", "广元市", "2026-10", today)
        assert (row["actual"], row["status"], row["status_label"]) == (0, "awaiting_data", "待报送")
        assert not any(o["period"] == "2026-10" for o in duty_lists.overdue(sample, today))


def test_cli_summary_json_carries_awaiting_data_and_never_counts_it_unmet(capsys, tmp_path):
    put(tmp_path, "activities", "2025-06-30.parquet", [ev("2025-04-01", "朝天区", "policy_briefing")])
    assert cli.main(["summary", str(tmp_path), "--json", "--today", "2026-01-05"]) == 0
    obj = json.loads(capsys.readouterr().out)
    entry = next(d for d in obj["duties"] if d["rule"] == "policy_briefing" and d["area"] == "朝天区")
    assert (entry["period"], entry["actual"], entry["status"], entry["status_label"]) == (
        "2025",
        1,
        "awaiting_data",
        "待报送",
    )
    # Activities are reported to 2025-06-30 only: every 2025 period ending after it is unreported, never unmet.
    after = [d for d in obj["duties"] if d["period"] == "2025" or "2025-07" <= d["period"] <= "2025-12"]
    assert len(after) == 7 + 8 + 1 + 1 + 6 + 6 + 1  # briefings, meetings, report, science, 2 monthly rules, loans
    assert {d["status"] for d in after} <= {"awaiting_data", "met"} and "awaiting_data" in {d["status"] for d in after}
