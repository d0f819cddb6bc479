"""What a page run sees: the data in effect (looked up once per run), today, the chosen plan and county."""

from __future__ import annotations

import threading

import streamlit as st

from gydash.base import clock, plan
from gydash.plan import progress
from gydash.snapshots import store
from gydash.snapshots.store import Data

_this_run = threading.local()  # Streamlit runs each session's script on its own thread


def data() -> Data:
    """The data in effect; store.load only looks for changes (stat, or the kernel's reports), so a rerun with no new
    file reads nothing. The dir is looked at once per run: the sidebar (app.py) and the page share that look, which
    also means both show the very same files. A run is told apart by the cursor table Streamlit makes afresh at the
    start of each."""
    held = held_data()
    if held is not None:
        return held
    d = store.load()
    run = run_token()
    if run is not None:
        _this_run.held = (run, d)  # the run's own table is held, so `is` cannot match a later run by chance
    return d


def run_token():
    """What tells this script run apart: the cursor table Streamlit makes afresh at its start (None outside one)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return getattr(get_script_run_ctx(), "cursors", None)


def held_data() -> Data | None:
    """The data this run has already asked for (ui.data), or None."""
    run, held = run_token(), getattr(_this_run, "held", None)
    return held[1] if run is not None and held is not None and held[0] is run else None


def today():
    return clock.today()


def selected_plan(d: Data) -> str:
    """The plan chosen in the sidebar (kept in the URL as ?plan=…), the built-in 2024 plan by default."""
    ids = progress.plan_ids(d)
    chosen = st.session_state.get("plan") or st.query_params.get("plan") or plan.BUILTIN_PLAN
    return chosen if chosen in ids else (ids[0] if ids else plan.BUILTIN_PLAN)


def plan_title(d: Data, plan_id: str) -> str:
    return progress.plan_title(d, plan_id)


def store_targets(d: Data):
    from gydash.snapshots import resolve

    return resolve.targets(d)


def selected_area() -> str | None:
    """The county an official follows ("my county"), from ?area=… (code, full or short name) or this session."""
    raw = st.query_params.get("area") or st.session_state.get("area")
    code = plan.area_lookup().get(raw) if raw else None
    if code is None or code == plan.CITY:
        return None
    st.session_state["area"] = code
    return code


def set_area(code: str | None) -> None:
    """Follow a county (or none); kept in the URL so the link opens the same county on any page."""
    if code:
        st.session_state["area"] = code
        st.query_params["area"] = code
    else:
        st.session_state.pop("area", None)
        st.query_params.pop("area", None)
