"""Turning a column as staff wrote it into the contract's type: (clean series, mask of values that do not fit)."""

from __future__ import annotations

import polars as pl

DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "有", "已选派", "已配备", "√", "✓")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "无", "未选派", "未配备", "×", "✗")

TYPE_WORDS = {"str": "文本", "int": "整数", "float": "数值", "date": "日期（如 2025-03-31）", "bool": "是/否"}


def _nested(s: pl.Series) -> bool:
    # is_nested() covers List, Array, Struct and Map (a Parquet MAP column), none of which casts to text.
    return s.dtype.is_nested() or isinstance(s.dtype, pl.Object)


_FALSE = pl.Series([False], dtype=pl.Boolean)


def all_false(s: pl.Series) -> pl.Series:
    """All-False mask the length of s (new_from_index is a native call: no query plan for a constant)."""
    return _FALSE.new_from_index(0, len(s)) if len(s) else _FALSE.clear()


def _bad_all(s: pl.Series, dtype: pl.DataType) -> tuple[pl.Series, pl.Series]:
    return pl.Series(s.name, [None] * len(s), dtype=dtype), s.is_not_null()


def _strip(s: pl.Series) -> pl.Series:
    # One query for both steps: each Series method call runs a query of its own, and files have many columns.
    return s.to_frame().select(pl.first().str.strip_chars().replace("", None)).to_series()


def to_str(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    if _nested(s):
        return _bad_all(s, pl.String)
    if s.dtype.is_float():
        whole = s.is_finite() & (s == s.floor())
        as_int = s.cast(pl.Int64, strict=False).cast(pl.String)
        out = pl.select(pl.when(whole).then(as_int).otherwise(s.cast(pl.String))).to_series()
        return _strip(out.alias(s.name)), all_false(s)
    if s.dtype != pl.String:
        s = s.cast(pl.String, strict=False)
    return _strip(s), all_false(s)


def _parse_number(s: pl.Series) -> pl.Series:
    text = s.cast(pl.String).str.strip_chars().str.replace_all(",", "").str.replace_all("，", "")
    return text.cast(pl.Float64, strict=False)


def to_float(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    if _nested(s) or s.dtype == pl.Boolean:
        return _bad_all(s, pl.Float64)
    if s.dtype.is_numeric():
        out = s.cast(pl.Float64)
    elif s.dtype in (pl.String, pl.Null) or isinstance(s.dtype, pl.Categorical | pl.Enum):
        out = _parse_number(s)
    else:
        return _bad_all(s, pl.Float64)
    present = s.is_not_null() & ~(s.cast(pl.String, strict=False).str.strip_chars() == "").fill_null(False)
    bad = present & (out.is_null() | ~out.is_finite().fill_null(False))
    return out.alias(s.name), bad.fill_null(False)


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


def _as_text_if_categorical(s: pl.Series) -> pl.Series:
    # A dictionary-encoded Parquet column arrives as Categorical: its values are text like any other.
    return s.cast(pl.String) if isinstance(s.dtype, pl.Categorical | pl.Enum) else s


def to_date(s: pl.Series) -> tuple[pl.Series, pl.Series]:
    s = _as_text_if_categorical(s)
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
    if _nested(s):
        return _bad_all(s, pl.Boolean)
    text = s.cast(pl.String, strict=False).str.strip_chars().str.to_lowercase()
    mapping = {w: True for w in TRUE_WORDS} | {w: False for w in FALSE_WORDS}
    if s.dtype.is_float():
        text = text.str.replace(r"\.0$", "")
    out = text.replace_strict(mapping, default=None, return_dtype=pl.Boolean)
    present = text.is_not_null() & (text != "")
    return out.alias(s.name), (present & out.is_null()).fill_null(False)


COERCE = {"str": to_str, "int": to_int, "float": to_float, "date": to_date, "bool": to_bool}
DTYPES = {"str": pl.String, "int": pl.Int64, "float": pl.Float64, "date": pl.Date, "bool": pl.Boolean}
