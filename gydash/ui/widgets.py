"""Tables and charts with the project's own Chinese download menu in place of Streamlit's English toolbars."""

from __future__ import annotations

import threading

import streamlit as st

from gydash.ui.session import run_token

_this_run = threading.local()  # Streamlit runs each session's script on its own thread


def _next_table() -> int:
    """The number of this table in the current run (1, 2, …): a stable key for its download menu on every rerun."""
    run = run_token()
    held = getattr(_this_run, "tables", None)
    n = held[1] + 1 if held is not None and held[0] is run else 1
    _this_run.tables = (run, n)
    return n


def table(frame, unit: str | None = None, pin: str | None = None, name: str = "表格", **kwargs):
    """st.dataframe of the frame as users download it (export.table: Chinese headers with units, rounded, no
    internal columns), with a 下载 menu under it for the same table as CSV (Streamlit's own table toolbar is
    English only and hidden by the page style). `pin` keeps that column in view while the rest scrolls
    sideways (on a phone); `name` names the downloaded file. A table of more than a thousand rows (the file
    list at full scale, a year's events behind a duty cell) is sent a screenful at a time as it is scrolled or
    sorted (Streamlit's lazy delivery) instead of half a megabyte to a phone on every view; search and
    Streamlit's own CSV, which lazy tables lack, are hidden anyway, and the 下载 menu gives every row."""
    from gydash.snapshots import export

    shown = export.table(frame, unit)
    if kwargs.get("on_select", "ignore") == "ignore":  # a table users select rows in is sent whole
        kwargs.setdefault("lazy", True)
    if pin in shown.columns:
        kwargs["column_config"] = {pin: st.column_config.Column(pinned=True)} | kwargs.get("column_config", {})
    # As an Arrow table: Streamlit sends its bytes as they are, where a polars frame would go through pandas first
    # (a fifth of the data page's rerun for its file list); the lazy path makes this same table itself.
    event = st.dataframe(shown.to_arrow(), **kwargs)
    key = kwargs.get("key") or f"table{_next_table()}"
    with st.popover("下载", icon=":material/download:", type="tertiary", key=f"dl_{key}"):
        _csv_button("表格（CSV）", frame, unit, name, key)
    return event


def _csv_button(label: str, frame, unit: str | None, name: str, key: str) -> None:
    """The CSV download of a table or a chart's data, made only when clicked (export.csv: Chinese headers, BOM)."""
    from gydash.snapshots import export

    st.download_button(
        label,
        data=lambda: export.csv(frame, unit),
        file_name=f"{name}.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"dl_{key}_csv",
        icon=":material/table_view:",
    )


def chart(drawn, frame=None, name: str = "chart", unit: str | None = None, **kwargs):
    """Show a chart (a spec from ui.spec, or an Altair chart) container-wide, with a small 下载 menu under it: the
    chart as PNG and the data it draws as CSV (export.csv: Chinese headers, `unit` being the unit of its
    figures). Streamlit's own chart toolbar (English only) is hidden by the page style; this menu replaces it.
    Both files are made only when clicked, so reruns stay fast. Other keyword arguments go to
    st.vega_lite_chart (width, on_select, key …); its return value is returned."""
    from gydash.meeting import render

    if not isinstance(drawn, dict):
        from gydash import vega

        drawn = vega.vega_spec(drawn)
    # A screen reader says the chart's Chinese name, not Vega's English descriptions of its axes and marks.
    drawn = {"description": f"图表：{name.replace('_', ' ')}"} | drawn
    drawn["config"] = drawn.get("config", {}) | {"aria": False}
    kwargs.setdefault("width", "stretch")
    # Streamlit moves the datasets out of the dict it is given (top-level keys only): it gets its own copy.
    event = st.vega_lite_chart(spec=dict(drawn), **kwargs)
    with st.popover("下载", icon=":material/download:", type="tertiary", key=f"dl_{name}"):
        try:
            render.font()
        except render.FontMissing as exc:
            st.caption(str(exc))
        else:
            st.download_button(
                "图片（PNG）",
                data=lambda: render.png(dict(drawn)),
                file_name=f"{name}.png",
                mime="image/png",
                on_click="ignore",
                key=f"dl_{name}_png",
                icon=":material/image:",
            )
        if frame is not None:
            _csv_button("数据（CSV）", frame, unit, name, name)
    return event
