"""The road to zero uncovered organisations (动态清零): per county and city-wide per round, and since when."""

from __future__ import annotations

from datetime import date

import polars as pl

from gydash.base import palette, plan
from gydash.plan.ledger import STATUS_LABELS, city_totals, status
from gydash.snapshots.store import Data


def zero_word() -> pl.Expr:
    """A road_to_zero row's state in words: 已清零, 未清零 or 无数据 (palette.ZERO)."""
    return (
        pl.when(pl.col("cleared"))
        .then(pl.lit(palette.ZERO["cleared"].word))
        .when(pl.col("uncovered").is_not_null())
        .then(pl.lit(palette.ZERO["open"].word))
        .otherwise(pl.lit(palette.ZERO["no_data"].word))
    )


def road_to_zero(data: Data, today: date) -> pl.DataFrame:
    """Uncovered organisations per county and city-wide per round, with the word shown in each cell.

    City-wide is the sum over the counties that reported (marked * when some have not, `counties_reported` says
    how many); it is 已清零 only when all counties reported zero."""
    per_county = status(data, today).select(
        "area", "area_name", "round", "status", "uncovered", pl.lit(None, pl.Int64).alias("counties_reported")
    )
    city = city_totals(data, today).select(
        pl.lit(plan.CITY).alias("area"),
        pl.lit(plan.area_name(plan.CITY)).alias("area_name"),
        "round",
        pl.when(pl.col("counties_reported") > 0)
        .then(pl.lit("reported"))
        .when(pl.col("counties_not_due") > 0)
        .then(pl.lit("not_due"))
        .otherwise(pl.lit("missing"))
        .alias("status"),
        "uncovered",
        "counties_reported",
    )
    counties = len(plan.counties())
    frame = pl.concat([per_county, city], how="vertical_relaxed")
    cells = []
    for r in frame.iter_rows(named=True):
        if r["uncovered"] is None:
            cells.append(STATUS_LABELS[r["status"]])
        elif r["area"] == plan.CITY and r["counties_reported"] < counties:
            cells.append(f"{r['uncovered']} 个*")  # * only some counties reported: see counties_reported
        else:
            cells.append("已清零" if r["uncovered"] == 0 else f"{r['uncovered']} 个")
    cleared = pl.Series([c == "已清零" for c in cells])
    return frame.with_columns(pl.Series("cell", cells, dtype=pl.String), cleared.alias("cleared"))


def zero_state(data: Data, today: date) -> pl.DataFrame:
    """Per county: uncovered in its newest reported round, and since which round it has stayed at zero
    (动态清零 = reaches zero and stays there; rounds the county did not report are skipped)."""
    rows = []
    for area, group in status(data, today).filter(pl.col("orgs").is_not_null()).group_by("area", maintain_order=True):
        reported = group.sort("round")
        since = None
        for rnd, n in zip(reversed(reported["round"]), reversed(reported["uncovered"]), strict=True):
            if n != 0:
                break
            since = rnd
        last = reported.row(-1, named=True)
        rows.append(
            {
                "area": area[0],
                "area_name": last["area_name"],
                "round": last["round"],
                "uncovered": last["uncovered"],
                "cleared": last["uncovered"] == 0,
                "cleared_since": since,
            }
        )
    schema = {
        "area": pl.String,
        "area_name": pl.String,
        "round": pl.String,
        "uncovered": pl.Int64,
        "cleared": pl.Boolean,
        "cleared_since": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)
