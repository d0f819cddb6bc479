"""A target's history and a projection to its deadline, for the trend chart and the talking points.

Projection methods (stated under each chart):
- stock (level) indicators: a straight line through the last four reported points (least squares), extended
  to the deadline;
- annual flows (1–N月累计): this year's average monthly amount carried to December (and to the deadline
  year's December when the deadline year is later, at the current year's full-year pace);
- growth targets: the latest full-year value grown at the achieved compound rate to the deadline year.
Once the deadline period is reported there is nothing to project.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from gydash.base import plan
from gydash.snapshots import resolve
from gydash.snapshots.store import Data

METHODS = {
    "level": "按最近 4 期数据线性外推至截止期",
    "flow": "按今年月均进度外推至年末",
    "growth": "按已实现的年均增速外推至截止年",
}


def history(data: Data, row: dict) -> pl.DataFrame:
    """Reported periods of the target's indicator and area up to its deadline, with a month-end date column.
    Computed once per state of the data (the overview draws one per target on every rerun)."""
    key = f"history:{row['indicator']}:{row['area_code']}:{row['year']}:{row['month']}"
    return data.cached(key, lambda: _history(data, row["indicator"], row["area_code"], row["year"], row["month"]))


def _history(data: Data, indicator: str, area: str, year: int, month: int) -> pl.DataFrame:
    s = resolve.series(data).filter(
        (pl.col("indicator") == indicator)
        & (pl.col("area") == area)
        & (pl.col("year") * 100 + pl.col("month") <= year * 100 + month)
    )
    return s.with_columns(pl.date("year", "month", 1).dt.month_end().alias("date")).sort("date")


def _level_projection(points: pl.DataFrame, deadline: date) -> list[tuple[date, float]]:
    last = points.tail(4)
    if last.height < 2:
        return []
    xs = [d.toordinal() for d in last["date"]]
    ys = last["value"].to_list()
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    denom = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / denom if denom else 0.0
    end = last["date"][-1]
    return [(end, ys[-1]), (deadline, ys[-1] + slope * (deadline.toordinal() - xs[-1]))]


def projection(data: Data, row: dict) -> dict:
    """{'points': [(date, value)], 'end_value': float | None, 'method': str} — empty when final or no data."""
    if row["final"] or row["actual"] is None:
        return {"points": [], "end_value": None, "method": ""}
    deadline = row["deadline"]
    if row["kind"] == "growth":
        years = row["year"] - row["actual_year"]
        end = row["latest_value"] * (1 + row["actual"]) ** years
        pts = [(date(row["actual_year"], 12, 31), row["latest_value"]), (date(row["year"], 12, 31), end)]
        return {"points": pts, "end_value": end, "method": METHODS["growth"]}
    if row["measure"] == "flow":
        year_end = row["actual"] / row["actual_month"] * 12
        pts = [
            (plan.month_end(row["actual_year"], row["actual_month"]), row["actual"]),
            (date(row["actual_year"], 12, 31), year_end),
        ]
        return {"points": pts, "end_value": year_end, "method": METHODS["flow"]}
    pts = _level_projection(history(data, row).filter(pl.col("date") <= deadline), deadline)
    return {"points": pts, "end_value": pts[-1][1] if pts else None, "method": METHODS["level"]}
