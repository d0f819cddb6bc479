"""gydash entry point: page setup, the sidebar, and the router of pages."""

from pathlib import Path

import streamlit as st

from gydash import ui

# A local icon: a Material-symbol page_icon makes browsers fetch it from Google's font CDN, which a closed
# government network cannot reach.
ICON = Path(__file__).parent / "assets" / "favicon.png"
st.set_page_config(page_title="广元科创党建进度看板", page_icon=str(ICON), layout="wide")
ui.style()

pages = {
    "总览": [st.Page("pages/overview.py", title="目标进度", icon=":material/flag:", default=True)],
    "责任落实": [st.Page("pages/duties.py", title="责任落实", icon=":material/task_alt:")],
    "党建覆盖": [
        st.Page("pages/coverage.py", title="两个覆盖台账", icon=":material/account_tree:"),
        st.Page("pages/commendations.py", title="表扬推荐", icon=":material/military_tech:"),
    ],
    "县区对比": [st.Page("pages/counties.py", title="县区对比", icon=":material/map:")],
    "季度汇报": [st.Page("pages/meeting.py", title="季度汇报", icon=":material/co_present:")],
    "数据管理": [
        st.Page(ui.DATA_PAGE, title="数据管理", icon=":material/folder_open:"),
        st.Page("pages/submissions.py", title="报送情况", icon=":material/assignment_late:"),
    ],
}
# Sign-in (when the office makes viewing private) comes before the router, so no page is even listed.
if not ui.viewing_allowed():
    st.stop()
nav = st.navigation(pages)
ui.sidebar()
nav.run()
