"""Commendations against the plan's quotas (clauses 10–12): counts per year and quota group, names, county spread.

Quotas are data (plandata/quotas.csv): one row per plan and group, with the categories it counts, a quota and a
period — `year` (counted within each year) or `cumulative` (counted from the plan's first year up to that year,
judged at the plan's deadline) — and, for a yearly quota, the month-day it is due each year (`due`, 12-31: the
year's commendations are made in December). A group without a quota (创新领军人才) is listed, never judged.

Counting uses the commendations in effect (per year, category and name the newest snapshot wins), so a list sent
again is not counted twice. The years judged are the plan's years (the year after its start up to its deadline
year) that have begun by today; years in the data outside every plan are listed without quota.

Status per year and group:
- met: the count has reached the quota (a year still running can already be met);
- in_progress: not yet reached and not yet due — the year is still running, or, for a cumulative quota, the row is
  for a year before the plan's deadline year, or the deadline has not passed;
- unmet: not reached and due (the year, or for a cumulative quota the plan period, has ended);
- no_quota: nothing to judge (no quota for the group, or the year lies outside every plan).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import polars as pl

from gydash.base import palette, plan
from gydash.base.contract import COMMENDATION_CATEGORIES
from gydash.snapshots import resolve
from gydash.snapshots.store import Data

STATUS_LABELS = palette.words(palette.QUOTA)
OUTSIDE_LABEL = "方案期外，不考核"
CUMULATIVE_RUNNING_LABEL = "进行中（方案期末累计考核）"
SUMMARY_FIELDS = ("year", "category", "quota", "actual", "status")
EXTRA_FIELDS = ("plan", "label", "clause", "unit", "period", "status_label")


@cache
def quotas() -> pl.DataFrame:
    """plan, group, label, clause, quota (null = listed only), unit, period (year|cumulative), categories (list),
    due (month-day a yearly quota falls due, '12-31'; null for a cumulative one, due at the plan's deadline)."""
    frame = pl.read_csv(
        plan.PLANDATA / "quotas.csv",
        schema_overrides={"plan": pl.String, "clause": pl.String, "quota": pl.Int64, "due": pl.String},
    )
    return frame.with_columns(pl.col("categories").str.split("|"))


def plan_years(plan_id: str) -> tuple[int, int, date]:
    """(first year, last year, deadline) of a plan's quota period."""
    info = plan.plan_info(plan_id)
    start, deadline = info["start"], info["deadline"]
    return (start + timedelta(days=1)).year, deadline.year, deadline


def _group_of() -> dict[str, tuple[str, str]]:
    """category → (group, label), for listing years that no plan covers (first plan's grouping wins)."""
    out: dict[str, tuple[str, str]] = {}
    for q in quotas().iter_rows(named=True):
        for c in q["categories"]:
            out.setdefault(c, (q["group"], q["label"]))
    return out


def due_date(due: str | None, year: int) -> date:
    """A yearly quota's due date in `year` from its month-day ('12-31'); the year's end when none is given."""
    month, day = (int(x) for x in (due or "12-31").split("-"))
    return date(year, month, day)


def yearly_due(year: int) -> tuple[date, list[str]]:
    """When `year`'s commendations are due (the latest due date of the yearly quotas, as the plan data gives it)
    and the plan clauses that set them ('10', '11')."""
    rows = quotas().filter(pl.col("period") == "year")
    clauses = sorted(set(rows.filter(pl.col("quota").is_not_null())["clause"]), key=int)
    return max(due_date(d, year) for d in rows["due"].to_list()), clauses


def _status(quota: int | None, actual: int, period: str, year: int, deadline: date, today: date, due: str) -> str:
    if quota is None:
        return "no_quota"
    if actual >= quota:
        return "met"
    if period == "cumulative" and year < deadline.year:
        return "in_progress"  # an earlier year's running total is judged only at the plan's deadline
    end = deadline if period == "cumulative" else due_date(due, year)
    return "unmet" if today > end else "in_progress"


def _count(awards: pl.DataFrame, categories: list[str], first: int, last: int) -> int:
    return awards.filter(pl.col("category").is_in(categories) & pl.col("year").is_between(first, last)).height


def progress(data: Data, today: date) -> pl.DataFrame:
    """One row per year and quota group: plan, year, group, label, clause, quota, unit, period, actual, status."""

    def compute() -> pl.DataFrame:
        awards = resolve.commendations(data)
        rows: list[dict] = []
        covered: set[int] = set()
        for q in quotas().iter_rows(named=True):
            first, last, deadline = plan_years(q["plan"])
            for year in range(first, min(last, today.year) + 1):
                covered.add(year)
                since = first if q["period"] == "cumulative" else year
                actual = _count(awards, q["categories"], since, year)
                status = _status(q["quota"], actual, q["period"], year, deadline, today, q["due"])
                rows.append({**q, "year": year, "actual": actual, "status": status})
        outside = sorted(set(awards["year"].to_list()) - covered)
        groups: dict[str, dict] = {}
        for q in quotas().to_dicts():
            groups.setdefault(q["group"], q)  # the first plan's grouping, for years no plan covers
        for year in outside:
            for q in groups.values():
                actual = _count(awards, q["categories"], year, year)
                rows.append({**q, "plan": None, "quota": None, "year": year, "actual": actual, "status": "no_quota"})
        schema = {
            "plan": pl.String,
            "year": pl.Int64,
            "group": pl.String,
            "label": pl.String,
            "clause": pl.String,
            "quota": pl.Int64,
            "unit": pl.String,
            "period": pl.String,
            "actual": pl.Int64,
            "status": pl.String,
        }
        order = {g: i for i, g in enumerate(dict.fromkeys(quotas()["group"]))}
        frame = pl.DataFrame([{k: r[k] for k in schema} for r in rows], schema=schema)
        return (
            frame.with_columns(
                pl.when(pl.col("plan").is_null())
                .then(pl.lit(OUTSIDE_LABEL))
                .when((pl.col("period") == "cumulative") & (pl.col("status") == "in_progress"))
                .then(pl.lit(CUMULATIVE_RUNNING_LABEL))
                .otherwise(pl.col("status").replace_strict(STATUS_LABELS, return_dtype=pl.String))
                .alias("status_label"),
                pl.col("group").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_ord"),
            )
            .sort("year", "_ord")
            .drop("_ord")
        )

    return data.cached(f"commendation_progress:{today.isoformat()}", compute)


def names(data: Data) -> pl.DataFrame:
    """Every commendation in effect with its county name, category label and quota group."""
    awards = resolve.commendations(data)
    groups = _group_of()
    areas = plan.areas().select(pl.col("code").alias("area"), pl.col("name").alias("area_name"))
    return awards.join(areas, on="area", how="left", maintain_order="left").with_columns(
        pl.col("category").replace_strict(COMMENDATION_CATEGORIES, default=None).alias("category_label"),
        pl.col("category")
        .replace_strict({c: g for c, (g, _) in groups.items()}, default=None, return_dtype=pl.String)
        .alias("group"),
    )


def spread(data: Data) -> pl.DataFrame:
    """County × year: how many commendations (all categories) went to each county, zeros included; the city
    appears only when something was awarded at city level."""
    awards = resolve.commendations(data)
    years = sorted(set(awards["year"].to_list()))
    codes = list(plan.counties())
    if (awards["area"] == plan.CITY).any():
        codes.append(plan.CITY)
    grid = pl.DataFrame({"area": codes}).join(pl.DataFrame({"year": years}, schema={"year": pl.Int64}), how="cross")
    counts = awards.group_by("area", "year").agg(pl.len().cast(pl.Int64).alias("count"))
    out = grid.join(counts, on=["area", "year"], how="left").with_columns(pl.col("count").fill_null(0))
    areas = plan.areas().select(pl.col("code").alias("area"), pl.col("name").alias("area_name"))
    return out.join(areas, on="area", how="left", maintain_order="left")


def reported(data: Data, year: int) -> bool:
    """Whether any commendation of `year` is in the data (a list sent in for that year)."""
    return (resolve.commendations(data)["year"] == year).any()


def latest_completed_year(data: Data, today: date, before: int) -> int | None:
    """The newest year before `before` whose commendations are in the data and whose yearly due date has passed."""
    years = set(resolve.commendations(data)["year"].to_list())
    done = [y for y in years if y < before and yearly_due(y)[0] < today]
    return max(done) if done else None


def never_commended(data: Data) -> list[str]:
    """Counties (full names) with no commendation in any year of the data."""
    totals = spread(data).group_by("area", "area_name", maintain_order=True).agg(pl.col("count").sum())
    return [r["area_name"] for r in totals.iter_rows(named=True) if r["count"] == 0 and r["area"] != plan.CITY]


def summary_entries(data: Data, today: date) -> list[dict]:
    """`gydash summary --json` "commendations": one entry per year and quota group ("outstanding" combines
    优秀党务工作者 and 优秀共产党员)."""
    frame = progress(data, today).rename({"group": "category"})
    return [{k: r[k] for k in (*SUMMARY_FIELDS, *EXTRA_FIELDS)} for r in frame.iter_rows(named=True)]
