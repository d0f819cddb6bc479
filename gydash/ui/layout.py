"""The frame around every page: the menu, the page style, the sidebar and the page header."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from gydash.base import palette, plan
from gydash.plan import progress
from gydash.snapshots.store import Data
from gydash.ui.session import data, plan_title, selected_area, selected_plan, today
from gydash.ui.widgets import choice

ASSETS = Path(__file__).resolve().parents[2] / "assets"
STYLE = (ASSETS / "gydash.css").read_text(encoding="utf-8")
LABELS = (ASSETS / "gydash.js").read_text(encoding="utf-8")
BADGE_COLOURS = {k: s.badge for k, s in palette.TARGET.items()}
DATA_PAGE = "pages/data.py"
# The menu: (group, [(page script, title, icon)]). app.py registers these pages; presenter mode, which hides the
# sidebar, offers the same menu as links in its control bar.
MENU = (
    ("总览", [("pages/overview.py", "目标进度", ":material/flag:")]),
    ("责任落实", [("pages/duties.py", "责任落实", ":material/task_alt:")]),
    (
        "党建覆盖",
        [
            ("pages/coverage.py", "两个覆盖台账", ":material/account_tree:"),
            ("pages/commendations.py", "表扬推荐", ":material/military_tech:"),
        ],
    ),
    ("县区对比", [("pages/counties.py", "县区对比", ":material/map:")]),
    ("季度汇报", [("pages/meeting.py", "季度汇报", ":material/co_present:")]),
    (
        "数据管理",
        [
            (DATA_PAGE, "数据管理", ":material/folder_open:"),
            ("pages/submissions.py", "报送情况", ":material/assignment_late:"),
        ],
    ),
)


def pages() -> dict:
    """The pages for st.navigation, grouped as the menu shows them; the first is the default."""
    first = MENU[0][1][0][0]
    return {
        group: [st.Page(path, title=title, icon=icon, default=path == first) for path, title, icon in items]
        for group, items in MENU
    }


def menu_links() -> None:
    """The menu as links, for where the sidebar is hidden (presenter mode)."""
    for group, items in MENU:
        st.caption(group)
        for path, title, icon in items:
            st.page_link(path, label=title, icon=icon)


def style() -> None:
    """The page style (assets/gydash.css) for every page, injected once per run by app.py: Streamlit's English-only
    toolbars hidden, a labelled menu control, phone and presenter layout; and assets/gydash.js, which gives the
    few English labels of Streamlit's own controls (screen-reader names, an empty field's hint) Chinese names."""
    st.html(f"<style>{STYLE}</style>")
    st.html(f"<script>{LABELS}</script>", unsafe_allow_javascript=True)


def route_through_app() -> None:
    """Make a deep link (/duties?area=…) on a freshly started server go through app.py.

    Streamlit starts in its old "pages/ folder" mode whenever a pages/ folder exists and leaves it only once
    st.navigation runs; until someone opens the root URL, a deep link would run the page alone (no sidebar, no
    layout, file names as the menu). Every page calls this first: it switches the server to the router and
    reruns, so app.py handles the same URL.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def _on_plan_change() -> None:
    st.query_params["plan"] = st.session_state["plan"]


def sidebar() -> None:
    d = data()
    with st.sidebar:
        st.markdown(f"**数据截至** {d.as_of or '—'}")
        ids = progress.plan_ids(d)
        current = selected_plan(d)
        choice(
            "跟踪方案",
            ids,
            index=ids.index(current) if current in ids else 0,
            format_func=lambda p: plan_title(d, p),
            key="plan",
            on_change=_on_plan_change,
            horizontal=False,  # a plan's title is long: one per line
        )
        area = selected_area()
        if area:
            st.query_params["area"] = area  # page switches drop the URL's query; put it back
            st.markdown(f"**关注县区** {plan.area_name(area)}")
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


def badge_md(row: dict) -> str:
    """A target's status as the Markdown st.badge writes (colour, symbol and word), to go inside a larger
    st.markdown: every element costs a rerun about a millisecond on the server, so a card is one element, not
    three."""
    from gydash.base.fmt import status_text

    label = status_text(row).replace("[", "\\[").replace("]", "\\]")
    return f":{BADGE_COLOURS[row['status']]}-badge[{label}]"
