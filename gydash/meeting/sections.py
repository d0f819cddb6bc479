"""The meeting's sections — one screen in presenter mode, one slide, one PDF page each — built for one quarter.

A section is a title, one chart (with the table it draws, for CSV), talking points and the numbers as tables.
Every figure comes from the functions the pages use (progress, duties, ledger, commendations, scoreboard,
changes), applied to the quarter's cut of the data (``quarter.load``) judged the morning after the quarter end,
so the pack says what the dashboard said for that quarter. Sections, in order: 主要目标, 责任落实, 两个覆盖清零,
表扬推荐, 县区红黑榜, 较上季度变化, 下一步工作. The whole pack is cached on the quarter's data version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import altair as alt
import polars as pl

from gydash import charts
from gydash.base import fmt, palette, plan
from gydash.meeting import changes, quarter, render, talking
from gydash.meeting.quarter import Quarter, Stamp
from gydash.plan import commendations, duties, ledger, progress, scoreboard
from gydash.snapshots import resolve
from gydash.snapshots.store import Data

WIDTH = 560  # chart width in pixels for the pack: small enough that labels stay large on a slide
SYMBOLS = {k: render.safe(s) for k, s in duties.STATUS_SYMBOLS.items()}  # as the pack's font can draw them
DUTY_SHOWN = ("met", "unmet", "in_progress", "awaiting_data")  # the duty chart's statuses (not_due is not counted)


@dataclass
class Chart:
    name: str  # file-name stem for downloads, e.g. "2025Q4_主要目标"
    chart: alt.TopLevelMixin
    data: pl.DataFrame  # what the chart draws, for the CSV download


@dataclass
class Section:
    key: str
    title: str
    points: list[str]
    chart: Chart | None = None
    tables: list[tuple[str, pl.DataFrame]] = field(default_factory=list)
    note: str = ""


@dataclass
class Pack:
    plan_id: str
    plan_title: str
    quarter: Quarter
    stamp: Stamp
    sections: list[Section]
    changes: changes.Changes

    @property
    def title(self) -> str:
        return f"{quarter.words(self.quarter.end)}工作汇报"

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def theme(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The shared chart theme with type a little larger, for a projector and a printed page."""
    return (
        charts.themed(chart)
        .configure_axis(labelFontSize=14, titleFontSize=14, labelLimit=300)
        .configure_title(fontSize=16, anchor="start", offset=8)
        .configure_legend(labelFontSize=14, titleFontSize=14, orient="bottom")
    )


# --- 主要目标 ------------------------------------------------------------------------------------------------------


def city_targets(q: Quarter, plan_id: str) -> list[dict]:
    """The plan's city-wide targets in catalogue order, as the overview shows them."""
    order = {code: i for i, code in enumerate(plan.indicators()["code"])}
    rows = [r for r in progress.target_progress(q.data, plan_id) if r["area_code"] == plan.CITY]
    return sorted(rows, key=lambda r: (order.get(r["indicator"], 99), r["year"]))


def target_table(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "指标": fmt.target_names(rows),
            "期间": [fmt.period(r["actual_year"], r["actual_month"], r["measure"]) for r in rows],
            "实际": [fmt.actual(r) + ("（推算）" if r["derived"] else "") for r in rows],
            "目标": [fmt.target(r) for r in rows],
            "完成率": [fmt.percent(r["progress"]) for r in rows],
            "与目标差距": [fmt.target_gap(r) for r in rows],
            "序时进度": [fmt.percent(r["pace"]) for r in rows],
            "状态": [fmt.status_text(r) for r in rows],
            "数据文件": [r["source_file"] or "—" for r in rows],
        },
        schema=dict.fromkeys(
            ("指标", "期间", "实际", "目标", "完成率", "与目标差距", "序时进度", "状态", "数据文件"), pl.String
        ),
    )


def targets_section(q: Quarter, plan_id: str) -> Section:
    rows = city_targets(q, plan_id)
    points = talking.targets(rows, progress.headline(rows))
    section = Section("targets", "主要目标完成情况", points, tables=[("主要目标", target_table(rows))])
    if rows:
        bullets = [
            charts.bullet(r).properties(
                width=WIDTH,
                title=alt.TitleParams(
                    render.safe(f"{name}  {fmt.actual(r)} / 目标 {fmt.target(r)}  {fmt.status_text(r)}")
                ),
            )
            for r, name in zip(rows, fmt.target_names(rows), strict=True)
        ]
        chart = theme(alt.vconcat(*bullets, spacing=14))
        section.chart = Chart(f"{q.label}_主要目标", chart, target_table(rows))
        sources = list(dict.fromkeys(r["source"] for r in rows if r.get("source")))
        clauses = list(dict.fromkeys(str(r["clause"]) for r in rows))
        section.note = (
            "条形为实际，黑色竖线为目标，▼为序时进度应达位置（已到期的目标不再显示）。"
            + (f"来源：{'、'.join(sources)}；" if sources else "")
            + f"方案条款：{'、'.join(clauses)}；数据文件见上表。"
        )
    revised = [fmt.revision(r) for r in rows if fmt.revision(r)]
    if revised:
        section.note += "；".join(revised) + "。"
    return section


# --- 责任落实 ------------------------------------------------------------------------------------------------------


def duty_window(q: Quarter) -> pl.DataFrame:
    """Duty cells of the 12 months to the quarter end (the scoreboard's window), plus the ones still running."""
    ev = duties.evaluate(q.data, q.today)
    lo = q.end.replace(year=q.end.year - 1)
    return ev.filter((pl.col("period_end") > lo) & (pl.col("period_start") <= q.end))


def duties_chart(window: pl.DataFrame) -> alt.Chart:
    order = duties.rule_codes()
    counts = (
        window.filter(pl.col("status").is_in(DUTY_SHOWN))
        .group_by("rule", "name", "status", "status_label")
        .agg(pl.len().alias("cells"))
        .with_columns(
            pl.col("rule").replace_strict({c: i for i, c in enumerate(order)}, return_dtype=pl.Int64).alias("ord"),
            pl.col("status")
            .replace_strict({s: i for i, s in enumerate(DUTY_SHOWN)}, return_dtype=pl.Int64)
            .alias("status_ord"),
            # the symbol beside each count, so a segment never says its state by colour alone
            pl.format("{}{}", pl.col("status").replace_strict(SYMBOLS), "cells").alias("words"),
        )
        .sort("ord", "status_ord")
    )
    names = list(dict.fromkeys(counts["name"]))
    labels, fills = palette.legend(palette.DUTY, [s for s in DUTY_SHOWN if s in set(counts["status"])])
    base = alt.Chart(counts).encode(
        y=alt.Y("name:N", sort=names, title=None),
        x=alt.X("cells:Q", stack="zero", title="核对项数（县区 × 期间）"),
        order=alt.Order("status_ord:Q"),
    )
    bars = base.mark_bar(stroke="white", strokeWidth=1).encode(
        color=alt.Color("status_label:N", title="状态", sort=labels, scale=alt.Scale(domain=labels, range=fills))
    )
    text = base.mark_text(dx=-4, align="right", fontSize=13, color=palette.TEXT_INK).encode(text="words:N")
    return alt.layer(bars, text).properties(width=WIDTH, height=alt.Step(34)), counts.drop("ord", "status_ord")


def duties_section(q: Quarter) -> Section:
    window = duty_window(q)
    overdue = [r | {"text": duties.describe(r)} for r in window.filter(pl.col("status") == "unmet").rows(named=True)]
    overdue.sort(key=lambda r: r["period_end"], reverse=True)
    city_year = [
        r
        for r in window.filter(
            (pl.col("area_code") == plan.CITY) & (pl.col("period_kind") == "year") & (pl.col("year") == q.end.year)
        ).rows(named=True)
        if r["scope"] == "city_all_areas"
    ]
    lo = q.end.replace(year=q.end.year - 1) + timedelta(days=1)
    span = f"{lo} 至 {q.end}"
    points = talking.duties_points(window, overdue, city_year, f"近 12 个月（{span}）")
    summary = (
        window.filter(pl.col("status") != "not_due")
        .group_by("rule", "name", maintain_order=True)
        .agg(
            pl.col("clause").first(),
            (pl.col("status") == "met").sum().alias("met"),
            (pl.col("status") == "unmet").sum().alias("unmet"),
            (pl.col("status") == "in_progress").sum().alias("running"),
            (pl.col("status") == "awaiting_data").sum().alias("awaiting"),
        )
        .select(
            pl.col("name").alias("工作"),
            pl.col("clause").alias("方案条款"),
            pl.format("{} 项", "met").alias("已完成"),
            pl.format("{} 项", "unmet").alias("未完成"),
            pl.format("{} 项", "running").alias("进行中"),
            pl.format("{} 项", "awaiting").alias("待报送"),
        )
    )
    listed = pl.DataFrame(
        {"未完成事项": [r["text"] for r in overdue], "期间截止": [str(r["period_end"]) for r in overdue]},
        schema={"未完成事项": pl.String, "期间截止": pl.String},
    )
    section = Section(
        "duties",
        "责任落实",
        points,
        tables=[("各项工作完成情况", summary), ("未完成事项（近 12 个月）", listed)],
        note=(
            f"按方案第 5、7、16、17 条逐县区、逐期间核对，期间为 {span}；判断日为 {q.today}（季度末次日）。"
            "待报送：期间已结束，但季度末的数据尚未报送到期末，不计为未完成。"
        ),
    )
    if not window.is_empty():
        chart, data = duties_chart(window)
        section.chart = Chart(f"{q.label}_责任落实", theme(chart), data)
    return section


# --- 两个覆盖清零 --------------------------------------------------------------------------------------------------


def ledger_chart(zero: pl.DataFrame, rounds: list[str]) -> alt.LayerChart:
    names = [plan.area_name(c) for c in (*plan.counties(), plan.CITY)]
    base = alt.Chart(zero).encode(
        x=alt.X("round:O", title="台账期次", sort=rounds, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("area_name:N", title=None, sort=names),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "state:N",
            title="未覆盖组织",
            scale=alt.Scale(domain=list(palette.fills(palette.ZERO)), range=list(palette.fills(palette.ZERO).values())),
        )
    )
    words = base.mark_text(fontSize=14, color="#1f1f1f").encode(text="cell:N")
    return alt.layer(cells, words).properties(width=WIDTH, height=alt.Step(32))


def due_round(q: Quarter) -> str | None:
    """The newest ledger round whose month has ended by the quarter end (the one judged this quarter); the
    newest listed round when none has ended yet."""
    listed = ledger.rounds(q.data, q.today)
    due = [r for r in listed if ledger.round_end(r) <= q.end]
    return due[-1] if due else (listed[-1] if listed else None)


def ledger_section(q: Quarter) -> Section:
    rnd = due_round(q)
    if rnd is None:
        return Section("ledger", "两个覆盖台账与动态清零", ["尚无“两个覆盖”台账数据"])
    status = ledger.status(q.data, q.today)
    this = status.filter(pl.col("round") == rnd)
    current = ledger.current(q.data, q.today, rnd)
    points = talking.ledger_points(rnd, this, current)
    zero = ledger.road_to_zero(q.data, q.today)
    rounds = [r for r in dict.fromkeys(zero.sort("round")["round"]) if r <= rnd][-4:]
    zero = zero.filter(pl.col("round").is_in(rounds)).with_columns(ledger.zero_word().alias("state"))
    table = (
        this.select("area", "area_name", "status_label")
        .join(current.drop("status_label", "area_name"), on="area", how="left", maintain_order="left")
        .select(
            pl.col("area_name").alias("县区"),
            pl.col("status_label").alias(f"{rnd} 期报送"),
            pl.col("round").alias("所据期次"),
            pl.col("orgs").alias("组织数"),
            pl.col("uncovered").alias("未覆盖"),
            pl.col("should_build_not_built").alias("应建未建"),
            pl.col("mobile_members").alias("流动党员"),
            pl.col("mobile_members_placed").alias("已归入支部"),
        )
    )
    section = Section(
        "ledger",
        "两个覆盖台账与动态清零",
        points,
        tables=[(f"{rnd} 期各县区台账", table)],
        note="按时与否以各县区该期首次报送为准，内容以最新报送为准；全市数为已报送县区之和（* 表示部分县区未报送）。",
    )
    chart_data = zero.select("area_name", "round", "uncovered", "cell", "state")
    section.chart = Chart(f"{q.label}_两个覆盖清零", theme(ledger_chart(zero, rounds)), chart_data)
    return section


# --- 表扬推荐 ------------------------------------------------------------------------------------------------------


def commendation_rows(q: Quarter) -> pl.DataFrame:
    return commendations.progress(q.data, q.today).filter(pl.col("year") == q.end.year)


def commendations_chart(rows: pl.DataFrame) -> tuple[alt.LayerChart, pl.DataFrame]:
    return charts.quota_bars(rows, WIDTH - 120, clean=render.safe)


def _quota_table(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select(
        pl.col("label").alias("类别"),
        pl.col("clause").alias("方案条款"),
        pl.when(pl.col("quota").is_null())
        .then(pl.lit("—"))
        .otherwise(pl.format("{} {}", "quota", "unit"))
        .alias("定额"),
        pl.format("{} {}", "actual", "unit").alias("完成"),
        pl.col("status_label").alias("状态"),
    )


def commendations_section(q: Quarter) -> Section:
    """The quarter's year against its quotas. Until that year's lists are in (they are made in December), the
    slide says when they are due (commendations.yearly_due, from the plan data) and shows the latest completed
    year's results beside it, its chart included."""
    year = q.end.year
    rows = commendation_rows(q)
    never = commendations.never_commended(q.data)
    latest, due, title = None, None, f"表扬推荐（{year} 年）"
    if not commendations.reported(q.data, year):
        due = commendations.yearly_due(year)
        done = commendations.latest_completed_year(q.data, q.today, year)
        if done is not None:
            latest = (done, commendations.progress(q.data, q.today).filter(pl.col("year") == done))
            title = f"表扬推荐（{year} 年待评定，附 {done} 年结果）"
    points = talking.commendation_points(rows, year, never, due, latest)
    tables = [(f"{year} 年定额完成情况", _quota_table(rows))] if not rows.is_empty() else []
    if latest is not None:
        tables.append((f"{latest[0]} 年定额完成情况（最近完成年度）", _quota_table(latest[1])))
    section = Section(
        "commendations",
        title,
        points,
        tables=tables,
        note="同一年度、类别、名称重复报送的以最新文件为准，不重复计数；党建示范点为方案期内累计。",
    )
    shown = latest if latest is not None else (year, rows)
    if not shown[1].is_empty():
        chart, data = commendations_chart(shown[1])
        titled = chart.properties(title=f"{shown[0]} 年定额完成情况")
        section.chart = Chart(f"{q.label}_表扬推荐", theme(titled), data)
    return section


# --- 县区红黑榜 ----------------------------------------------------------------------------------------------------


def scoreboard_chart(board: pl.DataFrame) -> alt.LayerChart:
    df = board.filter(pl.col("score").is_not_null()).select(
        "area_code",
        "area",
        "rank",
        "change",
        "score",
        pl.format("{}. {}", "rank", "area").alias("who"),
        pl.struct("score", "change")
        .map_elements(
            lambda r: (
                f"{fmt.number(r['score'], digits=1)} 分" + (f"  {r['change']}" if scoreboard.moved(r["change"]) else "")
            ),
            return_dtype=pl.String,
        )
        .alias("words"),
    )
    order = df.sort("rank", "area_code")["who"].to_list()  # the table's order
    y = alt.Y("who:N", sort=order, title=None)
    bars = (
        alt.Chart(df)
        .mark_bar(size=22, color="#1f4e79")
        .encode(y=y, x=alt.X("score:Q", title="综合得分", scale=alt.Scale(domain=[0, 100])))
    )
    text = alt.Chart(df).mark_text(align="left", dx=6, fontSize=14).encode(y=y, x="score:Q", text="words:N")
    return alt.layer(bars, text).properties(width=WIDTH - 100, height=alt.Step(36)), df


def county_board(q: Quarter, plan_id: str) -> pl.DataFrame | None:
    """scoreboard.with_change at the quarter end (the page's board and words), or None when it cannot rank."""
    try:
        return scoreboard.with_change(q.data, q.end, plan_id)
    except pl.exceptions.InvalidOperationError:
        return None


def scoreboard_section(q: Quarter, plan_id: str) -> Section:
    board = county_board(q, plan_id)
    if board is None:
        return Section("scoreboard", f"县区红黑榜（{q.label}）", [f"{q.label} 尚无可评分的县区"])
    points = talking.scoreboard_points(board, q.label)

    table = scoreboard.display_table(board)
    weights = scoreboard.weights_text()
    section = Section(
        "scoreboard",
        f"县区红黑榜（{q.label}）",
        points,
        tables=[("红黑榜", table)],
        note=(
            f"综合得分 = 加权平均 × 100（{weights}）；无可评项不计入并按比例调整权重；"
            + scoreboard.change_note(q.previous_label)
        ),
    )
    if board["score"].is_not_null().any():
        chart, data = scoreboard_chart(board)
        section.chart = Chart(f"{q.label}_县区红黑榜", theme(chart), data)
    return section


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
    for month in ledger.ROUND_MONTHS:
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
        return Pack(
            plan_id, progress.plan_title(q.data, plan_id), q, quarter.stamp(q.data, plan_id, q.end), sections, ch
        )

    return q.data.cached(f"pack:{plan_id}", compute)
