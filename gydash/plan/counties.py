"""County comparison: one indicator for one period across the 7 counties, with year-on-year change and targets.

Counties without a figure for the period are listed last with no rank (never counted as zero). Ranks are
competition ranks (1, 2, 2, 4): equal values share a rank. The average is over reporting counties only.
"""

from __future__ import annotations

import polars as pl

from gydash.base import plan
from gydash.snapshots import resolve
from gydash.snapshots.store import Data


def periods(data: Data, indicator: str) -> list[tuple[int, int]]:
    """Periods with at least one county figure for the indicator, newest first."""
    s = resolve.series(data).filter((pl.col("indicator") == indicator) & (pl.col("area") != plan.CITY))
    return sorted({(r["year"], r["month"]) for r in s.select("year", "month").iter_rows(named=True)}, reverse=True)


def _county_targets(data: Data, plan_id: str, indicator: str, year: int) -> pl.DataFrame:
    """Each county's own target for the period's year, else its nearest later target year in the plan."""
    t = resolve.targets(data).filter(
        (pl.col("plan") == plan_id)
        & (pl.col("indicator") == indicator)
        & (pl.col("area") != plan.CITY)
        & (pl.col("year") >= year)
    )
    return (
        t.sort("year")
        .group_by("area", maintain_order=True)
        .first()
        .select(pl.col("area").alias("area_code"), "target", pl.col("year").alias("target_year"), pl.col("kind"))
    )


def compare(data: Data, indicator: str, year: int, month: int, plan_id: str = plan.BUILTIN_PLAN) -> pl.DataFrame:
    """area_code, area, short, tile_x, tile_y, value, rank, previous (same month a year earlier), yoy, target,
    target_year, attainment — one row per county, ranked first."""
    s = resolve.series(data).filter((pl.col("indicator") == indicator) & (pl.col("area") != plan.CITY))
    now = s.filter((pl.col("year") == year) & (pl.col("month") == month)).select(
        pl.col("area").alias("area_code"), "value", pl.col("file").alias("source_file")
    )
    before = s.filter((pl.col("year") == year - 1) & (pl.col("month") == month)).select(
        pl.col("area").alias("area_code"), pl.col("value").alias("previous")
    )
    areas = (
        plan.areas()
        .filter(~pl.col("is_city"))
        .select(pl.col("code").alias("area_code"), pl.col("name").alias("area"), "short", "tile_x", "tile_y")
    )
    out = (
        areas.join(now, on="area_code", how="left")
        .join(before, on="area_code", how="left")
        .join(_county_targets(data, plan_id, indicator, year), on="area_code", how="left")
        .with_columns(
            pl.col("value").rank("min", descending=True).cast(pl.Int64).alias("rank"),
            pl.when(pl.col("previous") > 0).then(pl.col("value") / pl.col("previous") - 1).alias("yoy"),
            pl.when((pl.col("target") > 0) & (pl.col("kind") == "level"))
            .then(pl.col("value") / pl.col("target"))
            .alias("attainment"),
        )
    )
    return out.sort("rank", "area_code", nulls_last=True)


def average(table: pl.DataFrame) -> float | None:
    values = table["value"].drop_nulls()
    return float(values.mean()) if len(values) else None


def trends(data: Data, indicator: str) -> pl.DataFrame:
    """Every county's reported values for the indicator, for small multiples."""
    names = plan.areas().select(pl.col("code").alias("area"), pl.col("short"))
    return (
        resolve.series(data)
        .filter((pl.col("indicator") == indicator) & (pl.col("area") != plan.CITY))
        .join(names, on="area", how="left")
        .with_columns(
            (pl.col("year").cast(pl.String) + "-" + pl.col("month").cast(pl.String).str.zfill(2)).alias("period")
        )
        .sort("area", "year", "month")
    )
