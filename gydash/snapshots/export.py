"""What users download: a table with Chinese headers and units, values rounded as on screen, no internal columns.

Every CSV, Excel file and on-screen table goes through `table` (CSV through `csv`), so a county office opening a
download in Excel or WPS reads the same words and figures as the page. The rules:
- a column named in COLUMNS gets its Chinese header; "{unit}" in it is the figure's unit (the `unit` argument,
  or the frame's own `unit` column when every row has the same one, else a 单位 column is kept);
- columns in INTERNAL (codes, tile positions, file paths, chart labels) are left out, and so is any other column
  without a Chinese name: an English header never reaches a user;
- a column whose name is already Chinese is kept as it is, its numbers rounded by the unit in its header;
- numbers are rounded as fmt shows them: counts (家、个、次、名、人、项) whole, amounts to 2 decimals, shares as
  percentages to 1 decimal (0.11538… → 11.5 under a "（%）" header), scores to 1 decimal; yes/no as 是/否;
  county codes as county names; status codes as their Chinese words.
CSV is UTF-8 with a byte-order mark, which Excel and WPS need to recognise the encoding of Chinese text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from gydash.base import palette, plan

COUNT_UNITS = ("家", "个", "次", "名", "人", "项", "条")
_UNIT_IN_HEADER = re.compile(r"（([^（）]+)）$")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Column:
    header: str  # "{unit}" is replaced by the figure's unit
    kind: str = "text"  # text | number | percent | score | int | flag | area | status


COLUMNS: dict[str, Column] = {
    "area": Column("县区", "area"),
    "area_name": Column("县区"),
    "label": Column("类别"),
    "name": Column("工作"),
    "clause": Column("方案条款"),
    "date": Column("日期"),
    "year": Column("年度", "int"),
    "month": Column("月份", "int"),
    "period": Column("期间"),
    "round": Column("台账期次"),
    "value": Column("数值（{unit}）", "number"),
    "previous": Column("上年同期（{unit}）", "number"),
    "previous_value": Column("修订前数值（{unit}）", "number"),
    "target": Column("县区目标（{unit}）", "number"),
    "target_year": Column("目标年度", "int"),
    "yoy": Column("同比（%）", "percent"),
    "attainment": Column("目标完成（%）", "percent"),
    "rank": Column("名次", "int"),
    "change": Column("较上季"),
    "score": Column("综合得分（分）", "score"),
    "required": Column("要求（{unit}）", "number"),
    "actual": Column("完成（{unit}）", "number"),
    "quota": Column("定额（{unit}）", "number"),
    "cumulative": Column("累计（{unit}）", "number"),
    "events": Column("计入记录（条）", "number"),
    "cells": Column("县区期次（个）", "number"),
    "count": Column("数量（项）", "number"),
    "status": Column("状态", "status"),
    "status_label": Column("状态"),
    "state": Column("状态"),
    "cell": Column("清零情况"),
    "first_updated_on": Column("首次报送日期"),
    "submissions": Column("报送次数（次）", "number"),
    "orgs": Column("组织数（个）", "number"),
    "uncovered": Column("未覆盖组织（个）", "number"),
    "counties_reported": Column("已报送县区（个）", "number"),
    "mobile_members": Column("流动党员（人）", "number"),
    "mobile_members_placed": Column("已归入支部（人）", "number"),
    "placement_rate": Column("归入率（%）", "percent"),
    "derived": Column("由县区数据相加", "flag"),
    "revised": Column("有修订", "flag"),
    "as_of": Column("快照日期"),
    "source": Column("数据来源"),
}

# Columns for drawing or joining, not for reading: codes, positions, file paths, chart labels.
INTERNAL = frozenset(
    {
        "area_code",
        "short",
        "tile_x",
        "tile_y",
        "source_file",
        "file",
        "previous_file",
        "first_file",
        "latest_file",
        "_file",
        "_as_of",
        "_order",
        "_row",
        "indicator",
        "rule",
        "kind",
        "counties",
        "who",
        "words",
        "ord",
    }
)


def _status_words() -> dict[str, str]:
    return dict(palette.words(palette.DUTY))  # the duty engine's words (duties.STATUS_LABELS)


def _chinese(name: str) -> bool:
    return bool(_CJK.search(name))


def _digits(unit: str | None) -> int:
    return 0 if unit in COUNT_UNITS else 2


def _rounded(s: pl.Series, digits: int) -> pl.Series:
    if not s.dtype.is_float():
        return s  # whole numbers (and text) are shown as they are
    s = s.round(digits)
    return s.cast(pl.Int64) if digits == 0 else s


def _unit_of(frame: pl.DataFrame, unit: str | None) -> tuple[str | None, bool]:
    """The figures' unit, and whether a per-row 单位 column must stay (the units differ between rows)."""
    if "unit" not in frame.columns:
        return unit, False
    units = frame["unit"].drop_nulls().unique().to_list()
    if len(units) <= 1:
        return (units[0] if units else unit), False
    return None, True


def _header_unit(header: str) -> str | None:
    shown = _UNIT_IN_HEADER.search(header)
    return shown.group(1) if shown else None


def _converted(s: pl.Series, col: Column, header: str, has_label: bool) -> pl.Series | None:
    kind = col.kind
    if kind == "number":
        return _rounded(s, _digits(_header_unit(header)))
    if kind == "int":
        return s.cast(pl.Int64, strict=False) if s.dtype.is_numeric() else s
    if kind == "percent":
        return (s.cast(pl.Float64) * 100).round(1)
    if kind == "score":
        return s.cast(pl.Float64).round(1)
    if kind == "flag":
        return s.cast(pl.Boolean).replace_strict({True: "是", False: "否"}, default=None, return_dtype=pl.String)
    if kind == "area":
        codes = set(plan.counties()) | {plan.CITY}
        return s.cast(pl.String).map_elements(
            lambda v: plan.area_name(v) if v in codes else v, return_dtype=pl.String, skip_nulls=True
        )
    if kind == "status":
        return None if has_label else s.replace(_status_words())
    return s


def table(frame, unit: str | None = None) -> pl.DataFrame:
    """`frame` (polars or pandas) as users read and download it; `unit` is the unit of its figures."""
    if not isinstance(frame, pl.DataFrame):
        frame = pl.from_pandas(frame)
    unit, keep_units = _unit_of(frame, unit)
    has_label = "status_label" in frame.columns
    out: dict[str, pl.Series] = {}
    for name in frame.columns:
        s = frame[name]
        if isinstance(s.dtype, pl.List):
            s = s.list.eval(pl.element().cast(pl.String)).list.join("；")
        if _chinese(name):
            out.setdefault(name, _rounded(s, _digits(_header_unit(name))))
            continue
        if name == "unit":
            if keep_units:
                out.setdefault("单位", s)
            continue
        col = COLUMNS.get(name)
        if col is None or name in INTERNAL:
            continue
        header = col.header.replace("（{unit}）", f"（{unit}）" if unit else "")
        converted = _converted(s, col, header, has_label)
        if converted is not None:
            out.setdefault(header, converted)  # the first column of a header wins (area over area_name …)
    return pl.DataFrame([s.alias(h) for h, s in out.items()])


def csv(frame, unit: str | None = None) -> bytes:
    """`table(frame, unit)` as CSV with a byte-order mark, so Excel and WPS open the Chinese text correctly."""
    return table(frame, unit).write_csv().encode("utf-8-sig")
