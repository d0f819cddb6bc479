"""Turning a column as staff wrote it into the contract's type: (clean series, mask of values that do not fit)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "有", "已选派", "已配备", "√", "✓")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "无", "未选派", "未配备", "×", "✗")

TYPE_WORDS = {"str": "文本", "int": "整数", "float": "数值", "date": "日期（如 2025-03-31）", "bool": "是/否"}
_SHORT_WORDS = TYPE_WORDS | {"date": "日期"}

NOT_UTF8 = "文字不是有效的 UTF-8 编码（可能用 GBK 等其他编码写入）：请用 UTF-8 编码重新保存"
TOO_LONG_FOR_TEXT = "数字过大（超过 38 位），无法准确保存为文本：请把此列设为文本格式后重新填写"
# Whole numbers a float holds that Decimal(38, 0) spells out exactly; beyond them no text column value is plausible.
TEXT_DIGITS_LIMIT = 1e38


def _nested(s: pl.Series) -> bool:
    # is_nested() covers List, Array, Struct and Map (a Parquet MAP column), none of which casts to text.
    return s.dtype.is_nested() or isinstance(s.dtype, pl.Object)


def _no_text(s: pl.Series) -> bool:
    """Types polars cannot write as text (casting a Duration raises): never a contract value of any kind."""
    return _nested(s) or isinstance(s.dtype, pl.Duration)


_FALSE = pl.Series([False], dtype=pl.Boolean)


def all_false(s: pl.Series) -> pl.Series:
    """All-False mask the length of s (new_from_index is a native call: no query plan for a constant)."""
    return _FALSE.new_from_index(0, len(s)) if len(s) else _FALSE.clear()


def _bad_all(s: pl.Series, dtype: pl.DataType) -> tuple[pl.Series, pl.Series]:
    return pl.Series(s.name, [None] * len(s), dtype=dtype), s.is_not_null()


def _utf8(value: bytes) -> str | None:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decoded(s: pl.Series) -> pl.Series:
    """Bytes as UTF-8 text, null where they are not (the cast refuses a whole column for one bad value)."""
    try:
        return s.cast(pl.String)
    except pl.exceptions.PolarsError:
        pass
    # Value by value: a replace table of distinct values costs far more when every value differs.
    return pl.Series(s.name, [None if v is None else _utf8(v) for v in s.to_list()], dtype=pl.String)


def readable(s: pl.Series) -> pl.Series:
    """Text stored in other ways as plain text: a dictionary-encoded column arrives as Categorical (or Enum), and
    some writers store text as Binary without marking it UTF-8. Bytes that are no UTF-8 become null."""
    if isinstance(s.dtype, pl.Categorical | pl.Enum):
        return s.cast(pl.String)
    if s.dtype == pl.Binary:
        return _decoded(s)
    return s


def undecodable(given: pl.Series, text: pl.Series) -> pl.Series:
    """Values of a Binary column that are no UTF-8 text (`text` is readable(given)); all False for other columns."""
    if given.dtype != pl.Binary:
        return all_false(given)
    return (given.is_not_null() & text.is_null()).fill_null(False)


def _strip(s: pl.Series) -> pl.Series:
    # One query for both steps: each Series method call runs a query of its own, and files have many columns.
    return s.to_frame().select(pl.first().str.strip_chars().replace("", None)).to_series()


def _float_text(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Floats as text: a whole number as all its digits (an id of 20 digits saved as a number stays those digits,
    not 1e20 and never empty), others as written; one of more than 38 digits is marked."""
    huge = (s.abs() >= TEXT_DIGITS_LIMIT).fill_null(False) & s.is_finite()
    whole = s.is_finite() & (s == s.floor()) & ~huge
    digits = s.cast(pl.Decimal(38, 0), strict=False).cast(pl.String)  # exact for any whole float below 1e38
    out = pl.select(pl.when(huge).then(None).when(whole).then(digits).otherwise(s.cast(pl.String))).to_series()
    return _strip(out.alias(s.name)), huge


def to_str(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    if _no_text(s):
        return _bad_all(s, pl.String)
    if s.dtype.is_float():
        return _float_text(s)
    if s.dtype != pl.String:
        s = s.cast(pl.String, strict=False)
    return _strip(s), all_false(s)


def _parse_number(s: pl.Series) -> pl.Series:
    text = s.cast(pl.String).str.strip_chars().str.replace_all(",", "").str.replace_all("，", "")
    return text.cast(pl.Float64, strict=False)


def figure(s: pl.Series) -> pl.Series | None:
    """The number each value states, NaN and infinities kept (they are named, not bounded); None for a column
    whose type holds no numbers (dates, durations, yes/no, lists)."""
    s = readable(s)
    if _nested(s) or s.dtype == pl.Boolean:
        return None
    if s.dtype.is_numeric():
        return s.cast(pl.Float64)
    if s.dtype in (pl.String, pl.Null):
        return _parse_number(s)
    return None


def to_float(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Finite numbers as Float64; NaN, infinities and non-numbers are marked and left empty (one message each)."""
    out = figure(s)
    if out is None:
        return _bad_all(s, pl.Float64)
    if s.dtype.is_numeric():
        present = s.is_not_null()  # no text to be blank: spelling the column out would cost the usual file
    else:
        present = s.is_not_null() & ~(s.cast(pl.String).str.strip_chars() == "").fill_null(False)
    bad = (present & (out.is_null() | ~out.is_finite().fill_null(False))).fill_null(False)
    if bad.any():
        out = pl.select(pl.when(bad).then(None).otherwise(out)).to_series()
    if not s.dtype.is_integer() and (out.min() or 0.0) <= 0.0:  # one cheap pass: only columns with a 0 pay more
        out = pl.select(pl.when(out == 0.0).then(0.0).otherwise(out)).to_series()  # -0.0 would be shown as "-0"
    return out.alias(s.name), bad


def to_int(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Whole numbers as Int64; a value beyond Int64 (a UInt64 near 2^64, a float of 1e20) is marked, never nulled
    in silence (the bounds check then names it)."""
    if s.dtype.is_integer():
        clean = s.cast(pl.Int64, strict=False)
        return clean, (s.is_not_null() & clean.is_null()).fill_null(False)
    out, bad = to_float(s)
    non_whole = out.is_not_null() & (out != out.floor()).fill_null(True)
    bad = bad | non_whole.fill_null(False)
    clean = pl.select(pl.when(bad).then(None).otherwise(out)).to_series().cast(pl.Int64, strict=False)
    bad = bad | (out.is_not_null() & clean.is_null()).fill_null(False)
    return clean.alias(s.name), bad


def to_date(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    if s.dtype == pl.Date:
        return s, all_false(s)
    if isinstance(s.dtype, pl.Datetime):
        return s.dt.date(), all_false(s)
    if s.dtype.is_integer() or s.dtype in (pl.String, pl.Null):
        text = s.cast(pl.String).str.strip_chars().str.slice(0, 11).str.strip_chars()
        parsed = pl.select(pl.coalesce([text.str.to_date(fmt, strict=False) for fmt in DATE_FORMATS])).to_series()
        present = text.is_not_null() & (text != "")
        return parsed.alias(s.name), (present & parsed.is_null()).fill_null(False)
    return _bad_all(s, pl.Date)


def to_bool(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    if s.dtype == pl.Boolean:
        return s, all_false(s)
    if _no_text(s):
        return _bad_all(s, pl.Boolean)
    text = s.cast(pl.String, strict=False).str.strip_chars().str.to_lowercase()
    mapping = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
    if s.dtype.is_float():
        text = text.str.replace(r"\.0$", "")
    out = text.replace_strict(mapping, default=None, return_dtype=pl.Boolean)
    present = text.is_not_null() & (text != "")
    return out.alias(s.name), (present & out.is_null()).fill_null(False)


Coerce = Callable[[pl.Series], tuple[pl.Series, pl.Series]]


def _reading_text(fn: Coerce) -> Coerce:
    """fn on the column with text stored in other ways read as text; bytes that are no UTF-8 marked too."""

    def run(s: pl.Series) -> tuple[pl.Series, pl.Series]:
        text = readable(s)
        clean, bad = fn(text)
        if s.dtype == pl.Binary:  # a value that is no UTF-8 is null in `text`: marked here, never dropped
            bad = bad | undecodable(s, text)
        return clean, bad

    return run


COERCE = {k: _reading_text(f) for k, f in (("str", to_str), ("int", to_int), ("float", to_float))}
COERCE |= {"date": _reading_text(to_date), "bool": _reading_text(to_bool)}
DTYPES = {"str": pl.String, "int": pl.Int64, "float": pl.Float64, "date": pl.Date, "bool": pl.Boolean}

# A number followed by a per-cent sign (half or full width) typed into a text cell, such as "2.5%" or "15 ％".
PERCENT_TEXT = r"^\s*[+-]?[0-9][0-9,，]*(\.[0-9]+)?\s*[%％]\s*$"

# The type a column holds, named when no value of that type can fit the contract's (a duration is no text).
_HELD = {pl.Duration: "时长", pl.Time: "时刻", pl.Datetime: "日期时间", pl.Date: "日期", pl.Boolean: "是/否"}


def held_type(s: pl.Series) -> str | None:
    if _nested(s):
        return "列表或结构（每格有多个值）"
    return next((word for t, word in _HELD.items() if isinstance(s.dtype, t)), None)


def reasons(s: pl.Series, text: pl.Series, bad: pl.Series, kind: str) -> list[tuple[pl.Series, str]]:
    """Why each marked value of s (a column as given; `text` is readable(s)) does not fit, in words staff
    understand: every marked row gets exactly one reason."""
    want = TYPE_WORDS[kind]
    broken = bad & undecodable(s, text)
    out, rest = [(broken, NOT_UTF8)], bad & ~broken
    if kind == "str" and s.dtype.is_float():  # the only float a text column refuses
        return [*out, (rest, TOO_LONG_FOR_TEXT)]
    number = figure(text) if kind in ("int", "float") else None
    if number is not None:
        nan = rest & number.is_nan().fill_null(False)
        infinite = rest & number.is_infinite().fill_null(False)
        out += [(nan, f"不是数字，应为{want}"), (infinite, f"不是有限的数（正无穷或负无穷），应为{want}")]
        rest = rest & ~nan & ~infinite
        if text.dtype == pl.String:  # "2.5%" typed as text: say what to type instead
            percent = rest & text.str.contains(PERCENT_TEXT).fill_null(False)
            out.append((percent, f"应为{want}，不带 % 号：请只填数字（如 2.5% 填 2.5）"))
            rest = rest & ~percent
    held = held_type(s)
    if held is not None and held != want:
        return [*out, (rest, f"应为{want}；此列在文件中存为{held}类型，请改为{_SHORT_WORDS[kind]}后重新保存")]
    return [*out, (rest, f"应为{want}")]
