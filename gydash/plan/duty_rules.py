"""The duty rules (plandata/duties.csv): what each column means, how to add a rule, and how a table is checked.

The rules are rows of ``plandata/duties.csv``:

========  =====================================================================================================
column    meaning
========  =====================================================================================================
plan      the plan the duty comes from (``2024``); its start (plans.csv) is used when a dataset is still empty
code      the rule's code, e.g. ``policy_briefing``; rows sharing a code are one rule (see overrides below)
clause    the plan's clause number (5, 7, 16, 17 …)
name_zh   the Chinese name shown to officials (政策宣讲)
dataset   ``activities`` or ``loans`` — the events counted, as resolved by ``resolve.events``
kind      for activities, the event ``kind`` counted (empty: every kind)
scope     ``each_county`` (each county counts its own events), ``city_and_counties`` (广元市 and each county, each
          its own), ``city`` (广元市 counting only events filed under 广元市), ``city_all_areas`` (广元市 counting the
          events of every area)
period    ``year`` (periods "YYYY") or ``month`` (periods "YYYY-MM")
measure   ``count`` (number of events) or ``sum:<column>`` (a numeric column of the dataset, e.g.
          ``sum:enterprises_served``, ``sum:amount_wan``)
required  the minimum per area and period
unit      次 / 家 / 万元, shown after every number
areas     optional ``|``-separated areas (code, full or short name) the row is limited to
since     optional first year the row applies to
until     optional last year the row applies to
========  =====================================================================================================

How to add a later plan or a stricter rule — no code changes, only rows:

- A later plan (say ``2026``: three briefings a year from 2026): set ``until`` = 2025 on the 2024 row (or leave it:
  among rows that cover the same cell, the later row in the file wins) and add
  ``2026,policy_briefing,5,政策宣讲,activities,policy_briefing,each_county,year,count,3,次,,2026,``.
- A county's stricter rule (朝天区 must hold four): add
  ``2024,policy_briefing,5,政策宣讲,activities,policy_briefing,each_county,year,count,4,次,朝天区,,``.
  A row naming the area in ``areas`` beats a row that covers it only through its scope.
- A new duty is a row with a new code. Rows of one code must share dataset, period and measure.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from gydash.base import plan
from gydash.base.contract import ACTIVITY_KINDS
from gydash.snapshots import tables

EVENT_DATASETS = ("activities", "loans")
SCOPES = ("each_county", "city_and_counties", "city", "city_all_areas")
PERIODS = ("year", "month")

_TEXT_COLUMNS = (
    "plan",
    "code",
    "clause",
    "name_zh",
    "dataset",
    "kind",
    "scope",
    "period",
    "measure",
    "unit",
    "areas",
)


def numeric_columns(dataset: str) -> tuple[str, ...]:
    """Columns a rule may sum: the dataset's numeric columns in the data contract (the allow-list)."""
    return tables.numeric_columns(dataset)


def load_rules(path) -> pl.DataFrame:
    """A rules table read from CSV and checked; ValueError names the row and the problem."""
    raw = pl.read_csv(path, infer_schema=False)
    missing = [c for c in (*_TEXT_COLUMNS, "required", "since", "until") if c not in raw.columns]
    if missing:
        raise ValueError(f"{path}: 缺少列 {', '.join(missing)}")
    table = raw.with_columns(
        pl.col(*_TEXT_COLUMNS).str.strip_chars().replace("", None),
        pl.col("required").cast(pl.Float64),
        pl.col("since", "until").str.strip_chars().replace("", None).cast(pl.Int64),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
    )
    rows = [_checked(r) for r in table.iter_rows(named=True)]
    out = pl.DataFrame(rows, schema=table.schema | {"value_column": pl.String, "area_list": pl.List(pl.String)})
    for code, group in out.group_by("code", maintain_order=True):
        if any(group[c].n_unique() > 1 for c in ("dataset", "period", "measure")):
            raise ValueError(f"规则 {code[0]} 的各行必须使用相同的 dataset、period、measure")
    return out


def _checked(r: dict) -> dict:
    where = f"duties.csv 第 {r['row'] + 2} 行（{r['code']}）"
    for col in ("plan", "code", "clause", "name_zh", "dataset", "scope", "period", "measure", "unit"):
        if r[col] is None:
            raise ValueError(f"{where}：{col} 不能为空")
    if r["dataset"] not in EVENT_DATASETS:
        raise ValueError(f"{where}：dataset 只能是 {' / '.join(EVENT_DATASETS)}")
    if r["kind"] is not None and (r["dataset"] != "activities" or r["kind"] not in ACTIVITY_KINDS):
        raise ValueError(f"{where}：kind {r['kind']} 不是活动类型")
    if r["scope"] not in SCOPES or r["period"] not in PERIODS:
        raise ValueError(f"{where}：scope 或 period 不正确")
    value_column = None
    if r["measure"] != "count":
        value_column = r["measure"].removeprefix("sum:")
        if not r["measure"].startswith("sum:") or value_column not in numeric_columns(r["dataset"]):
            raise ValueError(f"{where}：measure 只能是 count 或 sum:<{'|'.join(numeric_columns(r['dataset']))}>")
    if r["required"] is None or r["required"] < 0:
        raise ValueError(f"{where}：required 必须是不小于 0 的数")
    lookup = plan.area_lookup()
    area_list = []
    for spelling in (r["areas"] or "").split("|"):
        if spelling.strip():
            if spelling.strip() not in lookup:
                raise ValueError(f"{where}：不认识的县区 {spelling}")
            area_list.append(lookup[spelling.strip()])
    return r | {"value_column": value_column, "area_list": area_list}


@cache
def rules() -> pl.DataFrame:
    """The built-in rules table (plandata/duties.csv), checked."""
    return load_rules(plan.PLANDATA / "duties.csv")


def rule_codes(table: pl.DataFrame | None = None) -> list[str]:
    table = rules() if table is None else table
    return list(dict.fromkeys(table["code"]))


def rule_info(code: str, table: pl.DataFrame | None = None) -> dict:
    """The rule's first row: name, clause, unit, period, dataset …"""
    table = rules() if table is None else table
    found = table.filter(pl.col("code") == code)
    if found.is_empty():
        raise KeyError(code)
    return found.row(0, named=True)
