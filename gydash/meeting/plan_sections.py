"""The pack's 主要目标 and 责任落实 sections: the plan's city targets and its duties at the quarter end."""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import polars as pl

from gydash import charts
from gydash.base import fmt, palette, plan
from gydash.meeting import render, talking
from gydash.meeting.pack_parts import WIDTH, Chart, Section, theme
from gydash.meeting.quarter import Quarter
from gydash.plan import duties, duty_rules, duty_words, progress

SYMBOLS = {k: render.safe(s) for k, s in duty_words.STATUS_SYMBOLS.items()}  # as the pack's font can draw them
DUTY_SHOWN = ("met", "unmet", "in_progress", "awaiting_data")  # the duty chart's statuses (not_due is not counted)


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
        section.chart = Chart.of(f"{q.label}_主要目标", chart, target_table(rows))
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
    order = duty_rules.rule_codes()
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
    overdue = [
        r | {"text": duty_words.describe(r)} for r in window.filter(pl.col("status") == "unmet").rows(named=True)
    ]
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
        section.chart = Chart.of(f"{q.label}_责任落实", theme(chart), data)
    return section
