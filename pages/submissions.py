"""报送情况: per county and dataset, the newest snapshot, what is due next, what is overdue, rejected files to redo."""

import html

import polars as pl
import streamlit as st

from gydash import ui
from gydash.base import palette, plan
from gydash.base.contract import DATASET_LABELS
from gydash.plan import submissions
from gydash.ui import status_cards

ui.route_through_app()

STATUS = palette.SUBMISSION
ALL = "全部县区"

d = ui.data()
today = ui.today()
ui.page_header("报送情况", d)
tracked = submissions.tracker(d, today)
st.caption(
    "各县区应报送的数据及截止时间："
    + "；".join(f"{r['name']} {r['due_rule']}（{r['source']}）" for r in tracked["rules"])
    + f"。今天 {today}；{tracked['soon_days']} 天内截止的标为“即将到期”。"
)

counties = list(plan.counties())
followed = ui.selected_area()
options = [ALL, *counties]
chosen = ui.choice(
    "县区",
    options,
    index=options.index(followed) if followed in counties else 0,
    format_func=lambda c: c if c == ALL else plan.area_name(c),
    key="submissions_area",
)
area = None if chosen == ALL else chosen
if area != followed:
    ui.set_area(area)
shown = submissions.for_area(tracked, area)
entries = shown["entries"]

count = {k: sum(1 for e in entries if e["status"] == k) for k in STATUS}
cols = st.columns(3)
cols[0].metric(f"{STATUS['overdue'].text}", f"{count['overdue']} 项")
cols[1].metric(f"{STATUS['due_soon'].text}（{tracked['soon_days']} 天内）", f"{count['due_soon']} 项")
cols[2].metric(f"{palette.FILE['rejected'].symbol} 被拒文件待更正", f"{len(shown['rejected_waiting'])} 个")


def line(e: dict) -> str:
    """One dataset of a county's card, as HTML: its status, what is due, its newest snapshot."""
    latest = f"最新快照 {e['latest_as_of']}" if e["latest_as_of"] else "还没有已采用的快照"
    redo = f"；被拒文件待更正 {len(e['rejected_waiting'])} 个" if e["rejected_waiting"] else ""
    said = html.escape(f"{submissions.describe(e)}（{latest}{redo}）")
    return f"{status_cards.badge(STATUS[e['status']])} <strong>{html.escape(e['name'])}</strong>：{said}"


by_county: dict[str, list[dict]] = {}
for e in entries:
    by_county.setdefault(e["area_code"], []).append(e)
cards = [
    status_cards.Card(
        plan.area_name(code),
        STATUS["overdue"] if any(r["status"] == "overdue" for r in rows) else None,
        [line(r) for r in rows],
    )
    for code, rows in by_county.items()
]
st.html(status_cards.render(cards))

st.subheader("明细")
detail = pl.DataFrame(
    {
        "县区": [e["area"] for e in entries],
        "数据": [e["name"] for e in entries],
        "状态": [STATUS[e["status"]].text for e in entries],
        "最新快照日期": [e["latest_as_of"] or "—" for e in entries],
        "已报至": [e["submitted_through_label"] or "—" for e in entries],
        "下一期": [e["next_period_label"] or "—" for e in entries],
        "下一期截止日期": [e["next_due"] or "—" for e in entries],
        "距截止（天）": [e["days_to_due"] for e in entries],
        "逾期未报（期）": [e["overdue_count"] for e in entries],
        "最长逾期（天）": [e["days_overdue"] for e in entries],
        "报送规则": [f"{e['due_rule']}（{e['source']}）" for e in entries],
    },
    schema_overrides={"距截止（天）": pl.Int64, "逾期未报（期）": pl.Int64, "最长逾期（天）": pl.Int64},
)
ui.table(detail, key="submissions_detail")

overdue_rows = [(e, o) for e in entries for o in e["overdue"]]
if overdue_rows:
    with st.expander(f"逾期未报的各期（{len(overdue_rows)} 期）"):
        ui.table(
            pl.DataFrame(
                {
                    "县区": [e["area"] for e, _ in overdue_rows],
                    "数据": [e["name"] for e, _ in overdue_rows],
                    "期间": [o["label"] for _, o in overdue_rows],
                    "截止日期": [o["due"] for _, o in overdue_rows],
                    "已逾期（天）": [o["days_overdue"] for _, o in overdue_rows],
                }
            ),
            key="submissions_overdue",
        )

st.subheader("被拒绝、尚待更正的文件")
waiting = shown["rejected_waiting"]
if waiting:
    st.caption(
        "这些文件未通过检查，整个文件都未计入；请改正后另存一个日期更晚的新文件（原因见“数据管理”页）。"
        "文件名不含县区名的为全市文件，各县区都列出。"
    )
    ui.table(
        pl.DataFrame(
            {
                "文件": [r["path"] for r in waiting],
                "数据": [DATASET_LABELS.get(r["dataset"], r["dataset"]) for r in waiting],
                "县区": [r["area"] or "全市文件" for r in waiting],
                "快照日期": [r["as_of"] or "—" for r in waiting],
                "已等待（天）": [r["days_waiting"] for r in waiting],
                "原因": ["；".join(r["reasons"][:3]) + ("……" if len(r["reasons"]) > 3 else "") for r in waiting],
            },
            schema_overrides={"已等待（天）": pl.Int64},
        ),
        key="submissions_rejected",
    )
else:
    st.html(f"<p>{status_cards.badge(STATUS['complete'], '✓ 无')} 没有等待更正的被拒文件。</p>")  # not 已报齐
