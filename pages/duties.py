"""责任落实: the plan's recurring duties — what is overdue, a compliance calendar per rule, the events behind a cell."""

from __future__ import annotations

import functools

import altair as alt
import polars as pl
import streamlit as st

from gydash import ui
from gydash.base import clock, palette, plan
from gydash.base.contract import DATASET_LABELS
from gydash.plan import duties, duty_events, duty_lists, duty_rules, duty_words

ui.route_through_app()

# Fills are light so black text stays legible; the symbol and word in each cell carry the state too.
STATUS_FILL = {k: s.fill for k, s in palette.DUTY.items()}
LEGEND = alt.Legend(  # three to a row, so the legend wraps on a phone instead of running off the screen
    orient="bottom", columns=3, symbolType="square", symbolSize=180, symbolStrokeColor="#888", symbolStrokeWidth=1
)
SCOPE_WORDS = {
    "each_county": "各县区",
    "city_and_counties": "市委及各县区",
    "city": "市委",
    "city_all_areas": "全市（含各县区）",
}
LEGEND_NOTES = {
    "unmet": "（期间已结束且未达最低要求）",
    "awaiting_data": "（期间已结束，数据尚未报送到期末，不计为未完成）",
}
MAX_PERIODS_ACROSS = 6  # more periods than this (a year of months) run down the calendar's side instead
UNJUDGED = ("in_progress", "awaiting_data", "not_due")  # cells that say their status word, not only the symbol
EVENT_HEADERS = {
    "date": "日期",
    "area": "县区",
    "organizer": "组织单位",
    "title": "名称",
    "kind": "类型",
    "enterprises_served": "服务企业数（家）",
    "participants": "参与人数（人）",
    "enterprise": "企业",
    "amount_wan": "金额（万元）",
    "bank": "银行",
    "cumulative": "累计",
    "id": "编号",
    "file": "来源文件",
}


def status_colour() -> alt.Color:
    """The status fill shared by the calendar and the monthly bars (the text in each cell carries the symbol)."""
    domain, fills = palette.legend(palette.DUTY)
    return alt.Color("status_label:N", title="状态", scale=alt.Scale(domain=domain, range=fills), legend=LEGEND)


def rule_title(code: str) -> str:
    r = duty_rules.rule_info(code)
    every = "每年" if r["period"] == "year" else "每月"
    return (
        f"{r['name_zh']}（第 {r['clause']} 条：{SCOPE_WORDS[r['scope']]}{every}"
        f"不少于 {duty_words.number(r['required'])} {r['unit']}）"
    )


def cell_text(row: dict) -> str:
    """'✓ 3/2', '✗ 1/2', '… 1/2|进行中', '◇ 0/2|待报送', '○ 0/2|未到期' — a symbol and the numbers, never colour
    alone; the states that are not a verdict also carry their word, on a second line ('|', the chart's line break)
    so twelve monthly cells stay legible side by side."""
    actual, required = duty_words.number(row["actual"]), duty_words.number(row["required"])
    text = f"{duty_words.STATUS_SYMBOLS[row['status']]} {actual}/{required}"
    return text + (f"|{duties.STATUS_LABELS[row['status']]}" if row["status"] in UNJUDGED else "")


def column_label(period: str) -> str:
    return f"{int(period[5:])} 月" if len(period) == 7 else f"{period} 年"


def calendar_chart(frame: pl.DataFrame, area_order: list[str], period_order: list[str]) -> alt.LayerChart:
    """Areas × periods as cells with their symbol and numbers. A few years run across and the areas down the side;
    twelve months run down the side and the areas across, so each cell keeps its width on a phone."""
    shown = frame.with_columns(
        pl.Series("text", [cell_text(r) for r in frame.iter_rows(named=True)], dtype=pl.String),
        pl.col("period").map_elements(column_label, return_dtype=pl.String).alias("column"),
    ).select("area", "period", "column", "text", "status_label", "actual", "required", "unit", "events")
    labels = [column_label(p) for p in period_order]
    pick = alt.selection_point(name="cell", fields=["area", "period"], on="click", clear="dblclick")
    top = alt.Axis(orient="top", labelAngle=0, labelPadding=6)
    if len(period_order) <= MAX_PERIODS_ACROSS:
        where = {"x": alt.X("column:O", sort=labels, title=None, axis=top), "y": alt.Y("area:N", sort=area_order)}
        rows = len(area_order)
    else:  # the areas across by their two-character names, so all seven or eight are labelled on a phone
        short = {a: plan.short_of_name(a) for a in area_order}
        shown = shown.with_columns(pl.col("area").replace_strict(short, default=pl.col("area")).alias("short"))
        across = alt.Axis(orient="top", labelAngle=0, labelPadding=6, labelOverlap=False)
        x = alt.X("short:N", sort=[short[a] for a in area_order], title=None, axis=across)
        where = {"x": x, "y": alt.Y("column:O", sort=labels)}
        rows = len(period_order)
    where["y"] = where["y"].title(None)
    base = alt.Chart(shown).encode(**where)
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=status_colour(),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55)),
        tooltip=[
            alt.Tooltip("area:N", title="县区"),
            alt.Tooltip("column:N", title="期间"),
            alt.Tooltip("actual:Q", title="实际", format=",.2~f"),
            alt.Tooltip("required:Q", title="最低要求", format=",.2~f"),
            alt.Tooltip("unit:N", title="单位"),
            alt.Tooltip("events:Q", title="计入记录（条）"),
            alt.Tooltip("status_label:N", title="状态"),
        ],
    )
    text = base.mark_text(fontSize=12, color=palette.TEXT_INK, lineBreak="|").encode(text="text:N")
    height = 44 * rows + 130  # two lines of text per cell; the legend and the axis take their share
    return alt.layer(cells.add_params(pick), text).properties(height=height)


def monthly_chart(frame: pl.DataFrame, unit: str) -> alt.LayerChart:
    """Per month: bars of the actual with symbol labels, and a dashed line at the monthly minimum."""
    shown = frame.with_columns(
        pl.col("month").map_elements(lambda m: f"{m} 月", return_dtype=pl.String).alias("month_label"),
        pl.Series(
            "text",
            [
                f"{duty_words.STATUS_SYMBOLS[r['status']]}{duty_words.number(r['actual'])}"
                for r in frame.iter_rows(named=True)
            ],
            dtype=pl.String,
        ),
    )
    months = [f"{m} 月" for m in range(1, 13)]
    # Month numbers under the bars and 月份 once as the title: twelve "10 月" labels do not fit a phone's width.
    numbers = alt.Axis(labelAngle=0, labelExpr="replace(datum.label, ' 月', '')", labelOverlap=False)
    x = alt.X("month_label:O", sort=months, scale=alt.Scale(domain=months), title="月份", axis=numbers)
    bars = (
        alt.Chart(shown)
        .mark_bar(stroke="#555", strokeWidth=0.5)
        .encode(
            x=x,
            y=alt.Y("actual:Q", title=unit),
            color=status_colour(),
            tooltip=[
                alt.Tooltip("month_label:N", title="月份"),
                alt.Tooltip("actual:Q", title=f"实际（{unit}）"),
                alt.Tooltip("required:Q", title=f"最低要求（{unit}）"),
                alt.Tooltip("status_label:N", title="状态"),
            ],
        )
    )
    labels = alt.Chart(shown).mark_text(dy=-8, fontSize=12).encode(x=x, y="actual:Q", text="text:N")
    line = (
        alt.Chart(shown)
        .mark_line(color=palette.GOAL_INK, strokeDash=[6, 4], point=False)
        .encode(x=x, y="required:Q", tooltip=[alt.Tooltip("required:Q", title=f"最低要求（{unit}）")])
    )
    return alt.layer(bars, line, labels).properties(height=300)


def running_chart(points: pl.DataFrame, required: float, unit: str) -> alt.LayerChart:
    """Cumulative total through the year as steps, against the year's minimum."""
    top = max(required, float(points["cumulative"].max() or 0)) * 1.12
    year = points["date"].min().year
    whole_year = alt.Scale(domain=[f"{year}-01-01", f"{year}-12-31"])
    line = (
        alt.Chart(points)
        .mark_line(interpolate="step-after", color="#1565c0", point=True)
        .encode(
            x=alt.X("date:T", title=None, scale=whole_year, axis=alt.Axis(format="%-m月", labelAngle=0)),
            y=alt.Y("cumulative:Q", title=f"累计（{unit}）", scale=alt.Scale(domain=[0, top])),
            tooltip=[
                alt.Tooltip("date:T", title="日期", format="%Y-%m-%d"),
                alt.Tooltip("cumulative:Q", title=f"累计（{unit}）", format=",.2~f"),
            ],
        )
    )
    goal = pl.DataFrame({"required": [required], "label": [f"全年最低 {duty_words.number(required)} {unit}"]})
    rule = alt.Chart(goal).mark_rule(color=palette.GOAL_INK, strokeDash=[6, 4]).encode(y="required:Q")
    note = (
        alt.Chart(goal)
        .mark_text(align="left", x=4, dy=-8, color=palette.GOAL_INK, fontSize=12)
        .encode(y="required:Q", text="label:N")
    )
    return alt.layer(line, rule, note).properties(height=320)


def events_table(events: pl.DataFrame, unit: str, counted: str) -> None:
    if events.is_empty():
        st.info("该期间没有计入的记录。")
        return
    # Optional columns nobody filled (服务企业数 of a briefing) would only show "None".
    columns = [c for c in EVENT_HEADERS if c in events.columns and c != "kind" and events[c].null_count() < len(events)]
    shown = events.with_columns(pl.col("date").dt.strftime("%Y-%m-%d")).select(columns)
    shown = shown.rename({c: EVENT_HEADERS[c] for c in columns})
    if "累计" in shown.columns:
        shown = shown.rename({"累计": f"累计（{unit}）"})
    ui.table(shown)
    st.caption(counted)


def pick_cell(chosen: list[dict]) -> None:
    """A click on the calendar moves the cell selectboxes (they stay the way to choose without a mouse)."""
    if not chosen:
        return
    picked = (chosen[0].get("area"), chosen[0].get("period"))
    if picked != st.session_state.get("duty_last_click") and None not in picked:
        st.session_state["duty_last_click"] = picked
        st.session_state["duty_cell_area"] = picked[0]
        st.session_state["duty_cell_period"] = picked[1]


def overdue_lines(cells: list[dict]) -> str:
    """A markdown list of cells, each with its symbol and plain-Chinese text."""
    return "\n".join(f"- {duty_words.STATUS_SYMBOLS[c['status']]} {c['text']}" for c in cells)


def forget_cell_period() -> None:
    """A new year shows that year's cell below the calendar (for yearly rules, the year itself)."""
    st.session_state.pop("duty_cell_period", None)


d = ui.data()
today = clock.today()
table = duties.evaluate(d, today)

st.title("责任落实")
st.caption(
    f"方案第 5、7、16、17 条规定的经常性工作，逐条按县区、按期间核对。今天：{today}。"
    + "　".join(f"{s.symbol} {s.word}{LEGEND_NOTES.get(k, '')}" for k, s in palette.DUTY.items())
)


def monthly_tab(year: int) -> None:
    month_rows = table.filter((pl.col("year") == year) & (pl.col("area_code") == plan.CITY))
    for code in ("tech_service_events", "tech_service_enterprises"):
        rows = month_rows.filter(pl.col("rule") == code)
        if rows.is_empty():
            st.info(f"{year} 年没有这项规则的核对记录。")
            continue
        r = duty_rules.rule_info(code)
        st.markdown(f"**{r['name_zh']}**：每月不少于 {duty_words.number(r['required'])} {r['unit']}（黑色虚线）")
        ui.chart(
            ui.spec(monthly_chart, rows, r["unit"]),
            rows.select(*duty_lists.SUMMARY_FIELDS, "unit"),
            f"{r['name_zh']}_{year}",
        )
    marks = {"met": "达到", "unmet": "未达到", "in_progress": "本月进行中"}
    st.caption(
        "柱上标注："
        + "、".join(f"{s.symbol} {marks.get(k, s.word)}" for k, s in palette.DUTY.items())
        + "；黑色虚线为每月最低要求。"
    )


def yearly_tab(code: str, year: int) -> None:
    try:
        yearly = duty_events.cell(d, code, plan.CITY, str(year), today)
    except KeyError:
        st.info(f"{year} 年没有这项规则的核对记录。")
        return
    r = duty_rules.rule_info(code)
    st.markdown(f"**{duty_words.describe(yearly)}**")
    points = duty_events.running_total(d, code, plan.CITY, year, today)
    running = ui.spec(running_chart, points, yearly["required"], r["unit"])
    ui.chart(running, points, f"{r['name_zh']}_{year}_累计", r["unit"])
    listed = duty_events.cell_events(d, code, plan.CITY, str(year), today)
    total = f"共 {len(listed)} 条记录" + (
        f"，合计 {duty_words.number(yearly['actual'])} {r['unit']}" if r["measure"] != "count" else ""
    )
    events_table(listed, r["unit"], total)


# Short names, so all three fit a phone's width; only the open tab is computed and drawn (a lighter page).
CITY_TABS = {
    "科技服务专场": monthly_tab,
    "天府科创贷": lambda year: yearly_tab("tianfu_loans", year),
    "科普活动": lambda year: yearly_tab("science_popularization", year),
}


def overdue_view() -> None:
    """What is overdue now: this year's first, earlier years folded, the followed county's only (the tab says
    what this is: no heading repeats it)."""
    followed = ui.selected_area()
    if followed:
        st.caption(f"只列{plan.area_name(followed)}的事项（链接中的 ?area=）。")
    overdue = duty_lists.overdue(d, today, followed)
    this_year = [o for o in overdue if o["year"] == today.year]
    if this_year:
        st.markdown(f"**{today.year} 年未完成 {len(this_year)} 项**")
        st.markdown(overdue_lines(this_year))
    else:
        st.success(f"✓ {today.year} 年目前没有逾期未完成的责任。")
    for year in sorted({o["year"] for o in overdue if o["year"] < today.year}, reverse=True):
        earlier = [o for o in overdue if o["year"] == year]
        with st.expander(f"{year} 年未完成 {len(earlier)} 项"):
            st.markdown(overdue_lines(earlier))
    waiting = duty_lists.awaiting(d, today, followed)
    if waiting:
        wait = palette.DUTY["awaiting_data"]
        st.markdown(
            f"**{wait.symbol} {wait.word} {len(waiting)} 项**"
            "（期间已结束，但数据还没有报送到期末，暂不判定、不计为未完成）"
        )
        st.markdown(overdue_lines(waiting))
    through = duties.reported_through(d)
    st.caption(
        "；".join(f"{DATASET_LABELS[ds]}数据截至 {day or '（尚无数据）'}" for ds, day in through.items())
        + "。期末晚于此日期的期间为待报送。"
    )
    if d.rejected():
        st.warning(f"有 {len(d.rejected())} 个数据文件被拒绝，其中的记录未计入（详见数据管理页）。")


def calendar_view() -> None:
    """The compliance calendar of one rule and year, the events behind one cell, and the city's own duties."""
    if table.is_empty():
        st.info("尚无可核对的责任。")
        return

    # --- compliance calendar (named by its tab) -------------------------------------------------------------------
    codes = duty_rules.rule_codes()
    left, right = st.columns([3, 1])
    rule = left.selectbox("规则", codes, format_func=rule_title, key="duty_rule")
    info = duty_rules.rule_info(rule)
    years = sorted(table["year"].unique().to_list(), reverse=True)
    year = right.selectbox(
        "年份", years, format_func=lambda y: f"{y} 年", key="duty_year", on_change=forget_cell_period
    )

    rule_rows = table.filter(pl.col("rule") == rule)
    monthly = info["period"] == "month"
    grid = rule_rows.filter(pl.col("year") == year) if monthly else rule_rows
    areas_in_rule = [plan.area_name(a) for a in dict.fromkeys(rule_rows["area_code"])]
    periods = list(dict.fromkeys(grid["period"]))
    if grid.is_empty():
        st.info(f"{year} 年没有这项规则的核对记录。")
    else:
        st.caption(f"{year} 年各月" if monthly else "各年度（年度规则按全部年份显示）")
        event = ui.chart(
            ui.spec(calendar_chart, grid, areas_in_rule, periods),
            grid.select(*duty_lists.SUMMARY_FIELDS, "unit", "events"),
            f"责任落实日历_{info['name_zh']}_{year}",
            width="stretch",
            on_select="rerun",
            selection_mode="cell",
            key="duty_calendar",
        )
        pick_cell((event.selection or {}).get("cell", []) if event else [])

        # --- the events behind one cell --------------------------------------------------------------------------
        st.markdown("**查看某一格计入的记录**（点击日历中的格子，或在下方选择）")
        a, p = st.columns(2)
        if st.session_state.get("duty_cell_area") not in areas_in_rule:
            st.session_state.pop("duty_cell_area", None)
        if st.session_state.get("duty_cell_period") not in periods:
            st.session_state.pop("duty_cell_period", None)
        due = grid.filter(pl.col("status") != "not_due")["period"].to_list()
        if str(year) in periods:
            st.session_state.setdefault("duty_cell_period", str(year))
        st.session_state.setdefault("duty_cell_period", due[-1] if due else periods[0])
        followed = ui.selected_area()
        if followed and plan.area_name(followed) in areas_in_rule:
            st.session_state.setdefault("duty_cell_area", plan.area_name(followed))  # the ?area= county first
        area = a.selectbox("县区", areas_in_rule, key="duty_cell_area")
        period = p.selectbox("期间", periods, format_func=duty_words.period_label, key="duty_cell_period")
        chosen = duty_events.cell(d, rule, area, period, today)
        events = duty_events.cell_events(d, rule, area, period, today)
        st.markdown(f"**{duty_words.describe(chosen)}**")
        counted = f"共 {len(events)} 条记录计入" + (
            f"，合计 {duty_words.number(chosen['actual'])} {info['unit']}" if info["measure"] != "count" else ""
        )
        events_table(events, info["unit"], counted)

    # --- the city's own monthly and yearly duties ----------------------------------------------------------------
    st.subheader(f"{year} 年全市重点指标")
    ui.views({label: functools.partial(show, year) for label, show in CITY_TABS.items()}, key="duty_city_tab")


# What is overdue first, the calendar on its own tab: only the open one is computed and drawn, so a new viewer's
# browser draws no chart until the calendar is asked for (it has three), and a phone opens on the list to act on.
VIEWS = {"当前未完成事项": overdue_view, "完成情况日历": calendar_view}
ui.views(VIEWS, key="duty_view")
