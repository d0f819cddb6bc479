"""目标进度: headline targets as cards (figure, status, bullet with 序时进度), then detail with trend and provenance."""

import polars as pl
import streamlit as st

from gydash import charts, ui
from gydash.base import fmt, palette, plan
from gydash.plan import progress, trend
from gydash.ui import status_cards

ui.route_through_app()

d = ui.data()
plan_id = ui.selected_plan(d)
rows = progress.target_progress(d, plan_id)
order = {code: i for i, code in enumerate(plan.indicators()["code"])}
city = sorted(
    (r for r in rows if r["area_code"] == plan.CITY), key=lambda r: (order.get(r["indicator"], 99), r["year"])
)
names = fmt.target_names(city)  # an indicator with an interim-year target too shows each with its year
counties = [r for r in rows if r["area_code"] != plan.CITY]

ui.page_header("目标进度", d)
st.markdown(f"#### {progress.headline(city)}")
st.caption(f"{fmt.md(ui.plan_title(d, plan_id))} · 数据截至 {d.as_of or '—'} · ▼ 为序时进度应达位置，黑色竖线为目标")


def bullet_table(row: dict, name: str) -> pl.DataFrame:
    """What a bullet draws, for its CSV: the figure, the target and the pace, with units."""
    return pl.DataFrame(
        {
            "指标": [name],
            "期间": [fmt.period(row["actual_year"], row["actual_month"], row["measure"])],
            "实际": [fmt.actual(row)],
            "目标": [fmt.target(row)],
            "完成率": [fmt.percent(row["progress"])],
            "序时进度": [fmt.percent(row["pace"])],
            "状态": [row["status_label"]],
        }
    )


def pace_of(row: dict) -> str | None:
    """序时进度 in words for a level target still running; None for a growth target or one past its deadline."""
    running = row["pace"] is not None and not row["final"] and row["kind"] != "growth"
    return fmt.percent(row["pace"]) if running else None


def card(row: dict, name: str) -> status_cards.FigureCard:
    """A target's card: its figure with its own period (the header's 数据截至 date is when the data came in, not what
    the figure covers), the target, the bullet (drawn in HTML: five charts of Vega would cost a new viewer's browser
    about 0.2 s for a bar and two ticks), the gap, and the ▼ in words: where 序时进度 puts the figure by now."""
    period = fmt.figure_period(row)
    notes = [fmt.gap_words(row)]
    notes += [f"▼ 序时进度 {pace_of(row)}"] if pace_of(row) else []
    notes += ["✎ 数据已修订，见下方逐项详情"] if fmt.revision(row) else []
    return status_cards.FigureCard(
        title=name,
        status=palette.TARGET[row["status"]],
        words=fmt.status_text(row),
        figure=fmt.actual(row),
        lines=[*([period] if period else []), f"目标 {fmt.target(row)}"],
        marks=ui.bullet_html(row),
        notes=notes,
    )


if not city:
    st.info("当前方案没有全市目标。", icon=":material/info:")
else:
    # One block for the five cards (two side by side on a phone), one 下载 menu under them for their pictures.
    shown = list(zip(city, names, strict=True))
    ui.html_charts(
        status_cards.render_figures([card(row, name) for row, name in shown]),
        [(f"{name}（PNG）", f"目标进度_{name}", ui.spec(charts.bullet, row, themed=True)) for row, name in shown],
        pl.concat([bullet_table(row, name) for row, name in shown]),
        "目标进度",
    )


def detail(row: dict, name: str) -> None:
    """One target in full: figure, gap, pace, run rate and provenance beside its trend and projection."""
    left, right = st.columns([2, 3])
    with left:
        period = fmt.figure_period(row) or "最新一期"
        pace = f"\n- 序时进度 {pace_of(row)}" if pace_of(row) else ""
        run_rate = fmt.run_rate_words(row)
        st.markdown(
            f"**{name}**（{row['area']}） · 截止 {row['deadline']}\n\n{ui.badge_md(row)}\n\n"
            f"- {period}：**{fmt.actual(row)}**{'（推算）' if row['derived'] else ''}，目标 {fmt.target(row)}\n"
            f"- {fmt.gap_words(row)}{pace}" + (f"\n- {run_rate}" if run_rate else "")
        )
        st.caption(fmt.md(fmt.provenance(row)))
        if fmt.revision(row):
            st.caption("✎ " + fmt.md(fmt.revision(row)))
    with right:
        hist = trend.history(d, row)
        if hist.is_empty():
            st.info("尚无数据，无法绘制趋势。", icon=":material/info:")
            return
        proj = trend.projection(d, row)
        ui.chart(
            ui.spec(charts.trend, row, hist, proj, info["start"], themed=True),
            hist.select("date", "year", "month", "value", "derived", "file"),
            f"目标趋势_{name}",
            row["unit"],
        )
        note = f"虚线为预测：{proj['method']}" if proj["method"] else "已到截止期，显示最终数据"
        if proj["end_value"] is not None and row["kind"] != "growth":
            note += f"，预计截止期约 {fmt.number(proj['end_value'], row['unit'])}"
        st.caption(note)


st.divider()
st.markdown("#### 逐项详情")
info = plan.plan_info(plan_id, ui.store_targets(d))
# One target at a time (a tab each, the first open): only the open tab is computed and drawn, so the page loads
# one trend chart, not five, and a phone is not a screen of five charts to scroll past.
if city:
    tabs = st.tabs([fmt.md(n) for n in names], key="target_detail", on_change="rerun")  # labels are Markdown
    for tab, row, name in zip(tabs, city, names, strict=True):
        if tab.open:
            with tab, st.container(border=True):
                detail(row, name)

if counties:
    st.markdown("#### 县区目标")
    table = pl.DataFrame(
        {
            "县区": [r["area"] for r in counties],
            "指标": [r["name"] for r in counties],
            "实际": [fmt.actual(r) for r in counties],
            "目标": [fmt.target(r) for r in counties],
            "完成率": [fmt.percent(r["progress"]) for r in counties],
            "与目标差距": [fmt.target_gap(r) for r in counties],
            "状态": [fmt.status_text(r) for r in counties],
        }
    )
    ui.table(table)
