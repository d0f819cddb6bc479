"""The pack's 两个覆盖清零, 表扬推荐 and 县区红黑榜 sections: the ledger, commendations and county ranking."""

from __future__ import annotations

import altair as alt
import polars as pl

from gydash import charts
from gydash.base import fmt, palette, plan
from gydash.meeting import render, talking
from gydash.meeting.pack_parts import WIDTH, Chart, Section, theme
from gydash.meeting.quarter import Quarter
from gydash.plan import commendations, ledger, ledger_rounds, ledger_zero, scoreboard

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
    listed = ledger_rounds.rounds(q.data, q.today)
    due = [r for r in listed if ledger_rounds.round_end(r) <= q.end]
    return due[-1] if due else (listed[-1] if listed else None)


def ledger_section(q: Quarter) -> Section:
    rnd = due_round(q)
    if rnd is None:
        return Section("ledger", "两个覆盖台账与动态清零", ["尚无“两个覆盖”台账数据"])
    status = ledger.status(q.data, q.today)
    this = status.filter(pl.col("round") == rnd)
    current = ledger.current(q.data, q.today, rnd)
    points = talking.ledger_points(rnd, this, current)
    zero = ledger_zero.road_to_zero(q.data, q.today)
    rounds = [r for r in dict.fromkeys(zero.sort("round")["round"]) if r <= rnd][-4:]
    zero = zero.filter(pl.col("round").is_in(rounds)).with_columns(ledger_zero.zero_word().alias("state"))
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
    section.chart = Chart.of(f"{q.label}_两个覆盖清零", theme(ledger_chart(zero, rounds)), chart_data)
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
        section.chart = Chart.of(f"{q.label}_表扬推荐", theme(titled), data)
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
        section.chart = Chart.of(f"{q.label}_县区红黑榜", theme(chart), data)
    return section
