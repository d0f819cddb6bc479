"""The duty engine's grid: one cell per rule × area × period, each governed by one row of the rules table.

Periods judged: from the first data period — the period of the earliest event date in the rule's dataset (any kind,
so a kind never reported shows as 0, not as missing) or the row's ``since`` if later — up to today's period.
When the dataset has no event at all, periods start at the plan's start (2024-01 for the 2024 plan): a duty does not
vanish because nothing was reported. Monthly rules also list the rest of today's year as ``not_due``.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from gydash.base import plan
from gydash.plan.duty_rules import EVENT_DATASETS, rule_codes
from gydash.snapshots import resolve
from gydash.snapshots.store import Data


def _scope_areas(scope: str) -> tuple[str, ...]:
    counties = plan.counties()
    return {
        "each_county": counties,
        "city_and_counties": (plan.CITY, *counties),
        "city": (plan.CITY,),
        "city_all_areas": (plan.CITY,),
    }[scope]


def _plan_start(plan_id: str, since: int | None, today: date) -> date:
    known = plan.plans().filter(pl.col("plan") == plan_id)
    if not known.is_empty():
        return known["start"][0] + timedelta(days=1)  # plans.csv holds the day before the first period
    return date(since or today.year, 1, 1)


def _periods(kind: str, first: date, last: date) -> list[tuple[str, date, date]]:
    if kind == "year":
        return [(f"{y}", date(y, 1, 1), date(y, 12, 31)) for y in range(first.year, last.year + 1)]
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append((f"{y}-{m:02d}", date(y, m, 1), plan.month_end(y, m)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def first_event_dates(data: Data) -> dict[str, date | None]:
    """Per event dataset, the month of its earliest event in effect, any kind (None when it has none)."""
    out = {}
    for ds in EVENT_DATASETS:
        source, frames = resolve.monthly_source(data, ds)  # the month is enough: periods are calendar months or years
        out[ds] = data.query(f"select min(month) as first from {source} e", **frames)["first"][0]
    return out


def grid(table: pl.DataFrame, first_dates: dict[str, date | None], today: date) -> pl.DataFrame:
    """One row per (rule, area, period), each from the row that governs it (explicit area, then later row)."""
    best: dict[tuple[str, str, str], tuple[tuple[bool, int], dict]] = {}
    order = {code: i for i, code in enumerate(rule_codes(table))}
    area_order = {code: i for i, code in enumerate(plan.areas()["code"])}
    for r in table.iter_rows(named=True):
        first = first_dates[r["dataset"]] or _plan_start(r["plan"], r["since"], today)
        if r["since"] is not None and r["since"] > first.year:
            first = date(r["since"], 1, 1)
        last = today if r["period"] == "year" else date(today.year, 12, 31)
        if r["until"] is not None and r["until"] < last.year:
            last = date(r["until"], 12, 31)
        areas = [a for a in _scope_areas(r["scope"]) if not r["area_list"] or a in r["area_list"]]
        priority = (bool(r["area_list"]), r["row"])
        for period, start, end in _periods(r["period"], first, last):
            for area in areas:
                key = (r["code"], area, period)
                if key in best and best[key][0] > priority:
                    continue
                best[key] = (
                    priority,
                    {
                        "rule": r["code"],
                        "plan": r["plan"],
                        "clause": r["clause"],
                        "name": r["name_zh"],
                        "dataset": r["dataset"],
                        "kind": r["kind"],
                        "scope": r["scope"],
                        "period_kind": r["period"],
                        "measure": r["measure"],
                        "value_column": r["value_column"],
                        "required": r["required"],
                        "unit": r["unit"],
                        "area_code": area,
                        "all_areas": r["scope"] == "city_all_areas",
                        "period": period,
                        "period_start": start,
                        "period_end": end,
                        "_sort": (order[r["code"]], area_order.get(area, 99), period),
                    },
                )
    rows = sorted((v for _, v in best.values()), key=lambda c: c["_sort"])
    schema = {
        "rule": pl.String,
        "plan": pl.String,
        "clause": pl.String,
        "name": pl.String,
        "dataset": pl.String,
        "kind": pl.String,
        "scope": pl.String,
        "period_kind": pl.String,
        "measure": pl.String,
        "value_column": pl.String,
        "required": pl.Float64,
        "unit": pl.String,
        "area_code": pl.String,
        "all_areas": pl.Boolean,
        "period": pl.String,
        "period_start": pl.Date,
        "period_end": pl.Date,
    }
    frame = pl.DataFrame([{k: c[k] for k in schema} for c in rows], schema=schema)
    return frame.with_row_index("cell")
