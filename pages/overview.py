"""目标进度: one card per headline target."""

import streamlit as st

from gydash import progress, ui

st.title("目标进度")
rows = progress.target_progress(ui.data())
st.write(progress.headline(rows))
