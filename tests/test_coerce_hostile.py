"""Columns of unusual types (durations, times, zoned datetimes, decimals, bytes, yes/no, huge or non-finite numbers,
lists) in each kind of contract column: every value that cannot be used gets one Chinese reason naming its row,
column and value, and no value silently vanishes (a text column keeps a 20-digit number as its digits)."""

from __future__ import annotations

import math
import re
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

import polars as pl
import pyarrow as pa
import pytest
from conftest import activity, coverage_row, ind

from gydash.snapshots import validate


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("GYDASH_TODAY", "2026-11-26")  # the files' snapshot dates are judged against it


CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")

# Two rows per dataset that differ in their key, so only the column under test can be at fault.
BASE = {
    "activities": [activity("2025-03-05"), activity("2025-03-06")],
    "indicators": [
        ind("hitech_enterprise", "利州区", 2025, 5, 10.0),
        ind("hitech_enterprise", "利州区", 2025, 6, 12.0),
    ],
    "loans": [
        {"date": "2025-03-05", "area": "利州区", "enterprise": "天华科技", "amount_wan": 500.0},
        {"date": "2025-03-06", "area": "利州区", "enterprise": "嘉陵科技", "amount_wan": 300.0},
    ],
    "coverage": [coverage_row("天华科技"), coverage_row("嘉陵科技")],
}
ZONE = timezone(timedelta(hours=8))


def table_with(dataset: str, column: str, array: pa.Array) -> pa.Table:
    """The dataset's two rows with `column` set to the given Arrow array (a type a dict cannot express)."""
    table = pa.Table.from_pylist(BASE[dataset])
    if column in table.column_names:
        return table.set_column(table.schema.get_field_index(column), column, array)
    return table.append_column(column, array)


def only_reason(problems, row: int, column: str):
    """The one problem at (row, column): two for one value would contradict or repeat each other."""
    found = [p for p in problems if p.row == row and p.column == column]
    assert len(found) == 1, [str(p) for p in problems]
    problem = found[0]
    assert CJK.search(problem.message), str(problem)
    assert not ENGLISH_WORD.search(problem.message.replace("UTF-8", "").replace("GBK", "")), str(problem)
    return problem


DURATION = pa.array([timedelta(days=3), timedelta(seconds=5)], pa.duration("us"))
CLOCK = pa.array([time(12, 0), time(13, 30)], pa.time64("us"))
ZONED = pa.array(
    [datetime(2025, 3, 5, 9, tzinfo=ZONE), datetime(2025, 3, 6, 23, tzinfo=ZONE)], pa.timestamp("us", "Asia/Shanghai")
)
YES_NO = pa.array([True, False])
LISTS = pa.array([[1], [2, 3]])
NAN = pa.array([5.0, float("nan")])
INF = pa.array([5.0, 1e308 * 10])
NEG_INF = pa.array([5.0, float("-inf")])

# (dataset, column, array, words of the reason for row 2, value of row 2 as shown)
REFUSED = [
    *[
        pytest.param(ds, col, DURATION, "时长类型", "5秒", id=f"duration-in-{col}")
        for ds, col in [
            ("activities", "id"),
            ("activities", "area"),
            ("indicators", "unit"),
            ("activities", "participants"),
            ("indicators", "value"),
            ("activities", "date"),
            ("coverage", "work_coverage"),
        ]
    ],
    pytest.param("activities", "participants", CLOCK, "时刻类型", "13:30:00", id="time-in-int"),
    pytest.param("loans", "amount_wan", CLOCK, "时刻类型", "13:30:00", id="time-in-float"),
    pytest.param("activities", "date", CLOCK, "时刻类型", "13:30:00", id="time-in-date"),
    pytest.param("coverage", "work_coverage", CLOCK, "时刻类型", "13:30:00", id="time-in-bool"),
    pytest.param(
        "coverage", "party_members", ZONED, "日期时间类型", "2025-03-06 23:00:00+08:00", id="zoned-datetime-in-int"
    ),
    pytest.param(
        "coverage", "work_coverage", ZONED, "日期时间类型", "2025-03-06 23:00:00+08:00", id="zoned-datetime-in-bool"
    ),
    pytest.param("activities", "participants", YES_NO, "是/否类型", "否", id="bool-in-int"),
    pytest.param("loans", "amount_wan", YES_NO, "是/否类型", "否", id="bool-in-float"),
    pytest.param("activities", "title", LISTS, "列表或结构", "[2, 3]", id="list-in-text"),
    pytest.param("coverage", "party_members", LISTS, "列表或结构", "[2, 3]", id="list-in-int"),
    pytest.param("activities", "participants", NAN, "不是数字", "nan", id="nan-in-int"),
    pytest.param("indicators", "year", NAN, "不是数字", "nan", id="nan-in-year"),
    pytest.param("indicators", "value", NAN, "不是数字", "nan", id="nan-in-float"),
    pytest.param("loans", "amount_wan", NAN, "不是数字", "nan", id="nan-in-bounded-float"),
    pytest.param("activities", "participants", pa.array(["5", "NaN"]), "不是数字", "NaN", id="nan-text-in-int"),
    pytest.param("coverage", "party_members", INF, "不是有限的数", "inf", id="inf-in-int"),
    pytest.param("activities", "participants", NEG_INF, "不是有限的数", "-inf", id="minus-inf-in-int"),
    pytest.param("indicators", "value", INF, "不是有限的数", "inf", id="inf-in-float"),
    pytest.param("indicators", "value", NEG_INF, "不是有限的数", "-inf", id="minus-inf-in-float"),
    pytest.param("loans", "amount_wan", INF, "不是有限的数", "inf", id="inf-in-bounded-float"),
    pytest.param("loans", "amount_wan", pa.array([5.0, -0.0]), "必须大于 0", "-0.0", id="minus-zero-amount"),
    pytest.param("activities", "id", pa.array([5.0, 1e39]), "数字过大", "1e+39", id="40-digit-float-in-text"),
    # A value beyond Int64 in a text column used to become empty: now kept as its digits, and named here.
    pytest.param("indicators", "unit", pa.array([5.0, 1e20]), "单位", "100000000000000000000", id="1e20-unit"),
]


@pytest.mark.parametrize(("dataset", "column", "array", "words", "value"), REFUSED)
def test_an_unusable_value_gets_one_chinese_reason_naming_row_column_and_value(
    write, load, dataset, column, array, words, value
):
    write(dataset, "2025-06-30.parquet", table_with(dataset, column, array))
    good = write(dataset, "2025-03-31.parquet", BASE[dataset])
    data = load()
    [rejected] = data.rejected()
    assert [f.entry.path for f in data.accepted()] == [good]
    problem = only_reason(rejected.errors, 2, column)
    assert words in problem.message and problem.value == value, str(problem)
    assert f"{dataset}/2025-06-30.parquet 第 2 行 列「{column}」 值「{value}」：" in str(problem)


# (dataset, column, array, the column's values once accepted)
KEPT_AS_TEXT = [
    pytest.param(
        "activities",
        "id",
        pa.array([5, 18446744073709551615], pa.uint64()),
        ["5", "18446744073709551615"],
        id="uint64-max-id",
    ),
    pytest.param("activities", "id", pa.array([5.0, 1e20]), ["5", "100000000000000000000"], id="float-1e20-id"),
    pytest.param(
        "loans",
        "id",
        pa.array([Decimal(7), Decimal("123456789012345678901234567890")], pa.decimal128(38, 0)),
        ["7", "123456789012345678901234567890"],
        id="decimal-30-digits-id",
    ),
    pytest.param("activities", "title", pa.array([-0.0, 2.5]), ["0", "2.5"], id="float-title"),
]


@pytest.mark.parametrize(("dataset", "column", "array", "expected"), KEPT_AS_TEXT)
def test_a_large_number_in_a_text_column_keeps_all_its_digits(write, load, dataset, column, array, expected):
    write(dataset, "2025-06-30.parquet", table_with(dataset, column, array))
    [loaded] = load().files
    assert loaded.frame is not None, [str(p) for p in loaded.errors]
    assert loaded.frame.sort("date")[column].to_list() == expected


def test_minus_zero_is_stored_as_zero(write, load):
    # A figure of -0.0 (some tools write it for a rounded small negative) must not be shown as "-0".
    write("indicators", "2025-06-30.parquet", table_with("indicators", "value", pa.array([-0.0, 3.0])))
    [loaded] = load().files
    assert loaded.frame is not None, [str(p) for p in loaded.errors]
    first = loaded.frame.sort("month")["value"][0]
    assert first == 0.0 and math.copysign(1.0, first) == 1.0


def frame_of(dataset: str, **columns: pl.Series) -> pl.DataFrame:
    return pl.DataFrame(BASE[dataset]).with_columns(**columns)


def test_text_saved_as_bytes_is_read_as_text():
    # Some writers store text as BINARY without marking it UTF-8: still text, in every kind of column.
    raw = frame_of(
        "activities",
        area=pl.Series([b"\xe5\x88\xa9\xe5\xb7\x9e\xe5\x8c\xba", b"510802"]),  # 利州区 in UTF-8
        participants=pl.Series([b"12", b" 30 "]),
        id=pl.Series([b"A-1", b"A-2"]),
    )
    result = validate.validate("activities", raw, "activities/x.parquet")
    assert result.frame is not None, [str(p) for p in result.errors]
    assert result.frame["participants"].to_list() == [12, 30]
    assert result.frame["id"].to_list() == ["A-1", "A-2"]


@pytest.mark.parametrize("column", ["area", "title", "participants", "date"])
def test_bytes_that_are_not_utf8_are_named_by_row(column):
    raw = frame_of("activities", **{column: pl.Series([b"12", "利州".encode("gbk")], dtype=pl.Binary)})
    result = validate.validate("activities", raw, "activities/x.parquet")
    assert result.frame is None
    problem = only_reason(result.errors, 2, column)
    assert "UTF-8" in problem.message and "\ufffd" in problem.value  # shown as the text it would be, not b'…'


@pytest.mark.parametrize("kind", ["categorical", "enum"])
def test_categorical_and_enum_columns_are_text(kind):
    def typed(values: list[str]) -> pl.Series:
        s = pl.Series(values)
        return s.cast(pl.Categorical) if kind == "categorical" else s.cast(pl.Enum(sorted(set(values))))

    raw = frame_of(
        "loans",
        area=typed(["利州区", "苍溪"]),
        amount_wan=typed(["500", "1,200.5"]),
        date=typed(["2025-03-05", "2025/3/6"]),
    )
    result = validate.validate("loans", raw, "loans/x.parquet")
    assert result.frame is not None, [str(p) for p in result.errors]
    assert result.frame["amount_wan"].to_list() == [500.0, 1200.5]
    assert result.frame["area"].to_list() == ["510802", "510824"]
