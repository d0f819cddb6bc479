"""Commendations against the plan's quotas: counting (no double counting of re-sent lists), statuses, spread."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gydash import cli, summary
from gydash.base import plan
from gydash.base.contract import COMMENDATION_CATEGORIES
from gydash.plan import commendations
from gydash.snapshots import store

ROOT = Path(__file__).resolve().parent.parent


def award(year: int, category: str, name: str, area: str = "利州区", **extra) -> dict:
    return {"year": year, "category": category, "name": name, "area": area, "organization": f"{name}所在单位"} | extra


def awards(year: int, category: str, n: int, area: str = "利州区", prefix: str = "") -> list[dict]:
    return [award(year, category, f"{prefix}{category}{i}", area) for i in range(n)]


def put(root: Path, name: str, rows: list[dict]) -> None:
    path = root / "commendations" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), path)


def row(frame: pl.DataFrame, year: int, group: str) -> dict:
    rows = frame.filter((pl.col("year") == year) & (pl.col("group") == group))
    assert rows.height == 1, (year, group)
    return rows.row(0, named=True)


def test_quota_table_is_complete():
    """Each built-in plan's groups count every contract category exactly once; periods and plans are known."""
    quotas = commendations.quotas()
    assert set(quotas["period"]) <= {"year", "cumulative"}
    for plan_id, group in quotas.group_by("plan"):
        assert plan_id[0] in set(plan.plans()["plan"])
        counted = [c for cats in group["categories"] for c in cats]
        assert sorted(counted) == sorted(COMMENDATION_CATEGORIES)
    builtin = {r["group"]: (r["quota"], r["period"]) for r in quotas.iter_rows(named=True) if r["plan"] == "2024"}
    assert builtin == {
        "leading_org_commended": (3, "year"),
        "leading_org_recommended": (2, "year"),
        "model_case": (2, "year"),
        "outstanding": (20, "year"),
        "demo_site": (2, "cumulative"),
        "innovation_leader": (None, "year"),
    }


@pytest.fixture
def resent(tmp_path) -> store.Data:
    """2024: 2 leading orgs commended, 8 + 10 outstanding; the list is sent again in January 2025 with one
    organisation corrected — the counts must not double. 2025: 3 commended, 10 + 10 outstanding, one demo site
    per year (cumulative 2 by 2025), 2 innovation leaders (no quota)."""
    list_2024 = [
        *awards(2024, "leading_org_commended", 2),
        *awards(2024, "outstanding_worker", 8),
        *awards(2024, "outstanding_member", 10),
        *awards(2024, "demo_site", 1),
    ]
    put(tmp_path, "2024-12-18.parquet", list_2024)
    again = [dict(r) for r in list_2024]
    again[0]["organization"] = "更正后的单位"
    put(tmp_path, "2025-01-08.parquet", again)
    put(
        tmp_path,
        "2025-12-19.parquet",
        [
            *awards(2025, "leading_org_commended", 3, area="旺苍县"),
            *awards(2025, "outstanding_worker", 10),
            *awards(2025, "outstanding_member", 10),
            *awards(2025, "demo_site", 1, area="剑阁县"),
            *awards(2025, "innovation_leader", 2),
        ],
    )
    return store.load(tmp_path)


TODAY = date(2026, 11, 26)


def test_resent_list_is_not_double_counted(resent):
    progress = commendations.progress(resent, TODAY)
    assert (row(progress, 2024, "leading_org_commended")["actual"], row(progress, 2024, "outstanding")["actual"]) == (
        2,
        18,
    )
    names = commendations.names(resent)
    fixed = names.filter((pl.col("year") == 2024) & (pl.col("name") == "leading_org_commended0"))
    assert fixed.height == 1 and fixed["organization"][0] == "更正后的单位"


@pytest.mark.parametrize(
    ("year", "group", "expected"),
    [
        (2024, "leading_org_commended", (3, 2, "unmet")),
        (2024, "outstanding", (20, 18, "unmet")),  # worker and member counted together
        (2024, "model_case", (2, 0, "unmet")),
        (2024, "demo_site", (2, 1, "in_progress")),  # cumulative: judged at the plan's deadline
        (2025, "demo_site", (2, 2, "met")),
        (2025, "leading_org_commended", (3, 3, "met")),
        (2025, "outstanding", (20, 20, "met")),
        (2025, "innovation_leader", (None, 2, "no_quota")),
    ],
    ids=lambda v: str(v),
)
def test_counts_and_statuses(resent, year, group, expected):
    r = row(commendations.progress(resent, TODAY), year, group)
    assert (r["quota"], r["actual"], r["status"]) == expected


def test_plan_years_only_and_years_outside_listed_without_quota(tmp_path):
    put(tmp_path, "2023-12-20.parquet", awards(2023, "leading_org_commended", 3))
    progress = commendations.progress(store.load(tmp_path), TODAY)
    assert sorted(set(progress["year"])) == [2023, 2024, 2025]  # 2026 lies beyond the 2024 plan's deadline
    before = row(progress, 2023, "leading_org_commended")
    assert (before["plan"], before["quota"], before["actual"], before["status"]) == (None, None, 3, "no_quota")
    assert row(progress, 2025, "model_case")["status"] == "unmet"


def test_current_year_is_in_progress_until_met(resent):
    mid_2025 = date(2025, 6, 30)
    progress = commendations.progress(resent, mid_2025)
    assert row(progress, 2025, "model_case")["status"] == "in_progress"
    assert row(progress, 2025, "leading_org_commended")["status"] == "met"  # already reached mid-year
    assert row(progress, 2024, "outstanding")["status"] == "unmet"
    assert row(progress, 2025, "demo_site")["status"] == "met"


def test_cumulative_quota_unmet_after_the_deadline(tmp_path):
    put(tmp_path, "2024-12-18.parquet", awards(2024, "demo_site", 1))
    progress = commendations.progress(store.load(tmp_path), TODAY)
    assert (row(progress, 2025, "demo_site")["actual"], row(progress, 2025, "demo_site")["status"]) == (1, "unmet")
    running = commendations.progress(store.load(tmp_path), date(2025, 12, 31))
    assert row(running, 2025, "demo_site")["status"] == "in_progress"


def test_spread_and_never_commended(resent):
    spread = commendations.spread(resent)
    assert spread.height == 7 * 2
    got = {(r["area_name"], r["year"]): r["count"] for r in spread.iter_rows(named=True) if r["count"]}
    assert got == {("利州区", 2024): 21, ("利州区", 2025): 22, ("旺苍县", 2025): 3, ("剑阁县", 2025): 1}
    assert commendations.never_commended(resent) == ["昭化区", "朝天区", "青川县", "苍溪县"]


def test_summary_json_shape_and_agreement(resent, capsys):
    entries = summary.build(resent, TODAY)["commendations"]
    progress = commendations.progress(resent, TODAY)
    assert len(entries) == progress.height
    for e in entries:
        assert set(commendations.SUMMARY_FIELDS) <= set(e)
        r = row(progress, e["year"], e["category"])
        assert (e["quota"], e["actual"], e["status"]) == (r["quota"], r["actual"], r["status"])
    outstanding = next(e for e in entries if e["year"] == 2024 and e["category"] == "outstanding")
    assert (outstanding["quota"], outstanding["actual"], outstanding["status"]) == (20, 18, "unmet")
    assert cli.main(["summary", str(resent.data_dir), "--json", "--today", TODAY.isoformat()]) == 0
    assert json.loads(capsys.readouterr().out)["commendations"] == entries


def test_bundled_sample_reproduces_its_planted_stories():
    d = store.load(ROOT / "data")
    progress = commendations.progress(d, TODAY)
    assert row(progress, 2024, "leading_org_commended")["actual"] == 2
    assert row(progress, 2024, "outstanding")["actual"] == 18
    assert all(
        r["status"] == "met" for r in progress.filter(pl.col("year") == 2025).iter_rows(named=True) if r["quota"]
    )
    assert commendations.never_commended(d) == ["青川县"]
