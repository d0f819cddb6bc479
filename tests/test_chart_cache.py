"""Charts drawn through ui.spec and ui.chart: the very chart st.altair_chart draws, built once per content of its
inputs (a rerun with the same data builds nothing), rebuilt when any input changes, and larger on a projector."""

from __future__ import annotations

import json

import altair as alt
import pyarrow as pa
from streamlit.testing.v1 import AppTest

from gydash import ui, vega

BUILT: list[str] = []  # one entry per build, across reruns (the script imports this module once)


def bars(frame, title: str) -> alt.Chart:
    BUILT.append(title)
    return alt.Chart(frame).mark_bar().encode(x="v:Q", y="k:N").properties(title=title)


def script() -> None:
    import polars as pl
    import streamlit as st

    from gydash import ui
    from tests.test_chart_cache import bars

    values = st.session_state.get("values", [1.0, 2.0])
    frame = pl.DataFrame({"k": ["甲", "乙"], "v": values})
    st.altair_chart(bars(frame, "参照"), width="stretch")
    ui.chart(ui.spec(bars, frame, "图"), frame, name="t")


def shared():
    import importlib

    return importlib.import_module("tests.test_chart_cache")


def rows(chart) -> list[dict]:
    """The rows a drawn chart carries, whichever way Streamlit attached them."""
    buffers = [d.data.data for d in chart.proto.datasets] or [chart.proto.data.data]
    return [r for b in buffers for r in pa.ipc.open_stream(b).read_all().to_pylist()]


def test_ui_chart_draws_what_st_altair_chart_draws():
    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    reference, drawn = at.get("vega_lite_chart")
    ref, ours = json.loads(reference.proto.spec), json.loads(drawn.proto.spec)
    assert ours["mark"] == ref["mark"] and ours["encoding"] == ref["encoding"]
    assert ours["title"] == "图" and ref["title"] == "参照"
    assert rows(drawn) == rows(reference) == [{"k": "甲", "v": 1.0}, {"k": "乙", "v": 2.0}]
    assert ours["description"] == "图表：t"  # what a screen reader says, in Chinese


def test_a_rerun_with_the_same_data_builds_nothing_and_new_data_rebuilds():
    at = AppTest.from_function(script, default_timeout=30).run()
    made = shared().BUILT  # the list of the module the script imported
    built = made.count("图")
    at.run()
    at.run()
    assert made.count("图") == built  # the reference chart is built on every run; ours is not
    at.session_state["values"] = [1.0, 3.0]
    at.run()
    assert not at.exception
    assert made.count("图") == built + 1
    assert rows(at.get("vega_lite_chart")[1])[1] == {"k": "乙", "v": 3.0}


def test_the_same_content_in_new_objects_is_the_same_chart():
    import polars as pl

    one = ui.spec(bars, pl.DataFrame({"k": ["丙"], "v": [5.0]}), "同")
    built = BUILT.count("同")
    again = ui.spec(bars, pl.DataFrame({"k": ["丙"], "v": [5.0]}), "同")
    assert again == one and BUILT.count("同") == built
    other = ui.spec(bars, pl.DataFrame({"k": ["丙"], "v": [5.5]}), "同")
    assert other != one and BUILT.count("同") == built + 1


def named(frame, title: str, clean) -> alt.Chart:
    return bars(frame, clean(title))


def test_an_argument_that_cannot_be_pickled_still_gets_its_chart_drawn():
    import polars as pl

    frame = pl.DataFrame({"k": ["丁"], "v": [7.0]})
    one = ui.spec(named, frame, "乙", clean=lambda t: f"{t}（图）")  # a lambda: neither pickled nor hashed
    assert one["title"] == "乙（图）"
    assert ui.spec(named, frame.with_columns(v=pl.lit(8.0)), "乙", clean=lambda t: f"{t}（图）") != one


def kept_script() -> None:
    import polars as pl

    from gydash import ui
    from tests.test_chart_cache import bars

    ui.data()  # a page asks for its data first; its charts are kept in that data's warehouse
    frame = pl.DataFrame({"k": ["甲", "乙"], "v": [4.0, 6.0]})
    ui.chart(ui.spec(bars, frame, "存"), frame, name="kept")


def test_a_restarted_server_draws_a_chart_kept_in_the_warehouse_without_building_it(data_dir, monkeypatch):
    import streamlit as st

    from gydash.snapshots import store, warehouse

    monkeypatch.setenv("GYDASH_DATA_DIR", str(data_dir))
    monkeypatch.setenv("GYDASH_WAREHOUSE", "file")
    warehouse.close_all()
    made = shared().BUILT
    at = AppTest.from_function(kept_script, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    built, drawn = made.count("存"), json.loads(at.get("vega_lite_chart")[0].proto.spec)

    def restart() -> AppTest:
        st.cache_data.clear()  # a new process: nothing in memory, the warehouse file as it was left
        warehouse.close_all()
        store._versions.clear()
        again = AppTest.from_function(kept_script, default_timeout=30).run()
        assert not again.exception, [e.value for e in again.exception]
        return again

    again = restart()
    assert made.count("存") == built  # fetched, not built
    assert json.loads(again.get("vega_lite_chart")[0].proto.spec) == drawn
    assert rows(again.get("vega_lite_chart")[0]) == [{"k": "甲", "v": 4.0}, {"k": "乙", "v": 6.0}]
    monkeypatch.setattr(store, "code_version", lambda: "a later release")
    restart()
    assert made.count("存") == built + 1  # a new release builds its charts afresh
    warehouse.close_all()


def font_sizes(node) -> list[float]:
    if isinstance(node, dict):
        own = [v for k, v in node.items() if (k == "fontSize" or k.endswith("FontSize")) and k != "datasets"]
        return own + [s for k, v in node.items() if k != "datasets" for s in font_sizes(v)]
    if isinstance(node, list):
        return [s for v in node for s in font_sizes(v)]
    return []


def test_projected_charts_have_no_text_under_18_px():
    import polars as pl

    frame = pl.DataFrame({"k": ["甲"], "v": [1.0]})
    chart = alt.layer(
        alt.Chart(frame).mark_bar().encode(x="v:Q", y="k:N"),
        alt.Chart(frame).mark_text(fontSize=12).encode(x="v:Q", y="k:N", text="k:N"),
    ).configure_axis(labelFontSize=10)
    spec = chart.to_dict()
    assert min(font_sizes(spec)) < 18
    big = vega.projected(spec)
    assert min(font_sizes(big)) >= vega.MIN_PROJECTED_PX
    for part in ("axis", "legend", "header", "text"):  # sizes nothing set explicitly default to Vega's 10–11 px
        assert min(font_sizes(big["config"][part])) >= vega.MIN_PROJECTED_PX
    assert big["datasets"] == spec["datasets"]


def test_a_chart_sent_with_arrow_rows_draws_the_same_rows_as_a_png():
    """Pages send a chart's rows as Arrow bytes; the PNG download turns them back into the very rows of the chart."""
    import polars as pl

    from gydash import vega
    from gydash.meeting import render

    frame = pl.DataFrame({"k": ["甲", "乙", None], "v": [1.0, 2.5, None], "n": [1, None, 3]})
    chart = bars(frame, "图")
    sent = vega.vega_spec(chart)
    assert sent["datasets"] and all(isinstance(v, bytes) for v in sent["datasets"].values())
    assert render.spec_of(sent, width=None)["datasets"] == chart.to_dict()["datasets"]


def test_rows_of_mixed_kinds_stay_as_they_are_and_numbers_may_mix():
    """A column mixing whole numbers and decimals is sent as Arrow (one number column, as typed); a column mixing
    text with numbers, or flags with numbers, is sent as the rows themselves, never turned into text."""
    mixed = [{"a": 1, "b": "甲"}, {"a": "2", "b": "乙"}]
    flags = [{"a": True}, {"a": 1}]
    assert vega._arrow_rows(mixed) is mixed and vega._arrow_rows(flags) is flags
    numbers = vega._arrow_rows([{"a": 1, "b": "甲"}, {"a": 2.5, "b": None}])
    table = pa.ipc.open_stream(numbers).read_all()
    assert table.to_pylist() == [{"a": 1.0, "b": "甲"}, {"a": 2.5, "b": None}]
    assert str(table.schema.field("b").type) == "string"
