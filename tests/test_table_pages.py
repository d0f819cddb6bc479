"""A long table is shown a hundred rows at a time, in the caller's order, with 上一页/下一页 under it."""

from __future__ import annotations

from conftest import tables
from streamlit.testing.v1 import AppTest


def long_table_app():
    import polars as pl
    import streamlit as st

    from gydash import ui

    rows = st.session_state.get("rows", 250)
    ui.table(pl.DataFrame({"序号": [f"第{i}行" for i in range(1, rows + 1)], "数值": list(range(1, rows + 1))}))


def shown(at: AppTest) -> list[str]:
    [table] = tables(at)
    return list(table["序号"])


def pager_words(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_a_long_table_is_paged_a_hundred_rows_at_a_time():
    at = AppTest.from_function(long_table_app).run()
    assert not at.exception
    assert shown(at) == [f"第{i}行" for i in range(1, 101)]
    assert "第 1–100 行，共 250 行（第 1/3 页）" in pager_words(at)
    assert at.button(key="table1_page_prev").disabled
    at.button(key="table1_page_next").click().run()
    assert shown(at) == [f"第{i}行" for i in range(101, 201)]
    at.button(key="table1_page_next").click().run()
    assert shown(at) == [f"第{i}行" for i in range(201, 251)]
    assert "第 201–250 行，共 250 行（第 3/3 页）" in pager_words(at)
    assert at.button(key="table1_page_next").disabled
    at.button(key="table1_page_prev").click().run()
    assert shown(at)[0] == "第101行"


def test_a_table_that_shrinks_shows_its_last_page_and_a_short_one_has_no_pager():
    at = AppTest.from_function(long_table_app).run()
    at.button(key="table1_page_next").click().run()
    at.button(key="table1_page_next").click().run()
    at.session_state["rows"] = 150  # fewer rows since the third page was chosen
    at.run()
    assert shown(at) == [f"第{i}行" for i in range(101, 151)]
    at.session_state["rows"] = 100
    at.run()
    assert len(shown(at)) == 100
    assert not at.button and "共" not in pager_words(at)
