"""Each column of one file checked against the contract: headers matched, values coerced to its type and bounds."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from functools import cache

import polars as pl

from gydash.base.contract import DATE_MAX, DATE_MIN, Column
from gydash.base.contract import number as fmt_bound
from gydash.base.problems import Problem, show_value
from gydash.snapshots.coerce import COERCE, DTYPES, all_false, figure, readable, reasons, undecodable

MAX_ROWS_PER_RULE = 8
IGNORED_HEADERS = ("__index_level_0__", "index", "")


def fold(name: str) -> str:
    """Header spelling that ignores width, case and spaces: '金额（万元）' ≡ '金额(万元)'."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name))).lower()


def _duration_words(d: timedelta) -> str:
    """A duration as staff read it (3天、1小时30分), not Python's English "3 days, 0:00:00"."""
    sign, d = ("-", -d) if d < timedelta(0) else ("", d)
    hours, rest = divmod(d.seconds, 3600)
    seconds = f"{rest % 60 + d.microseconds / 1e6:.6f}".rstrip("0").rstrip(".")
    parts = [(d.days, "天"), (hours, "小时"), (rest // 60, "分"), (seconds if seconds != "0" else 0, "秒")]
    return sign + ("".join(f"{n}{unit}" for n, unit in parts if n) or "0秒")


def as_written(value: object) -> object:
    """A cell as staff would recognise it in a message: a duration or yes/no in Chinese, bytes as their text."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, timedelta):
        return _duration_words(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


class Checker:
    """Collects problems for one file; rows are reported 1-based (plus row_offset, e.g. a spreadsheet header)."""

    def __init__(self, rel: str, dataset: str, row_offset: int = 0):
        self.rel, self.dataset, self.row_offset = rel, dataset, row_offset
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.headers: dict[str, str] = {}  # canonical name → header as written in the file

    def flag(self, mask: pl.Series, col: str, values: pl.Series, message: str, level: str = "error") -> None:
        if not mask.any():  # the usual case, answered without building a row list (any() skips nulls)
            return
        rows = mask.fill_null(False).arg_true().to_list()
        out = self.errors if level == "error" else self.warnings
        shown = self.headers.get(col, col)
        for i in rows[:MAX_ROWS_PER_RULE]:
            out.append(
                Problem(self.rel, message, i + 1 + self.row_offset, shown, show_value(as_written(values[i])), level)
            )
        if len(rows) > MAX_ROWS_PER_RULE:
            more = len(rows) - MAX_ROWS_PER_RULE
            out.append(Problem(self.rel, f"另有 {more} 行同样问题：{message}", None, shown, None, level))

    def file_error(self, message: str, col: str | None = None) -> None:
        self.errors.append(Problem(self.rel, message, column=col))

    def warn(self, message: str, col: str | None = None) -> None:
        self.warnings.append(Problem(self.rel, message, column=col, level="warning"))


def map_headers(raw: pl.DataFrame, specs: tuple[Column, ...], ck: Checker) -> dict[str, str]:
    """Canonical column → raw header; reports duplicates and unknown headers."""
    by_fold = {}
    for col in specs:
        by_fold[fold(col.name)] = col.name
        by_fold[fold(col.zh)] = col.name
    found: dict[str, str] = {}
    for header in raw.columns:
        canonical = by_fold.get(fold(header))
        if canonical is None:
            if fold(header) not in IGNORED_HEADERS:
                ck.warn(f"未识别的列「{show_value(header)}」，已忽略", None)
            continue
        if canonical in found:
            ck.file_error(f"列「{found[canonical]}」和「{header}」是同一列（{canonical}），只能保留一个", canonical)
            continue
        found[canonical] = header
    ck.headers = dict(found)
    for col in specs:
        if col.required and col.name not in found:
            ck.file_error(f"缺少必填列「{col.name}」（中文表头「{col.zh}」）", col.name)
    return found


def _allowed(enum: dict[str, str]) -> str:
    return "、".join(f"{code}（{label}）" for code, label in enum.items())


@cache
def _folded(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {fold(k): v for k, v in pairs}


def lookup(s: pl.Series, mapping: dict[str, str]) -> pl.Series:
    """Map each spelling (width, case and spaces folded) to its code; unknown spellings become null."""
    folded = _folded(tuple(mapping.items()))
    text = s.cast(pl.String)
    # Fold each distinct spelling once: a file of thousands of rows names only a handful of areas or kinds.
    table = {v: folded.get(fold(v)) for v in text.unique().drop_nulls().to_list()}
    return text.replace_strict(table, default=None, return_dtype=pl.String).alias(s.name)


def coerce_column(raw: pl.DataFrame, header: str | None, col: Column, ck: Checker) -> pl.Series:
    """The column in its contract type, each value that cannot be one flagged by row with one reason; a missing
    column: its default."""
    n = raw.height
    if header is None:
        return pl.Series(col.name, [col.default] * n, dtype=DTYPES[col.type])
    source = raw.get_column(header)  # values are shown as given
    text = readable(source)  # text stored as Categorical or bytes read once, for the type and the bounds
    clean, bad = COERCE[col.type](text)  # clean is empty where bad
    if source.dtype == pl.Binary:  # bytes that are no UTF-8 are null in `text`: marked, never dropped
        bad = bad | undecodable(source, text)
    outside = _outside_bounds(source, text, clean, col, ck)
    if bad.any():  # the usual column has no bad value: its reasons are never worked out
        for mask, message in reasons(source, text, bad & ~outside, col.type):
            ck.flag(mask, col.name, source, message)
    if outside.any():
        clean = pl.select(pl.when(outside).then(None).otherwise(clean)).to_series()
    clean = clean.alias(col.name)
    if col.default is not None:
        clean = clean.fill_null(col.default)
    if col.required:
        ck.flag(clean.is_null() & ~bad & ~outside, col.name, source, "必填，不能为空")
    if col.enum:
        mapped = lookup(clean, {**{c: c for c in col.enum}, **{v: c for c, v in col.enum.items()}})
        ck.flag(clean.is_not_null() & mapped.is_null(), col.name, clean, f"不是允许的值，可填：{_allowed(col.enum)}")
        clean = mapped
    return clean


DATE_RANGE = f"日期应在 {DATE_MIN} 至 {DATE_MAX} 之间（年份写四位，如 2025-06-15）"


def _outside_bounds(source: pl.Series, text: pl.Series, clean: pl.Series, col: Column, ck: Checker) -> pl.Series:
    """Values of the right type but outside the contract's bounds, flagged with the value as written (a year of 20
    digits is too large, not missing; a date read as year 25 is out of range, not a date in antiquity)."""
    if col.type == "date":
        outside = ((clean < DATE_MIN) | (clean > DATE_MAX)).fill_null(False)
        ck.flag(outside, col.name, source, DATE_RANGE)
        return outside
    if col.type not in ("int", "float") or (col.min is None and col.max is None):
        return all_false(source)
    number = clean if col.type == "float" else _whole_figure(text, clean)
    low = all_false(source)
    if col.min is not None:
        low = ((number <= col.min) if col.min_exclusive else (number < col.min)).fill_null(False)
        word = f"必须大于 {fmt_bound(col.min)}" if col.min_exclusive else f"不能小于 {fmt_bound(col.min)}"
        ck.flag(low, col.name, source, word)
    high = all_false(source)
    if col.max is not None:
        high = (number > col.max).fill_null(False)
        calendar = col.name in ("year", "month", "base_year")  # the others are plausibility bounds on figures
        plausible = "" if calendar else "（超出合理范围，请核对数值和单位）"
        ck.flag(high, col.name, source, f"不能大于 {fmt_bound(col.max)}{plausible}")
    return low | high


def _whole_figure(source: pl.Series, clean: pl.Series) -> pl.Series:
    """An int column's figures for its bounds, even one too large for Int64 (a year of 20 digits is too large,
    not "not a whole number"); NaN and infinities are left out: they are named as such, not as out of bounds."""
    if source.dtype.is_integer():
        return source.cast(pl.Float64)  # exact enough against bounds of at most 7 digits, and cheap
    number = figure(source)
    if number is None:
        return clean.cast(pl.Float64)
    return pl.select(pl.when(number.is_finite()).then(number)).to_series()
