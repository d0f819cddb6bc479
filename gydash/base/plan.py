"""The plan as data: areas, the indicator catalogue, plans and their built-in targets, read from plandata/*.csv."""

from __future__ import annotations

import calendar
from datetime import date
from functools import cache
from pathlib import Path

import polars as pl

PLANDATA = Path(__file__).parent / "plandata"
CITY = "510800"
BUILTIN_PLAN = "2024"


def _read(name: str, **schema: pl.DataType) -> pl.DataFrame:
    return pl.read_csv(PLANDATA / f"{name}.csv", schema_overrides=schema or None)


@cache
def areas() -> pl.DataFrame:
    """code, name, short, is_city — GB/T 2260 codes as strings, the city first."""
    return _read("areas", code=pl.String)


@cache
def counties() -> tuple[str, ...]:
    return tuple(areas().filter(~pl.col("is_city"))["code"])


@cache
def area_lookup() -> dict[str, str]:
    """Every accepted spelling of an area (code, full name, short name) → its code."""
    out: dict[str, str] = {}
    for row in areas().iter_rows(named=True):
        for spelling in (row["code"], row["name"], row["short"]):
            out[spelling] = row["code"]
    out["市本级"] = CITY
    return out


@cache
def _names(column: str) -> dict[str, str]:
    return dict(zip(areas()["code"], areas()[column], strict=True))


def area_name(code: str) -> str:
    return _names("name").get(code, code)


def area_short(code: str) -> str:
    return _names("short").get(code, code)


@cache
def _shorts_by_name() -> dict[str, str]:
    return dict(zip(areas()["name"], areas()["short"], strict=True))


def short_of_name(name: str) -> str:
    """A county's two-character name from its full name (利州区 → 利州, 广元市 → 全市), so seven or eight columns
    headed by counties fit a phone; a name not in the areas table stays as it is."""
    return _shorts_by_name().get(name, name)


@cache
def indicators() -> pl.DataFrame:
    """The indicator catalogue: code, name, unit, measure (level|flow), additive, allow_negative, aliases, clause."""
    return _read("indicators")


@cache
def indicator_lookup() -> dict[str, str]:
    """Every accepted spelling of an indicator (code, Chinese name, alias) → its code."""
    out: dict[str, str] = {}
    for row in indicators().iter_rows(named=True):
        out[row["code"]] = row["code"]
        out[row["name"]] = row["code"]
        for alias in (row["aliases"] or "").split("|"):
            if alias:
                out[alias] = row["code"]
    return out


@cache
def _indicator_rows() -> dict[str, dict]:
    return {r["code"]: r for r in indicators().iter_rows(named=True)}


def indicator(code: str) -> dict:
    """The catalogue row of an indicator (a copy: callers may add to it); KeyError for an unknown code."""
    return dict(_indicator_rows()[code])


@cache
def unit_factors() -> dict[tuple[str, str], float]:
    """(given unit, catalogue unit) → multiplier, for units staff may write instead of the catalogue's."""
    table = _read("units")
    return {(r["from_unit"], r["to_unit"]): r["factor"] for r in table.iter_rows(named=True)}


@cache
def plans() -> pl.DataFrame:
    """Built-in plans: plan id, title, issuer, published, start (pace is measured from here), deadline."""
    return _read("plans", plan=pl.String).with_columns(pl.col("published", "start", "deadline").str.to_date())


@cache
def plan_lookup() -> dict[str, str]:
    """Every accepted spelling of a built-in plan → its id, so staff may write the title or '2024方案'."""
    out: dict[str, str] = {}
    for row in plans().iter_rows(named=True):
        out[row["plan"]] = row["plan"]
        out[row["title"]] = row["plan"]
        for alias in (row["aliases"] or "").split("|"):
            if alias:
                out[alias] = row["plan"]
    return out


@cache
def builtin_targets() -> pl.DataFrame:
    """The built-in targets: plan, indicator, area, year, month, target, kind, base_year, clause."""
    return _read("targets", plan=pl.String, area=pl.String).with_columns(
        pl.col("year", "month", "base_year").cast(pl.Int64), pl.col("target").cast(pl.Float64)
    )


def plan_info(plan_id: str, targets: pl.DataFrame | None = None) -> dict:
    """Title, start and deadline of a plan; a plan known only from the targets dataset gets them from its rows."""
    known = plans().filter(pl.col("plan") == plan_id)
    if not known.is_empty():
        return known.row(0, named=True)
    rows = targets.filter(pl.col("plan") == plan_id) if targets is not None else pl.DataFrame()
    if rows.is_empty():
        return {
            "plan": plan_id,
            "title": plan_id,
            "issuer": "",
            "published": None,
            "start": None,
            "deadline": None,
            "behind_tolerance_pp": 10,
        }
    last = rows.sort("year", "month").row(-1, named=True)
    first_year = int(rows["year"].min())
    return {
        "plan": plan_id,
        "title": plan_id,
        "issuer": "",
        "published": None,
        # A later plan's pace runs from the end of the year before its first target year.
        "start": date(first_year - 1, 12, 31),
        "deadline": month_end(int(last["year"]), int(last["month"])),
        "behind_tolerance_pp": 10,
    }


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])
