"""gydash entry point: page setup, the sidebar, and the router of pages."""

from pathlib import Path

import streamlit as st

from gydash import ui

# A local icon: a Material-symbol page_icon makes browsers fetch it from Google's font CDN, which a closed
# government network cannot reach.
ICON = Path(__file__).parent / "assets" / "favicon.png"
st.set_page_config(page_title="广元科创党建进度看板", page_icon=str(ICON), layout="wide")
ui.style()

# A failure in the sign-in check, the sidebar or a page shows a Chinese message and an error number, not a
# traceback (ui.page_guard). Sign-in (when the office makes viewing private) comes before the router, so no page is
# even listed; if the check itself fails, no page is shown.
if not ui.guarded(ui.viewing_allowed, "登录"):
    st.stop()
nav = st.navigation(ui.pages())
ui.guarded(ui.sidebar, "侧边栏")
ui.guarded(nav.run, nav.title)
