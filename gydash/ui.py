"""The one Streamlit module in gydash: data access for pages, the sidebar, page header and shared widgets."""

from __future__ import annotations

import streamlit as st

from gydash import clock, plan, progress, store
from gydash.store import Data

BADGE_COLOURS = {
    "achieved": "green",
    "on_track": "blue",
    "behind": "orange",
    "off_track": "red",
    "missed": "red",
    "no_data": "gray",
}
DATA_PAGE = "pages/data.py"


def data() -> Data:
    """The data in effect; store.load only stats files, so a rerun with no new file reads nothing."""
    return store.load()


def today():
    return clock.today()


def selected_plan(d: Data) -> str:
    """The plan chosen in the sidebar (kept in the URL as ?plan=…), the built-in 2024 plan by default."""
    ids = progress.plan_ids(d)
    chosen = st.session_state.get("plan") or st.query_params.get("plan") or plan.BUILTIN_PLAN
    return chosen if chosen in ids else (ids[0] if ids else plan.BUILTIN_PLAN)


def plan_title(d: Data, plan_id: str) -> str:
    """A built-in plan by its document title and year; a plan from the targets dataset by its own name."""
    info = plan.plan_info(plan_id, store_targets(d))
    if info.get("issuer"):
        return f"《{info['title']}》（{plan_id}）"
    return info["title"]


def store_targets(d: Data):
    from gydash import resolve

    return resolve.targets(d)


def _on_plan_change() -> None:
    st.query_params["plan"] = st.session_state["plan"]


def sidebar() -> None:
    d = data()
    with st.sidebar:
        st.markdown(f"**数据截至** {d.as_of or '—'}")
        ids = progress.plan_ids(d)
        current = selected_plan(d)
        st.selectbox(
            "跟踪方案",
            ids,
            index=ids.index(current) if current in ids else 0,
            format_func=lambda p: plan_title(d, p),
            key="plan",
            on_change=_on_plan_change,
        )
        if d.uses_sample:
            st.warning("**示例数据**：当前显示的是系统自带的示例数据，不是真实统计。", icon=":material/science:")
        rejected = d.rejected()
        if rejected:
            st.error(f"有 **{len(rejected)}** 个数据文件未通过检查，未计入统计。", icon=":material/warning:")
            st.page_link(DATA_PAGE, label="查看原因（数据管理）", icon=":material/folder_open:")
        st.caption(f"今天 {today()} · 数据目录 `{d.data_dir}`")


def page_header(title: str, d: Data) -> None:
    """Page title with the sample-data flag beside it, so a projected screen never hides that it is a demo."""
    left, right = st.columns([5, 1])
    left.markdown(f"## {title}")
    if d.uses_sample:
        right.badge("示例数据", icon=":material/science:", color="orange")


def status_badge(row: dict, where=st) -> None:
    from gydash.fmt import status_text

    where.badge(status_text(row), color=BADGE_COLOURS[row["status"]])


def under_construction(title: str, issue_note: str) -> None:
    st.markdown(f"## {title}")
    st.info(f"本页建设中：{issue_note}", icon=":material/construction:")
