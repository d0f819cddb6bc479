"""Tables, charts and short choices; Chinese download menus in place of Streamlit's English toolbars."""

from __future__ import annotations

import threading

import streamlit as st

from gydash.base.fmt import md
from gydash.ui import plain_table
from gydash.ui.session import run_token

_this_run = threading.local()  # Streamlit runs each session's script on its own thread


def _next_table() -> int:
    """The number of this table in the current run (1, 2, …): a stable key for its download menu on every rerun."""
    run = run_token()
    held = getattr(_this_run, "tables", None)
    n = held[1] + 1 if held is not None and held[0] is run else 1
    _this_run.tables = (run, n)
    return n


def table(frame, unit: str | None = None, pin: str | None = None, name: str = "表格", *, key: str | None = None,
          wrap: bool = False, menu: bool = True) -> None:  # fmt: skip
    """The frame as users download it (export.table: Chinese headers with units, rounded, no internal columns), as a
    plain HTML table (plain_table), with a 下载 menu under it for the same table as CSV unless `menu` is off; `name`
    names the downloaded file. `pin` is its first column, kept in view while the rest scrolls sideways on a phone;
    `wrap` lets long sentences wrap. A table of more than plain_table.PLAIN_ROWS rows is shown that many rows at a
    time, in the caller's order, with 上一页/下一页 under it (a phone is sent one page, not a thousand-file list);
    the 下载 menu gives every row."""
    from gydash.snapshots import export

    shown = export.table(frame, unit)
    key = key or f"table{_next_table()}"
    rows, size = shown.height, plain_table.PLAIN_ROWS
    pages = max(1, -(-rows // size))
    at = key + "_page"
    page = min(max(st.session_state.get(at, 0), 0), pages - 1)  # the table may have shrunk since the page was chosen
    st.html(plain_table.render(shown.slice(page * size, size), pin, wrap))
    if pages > 1:
        _pager(at, page, pages, rows)
    if menu:
        with st.popover("下载", icon=":material/download:", type="tertiary", key=f"dl_{key}"):
            _csv_button("表格（CSV）", frame, unit, name, key)


def _pager(at: str, page: int, pages: int, rows: int) -> None:
    """上一页 / 下一页 of a long table, and which rows are shown; the page is kept in session state under `at`."""
    size = plain_table.PLAIN_ROWS

    def turn(step: int) -> None:
        st.session_state[at] = page + step

    # The two buttons side by side and the rows after them: on a phone the words wrap below, the buttons stay put.
    with st.container(horizontal=True, vertical_alignment="center", key=f"{at}er"):
        st.button("上一页", icon=":material/chevron_left:", disabled=page == 0, on_click=turn, args=(-1,),
                  key=f"{at}_prev", type="tertiary")  # fmt: skip
        st.button("下一页", icon=":material/chevron_right:", disabled=page == pages - 1, on_click=turn, args=(1,),
                  key=f"{at}_next", type="tertiary")  # fmt: skip
        first, last = page * size + 1, min((page + 1) * size, rows)
        st.caption(f"第 {first:,}–{last:,} 行，共 {rows:,} 行（第 {page + 1}/{pages} 页）")


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


# A choice among this many options or fewer is a row of radio buttons: every option in view, one tap on a phone.
# More options go in a drop-down list. Streamlit's drop-down also costs a new viewer's browser about 0.15 s of
# script (measured: a one-line page drawn in 0.92 s, 1.10 s with one drop-down, 0.98 s with radio buttons).
RADIO_MAX = 8


def choice(label: str, options, *, index: int = 0, format_func=str, key: str | None = None, on_change=None,
           horizontal: bool = True):  # fmt: skip
    """One of `options`, as st.radio when there are few of them and st.selectbox otherwise (same arguments)."""
    options = list(options)
    if len(options) <= RADIO_MAX:
        # A radio button's label is Markdown (a drop-down's is not): names staff typed are shown as typed.
        return st.radio(label, options, index=index, format_func=lambda o: md(format_func(o)), key=key,
                        on_change=on_change, horizontal=horizontal)  # fmt: skip
    return st.selectbox(label, options, index=index, format_func=format_func, key=key, on_change=on_change)


def views(shown: dict, key: str) -> None:
    """Parts of a page as tabs (label → function drawing it), only the open one run: the others are neither computed
    nor sent to the browser, so a new viewer's page draws one part (Streamlit's lazy tabs, on_change="rerun")."""
    for tab, draw in zip(st.tabs(list(shown), key=key, on_change="rerun"), shown.values(), strict=True):
        if tab.open:
            with tab:
                draw()


def chart(drawn, frame=None, name: str = "chart", unit: str | None = None, **kwargs):
    """Show a chart (a spec from ui.spec, or an Altair chart) container-wide, with a small 下载 menu under it: the
    chart as PNG and the data it draws as CSV (export.csv: Chinese headers, `unit` being the unit of its
    figures). Streamlit's own chart toolbar (English only) is hidden by the page style; this menu replaces it.
    Both files are made only when clicked, so reruns stay fast. Other keyword arguments go to
    st.vega_lite_chart (width, on_select, key …); its return value is returned."""
    drawn = _named(drawn, name)
    kwargs.setdefault("width", "stretch")
    # Streamlit moves the datasets out of the dict it is given (top-level keys only): it gets its own copy.
    event = st.vega_lite_chart(spec=dict(drawn), **kwargs)
    _downloads([("图片（PNG）", name, drawn)], frame, name, unit)
    return event


def html_charts(markup: str, drawn: list[tuple[str, str, object]], frame=None, name: str = "chart",
                unit: str | None = None) -> None:  # fmt: skip
    """Charts drawn together as one block of plain HTML (`markup`, e.g. a row of cards with ui.bullet_html), with
    one 下载 menu under them: each chart's PNG, made from its spec when clicked (`drawn`: (label in the menu, file
    name, spec or Altair chart)), and `frame`, the figures of them all, as CSV named `name`."""
    st.html(markup)
    _downloads([(label, n, _named(d, n)) for label, n, d in drawn], frame, name, unit)


def _named(drawn, name: str) -> dict:
    """The chart as a spec, named for a screen reader in Chinese, not by Vega's English descriptions of its axes
    and marks."""
    if not isinstance(drawn, dict):
        from gydash import vega

        drawn = vega.vega_spec(drawn)
    drawn = {"description": f"图表：{name.replace('_', ' ')}"} | drawn
    drawn["config"] = drawn.get("config", {}) | {"aria": False}
    return drawn


def _downloads(drawn: list[tuple[str, str, dict]], frame, name: str, unit: str | None) -> None:
    """The 下载 menu of charts: each one's PNG (label, file name, spec; when the server has the Chinese font), made
    when clicked, and `frame` as CSV."""
    from gydash.meeting import render

    with st.popover("下载", icon=":material/download:", type="tertiary", key=f"dl_{name}"):
        try:
            render.font()
        except render.FontMissing as exc:
            st.caption(str(exc))
        else:
            for i, (label, file_name, spec) in enumerate(drawn):
                st.download_button(
                    label,
                    data=lambda spec=spec: render.png(dict(spec)),
                    file_name=f"{file_name}.png",
                    mime="image/png",
                    on_click="ignore",
                    key=f"dl_{name}_png" + (str(i) if i else ""),
                    icon=":material/image:",
                )
        if frame is not None:
            _csv_button("数据（CSV）", frame, unit, name, name)
