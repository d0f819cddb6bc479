"""Percentages in an uploaded workbook: a %-formatted number of a % indicator read as the number Excel shows."""

from __future__ import annotations

import functools
import math
import re
from decimal import Decimal

import polars as pl

from gydash.base import plan
from gydash.base.contract import TARGET_KINDS
from gydash.base.contract import columns as columns_of
from gydash.snapshots.column_checks import Checker, lookup, map_headers
from gydash.snapshots.intake import Raw

# What a number format shows as written, not computed: "text", \x, [colour or condition], _x (space), *x (fill).
_LITERAL = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def shows_percent(code: str | None, value: float) -> bool:
    """Whether Excel shows `value` × 100 with a % sign under the number format `code`: a % outside quotes in the
    section that applies to it (sections: positive; negative; zero)."""
    sections = _percent_sections(code or "")
    i = 0 if value > 0 or len(sections) == 1 else 1 if value < 0 else (2 if len(sections) > 2 else 0)
    return sections[i]


@functools.lru_cache(maxsize=256)  # a sheet has a handful of formats and many cells
def _percent_sections(code: str) -> tuple[bool, ...]:
    return tuple("%" in section for section in _LITERAL.sub("", code).split(";"))


def percent_shown(ws, rows: list[int], col: int) -> dict[int, str]:
    """{i: the number shown} for each rows[i] whose cell in column `col` (of an openpyxl sheet) holds a number its
    format shows as a percentage: the value × 100 at full precision ('2.5' for 0.025), not rounded as the format
    rounds it for display."""
    shown = {}
    for i, row in enumerate(rows):
        cell = ws._cells.get((row, col))  # never ws.cell(): that would add the cells it is asked for
        value = getattr(cell, "value", None)
        number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if number and cell.data_type == "n" and shows_percent(cell.number_format, value):
            shown[i] = format(Decimal(repr(float(value))).scaleb(2).normalize(), "f")
    return shown


# The column in which a percentage-formatted number is read as shown, and the rows where it is (see below).
PERCENT_COLUMNS = {"indicators": "value", "targets": "target"}


def percent_as_shown(raw: Raw, ws, header: dict[int, str], dataset: str) -> Raw:
    """A number formatted as a percentage in Excel holds 0.025 and shows 2.5%: typing 2.5% stores 0.025. The
    catalogue states an indicator with unit % in percentage points (R&D经费投入强度 2.5), so in the value column
    (数值; for targets 目标值 at a level, not a growth rate) of a row whose indicator's unit is %, a number that its
    cell's format shows with a % sign is read as the number shown, 2.5 (percent_shown). Every other cell keeps
    the value it holds: a growth target is a rate, and Excel's 0.15 for 15% is what the contract asks for there."""
    found = map_headers(raw.frame, columns_of(dataset), Checker("", dataset))  # the headers validation will take
    name = PERCENT_COLUMNS.get(dataset)
    at = next((i for i, h in header.items() if name in found and h == found[name]), None)
    if at is None or "indicator" not in found:
        return raw
    percent = [r["code"] for r in plan.indicators().iter_rows(named=True) if r["unit"] == "%"]
    wanted = lookup(raw.frame[found["indicator"]], plan.indicator_lookup()).is_in(percent)
    if "kind" in found:  # targets: a growth rate stays a rate
        kinds = {**{k: k for k in TARGET_KINDS}, **{v: k for k, v in TARGET_KINDS.items()}}
        wanted &= (lookup(raw.frame[found["kind"]], kinds) != "growth").fill_null(True)
    candidates = wanted.fill_null(False).arg_true().to_list()  # usually none: only % indicators' cells are looked at
    shown = {candidates[j]: v for j, v in percent_shown(ws, [raw.rows[i] for i in candidates], at).items()}
    if not shown:
        return raw
    values = raw.frame[found[name]].cast(pl.String).to_list()
    for i, value in shown.items():
        values[i] = value
    raw.frame = raw.frame.with_columns(pl.Series(found[name], values, dtype=pl.String))
    rows = sorted(shown)
    first = shown[rows[0]]
    held = format(Decimal(first).scaleb(-2).normalize(), "f")
    raw.notes.append(
        f"{len(rows)} 行的「{found[name]}」在 Excel 中是百分比格式（如第 {raw.rows[rows[0]]} 行显示为 {first}%）；"
        f"指标单位是 %，已按显示的数读取（{first}，不是 Excel 存的 {held}）"
    )
    return raw
