"""A snapshot's date, from its file name or else its modification time, and notes on the data dir and those dates."""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from gydash.base.contract import KEYS, YEAR_MAX, YEAR_MIN
from gydash.base.problems import Problem
from gydash.snapshots.file_entry import FileEntry

if TYPE_CHECKING:  # the store uses this module
    from gydash.snapshots.store import Data

_DASHED = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")

# Either form in one pattern: both dashes or none (the backreference). Matches of the two forms can never overlap
# (each is a whole run of digits: 4-2-2 between dashes, or exactly 8), so one pass finds them all in order.
_EITHER = re.compile(r"(?<!\d)(\d{4})(-?)(\d{2})\2(\d{2})(?!\d)")


@lru_cache(maxsize=65536)
def date_from_name(name: str) -> date | None:
    """The first valid YYYY-MM-DD or YYYYMMDD in a file name, whichever comes first."""
    for match in _EITHER.finditer(name):
        year, _, month, day = match.groups()
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            continue
    return None


# Every date of the data contract, a snapshot's own date included.
FIRST_YEAR, LAST_YEAR = YEAR_MIN, YEAR_MAX
FUTURE_MARGIN_DAYS = 7  # import takes a snapshot dated a few days ahead (figures finished early), no more unless forced


@lru_cache(maxsize=4096)
def invalid_date_in_name(name: str) -> str | None:
    """Text in a file name that is written as a date but is not one ('2026-02-30', '20250931'), when the name
    has no valid date: the snapshot is then dated by its modification time, and staff should be told why. Eight
    digits count only when they read as a month and day (01–12, 01–31), so an order number is not a date."""
    if date_from_name(name) is not None:
        return None
    for match in sorted([*_DASHED.finditer(name), *_COMPACT.finditer(name)], key=lambda m: m.start()):
        _, month, day = (int(g) for g in match.groups())
        if match.re is _DASHED or (1 <= month <= 12 and 1 <= day <= 31):
            return match.group(0)
    return None


def date_out_of_range(entry: FileEntry) -> str | None:
    """Why a snapshot's date cannot be used, when its file name gives a date outside the contract's years (a file
    named 00010101_….parquet): such a date would put the file before or after every other and stretch every period
    list across centuries. (An undated file whose modification time is outside them is ignored by the scan.)"""
    if entry.as_of is None or FIRST_YEAR <= entry.as_of.year <= LAST_YEAR:
        return None
    return (
        f"文件名中的日期 {entry.as_of.isoformat()} 不在 {FIRST_YEAR}–{LAST_YEAR} 年之间：请改正文件名中的日期"
        "（写成 YYYY-MM-DD，如 2025-09-30）"
    )


def date_from_mtime(st: os.stat_result) -> date | None:
    """The local date of a file's modification time, or None when it is no date of the years data can be for."""
    try:
        day = datetime.fromtimestamp(st.st_mtime).date()
    except (OverflowError, OSError, ValueError):  # past year 9999, or before 1 AD
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def dating_notes(data: Data, today: date) -> list[Problem]:
    """Warnings about the data dir and snapshot dates: missing dir, same-date snapshots, future or undated files."""
    notes: list[Problem] = []
    if not data.data_dir.is_dir():
        return [Problem(str(data.data_dir), "数据目录不存在，请检查路径或 GYDASH_DATA_DIR 设置", level="warning")]
    if not data.files:
        notes.append(Problem(str(data.data_dir), "数据目录中还没有可用的数据文件", level="warning"))
    seen: dict[tuple[str, date], str] = {}
    for f in sorted(data.files, key=lambda f: (f.entry.dataset, f.entry.order)):
        e = f.entry
        if date_out_of_range(e):
            continue  # rejected for its date, which the file's own reason already names
        if e.dated_by == "mtime":
            invalid = invalid_date_in_name(e.path.name)
            why = f"文件名中的日期「{invalid}」不是有效日期" if invalid else "文件名中没有日期"
            notes.append(Problem(e.rel, f"{why}，按修改时间 {e.as_of} 作为快照日期", level="warning"))
        if e.as_of > today:
            notes.append(Problem(e.rel, f"快照日期 {e.as_of} 晚于今天（{today}），请核对文件名", level="warning"))
        same = seen.get((e.dataset, e.as_of))
        # Only keyed datasets can have one file's rows override another's; elsewhere a shared date is normal.
        if same is not None and e.dataset in KEYS:
            notes.append(
                Problem(e.rel, f"与 {same} 快照日期相同（{e.as_of}），按文件名排序，本文件优先", level="warning")
            )
        seen[(e.dataset, e.as_of)] = e.rel
    return notes
