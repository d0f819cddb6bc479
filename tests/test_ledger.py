"""The 两个覆盖 ledger: round arithmetic, status per county on hand-worked cases, contents, follow-up and changes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gydash import cli, summary
from gydash.plan import ledger, ledger_orgs, ledger_rounds, ledger_zero
from gydash.snapshots import store

ROOT = Path(__file__).resolve().parent.parent
LIZHOU, WANGCANG, CHAOTIAN, QINGCHUAN, JIANGE = "510802", "510821", "510812", "510822", "510823"


def org(name: str, rnd: str, updated_on: str, area: str = "利州区", **extra) -> dict:
    """One ledger row; covered by its own branch unless told otherwise."""
    row = {
        "round": rnd,
        "updated_on": date.fromisoformat(updated_on),
        "area": area,
        "org_name": name,
        "party_members": 3,
        "org_coverage": "single",
        "work_coverage": True,
        "mobile_members": 0,
        "mobile_members_placed": 0,
    }
    return row | extra


UNCOVERED = {"org_coverage": "none", "work_coverage": False, "party_members": 1}


def put(root: Path, name: str, rows: list[dict]) -> None:
    path = root / "coverage" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def cell(frame: pl.DataFrame, area: str, rnd: str) -> dict:
    rows = frame.filter((pl.col("area") == area) & (pl.col("round") == rnd))
    assert rows.height == 1, (area, rnd)
    return rows.row(0, named=True)


# --- round arithmetic ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rnd", "after", "end"),
    [("2024-03", "2024-10", date(2024, 3, 31)), ("2024-10", "2025-03", date(2024, 10, 31))],
    ids=["march", "october"],
)
def test_round_arithmetic(rnd, after, end):
    assert ledger_rounds.next_round(rnd) == after
    assert ledger_rounds.round_end(rnd) == end


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 9, 30), ["2025-03"]),
        (date(2025, 10, 1), ["2025-03", "2025-10"]),  # the next round is listed once its month has started
        (date(2026, 2, 28), ["2025-03", "2025-10"]),
        (date(2026, 3, 1), ["2025-03", "2025-10", "2026-03"]),
    ],
    ids=["before-october", "october-started", "end-of-february", "march-started"],
)
def test_rounds_listed_from_first_in_data_up_to_today(tmp_path, today, expected):
    put(tmp_path, "2025-03-10_利州区.parquet", [org("甲", "2025-03", "2025-03-10")])
    assert ledger_rounds.rounds(store.load(tmp_path), today) == expected


def test_no_ledger_data_lists_no_rounds(tmp_path):
    d = store.load(tmp_path)
    assert ledger_rounds.rounds(d, date(2026, 1, 1)) == []
    assert ledger.status(d, date(2026, 1, 1)).is_empty()
    assert ledger_orgs.follow_up(d, date(2026, 1, 1)).is_empty()
    assert ledger_orgs.changes(d, date(2026, 1, 1)).is_empty()


# --- status on hand-worked cases ---------------------------------------------------------------------


@pytest.fixture
def worked(tmp_path) -> store.Data:
    """2025-10 round, today 2025-11-26:
    - 利州区 sends on 10-08 (on time), re-submits on 10-20: the newer file adds 丁 and drops 丙, covers 乙.
    - 旺苍县 first sends on 11-12 (12 days late), then a correction whose rows claim 10-30: still late, 12 days.
    - 剑阁县 sends on time on 10-15, then a late correction on 11-05: still on time.
    - 朝天区 and the others send nothing: missing. 2025-03 is the first round (only 利州区)."""
    put(tmp_path, "2025-03-12_利州区.parquet", [org("甲", "2025-03", "2025-03-12")])
    put(
        tmp_path,
        "2025-10-08_利州区.parquet",
        [
            org("甲", "2025-10", "2025-10-08"),
            org("乙", "2025-10", "2025-10-08", **UNCOVERED),
            org("丙", "2025-10", "2025-10-08"),
        ],
    )
    put(
        tmp_path,
        "2025-10-20_利州区.parquet",
        [
            org("甲", "2025-10", "2025-10-20", mobile_members=4, mobile_members_placed=3),
            org("乙", "2025-10", "2025-10-20", org_coverage="joint", party_members=1),
            org("丁", "2025-10", "2025-10-20", org_coverage="none", work_coverage=True, party_members=5),
        ],
    )
    put(tmp_path, "2025-11-12_旺苍县.parquet", [org("戊", "2025-10", "2025-11-12", area="旺苍县", **UNCOVERED)])
    put(tmp_path, "2025-11-20_旺苍县.parquet", [org("戊", "2025-10", "2025-10-30", area="旺苍县")])
    put(tmp_path, "2025-10-15_剑阁县.parquet", [org("己", "2025-10", "2025-10-15", area="剑阁县")])
    put(tmp_path, "2025-11-05_剑阁县.parquet", [org("己", "2025-10", "2025-11-05", area="剑阁县")])
    return store.load(tmp_path)


TODAY = date(2025, 11, 26)


def test_resubmitted_round_is_on_time_and_shows_the_newest_contents(worked):
    c = cell(ledger.status(worked, TODAY), LIZHOU, "2025-10")
    assert (c["status"], c["days_late"], c["first_updated_on"], c["submissions"]) == (
        "on_time",
        None,
        date(2025, 10, 8),
        2,
    )
    # 甲, 乙 (now joint), 丁 (work coverage only, 5 members); 丙 left with the re-submission.
    assert (c["orgs"], c["uncovered"], c["should_build_not_built"]) == (3, 0, 1)
    assert (c["mobile_members"], c["mobile_members_placed"], c["placement_rate"]) == (4, 3, 0.75)
    assert (c["single_rate"], c["joint_rate"]) == (pytest.approx(1 / 3), pytest.approx(1 / 3))


def test_late_first_update_stays_late_after_an_on_time_correction(worked):
    c = cell(ledger.status(worked, TODAY), WANGCANG, "2025-10")
    assert (c["status"], c["days_late"], c["status_label"]) == ("late", 12, "逾期 12 天")
    assert c["first_updated_on"] == date(2025, 11, 12)
    assert c["uncovered"] == 0  # contents are the correction's


def test_late_correction_does_not_make_an_on_time_round_late(worked):
    c = cell(ledger.status(worked, TODAY), JIANGE, "2025-10")
    assert (c["status"], c["days_late"]) == ("on_time", None)


def test_missing_county(worked):
    c = cell(ledger.status(worked, TODAY), CHAOTIAN, "2025-10")
    assert (c["status"], c["status_label"]) == ("missing", "未报")
    assert (c["orgs"], c["uncovered"], c["mobile_members"]) == (None, None, None)
    # 2025-03 ended long ago: every county but 利州区 is missing it.
    first = ledger.status(worked, TODAY).filter(pl.col("round") == "2025-03")
    assert first.filter(pl.col("status") == "missing").height == 6


def test_round_not_yet_due(tmp_path):
    """Today 2026-03-15: 2026-03 is running. A county that has sent its rows is on time; the rest are not due."""
    put(tmp_path, "2025-10-10_利州区.parquet", [org("甲", "2025-10", "2025-10-10")])
    put(tmp_path, "2026-03-10_利州区.parquet", [org("甲", "2026-03", "2026-03-10")])
    status = ledger.status(store.load(tmp_path), date(2026, 3, 15))
    assert cell(status, LIZHOU, "2026-03")["status"] == "on_time"
    waiting = cell(status, WANGCANG, "2026-03")
    assert (waiting["status"], waiting["status_label"], waiting["orgs"]) == ("not_due", "未到期", None)
    # On the month's last day it is still not due; the day after, it is missing.
    assert cell(ledger.status(store.load(tmp_path), date(2026, 3, 31)), WANGCANG, "2026-03")["status"] == "not_due"
    assert cell(ledger.status(store.load(tmp_path), date(2026, 4, 1)), WANGCANG, "2026-03")["status"] == "missing"


def test_city_totals_sum_the_counties_that_reported(worked):
    total = ledger.city_totals(worked, TODAY).filter(pl.col("round") == "2025-10").row(0, named=True)
    assert (total["counties"], total["counties_reported"], total["counties_late"], total["counties_missing"]) == (
        7,
        3,
        1,
        4,
    )
    assert (total["orgs"], total["uncovered"], total["should_build_not_built"]) == (5, 0, 1)


# --- follow-up, the road to zero, changes ---------------------------------------------------------------


@pytest.fixture
def history(tmp_path) -> store.Data:
    """利州区 over four rounds (2024-10 not reported); 乙 uncovered throughout, 丙 covered then uncovered again,
    丁 has 4 members and only a liaison (应建未建), 戊 joins uncovered in 2025-10, 甲 leaves in 2025-10."""
    put(
        tmp_path,
        "2024-03-05_利州区.parquet",
        [
            org("甲", "2024-03", "2024-03-05"),
            org("乙", "2024-03", "2024-03-05", **UNCOVERED),
            org("丙", "2024-03", "2024-03-05", **UNCOVERED),
            org("丁", "2024-03", "2024-03-05", org_coverage="none", party_members=4),
        ],
    )
    put(
        tmp_path,
        "2025-03-05_利州区.parquet",
        [
            org("甲", "2025-03", "2025-03-05"),
            org("乙", "2025-03", "2025-03-05", **UNCOVERED),
            org("丙", "2025-03", "2025-03-05", org_coverage="joint"),
            org("丁", "2025-03", "2025-03-05", org_coverage="none", party_members=4),
        ],
    )
    put(
        tmp_path,
        "2025-10-05_利州区.parquet",
        [
            org("乙", "2025-10", "2025-10-05", **UNCOVERED),
            org("丙", "2025-10", "2025-10-05", **UNCOVERED),
            org("丁", "2025-10", "2025-10-05", org_coverage="none", party_members=4),
            org("戊", "2025-10", "2025-10-05", **UNCOVERED),
        ],
    )
    put(tmp_path, "2025-10-06_旺苍县.parquet", [org("己", "2025-10", "2025-10-06", area="旺苍县")])
    put(tmp_path, "2025-03-06_旺苍县.parquet", [org("己", "2025-03", "2025-03-06", area="旺苍县", **UNCOVERED)])
    return store.load(tmp_path)


def test_follow_up_names_why_and_since_when(history):
    out = ledger_orgs.follow_up(history, TODAY)
    got = {r["org_name"]: (r["reason"], r["since_round"], r["round"]) for r in out.iter_rows(named=True)}
    assert {k: v[:2] for k, v in got.items()} == {
        "乙": ("未覆盖", "2024-03"),  # 2024-10 was not reported: a gap, not a break
        "丙": ("未覆盖", "2025-10"),  # covered in 2025-03, so its current run starts again
        "丁": ("应建未建", "2024-03"),
        "戊": ("未覆盖", "2025-10"),
    }
    assert {v[2] for v in got.values()} == {"2025-10"}


def test_follow_up_uses_a_missing_countys_previous_ledger(history):
    """For 2025-03 旺苍县 reported 己 uncovered; asking about 2025-10 (旺苍县 covered it) drops it, but a county
    that has not yet sent 2025-10 would still show its 2025-03 entries."""
    assert "己" in ledger_orgs.follow_up(history, TODAY, "2025-03")["org_name"].to_list()
    assert "己" not in ledger_orgs.follow_up(history, TODAY, "2025-10")["org_name"].to_list()
    current = ledger.current(history, TODAY, "2025-10")
    assert dict(zip(current["area"], current["round"], strict=True)) == {LIZHOU: "2025-10", WANGCANG: "2025-10"}


def test_both_reasons_are_named(tmp_path):
    put(
        tmp_path,
        "2025-03-05_利州区.parquet",
        [org("甲", "2025-03", "2025-03-05", **(UNCOVERED | {"party_members": 3}))],
    )
    row = ledger_orgs.follow_up(store.load(tmp_path), TODAY).row(0, named=True)
    assert (row["reason"], row["uncovered"], row["should_build"]) == ("未覆盖、应建未建", True, True)


def test_follow_up_sheet_has_chinese_headers(history):
    sheet = ledger_orgs.follow_up_sheet(history, TODAY)
    assert sheet.columns == list(ledger_orgs.FOLLOW_UP_HEADERS.values())
    assert sheet.height == 4


def test_changes_against_the_previous_reported_round(history):
    out = ledger_orgs.changes(history, TODAY, "2025-10")
    got = {(r["area_name"], r["org_name"]): (r["change"], r["prev_round"]) for r in out.iter_rows(named=True)}
    assert got == {
        ("利州区", "甲"): ("left", "2025-03"),
        ("利州区", "丙"): ("newly_uncovered", "2025-03"),
        ("利州区", "戊"): ("new", "2025-03"),
        ("旺苍县", "己"): ("newly_covered", "2025-03"),
    }
    # 2025-03 against 2024-03: 2024-10 was not reported, so the county's previous reported round is used.
    earlier = ledger_orgs.changes(history, TODAY, "2025-03")
    assert earlier.select("org_name", "change", "prev_round").rows() == [("丙", "newly_covered", "2024-03")]


def test_road_to_zero_and_zero_state(history):
    road = ledger_zero.road_to_zero(history, TODAY)
    assert cell(road, WANGCANG, "2025-10")["cell"] == "已清零"
    assert cell(road, LIZHOU, "2025-10")["cell"] == "3 个"
    assert cell(road, LIZHOU, "2024-10")["cell"] == "未报"
    city = cell(road, "510800", "2025-10")
    assert (city["cell"], city["counties_reported"], city["cleared"]) == ("3 个*", 2, False)
    state = {
        r["area"]: (r["uncovered"], r["cleared"], r["cleared_since"])
        for r in ledger_zero.zero_state(history, TODAY).rows(named=True)
    }
    assert state == {LIZHOU: (3, False, None), WANGCANG: (0, True, "2025-10")}


def test_city_is_cleared_only_when_every_county_reports_zero(tmp_path):
    for i, area in enumerate(("利州区", "昭化区", "朝天区", "旺苍县", "青川县", "剑阁县", "苍溪县")):
        put(tmp_path, f"2025-03-{10 + i}_{area}.parquet", [org(f"组织{i}", "2025-03", f"2025-03-{10 + i}", area=area)])
    road = ledger_zero.road_to_zero(store.load(tmp_path), date(2025, 4, 1))
    assert cell(road, "510800", "2025-03")["cell"] == "已清零"


# --- the summary ------------------------------------------------------------------------------------


def test_summary_json_shape_and_agreement(worked, tmp_path, capsys):
    entries = summary.build(worked, TODAY)["coverage"]
    status = ledger.status(worked, TODAY)
    assert len(entries) == status.height == 7 * 2
    for entry in entries:
        assert set(ledger.SUMMARY_FIELDS) | {"area_code"} <= set(entry)
        row = cell(status, entry["area_code"], entry["round"])
        assert entry["area"] == row["area_name"]
        for key in ("status", "days_late", "orgs", "uncovered", "should_build_not_built", "mobile_members"):
            assert entry[key] == row[key]
    late = next(e for e in entries if e["area"] == "旺苍县" and e["round"] == "2025-10")
    assert (late["status"], late["days_late"], late["area_code"]) == ("late", 12, WANGCANG)
    gone = next(e for e in entries if e["area"] == "朝天区" and e["round"] == "2025-10")
    assert gone["orgs"] is None and gone["uncovered"] is None and gone["mobile_members_placed"] is None
    # The CLI prints the same entries.
    assert cli.main(["summary", str(worked.data_dir), "--json", "--today", TODAY.isoformat()]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["coverage"] == json.loads(json.dumps(entries, ensure_ascii=False))


# --- the bundled sample --------------------------------------------------------------------------------


def test_bundled_sample_reproduces_its_planted_stories():
    d = store.load(ROOT / "data")
    today = date(2026, 11, 26)
    status = ledger.status(d, today)
    off = {(r["area_name"], r["round"]): (r["status"], r["days_late"]) for r in status.iter_rows(named=True)}
    assert {k: v for k, v in off.items() if v[0] != "on_time"} == {
        ("旺苍县", "2025-10"): ("late", 12),
        ("朝天区", "2024-10"): ("missing", None),
        ("青川县", "2026-10"): ("missing", None),
    }
    resent = status.filter(pl.col("submissions") > 1)
    assert resent.select("area_name", "round").rows() == [("利州区", "2026-03")]
    lizhou = ledger_orgs.changes(d, today, "2026-03").filter(pl.col("area_name") == "利州区")
    assert sorted(lizhou["change"]) == ["left", "new"]
    state = {r["area_name"]: r["uncovered"] for r in ledger_zero.zero_state(d, today).iter_rows(named=True)}
    assert {k: v for k, v in state.items() if v} == {"旺苍县": 1, "剑阁县": 2}
    last = status.filter(pl.col("round") == "2026-10")
    assert dict(zip(last["area_name"], last["uncovered"], strict=True)) == {
        "利州区": 0,
        "昭化区": 0,
        "朝天区": 0,
        "旺苍县": 1,
        "青川县": None,
        "剑阁县": 2,
        "苍溪县": 0,
    }
