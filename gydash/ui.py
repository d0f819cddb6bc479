"""The one Streamlit module in gydash: cached data access, the sidebar and small shared widgets."""

from __future__ import annotations

import streamlit as st

from gydash import store
from gydash.store import Data


def data() -> Data:
    """The data in effect; store.load only stats files, so a rerun with no new file reads nothing."""
    return store.load()


def sidebar() -> None:
    d = data()
    with st.sidebar:
        st.caption(f"数据截至 {d.as_of or '—'}")
