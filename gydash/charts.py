"""Altair charts shared by the pages and the meeting pack: target bullets and trends with projection."""

from __future__ import annotations

from datetime import date

import altair as alt
import polars as pl

from gydash.base import fmt, palette

TARGET_COLOUR = palette.GOAL_INK  # black: red is kept for 未完成
PACE_COLOUR = "#555555"
SMALL_WIDTH = 120  # px per county in the small multiples: two of them and the axis fit a phone or half a page


def _scale(row: dict) -> float:
    return 100.0 if row["kind"] == "growth" else 1.0


def bullet_marks(row: dict) -> tuple[float, float, float | None, float]:
    """A bullet's actual, target, 序时进度 position (None once final) and scale end, in the figure's own terms."""
    k = _scale(row)
    actual = (row["actual"] or 0.0) * k
    target = row["target"] * k
    pace = (row["pace"] or 0.0) * target if row["pace"] is not None and not row["final"] else None
    return actual, target, pace, max(actual, target) * 1.12 or 1.0


def bullet(row: dict, height: int = 46) -> alt.LayerChart:
    """The actual as a bar (status colour), the target as a black tick, 序时进度 as a grey marker."""
    actual, target, pace, top = bullet_marks(row)
    colour = palette.TARGET[row["status"]].ink
    unit = "%" if row["kind"] == "growth" else row["unit"]
    base = pl.DataFrame({"y": ["实际"], "actual": [actual], "target": [target], "pace": [pace], "unit": [unit]})
    x = alt.X("actual:Q", scale=alt.Scale(domain=[0, top]), axis=alt.Axis(title=None, tickCount=4, labelFontSize=10))
    enc = {"y": alt.Y("y:N", axis=None)}
    back = (
        alt.Chart(base)
        .mark_bar(color="#eeeeee", size=22)
        .encode(x=alt.X("top:Q"), **enc)
        .transform_calculate(top=str(top))
    )
    bar = (
        alt.Chart(base)
        .mark_bar(color=colour, size=14)
        .encode(
            x=x,
            **enc,
            tooltip=[alt.Tooltip("actual:Q", title="实际", format=",.2f"), alt.Tooltip("unit:N", title="单位")],
        )
    )
    tick = (
        alt.Chart(base)
        .mark_tick(color=TARGET_COLOUR, thickness=3, size=26)
        .encode(x="target:Q", **enc, tooltip=[alt.Tooltip("target:Q", title="目标", format=",.2f")])
    )
    layers = [back, bar, tick]
    if pace is not None:
        layers.append(
            alt.Chart(base)
            .mark_point(shape="triangle-down", filled=True, color=PACE_COLOUR, size=90, yOffset=-11)
            .encode(x="pace:Q", **enc, tooltip=[alt.Tooltip("pace:Q", title="序时进度应达", format=",.2f")])
        )
    return alt.layer(*layers).properties(height=height)


def _target_rule(value: float, label: str) -> alt.LayerChart:
    df = pl.DataFrame({"v": [value], "label": [label]})
    rule = alt.Chart(df).mark_rule(color=TARGET_COLOUR, strokeDash=[6, 3], size=2).encode(y="v:Q")
    text = (
        alt.Chart(df)
        .mark_text(color=TARGET_COLOUR, align="left", dx=4, dy=-7, fontSize=12)
        .encode(y="v:Q", text="label:N", x=alt.value(0))
    )
    return rule + text


def _level_trend(row: dict, hist: pl.DataFrame, proj: dict, start: date | None) -> alt.LayerChart:
    unit = row["unit"]
    df = hist.select("date", "value", "derived").with_columns(pl.lit("实际").alias("series"))
    line = (
        alt.Chart(df)
        .mark_line(point=True, color="#1f4e79")
        .encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%Y-%m")),
            y=alt.Y("value:Q", title=unit, scale=alt.Scale(zero=False)),
            tooltip=[
                alt.Tooltip("date:T", title="期间", format="%Y-%m"),
                alt.Tooltip("value:Q", title=f"数值（{unit}）"),
            ],
        )
    )
    layers = [line, _target_rule(row["target"], f"目标 {fmt.number(row['target'], unit)}")]
    if start is not None and row["base_value"] is not None:
        path = pl.DataFrame({"date": [start, row["deadline"]], "value": [row["base_value"], row["target"]]})
        layers.append(alt.Chart(path).mark_line(color=PACE_COLOUR, strokeDash=[2, 3]).encode(x="date:T", y="value:Q"))
    if proj["points"]:
        p = pl.DataFrame({"date": [d for d, _ in proj["points"]], "value": [v for _, v in proj["points"]]})
        layers.append(alt.Chart(p).mark_line(color="#1f4e79", strokeDash=[6, 4]).encode(x="date:T", y="value:Q"))
    return alt.layer(*layers)


def _flow_trend(row: dict, hist: pl.DataFrame, proj: dict) -> alt.LayerChart:
    unit = row["unit"]
    years = sorted(set(hist["year"].to_list()))[-3:]
    df = hist.filter(pl.col("year").is_in(years)).select(pl.col("year").cast(pl.String).alias("年份"), "month", "value")
    line = (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "month:Q", title="月份（1–N 月累计）", scale=alt.Scale(domain=[1, 12]), axis=alt.Axis(tickCount=12)
            ),
            y=alt.Y("value:Q", title=unit),
            color=alt.Color(
                "年份:N", scale=alt.Scale(scheme="blues"), legend=alt.Legend(orient="top-left", title=None)
            ),
            tooltip=[
                "年份:N",
                alt.Tooltip("month:Q", title="截至月份"),
                alt.Tooltip("value:Q", title=f"累计（{unit}）"),
            ],
        )
    )
    layers = [line, _target_rule(row["target"], f"全年目标 {fmt.number(row['target'], unit)}")]
    if proj["points"]:
        p = pl.DataFrame({"month": [row["actual_month"], 12], "value": [v for _, v in proj["points"]]})
        layers.append(alt.Chart(p).mark_line(color="#1f4e79", strokeDash=[6, 4]).encode(x="month:Q", y="value:Q"))
    return alt.layer(*layers)


def _growth_trend(row: dict, hist: pl.DataFrame, proj: dict) -> alt.LayerChart:
    unit = row["unit"]
    full = hist.filter(pl.col("month") == 12).select(pl.col("year"), "value")
    bars = (
        alt.Chart(full)
        .mark_bar(color="#1f4e79", opacity=0.8)
        .encode(
            x=alt.X("year:O", title=None),
            y=alt.Y("value:Q", title=f"全年（{unit}）"),
            tooltip=[alt.Tooltip("year:O", title="年份"), alt.Tooltip("value:Q", title=f"全年（{unit}）")],
        )
    )
    layers = [bars]
    base_year = row["base_year"]
    base = full.filter(pl.col("year") == base_year)
    if not base.is_empty():
        start = base["value"][0]
        path = pl.DataFrame({"year": list(range(base_year, row["year"] + 1))}).with_columns(
            (start * (1 + row["target"]) ** (pl.col("year") - base_year)).alias("value")
        )
        layers.append(
            alt.Chart(path)
            .mark_line(color=TARGET_COLOUR, strokeDash=[6, 3], point=True)
            .encode(x="year:O", y="value:Q", tooltip=[alt.Tooltip("value:Q", title="按目标增速应达", format=",.2f")])
        )
    return alt.layer(*layers)


def trend(row: dict, hist: pl.DataFrame, proj: dict, start: date | None, height: int = 220) -> alt.LayerChart:
    """All reported periods, the target line and the projection (dashed) for one target."""
    if row["kind"] == "growth":
        chart = _growth_trend(row, hist, proj)
    elif row["measure"] == "flow":
        chart = _flow_trend(row, hist, proj)
    else:
        chart = _level_trend(row, hist, proj, start)
    return chart.properties(height=height)


def county_bars(table: pl.DataFrame, unit: str, avg: float | None, highlight: str | None = None) -> alt.LayerChart:
    """Counties ranked by value, labelled with value and unit, the county average as a rule, own targets as ticks."""
    df = table.filter(pl.col("value").is_not_null()).with_columns(
        pl.col("value").map_elements(lambda v: fmt.number(v, unit), return_dtype=pl.String).alias("label"),
        (pl.col("area_code") == (highlight or "")).alias("mine"),
        pl.col("attainment").map_elements(lambda a: f"目标完成 {a * 100:.0f}%", return_dtype=pl.String).alias("att"),
    )
    order = df.sort("value", descending=True)["area"].to_list()
    y = alt.Y("area:N", sort=order, title=None, axis=alt.Axis(labelFontSize=13))
    bars = (
        alt.Chart(df)
        .mark_bar(size=18)
        .encode(
            x=alt.X("value:Q", title=unit),
            y=y,
            color=alt.condition("datum.mine", alt.value(palette.HIGHLIGHT), alt.value("#1f4e79")),
            tooltip=[alt.Tooltip("area:N", title="县区"), alt.Tooltip("label:N", title="数值")],
        )
    )
    labels = bars.mark_text(align="left", dx=4, fontSize=12, color="#1f1f1f").encode(text="label:N")
    layers = [bars, labels]
    if avg is not None:
        rule = pl.DataFrame({"avg": [avg], "label": [f"县区平均 {fmt.number(avg, unit)}"]})
        layers.append(alt.Chart(rule).mark_rule(color=PACE_COLOUR, strokeDash=[4, 3]).encode(x="avg:Q"))
        layers.append(
            alt.Chart(rule)
            .mark_text(color=PACE_COLOUR, align="left", dx=3, dy=-8, y=0)
            .encode(x="avg:Q", text="label:N")
        )
    targets = df.filter(pl.col("target").is_not_null())
    if not targets.is_empty():
        layers.append(
            alt.Chart(targets)
            .mark_tick(color=TARGET_COLOUR, thickness=3, size=24)
            .encode(
                x="target:Q",
                y=y,
                tooltip=[alt.Tooltip("target:Q", title="县区目标"), alt.Tooltip("att:N", title="完成")],
            )
        )
    return alt.layer(*layers).properties(height=max(36 * df.height, 120))


def small_multiples(trends: pl.DataFrame, unit: str) -> alt.FacetChart:
    """Each county's own trend, same scale, for spotting who is flat or falling: two to a row, so the seven
    counties wrap within a phone's width (390 px) as they do beside the bars on a wide screen. Only the fields it
    draws go into the chart: with every column of the series (files, sources, dates) the spec was 150 kB a view."""
    return (
        alt.Chart(trends.select("short", "period", "value"))
        .mark_line(point=True, color="#1f4e79")
        .encode(
            x=alt.X("period:O", title=None, axis=alt.Axis(labels=False, ticks=False)),
            y=alt.Y("value:Q", title=unit),
            tooltip=[
                alt.Tooltip("short:N", title="县区"),
                alt.Tooltip("period:O", title="期间"),
                alt.Tooltip("value:Q", title=unit),
            ],
        )
        .properties(width=SMALL_WIDTH, height=80)
        .facet(facet=alt.Facet("short:N", title=None, header=alt.Header(labelFontSize=13)), columns=2)
    )


def quota_words(r: dict) -> str:
    """'2/3 个 ✗ 未完成', '5 名 – 仅列示，不设定额' — the figure, the symbol and the status word of a quota row."""
    figure = f"{r['actual']}/{r['quota']} {r['unit']}" if r["quota"] is not None else f"{r['actual']} {r['unit']}"
    return f"{figure} {palette.QUOTA[r['status']].symbol} {r['status_label']}"


def quota_bars(
    rows: pl.DataFrame, width: int | None = None, clean=str, words_under_label: bool = False
) -> tuple[alt.LayerChart, pl.DataFrame]:
    """Commendations against their quotas (page and pack): a bar per group in its status colour (red only when
    未完成), the quota as a black tick, and the figure with its symbol and word beside the bar. `clean` rewrites the
    words (the pack passes render.safe). `words_under_label` puts the figure and status on a second line under
    each group's name instead of beside the bar, so the bars keep their length on a phone's width (the page).
    Returns the chart and the table it draws."""
    df = rows.with_columns(
        pl.struct("actual", "quota", "unit", "status", "status_label")
        .map_elements(lambda r: clean(quota_words(r)), return_dtype=pl.String)
        .alias("words"),
        pl.col("status").replace_strict(palette.words(palette.QUOTA), return_dtype=pl.String).alias("state"),
    ).select("label", "actual", "quota", "unit", "status", "state", "status_label", "words")
    domain, inks = palette.legend(palette.QUOTA, set(df["status"]), colour="ink")
    if words_under_label:
        df = df.with_columns(pl.concat_str("label", pl.lit("|"), "words").alias("label"))
    axis = alt.Axis(labelLimit=260, labelExpr="split(datum.label, '|')" if words_under_label else alt.Undefined)
    y = alt.Y("label:N", sort=df["label"].to_list(), title=None, axis=axis)
    bars = (
        alt.Chart(df)
        .mark_bar(size=20)
        .encode(
            y=y,
            x=alt.X("actual:Q", title="数量"),
            color=alt.Color(
                "state:N",
                title="状态",
                sort=domain,
                scale=alt.Scale(domain=domain, range=inks),
                legend=alt.Legend(orient="bottom", columns=1) if words_under_label else alt.Undefined,
            ),
            tooltip=[alt.Tooltip("label:N", title="类别"), alt.Tooltip("words:N", title="完成情况")],
        )
    )
    ticks = alt.Chart(df).mark_tick(color=TARGET_COLOUR, thickness=3, size=30).encode(y=y, x="quota:Q")
    text = (
        alt.Chart(df)
        .mark_text(align="left", dx=6, fontSize=14)
        .encode(y=y, x=alt.X("max_x:Q"), text="words:N")
        .transform_calculate(max_x="max(datum.actual, datum.quota || 0)")
    )
    layers = (bars, ticks) if words_under_label else (bars, ticks, text)
    chart = alt.layer(*layers).properties(height=alt.Step(52 if words_under_label else 40))
    return (chart.properties(width=width) if width else chart), df
