"""gydash entry point: page setup, the sidebar, and the router of pages."""

import streamlit as st

from gydash import ui

st.set_page_config(page_title="广元科创党建进度看板", page_icon="📊", layout="wide")

pages = {
    "总览": [st.Page("pages/overview.py", title="目标进度", icon="🎯", default=True)],
}
nav = st.navigation(pages)
ui.sidebar()
nav.run()
