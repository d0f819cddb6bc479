"""Chart memo: the same inputs give the very same chart, other inputs another; the UI draws it from its kept spec
exactly as st.altair_chart would."""

from __future__ import annotations

import math
from pathlib import Path

import altair as alt
import polars as pl
from streamlit.testing.v1 import AppTest

from gydash import memo

ROOT = Path(__file__).resolve().parent.parent
calls: list[str] = []


@memo.chart
def bars(frame: pl.DataFrame, title: str, options: dict | None = None) -> alt.Chart:
    calls.append(title)
    return alt.Chart(frame).mark_bar().encode(x="v:Q", y="k:N").properties(title=title)


def frame(*values: float) -> pl.DataFrame:
    return pl.DataFrame({"k": [f"k{i}" for i in range(len(values))], "v": list(values)})


def test_same_content_gives_the_same_chart_built_once():
    calls.clear()
    first = bars(frame(1.0, 2.0), "甲", {"unit": "家", "at": [1, 2]})
    again = bars(frame(1.0, 2.0), "甲", {"unit": "家", "at": [1, 2]})  # equal content, new objects
    assert again is first and calls == ["甲"]


def test_any_changed_input_gives_a_new_chart():
    calls.clear()
    base = bars(frame(1.0, 2.0), "乙")
    assert bars(frame(1.0, 3.0), "乙") is not base  # one value in the frame
    assert bars(frame(1.0, 2.0).rename({"v": "v2"}).rename({"v2": "v"}), "乙") is base
    assert bars(frame(1.0, 2.0).with_columns(pl.col("v").cast(pl.Float32)), "乙") is not base  # the dtype
    assert bars(frame(1.0, 2.0), "乙", {"unit": "个"}) is not bars(frame(1.0, 2.0), "乙", {"unit": "家"})
    assert len(calls) == 5


def test_keys_tell_apart_what_python_calls_equal():
    assert memo.freeze(1) != memo.freeze(1.0) != memo.freeze(True)
    assert memo.freeze(math.nan) == memo.freeze(float("nan"))  # found again, though NaN != NaN
    assert memo.freeze(frame(1.0)) == memo.freeze(frame(1.0))


def test_an_unhashable_argument_is_keyed_by_identity_and_kept_alive():
    calls.clear()
    chart = alt.Chart(frame(1.0)).mark_point()
    themed = memo.chart(lambda c: c.configure_view(stroke=None))
    assert themed(chart) is themed(chart)
    assert themed(alt.Chart(frame(1.0)).mark_point()) is not themed(chart)


def script() -> None:
    import altair as alt
    import polars as pl
    import streamlit as st

    from gydash import ui

    chart = alt.Chart(pl.DataFrame({"k": ["甲", "乙"], "v": [1, 2]})).mark_bar().encode(x="v:Q", y="k:N")
    st.altair_chart(chart, width="stretch")
    ui.chart(chart, name="t")
    ui.chart(chart, name="t2")  # drawn again from the kept spec


def test_a_kept_spec_draws_exactly_what_st_altair_chart_draws():
    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3
    reference = charts[0].proto
    for drawn in charts[1:]:
        assert drawn.proto.spec == reference.spec
        assert [(d.name, d.data.data) for d in drawn.proto.datasets] == [
            (d.name, d.data.data) for d in reference.datasets
        ]


def test_a_chart_is_converted_once():
    from gydash import ui

    chart = alt.Chart(frame(1.0, 2.0)).mark_bar().encode(x="v:Q", y="k:N")
    assert ui._spec(chart) is ui._spec(chart)
