"""Notes on the data dir and snapshot dates: a missing dir, same-date snapshots, future or undated files."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from gydash.base.contract import KEYS
from gydash.base.problems import Problem
from gydash.snapshots.catalog import date_out_of_range, invalid_date_in_name

if TYPE_CHECKING:  # the store uses this module
    from gydash.snapshots.store import Data


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
