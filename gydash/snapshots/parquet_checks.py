"""A Parquet file's columns checked: types polars can hold, unique names, UTF-8 text, real dates; ReadError if not."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from gydash.base.problems import show_value
from gydash.snapshots.coerce import NOT_UTF8
from gydash.snapshots.guard import reason


class ReadError(Exception):
    """A file that is not a readable Parquet file; the message is for staff, row and column when one is to blame."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None, value: str | None = None):
        super().__init__(message)
        self.row, self.column, self.value = row, column, value


def is_text(t: pa.DataType) -> bool:
    """Text or bytes of any length (old Hive, Impala and Spark write text as bytes without marking it as text)."""
    return _is_string(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t)


def _is_string(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def _usable(name: str, t: pa.DataType) -> pa.DataType:
    """The type a column is handed to polars as; ReadError for one polars cannot hold (it would crash)."""
    if pa.types.is_dictionary(t):
        return _usable(name, t.value_type)
    if pa.types.is_decimal(t) and t.precision > 38:  # DECIMAL(39+): polars has no such type; the figure is kept
        return pa.float64()
    if pa.types.is_float16(t):
        return pa.float32()
    if pa.types.is_union(t) or pa.types.is_interval(t) or isinstance(t, pa.ExtensionType):
        raise ReadError(f"列的数据类型（{t}）无法读取：请改为文本、数值或日期后重新保存", column=name)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return _nested(name, t)
    if pa.types.is_struct(t) or pa.types.is_map(t):
        return _nested(name, t)
    return t


def _nested(name: str, t: pa.DataType) -> pa.DataType:
    # A nested column is never a contract value; only make sure nothing inside it would crash polars. (Text inside
    # a large one is read dictionary-encoded, as it is in the file: polars holds that as it is.)
    for i in range(t.num_fields):
        inner = t.field(i).type
        plain = inner.value_type if pa.types.is_dictionary(inner) else inner
        if _usable(name, inner) != plain:
            raise ReadError(f"列的数据类型（{t}）无法读取：请改为文本、数值或日期后重新保存", column=name)
    return t


def checked_table(table: pa.Table) -> pa.Table:
    """Unusable types converted or refused, text checked to be UTF-8, dates checked to be within any calendar."""
    _check_unique_names(table.column_names)
    try:  # every buffer of every column at once (text as UTF-8 among them): the usual file passes in one call
        table.validate(full=True)
        valid = True
    except pa.ArrowInvalid:
        valid = False  # found column by column below, to name it
    given = table.columns  # (pyarrow makes new column objects on every call: compared with these)
    columns = []
    for field, col in zip(table.schema, given, strict=True):
        t = field.type
        wanted = _usable(field.name, t)
        if wanted != t and not pa.types.is_dictionary(t):
            col = col.cast(wanted)  # rare types only: the first pyarrow.compute call of a process costs seconds
        if not valid:
            _check_utf8(field.name, col)
        _check_calendar(field.name, col)
        columns.append(col)
    if any(a is not b for a, b in zip(columns, given, strict=True)):
        table = pa.table(columns, names=table.column_names).replace_schema_metadata(table.schema.metadata)
    return table


def _check_unique_names(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            times = names.count(name)
            raise ReadError(f"列名出现了 {times} 次：每列只能有一个表头，请删除或改名重复的列", column=name)
        seen.add(name)


# Days from 1970-01-01 to 0001-01-01 and to 9999-12-31: the dates Python (and so a message) can hold. Anything
# beyond is no real date (and crashes the conversion); dates within yet outside 2000–2100 are named by the row checks.
_CALENDAR_DAYS = (-719_162, 2_932_896)
_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _check_calendar(name: str, col: pa.ChunkedArray) -> None:
    t = col.type
    if pa.types.is_date32(t):
        per_day = 1
    elif pa.types.is_date64(t):
        per_day = _PER_DAY["ms"]
    elif pa.types.is_timestamp(t):
        per_day = _PER_DAY[t.unit]
    else:
        return
    width = np.int32 if pa.types.is_date32(t) else np.int64
    low = max(_CALENDAR_DAYS[0] * per_day, -(2**63))
    high = min(_CALENDAR_DAYS[1] * per_day, 2**63 - 1)
    row = 0
    for chunk in col.chunks:
        ticks = numbers(chunk, width)
        outside = (ticks < low) | (ticks > high)
        if chunk.null_count:  # a null slot may hold any number: only real values count
            outside &= present(chunk)
        found = np.flatnonzero(outside)
        if len(found):
            first = int(found[0])
            raise ReadError(
                "日期不是任何日历上的日期（日期应在 2000-01-01 至 2100-12-31 之间）",
                row + first + 1,
                name,
                f"{int(ticks[first])}（{t}）",
            )
        row += len(chunk)


def numbers(chunk: pa.Array, width: type) -> np.ndarray:
    """A fixed-width array's values straight from its buffer (to_numpy would import pandas, and pyarrow.compute
    costs seconds on first use); a null slot holds any number."""
    data = chunk.buffers()[1]
    if data is None or not len(chunk):
        return np.zeros(0, dtype=width)
    return np.frombuffer(data, dtype=width)[chunk.offset : chunk.offset + len(chunk)]


def present(chunk: pa.Array) -> np.ndarray:
    """Which slots hold a value (not null)."""
    validity = chunk.buffers()[0]
    if validity is None:
        return np.ones(len(chunk), dtype=bool)
    bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
    return bits[chunk.offset : chunk.offset + len(chunk)].astype(bool)


def _plain(t: pa.DataType) -> pa.DataType:
    return t.value_type if pa.types.is_dictionary(t) else t


def _check_utf8(name: str, col: pa.ChunkedArray) -> None:
    """Text that is not valid UTF-8 (written by a tool with another encoding) is named by its row and column. Bytes
    are not text to Arrow: a contract column of bytes is decoded and checked row by row with the other values
    (coerce.readable), and bytes in a column the contract does not know are ignored with it."""
    if not _is_string(_plain(col.type)):
        _check_valid(name, col)
        return
    row = 0
    for chunk in col.chunks:
        if pa.types.is_dictionary(chunk.type):
            found = _bad_dictionary_row(chunk)
        else:
            bad = _bad_words(chunk)
            found = (int(bad[0][0]), bad[1][0]) if bad[0].size else None
        if found is not None:
            shown = show_value(found[1].decode("utf-8", errors="replace"))
            raise ReadError(NOT_UTF8, row + int(found[0]) + 1, name, shown)
        row += len(chunk)
    _check_valid(name, col)  # every word is UTF-8, yet something else is broken (a dictionary index, an offset)


def _check_valid(name: str, col: pa.ChunkedArray) -> None:
    try:
        col.validate(full=True)
    except pa.ArrowInvalid as exc:
        if "utf" in str(exc).lower():  # text inside a list or struct: named by its column
            raise ReadError(f"列中的{NOT_UTF8}", column=name) from exc
        raise ReadError(f"列的内容已损坏，无法读取：{reason(exc, where=name)}", column=name) from exc


def _bad_words(chunk: pa.Array) -> tuple[np.ndarray, list[bytes]]:
    """The positions and bytes of the values that are not UTF-8 (none, in one call, for the usual valid column)."""
    large = pa.types.is_large_string(chunk.type)
    try:
        chunk.validate(full=True)
        return np.zeros(0, dtype=np.int64), []
    except pa.ArrowInvalid:
        pass
    at, words = [], []
    for i, value in enumerate(chunk.view(pa.large_binary() if large else pa.binary()).to_pylist()):
        if value is not None and not _decodes(value):
            at.append(i)
            words.append(value)
    return np.array(at, dtype=np.int64), words


def _decodes(value: bytes) -> bool:
    try:
        value.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _bad_dictionary_row(chunk: pa.DictionaryArray) -> tuple[int, bytes] | None:
    """The first row whose dictionary word is not UTF-8, found from the indices (never spelled out: one long word
    may be shared by every row)."""
    at, words = _bad_words(chunk.dictionary)
    if not at.size:
        return None
    indices = numbers(chunk.indices, np.dtype(str(chunk.type.index_type)))
    rows = np.flatnonzero(np.isin(indices, at) & present(chunk))
    if not rows.size:
        return None  # only words no row uses: nothing staff wrote is wrong
    first = int(rows[0])
    return first, words[int(np.flatnonzero(at == indices[first])[0])]
