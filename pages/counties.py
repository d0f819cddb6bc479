"""县区对比: the scoreboard (红黑榜) for a quarter, and one indicator compared across counties; one view at a time."""

import polars as pl
import streamlit as st

from gydash import charts, ui
from gydash.base import fmt, plan
from gydash.plan import counties, scoreboard

ui.route_through_app()

d = ui.data()
plan_id = ui.selected_plan(d)
ui.page_header("县区对比", d)

names = {code: plan.area_name(code) for code in plan.counties()}
current = ui.selected_area()
choice = ui.choice(
    "关注县区（链接中带上 ?area= 即可直接打开）",
    [None, *names],
    index=([None, *names].index(current) if current in names else 0),
    format_func=lambda c: "全部县区" if c is None else names[c],
)
if choice != current:
    ui.set_area(choice)


def board_view() -> None:
    """The scoreboard of a quarter and what cost each county its points."""
    quarters = scoreboard.quarter_ends(d, ui.today())
    if not quarters:
        st.info("还没有数据，无法生成红黑榜。", icon=":material/info:")
        return
    q = ui.choice("季度末", quarters, format_func=lambda x: f"{scoreboard.quarter_label(x)}（截至 {x}）")
    board = scoreboard.with_change(d, q, plan_id)

    previous = scoreboard.previous_quarter_end(q)
    st.markdown(f"#### 红黑榜 · {scoreboard.quarter_label(q)}")
    st.caption(
        f"综合得分 = 加权平均 × 100（{scoreboard.weights_text()}）；无可评项不计入并按比例调整权重。"
        f"只使用 {q} 及以前的数据。{scoreboard.change_note(scoreboard.quarter_label(previous))}"
    )
    table = scoreboard.display_table(board, choice)
    key_first = ["名次", "县区", "综合得分", "较上季"]  # what a phone shows before the table scrolls sideways
    table = table.select(*key_first, *[c for c in table.columns if c not in key_first])
    ui.table(table, pin="县区", name=f"红黑榜_{scoreboard.quarter_label(q)}")

    with st.expander("各县区失分明细（点击跳转到详情页）", expanded=choice is not None):
        for r in board.iter_rows(named=True):
            if choice is not None and r["area_code"] != choice:
                continue
            if not r["drags"]:
                st.markdown(f"**{r['area']}**：没有失分项 ✓")
                continue
            place = f"第 {r['rank']} 名" if r["rank"] is not None else "未排名"
            st.markdown(f"**{r['area']}**（{place}，较上季 {r['change']}）")
            for text, page in zip(r["drags"], r["drag_pages"], strict=True):
                st.page_link(page, label=text, icon=":material/arrow_forward:", query_params={"area": r["area_code"]})


def indicator_view() -> None:
    """One indicator across the counties: ranked bars, each county's trend, the figures."""
    catalogue = plan.indicators()
    codes = [c for c in catalogue["code"] if counties.periods(d, c)]
    if not codes:
        st.info("还没有县区指标数据。", icon=":material/info:")
        return
    left, right = st.columns(2)
    indicator = left.selectbox("指标", codes, format_func=lambda c: plan.indicator(c)["name"])
    meta = plan.indicator(indicator)
    period = right.selectbox(
        "期间", counties.periods(d, indicator), format_func=lambda p: fmt.period(p[0], p[1], meta["measure"])
    )
    cmp = counties.compare(d, indicator, period[0], period[1], plan_id)
    avg = counties.average(cmp)
    unit = meta["unit"]

    # The ranked bars and each county's own trend side by side on a wide screen, one under the other on a phone. The
    # bars carry every county's value (a tile map would only repeat them); the table below gives the figures.
    c1, c2 = st.columns(2, gap="large")
    with c1:
        ui.chart(
            ui.spec(charts.county_bars, cmp, unit, avg, choice, themed=True), cmp, f"县区对比_{meta['name']}", unit
        )
        st.caption("蓝条为数值，虚线为县区平均，黑色短线为县区自己的分解目标（如有）。")
    with c2:
        st.markdown("##### 各县区走势")
        trends = counties.trends(d, indicator)
        chart = ui.spec(charts.small_multiples, trends, unit, themed=True)
        ui.chart(chart, trends, f"各县区走势_{meta['name']}", unit, width="content")

    detail = pl.DataFrame(
        {
            "名次": [str(r) if r is not None else "—" for r in cmp["rank"]],
            "县区": cmp["area"].to_list(),
            "数值": [fmt.number(v, unit) for v in cmp["value"]],
            "上年同期": [fmt.number(v, unit) for v in cmp["previous"]],
            "同比": [("+" if (v or 0) >= 0 else "") + fmt.percent(v) if v is not None else "—" for v in cmp["yoy"]],
            "县区目标": [fmt.number(v, unit) for v in cmp["target"]],
            "目标完成": [fmt.percent(v) for v in cmp["attainment"]],
            "数据文件": [f or "—" for f in cmp["source_file"]],
        }
    )
    ui.table(detail, pin="县区", name=f"县区对比_{meta['name']}")


# The scoreboard and the indicator comparison are two views, one at a time: only the open one is computed and drawn,
# so a new viewer's browser draws one view's charts and tables, and a phone does not scroll past both.
ui.views({"红黑榜": board_view, "指标对比": indicator_view}, key="county_view")
