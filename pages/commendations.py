"""表扬推荐 (clauses 10–12): each year's commendations against the plan's quotas, names by county, the spread."""

import functools

import altair as alt
import polars as pl
import streamlit as st

from gydash import charts, ui, vega
from gydash.base import clock, plan
from gydash.plan import commendations

ui.route_through_app()


d = ui.data()
today = clock.today()

st.title("表扬推荐")
st.caption(
    "方案第 10、11 条：每年表扬引领型党组织 3 个、向省市推报引领型党组织 2 个、推出党建先进典型 2 个、"
    "推荐表扬优秀党务工作者和优秀共产党员合计 20 名；方案期内全市打造党建示范点 2 个（累计）。"
    "第 12 条创新领军人才评选只列示，不设定额。同一年度、类别、名称重复报送的，以最新文件为准，不重复计数。"
)

names = commendations.names(d)
if names.is_empty():
    st.info("数据目录中还没有表扬推荐（commendations）数据。")
    st.stop()
progress = commendations.progress(d, today)
in_plan = progress.filter(pl.col("plan").is_not_null())


def quota_chart(rows: pl.DataFrame):
    return charts.quota_bars(rows, words_under_label=True)[0]


def spread_chart(spread: pl.DataFrame, rows_order: list[str]):
    """County × year cells shaded by how many commendations, the count written in each cell."""
    base = alt.Chart(spread).encode(
        x=alt.X("年度:O", title=None, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("area_name:N", title=None, sort=rows_order),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(
            "count:Q",
            title="项数",
            scale=alt.Scale(scheme="oranges", domainMin=0),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[alt.Tooltip("area_name:N", title="县区"), alt.Tooltip("年度:O"), alt.Tooltip("文字:N", title="项数")],
    )
    words = [  # white words on the dark cells, dark words elsewhere (a text colour outside the colour scale)
        base.transform_filter(alt.FieldEqualPredicate(field="ink", equal=ink))
        .mark_text(fontSize=13, color=ink)
        .encode(text="文字:N")
        for ink in ("white", "#1f1f1f")
    ]
    layered = alt.layer(cells, *words).properties(height=alt.Step(30))
    return vega.configured(layered, font=vega.FONT, axis={"labelFontSize": 13}, view={"stroke": None})


def quota_year(year: int) -> None:
    """One year's commendations against the plan's quotas."""
    rows = in_plan.filter(pl.col("year") == year).with_columns(
        pl.when(pl.col("period") == "cumulative").then(pl.col("label") + "（累计）").otherwise("label").alias("label")
    )
    judged = rows.filter(pl.col("quota").is_not_null())
    met = judged.filter(pl.col("status") == "met").height
    st.caption(f"{judged.height} 项定额中 {met} 项达标" + ("（年度进行中）" if year == today.year else ""))
    ui.chart(
        ui.spec(quota_chart, rows, themed=True),
        rows.select(
            pl.col("label").alias("类别"),
            pl.col("actual").alias("完成"),
            pl.col("quota").alias("定额"),
            pl.col("unit").alias("单位"),
            pl.col("status_label").alias("状态"),
        ),
        f"表扬推荐_定额_{year}",
    )


def quotas_view() -> None:
    """Each year's commendations against the plan's quotas, the newest year first."""
    st.subheader("完成情况（对照方案定额）")
    st.caption(
        "条形颜色即状态：绿色达标，蓝色进行中，红色未完成，灰色仅列示；黑色竖线为定额。党建示范点为方案期内累计。"
    )
    years = sorted(set(in_plan["year"].to_list()), reverse=True)
    # Only the open year is drawn (a lighter page); the newest year opens first.
    ui.views({f"{y} 年": functools.partial(quota_year, y) for y in years}, key="quota_year")

    before = progress.filter(pl.col("plan").is_null())
    if before.height:
        with st.expander(f"方案期外的年度（{'、'.join(str(y) for y in sorted(set(before['year'])))} 年，不考核）"):
            ui.table(
                before.select(
                    pl.col("year").alias("年度"),
                    pl.col("label").alias("类别"),
                    pl.format("{} {}", "actual", "unit").alias("数量"),
                ),
            )


def names_view() -> None:
    """One year's names, by county."""
    st.subheader("名单（按县区）")
    all_years = sorted(set(names["year"].to_list()), reverse=True)
    year = ui.choice("年度", all_years, key="year", format_func=lambda y: f"{y} 年")
    chosen = names.filter(pl.col("year") == year)
    order = {n: i for i, n in enumerate(plan.areas()["name"])}
    counts = chosen.group_by("area_name").agg(pl.len().alias("n")).sort(pl.col("area_name").replace_strict(order))
    st.caption("，".join(f"{r['area_name']} {r['n']} 项" for r in counts.iter_rows(named=True)))
    ui.table(
        chosen.sort(pl.col("area_name").replace_strict(order), "category", "name").select(
            pl.col("area_name").alias("县区"),
            pl.col("category_label").alias("类别"),
            pl.col("name").alias("名称/姓名"),
            pl.col("organization").alias("所在单位"),
            pl.col("date").cast(pl.String).alias("日期"),
            pl.col("file").alias("数据文件"),
        ),
        key="names",
    )


def spread_view() -> None:
    """How often each county was commended, year by year, and any never commended."""
    st.subheader("各县区历年获表扬推荐情况")
    spread = commendations.spread(d).with_columns(
        pl.format("{} 项", "count").alias("文字"),
        pl.when(pl.col("count") >= 5).then(pl.lit("white")).otherwise(pl.lit("#1f1f1f")).alias("ink"),
        pl.col("year").cast(pl.String).alias("年度"),
    )
    rows_order = [n for n in plan.areas()["name"] if n in set(spread["area_name"])]
    ui.chart(
        ui.spec(spread_chart, spread, rows_order),
        spread.select("area_name", "year", "count"),
        "表扬推荐_各县区历年",
    )
    never = commendations.never_commended(d)
    if never:
        st.warning(f"从未获得表扬推荐的县区：{'、'.join(never)}（{min(spread['year'])}–{max(spread['year'])} 年）。")
    else:
        st.caption("每个县区都至少获得过一次表扬推荐。")


# Three views, one at a time: only the open one is computed and drawn, so a new viewer's browser draws one chart,
# not two charts and a long list, and a phone opens on the quotas the plan sets.
VIEWS = {"完成情况": quotas_view, "名单": names_view, "各县区历年": spread_view}
ui.views(VIEWS, key="commendation_view")
