"""两个覆盖台账 (clause 8): which counties are late on a round, which organisations are still uncovered, the trend."""

import altair as alt
import polars as pl
import streamlit as st

from gydash import ui, vega
from gydash.base import clock, fmt, palette, plan
from gydash.plan import ledger, ledger_orgs, ledger_rounds, ledger_zero
from gydash.snapshots import xlsx

ui.route_through_app()

STATUS_COLOURS = palette.fills(palette.LEDGER)
ZERO_COLOURS = palette.fills(palette.ZERO)

d = ui.data()
today = clock.today()
county_names = [plan.area_name(c) for c in plan.counties()]

st.title("两个覆盖台账")
st.caption(
    "方案第 8 条：各县区每年 3 月、10 月各动态更新一次“两个覆盖”台账；未覆盖组织动态清零，流动党员归入支部。"
    "是否按时以各县区该期的首次报送为准，台账内容以最新报送为准。"
)

listed = ledger_rounds.rounds(d, today)
if not listed:
    st.info("数据目录中还没有两个覆盖台账（coverage）数据。")
    st.stop()

rnd = ui.choice(
    "台账期次",
    list(reversed(listed)),
    key="round",
    format_func=lambda r: f"{r} 期（截止 {ledger_rounds.round_end(r)}）",
)


def grid(frame: pl.DataFrame, colour: str, colours: dict[str, str], text: str, rows: list[str], title: str):
    """A round × county table drawn as coloured cells, each with its word (colour is never the only cue). Rounds
    run down the side and the counties across, so every round is labelled and a cell's word fits even on a phone."""
    short = {name: plan.short_of_name(name) for name in rows}  # two characters wide: eight columns fit a phone
    frame = frame.with_columns(pl.col("area_name").replace_strict(short, default=pl.col("area_name")).alias("县区"))
    base = alt.Chart(frame).encode(
        y=alt.Y("round:O", title=None, axis=alt.Axis(labelAngle=0)),
        x=alt.X(
            "县区:N",
            title=None,
            sort=list(short.values()),
            axis=alt.Axis(orient="top", labelAngle=0, labelPadding=6, labelOverlap=False),
        ),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            f"{colour}:N",
            title=title,
            scale=alt.Scale(domain=list(colours), range=list(colours.values())),
            legend=alt.Legend(orient="bottom", symbolType="square", symbolSize=160, labelFontSize=13),
        ),
        tooltip=[c for c in frame.columns if c.startswith("提示")] or None,
    )
    words = base.mark_text(fontSize=11).encode(text=f"{text}:N")
    layered = (cells + words).properties(height=alt.Step(30))
    return vega.configured(layered, font=vega.FONT, axis={"labelFontSize": 13}, view={"stroke": None})


# --- the answer first ---------------------------------------------------------------------------------------

status = ledger.status(d, today)
this = status.filter(pl.col("round") == rnd)
late = this.filter(pl.col("status") == "late")
missing = this.filter(pl.col("status") == "missing")
not_due = this.filter(pl.col("status") == "not_due")
reported = this.filter(pl.col("orgs").is_not_null())
follow = ledger_orgs.follow_up(d, today, rnd)
totals = ledger.city_totals(d, today).filter(pl.col("round") == rnd).row(0, named=True)

st.subheader(f"{rnd} 期概况")
cols = st.columns(4)
cols[0].metric("已报送县区", f"{reported.height} / {this.height} 个")
cols[1].metric("逾期报送", f"{late.height} 个县区")
cols[2].metric("未报送", f"{missing.height} 个县区")
cols[3].metric("仍需跟进的组织", f"{follow.height} 个")


def names_with(frame: pl.DataFrame, suffix: str = "") -> str:
    return "、".join(f"{r['area_name']}{suffix.format(**r)}" for r in frame.iter_rows(named=True))


lines = []
if late.height:
    lines.append(f"**逾期报送**：{names_with(late, '（逾期 {days_late} 天，首次报送 {first_updated_on}）')}")
if missing.height:
    lines.append(f"**未报送**：{names_with(missing)}")
if not_due.height:
    lines.append(f"**本期尚未到期、尚未报送**：{names_with(not_due)}（截止 {ledger_rounds.round_end(rnd)}）")
if not (late.height or missing.height or not_due.height):
    lines.append("各县区均已按时报送。")
uncovered = follow.filter(pl.col("uncovered"))
if uncovered.height:
    by_county = uncovered.group_by("area_name", maintain_order=True).agg(pl.col("org_name"))
    text = "；".join(
        f"{r['area_name']} {len(r['org_name'])} 个（{'、'.join(fmt.md(n) for n in r['org_name'])}）"
        for r in by_county.rows(named=True)
    )
    lines.append(f"**仍未覆盖的组织**：{text}")
else:
    lines.append("**仍未覆盖的组织**：无，各县区最新台账均已清零。")
build = follow.filter(pl.col("should_build"))
if build.height:
    lines.append(f"**应建未建**（党员 3 名以上仍未建立党组织）：{build.height} 个，见下方“清零与待跟进”中的名单。")
st.markdown("\n\n".join(f"- {line}" for line in lines))
if missing.height:
    st.caption("未报送县区的组织情况按其最近一期台账列入“清零与待跟进”中的名单（“所据台账期次”一列注明）。")


def placement_words(r: dict, rnd: str) -> str:
    if not r["mobile_members"]:
        return "无流动党员"
    words = f"{fmt.percent(r['placement_rate'])}（{r['mobile_members_placed']}/{r['mobile_members']} 人）"
    return words if r["round"] == rnd else f"{words} · {r['round']} 期"


def placement_chart(mobile: pl.DataFrame):
    """Each county's share of mobile members placed in a branch as a light bar, its words written on the bar
    from the left (dark on light at any length), so the chart keeps its width on a phone."""
    base = alt.Chart(mobile).encode(
        y=alt.Y("县区:N", title=None, sort=mobile["县区"].to_list()),
        tooltip=[alt.Tooltip("县区:N"), alt.Tooltip("文字:N", title="归入支部")],
    )
    bars = base.mark_bar(color="#d7ccc8").encode(
        x=alt.X("归入率:Q", title="已归入支部占比（%）", scale=alt.Scale(domain=[0, 100]))
    )
    words = base.mark_text(align="left", dx=6, fontSize=13, color="#1f1f1f").encode(x=alt.datum(0), text="文字:N")
    chart = alt.layer(bars, words).properties(height=alt.Step(30))
    return vega.configured(chart, font=vega.FONT, axis={"labelFontSize": 13}, view={"stroke": None})


def reporting_view() -> None:
    """Each county's report for each round: on time, late, missing."""
    st.subheader("各县区报送情况")
    matrix = status.with_columns(
        pl.col("status").replace_strict(ledger.STATUS_LABELS, return_dtype=pl.String).alias("状态"),
        pl.col("status").replace_strict({k: s.text for k, s in palette.LEDGER.items()}).alias("文字"),
        pl.col("area_name").alias("提示：县区"),
        pl.col("round").alias("提示：期次"),
        pl.col("status_label").alias("提示：状态"),
        pl.col("first_updated_on").cast(pl.String).fill_null("—").alias("提示：首次报送"),
        pl.col("submissions").fill_null(0).cast(pl.String).add(" 次").alias("提示：报送次数"),
    )
    ui.chart(
        ui.spec(grid, matrix, "状态", STATUS_COLOURS, "文字", county_names, "报送状态"),
        status.select("area_name", "round", "status_label", "first_updated_on", "submissions", "orgs", "uncovered"),
        "两个覆盖_各县区报送情况",
    )
    resent = status.filter(pl.col("submissions") > 1)
    if resent.height:
        notes = [
            f"{r['area_name']} {r['round']} 期报送 {r['submissions']} 次，"
            f"内容以最新文件 {fmt.md(r['latest_file'])} 为准，"
            f"是否按时以首次报送（{r['first_updated_on']}）为准"
            for r in resent.iter_rows(named=True)
        ]
        st.caption("；".join(notes) + "。")


def zero_view() -> None:
    """The road to zero uncovered organisations, and the named organisations still to follow up."""
    st.subheader("未覆盖组织动态清零")
    zero = ledger_zero.road_to_zero(d, today).with_columns(
        ledger_zero.zero_word().alias("清零情况"),
        pl.col("area_name").alias("提示：县区"),
        pl.col("round").alias("提示：期次"),
        pl.col("cell").alias("提示：未覆盖组织"),
    )
    ui.chart(
        ui.spec(grid, zero, "清零情况", ZERO_COLOURS, "cell", [*county_names, plan.area_name(plan.CITY)], "清零情况"),
        zero.select("area_name", "round", "uncovered", "cell", "counties_reported"),
        "两个覆盖_未覆盖组织动态清零",
    )
    state = ledger_zero.zero_state(d, today)
    done = state.filter(pl.col("cleared"))
    open_ = state.filter(~pl.col("cleared"))
    parts = []
    if done.height:
        parts.append("**已清零**：" + names_with(done, "（自 {cleared_since} 期起保持）"))
    if open_.height:
        parts.append("**尚未清零**：" + names_with(open_, " {uncovered} 个"))
    partial = zero.filter(pl.col("area") == plan.CITY, pl.col("cell").str.ends_with("*"))
    footnote = "；".join(
        f"{r['round']} 期 {r['counties_reported']}/{len(county_names)}" for r in partial.rows(named=True)
    )
    if parts:
        st.markdown("按各县区最新一期台账，" + "；".join(parts) + "。")
    st.caption(
        "全市数为已报送县区之和，全部县区报送且均为 0 才记为已清零。"
        + (f"* 部分县区未报送（已报送县区数：{footnote}）。" if footnote else "")
    )
    st.subheader("待跟进组织名单")
    st.caption("未覆盖：既未建立党组织也未选派党建指导员/联络员；应建未建：党员 3 名以上但未建立党组织。")
    sheet = ledger_orgs.follow_up_sheet(d, today, rnd)
    followed = ui.selected_area()
    if followed and st.toggle(f"只看关注县区（{plan.area_name(followed)}）", value=True, key="follow_up_mine"):
        # A county office opening its ?area= link gets its own list (and its own Excel file) first.
        sheet = sheet.filter(pl.col("县区") == plan.area_name(followed))
    if sheet.height:
        ui.table(sheet, key="follow_up")
        st.download_button(
            "下载名单（Excel）",
            data=lambda: xlsx.workbook(sheet, "待跟进组织名单"),  # made when clicked, not on every run
            file_name=f"两个覆盖待跟进组织名单_{rnd}.xlsx",
            mime=xlsx.MIME,
            icon=":material/download:",
            key="follow_up_xlsx",
            on_click="ignore",
        )
    else:
        st.success("各县区最新台账中没有未覆盖或应建未建的组织。")


def mobile_view() -> None:
    """Mobile party members placed in a branch, by county."""
    st.subheader("流动党员归入支部")
    mobile = ledger.current(d, today, rnd)
    mobile = mobile.with_columns(
        (pl.col("placement_rate") * 100).alias("归入率"),
        pl.Series("文字", [placement_words(r, rnd) for r in mobile.iter_rows(named=True)], dtype=pl.String),
        pl.col("area_name").alias("县区"),
    )

    ui.chart(
        ui.spec(placement_chart, mobile),
        mobile.select("area_name", "round", "mobile_members", "mobile_members_placed", "placement_rate"),
        f"两个覆盖_流动党员归入支部_{rnd}",
    )
    if totals["mobile_members"]:
        st.caption(
            f"{rnd} 期已报送的 {totals['counties_reported']} 个县区合计：流动党员 {totals['mobile_members']} 人，"
            f"已归入支部 {totals['mobile_members_placed']} 人（{fmt.percent(totals['placement_rate'])}）。"
        )


def changes_view() -> None:
    """What changed against the previous round."""
    st.subheader("与上一期相比的变化")
    changed = ledger_orgs.changes(d, today, rnd)
    counts = {
        label: changed.filter(pl.col("change_label") == label).height for label in ledger_orgs.CHANGE_LABELS.values()
    }
    st.markdown(" · ".join(f"{label} **{n} 个**" for label, n in counts.items()))  # one line, also on a phone
    if changed.height:
        ui.table(
            changed.select(
                pl.col("change_label").alias("变化"),
                pl.col("area_name").alias("县区"),
                pl.col("org_name").alias("组织名称"),
                pl.col("before_word").alias("上期情况"),
                pl.col("after_word").alias("本期情况"),
                pl.col("party_members").alias("党员人数（人）"),
                pl.col("prev_round").alias("对比期次"),
            ),
            key="changes",
        )
    else:
        st.caption("本期没有组织新纳入、移出台账，也没有覆盖状态的变化。")
    if reported.height < this.height:
        st.caption(f"{names_with(this.filter(pl.col('orgs').is_null()))} 本期尚无台账，未参与比较。")


# The four views below the summary, one at a time: only the open one is computed and drawn, so a new viewer's
# browser draws one chart, not three charts and two lists, and a phone is not one long scroll.
VIEWS = {"各县区报送": reporting_view, "清零与待跟进": zero_view, "流动党员": mobile_view, "与上一期相比": changes_view}
ui.views(VIEWS, key="coverage_view")
