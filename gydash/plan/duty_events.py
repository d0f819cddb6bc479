"""The events behind one duty cell: the cell as judged, the events it counted and its running total."""

from __future__ import annotations

from datetime import date

import polars as pl

from gydash.base import clock, plan
from gydash.base.contract import columns
from gydash.plan.duties import evaluate, value_expr
from gydash.snapshots import resolve
from gydash.snapshots.store import Data

# A cell's events: the date falls in the period, the area is in scope, the kind matches. The same test as the
# engine's join on (period, area, kind), so a count and the list behind it can never disagree.
_MATCH = """e.date between c.period_start and c.period_end
    and (c.all_areas or e.area = c.area_code)
    and (c.kind is null or e.kind = c.kind)"""


def _with_kind(dataset: str, source: str) -> str:
    return source if "kind" in _data_columns(dataset) else f"(select *, null::varchar as kind from {source} k)"


def _data_columns(dataset: str) -> list[str]:
    return [c.name for c in columns(dataset)]


def cell(data: Data, rule: str, area: str, period: str, today: date | None = None) -> dict:
    """One evaluated cell; ``area`` may be a code, full or short name. KeyError if the engine has no such cell."""
    code = plan.area_lookup().get(area, area)
    found = evaluate(data, today).filter(
        (pl.col("rule") == rule) & (pl.col("area_code") == code) & (pl.col("period") == period)
    )
    if found.is_empty():
        raise KeyError((rule, area, period))
    return found.row(0, named=True)


def cell_events(data: Data, rule: str, area: str, period: str, today: date | None = None) -> pl.DataFrame:
    """The events behind one cell, oldest first: date, area, area_code, the dataset's own columns, id, file,
    the value each adds (1 for a count) and the running total — the same events the engine counted.
    Cached on the data version: a page asks for the same cell several times per rerun, each a scan of all events."""
    today = today or clock.today()
    code = plan.area_lookup().get(area, area)
    return data.cached(
        f"cell_events:{rule}:{code}:{period}:{today}", lambda: _cell_events(data, rule, area, period, today)
    )


def _cell_events(data: Data, rule: str, area: str, period: str, today: date) -> pl.DataFrame:
    row = cell(data, rule, area, period, today)
    one = pl.DataFrame(
        {
            "area_code": [row["area_code"]],
            "all_areas": [row["scope"] == "city_all_areas"],
            "kind": [row["kind"]],
            "value_column": [None if row["measure"] == "count" else row["measure"].removeprefix("sum:")],
            "period_start": [row["period_start"]],
            "period_end": [row["period_end"]],
        },
        schema_overrides={"kind": pl.String, "value_column": pl.String},
    )
    dataset = row["dataset"]
    own = [c.name for c in columns(dataset) if c.name not in ("date", "area", "id")]
    source, frames = resolve.event_source(data, dataset)
    sql = f"""
    select e.date, e.area as area_code, {", ".join(f"e.{c}" for c in own)}, e.id, e.file,
           {value_expr(dataset)} as value
    from c join {_with_kind(dataset, source)} e on {_MATCH}, range(e.copies) n(i)
    order by e.date, e.area, e.id nulls last, e.file
    """
    names = dict(zip(plan.areas()["code"], plan.areas()["name"], strict=True))
    found = data.query(sql, c=one, **frames)
    return found.with_columns(
        pl.col("area_code").replace(names).alias("area"),
        pl.col("value").cum_sum().round(6).alias("cumulative"),
    ).select("date", "area", "area_code", *own, "id", "file", "value", "cumulative")


def running_total(data: Data, rule: str, area: str, year: int, today: date | None = None) -> pl.DataFrame:
    """A yearly cell's total through the year as a step line: (date, cumulative), from 1 January at 0 to the
    last event, and on to today (or 31 December once the year is over)."""
    today = today or clock.today()
    events = cell_events(data, rule, area, str(year), today).select("date", "cumulative")
    start = pl.DataFrame({"date": [date(year, 1, 1)], "cumulative": [0.0]})
    end_day = min(max(today, date(year, 1, 1)), date(year, 12, 31))
    last = events["cumulative"][-1] if events.height else 0.0
    end = pl.DataFrame({"date": [max(end_day, events["date"].max() or end_day)], "cumulative": [last]})
    return pl.concat([start, events, end], how="vertical_relaxed")
