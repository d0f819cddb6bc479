"""The meeting's sections — one screen in presenter mode, one slide, one PDF page each — built for one quarter.

A section is a title, one chart (with the table it draws, for CSV), talking points and the numbers as tables.
Every figure comes from the functions the pages use (progress, duties, ledger, commendations, scoreboard,
changes), applied to the quarter's cut of the data (``quarter.load``) judged the morning after the quarter end,
so the pack says what the dashboard said for that quarter. Sections, in order: 主要目标, 责任落实, 两个覆盖清零,
表扬推荐, 县区红黑榜, 较上季度变化, 下一步工作. The whole pack is cached on the quarter's data version.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import altair as alt
import polars as pl

from gydash.base import plan
from gydash.meeting import changes, pack_parts, quarter, talking
from gydash.meeting.county_sections import (
    commendation_rows,
    commendations_section,
    due_round,
    ledger_section,
    scoreboard_section,
)
from gydash.meeting.pack_parts import Pack, Section  # Section also for pages/meeting.py, which imports it from here
from gydash.meeting.plan_sections import city_targets, duties_section, duty_window, targets_section
from gydash.meeting.quarter import Quarter
from gydash.plan import ledger, ledger_rounds, progress
from gydash.snapshots import resolve
from gydash.snapshots.store import Data

# --- 较上季度变化 / 下一步 -----------------------------------------------------------------------------------------


def changes_section(ch: changes.Changes) -> Section:
    return Section(
        "changes",
        f"较上季度变化（{ch.since} → {ch.quarter}）",
        talking.change_points(ch),
        tables=[("变化清单", ch.table())],
        note="两端均为季度末的数据（只用当时及以前的快照），逐项比较目标状态、责任完成、台账清零和数据修订。",
    )


def _next_round(q: Quarter) -> tuple[str, str] | None:
    """The ledger round whose month falls in the next quarter, with its deadline, if any."""
    first = q.end + timedelta(days=1)
    last = plan.month_end(*(first.year, first.month + 2))
    for month in ledger_rounds.ROUND_MONTHS:
        end = plan.month_end(first.year, month)
        if first <= end <= last:
            return f"{first.year}-{month:02d}", str(end)
    return None


def next_steps_section(q: Quarter, plan_id: str, targets: Section, ledger_sec: Section) -> Section:
    rows = city_targets(q, plan_id)
    this_year = duty_window(q).filter(pl.col("year") == q.end.year)
    overdue = this_year.filter(pl.col("status") == "unmet").rows(named=True)
    running = this_year.filter(pl.col("status") == "in_progress").rows(named=True)
    rnd = due_round(q)
    current = ledger.current(q.data, q.today, rnd) if rnd else pl.DataFrame()
    info = plan.plan_info(plan_id, resolve.targets(q.data))
    passed = info["deadline"] is not None and info["deadline"] <= q.end
    points = talking.next_steps(rows, overdue, running, current, _next_round(q), commendation_rows(q), passed)
    return Section("next", "下一步工作", points, note="根据本季度末的差距自动生成，供讨论时参考。")


# --- the pack ------------------------------------------------------------------------------------------------------


def build(source: Data | Path | str, end: date | str, plan_id: str = plan.BUILTIN_PLAN) -> Pack:
    """Every section for the quarter ending `end`, from snapshots dated up to then (cached per data version);
    `source` is the data now (its scan is reused) or a data dir."""
    q = quarter.load(source, end)

    def compute() -> Pack:
        # The chart specs come from Altair: a new Altair may draw them differently, so its version is in the name.
        kept_as = f"pack:{plan_id}:{q.end}:{alt.__version__}"
        parts = q.data.kept(kept_as, lambda: _parts(q, plan_id), pack_parts.KEPT)
        return Pack(plan_id, parts.plan_title, q, parts.stamp, parts.sections, parts.changes)

    return q.data.cached(f"pack:{plan_id}", compute)


def _parts(q: Quarter, plan_id: str) -> pack_parts.Parts:
    """Every section of the quarter's pack, worked out from its cut of the data."""
    ch = changes.since_last_quarter(q, plan_id)
    targets = targets_section(q, plan_id)
    ledger_sec = ledger_section(q)
    sections = [
        targets,
        duties_section(q),
        ledger_sec,
        commendations_section(q),
        scoreboard_section(q, plan_id),
        changes_section(ch),
        next_steps_section(q, plan_id, targets, ledger_sec),
    ]
    return pack_parts.Parts(progress.plan_title(q.data, plan_id), quarter.stamp(q.data, plan_id, q.end), sections, ch)
