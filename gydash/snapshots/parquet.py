"""Reading one Parquet file within the limits, into a frame polars can hold: or ReadError with a plain reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from gydash.base.problems import show_value
from gydash.snapshots import limits
from gydash.snapshots.catalog import open_regular
from gydash.snapshots.guard import FILE_FAILURES, reason

SAMPLE_KEY = b"gydash_sample"
SMALL_BYTES = 16 << 20  # a text column that cannot spell out beyond this needs no exact count
NOT_PARQUET_ZIP = "这是 Excel（.xlsx）或压缩文件，只是扩展名为 .parquet；请用“数据管理”页或 gydash import 导入"


class ReadError(Exception):
    """A file that is not a readable Parquet file; the message is for staff, row and column when one is to blame."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None, value: str | None = None):
        super().__init__(message)
        self.row, self.column, self.value = row, column, value


def read_parquet(path: Path, size: int) -> tuple[pl.DataFrame, bool]:
    """The file as a DataFrame and whether it is marked as sample data, or ReadError with a plain reason."""
    table, sample = read_table(path, size)
    return as_polars(table), sample


def read_table(path: Path, size: int) -> tuple[pa.Table, bool]:
    """The file as an Arrow table polars can hold (see `as_polars`, `as_polars_many`) and whether it is marked as
    sample data, or ReadError with a plain reason."""
    if size == 0:
        raise ReadError("文件为空（0 字节），可能复制未完成")
    with open_regular(path) as fh:  # a named pipe swapped in after the scan is refused, not waited on
        head = fh.read(4)
        fh.seek(max(size - 4, 0))
        tail = fh.read(4)
        if head[:2] == b"PK":
            raise ReadError(NOT_PARQUET_ZIP)
        if head != b"PAR1":
            raise ReadError("不是 Parquet 文件（文件头不符），可能是改了扩展名的其他文件")
        if tail != b"PAR1" or size < 12:
            raise ReadError("Parquet 文件不完整（文件尾缺失），可能复制中断或已损坏")
        fh.seek(0)
        try:
            table = _checked(_read_within_limits(fh))
        except (ReadError, limits.TooLarge):
            raise
        except FILE_FAILURES as exc:  # pyarrow raises many kinds: all mean "cannot be read"
            raise ReadError(f"无法读取 Parquet 文件：{reason(exc)}") from exc
    meta = table.schema.metadata or {}
    return table, meta.get(SAMPLE_KEY, b"") not in (b"", b"0", b"false")


def _read_within_limits(fh) -> pa.Table:
    """The rows, checked against the limits from the footer first, then row group by row group as they are read (a
    footer can understate what its pages hold). Text columns stay dictionary-encoded while reading, so a short
    file repeating one long text a million times is measured before it is spelled out."""
    try:
        probe = pq.ParquetFile(fh)
    except FILE_FAILURES as exc:
        raise ReadError(f"无法读取 Parquet 文件：{reason(exc)}") from exc
    meta = probe.metadata
    limits.check_columns(meta.num_columns)
    limits.check_rows(meta.num_rows)
    if meta.num_row_groups > limits.MAX_ROW_GROUPS:
        raise ReadError(f"文件分成了 {meta.num_row_groups} 个行组（row group），超过上限 {limits.MAX_ROW_GROUPS}")
    footer = sum(meta.row_group(g).total_byte_size for g in range(meta.num_row_groups))  # uncompressed, per group
    limits.check_unpacked(footer)
    schema = probe.schema_arrow
    # No text can be longer than the whole file unpacked: when even every row holding that much stays within the
    # limit (small files, the usual case), read plainly; otherwise keep text dictionary-encoded until measured.
    spelled_at_most = meta.num_rows * max(footer, 1)
    texts = (
        []
        if spelled_at_most <= limits.MAX_UNPACKED_MB.value() * 1024 * 1024
        else [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    )
    fh.seek(0)
    pf = pq.ParquetFile(fh, read_dictionary=texts, metadata=meta) if texts else probe  # the footer parsed once
    parts, rows, used = [], 0, 0
    for g in range(pf.num_row_groups):
        part = pf.read_row_group(g)
        rows += part.num_rows
        used += _spelled_out_bytes(part)
        limits.check_rows(rows)
        limits.check_unpacked(used)
        parts.append(part)
    table = pa.concat_tables(parts) if parts else pf.schema_arrow.empty_table()
    return table.replace_schema_metadata(schema.metadata)


def _spelled_out_bytes(table: pa.Table) -> int:
    """Memory the table takes once every dictionary-encoded text is written out in full."""
    if not any(pa.types.is_dictionary(t) for t in table.schema.types):
        return table.nbytes
    total = 0
    for col in table.columns:
        if pa.types.is_dictionary(col.type) and _is_text(col.type.value_type):
            total += sum(_dictionary_bytes(chunk) for chunk in col.chunks)
        else:
            total += col.nbytes
    return total


def _dictionary_bytes(chunk: pa.DictionaryArray) -> int:
    """The bytes of a dictionary-encoded text column once spelled out, read from its buffers with numpy (every
    pyarrow.compute or polars call costs far more than this for the small files that are the usual case)."""
    words = chunk.dictionary
    if len(chunk) == 0 or len(words) == 0:
        return 8 * len(chunk)
    wide = pa.types.is_large_string(words.type) or pa.types.is_large_binary(words.type)
    offsets = np.frombuffer(words.buffers()[1], dtype=np.int64 if wide else np.int32)
    lengths = np.diff(offsets[words.offset : words.offset + len(words) + 1])
    longest = int(lengths.max())
    if longest * len(chunk) <= SMALL_BYTES:  # cannot be large whatever the rows repeat
        return longest * len(chunk) + 8 * len(chunk)
    index_type = np.dtype(str(chunk.type.index_type))  # "int32" → int32 (to_pandas_dtype would import pandas)
    indices = np.frombuffer(chunk.indices.buffers()[1], dtype=index_type)[chunk.offset : chunk.offset + len(chunk)]
    # A null row's slot may hold any number: clipped into range it counts some word, an over-estimate at most.
    return int(lengths[np.clip(indices, 0, len(words) - 1)].sum()) + 8 * len(chunk)


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t)


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
    # A nested column is never a contract value; only make sure nothing inside it would crash polars.
    for i in range(t.num_fields):
        inner = t.field(i).type
        if _usable(name, inner) != inner:
            raise ReadError(f"列的数据类型（{t}）无法读取：请改为文本、数值或日期后重新保存", column=name)
    return t


def _checked(table: pa.Table) -> pa.Table:
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
        wanted = _usable(field.name, field.type)
        if wanted != col.type and not pa.types.is_dictionary(col.type):
            col = col.cast(wanted)  # rare types only: the first pyarrow.compute call of a process costs seconds
        if not valid:
            _check_utf8(field.name, col)
        _check_calendar(field.name, col)
        columns.append(col)
    if any(a is not b for a, b in zip(columns, given, strict=True)):
        table = pa.table(columns, names=table.column_names).replace_schema_metadata(table.schema.metadata)
    return table


def as_polars(table: pa.Table) -> pl.DataFrame:
    """A checked table (read_table) as polars, dictionary texts spelled out; ReadError if polars cannot hold it."""
    if not table.num_columns:
        return pl.DataFrame()
    try:
        frame = pl.from_arrow(table)
    except FILE_FAILURES as exc:  # polars may panic on what pyarrow accepted: the file cannot be read
        raise ReadError(f"无法读取 Parquet 文件：{reason(exc)}") from exc
    # Text read dictionary-encoded arrives as Categorical: spell it out, as it is in the file.
    spelled = [pl.col(n).cast(pl.String) for n, t in frame.schema.items() if isinstance(t, pl.Categorical)]
    return frame.with_columns(spelled) if spelled else frame


def as_polars_many(tables: list[pa.Table]) -> list[pl.DataFrame | ReadError]:
    """`as_polars` for many tables, the same frames, converted together per set of columns and types (converting
    costs about the same for 10 rows as for 10 000: for the many small files of a cold start this is most of the
    conversion's time). A set polars refuses is converted table by table, so only the bad file fails."""
    out: list[pl.DataFrame | ReadError | None] = [None] * len(tables)
    groups: dict[tuple, list[int]] = {}
    for i, table in enumerate(tables):
        plain = table.num_columns and not any(pa.types.is_dictionary(t) for t in table.schema.types)
        key = tuple(zip(table.column_names, table.schema.types, strict=True)) if plain else ("alone", i)
        groups.setdefault(key, []).append(i)
    for members in groups.values():
        if len(members) > 1:
            try:
                whole = pl.from_arrow(pa.concat_tables([tables[i].replace_schema_metadata() for i in members]))
            except FILE_FAILURES:
                whole = None
            if isinstance(whole, pl.DataFrame):
                start = 0
                for i in members:
                    out[i] = whole.slice(start, tables[i].num_rows)
                    start += tables[i].num_rows
                continue
        for i in members:
            try:
                out[i] = as_polars(tables[i])
            except ReadError as exc:
                out[i] = exc
    return out  # type: ignore[return-value]


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
        # Straight from the buffers (to_numpy would import pandas, pyarrow.compute costs seconds on first use).
        validity, data = chunk.buffers()[:2]
        ticks = np.frombuffer(data, dtype=width)[chunk.offset : chunk.offset + len(chunk)]
        outside = (ticks < low) | (ticks > high)
        if validity is not None and chunk.null_count:  # a null slot may hold any number: only real values count
            bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
            outside &= bits[chunk.offset : chunk.offset + len(chunk)].astype(bool)
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


def _check_utf8(name: str, col: pa.ChunkedArray) -> None:
    """Text that is not valid UTF-8 (written by a tool with another encoding) is named by its row and column."""
    if pa.types.is_dictionary(col.type) and _is_text(col.type.value_type):
        try:
            col.validate(full=True)
        except pa.ArrowInvalid:
            _check_utf8(name, pa.chunked_array([c.dictionary.take(c.indices) for c in col.chunks]))
        return
    if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        try:
            col.validate(full=True)
        except pa.ArrowInvalid as exc:
            raise ReadError(f"列的内容无法读取（{str(exc)[:120]}）", column=name) from exc
        return
    try:
        col.validate(full=True)
        return
    except pa.ArrowInvalid:
        pass
    row = 0
    for chunk in col.chunks:
        for value in chunk.view(pa.binary() if pa.types.is_string(col.type) else pa.large_binary()).to_pylist():
            row += 1
            if value is None:
                continue
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                shown = show_value(value.decode("utf-8", errors="replace"))
                raise ReadError(
                    "文字不是有效的 UTF-8 编码（可能用 GBK 等其他编码写入）：请用 UTF-8 编码重新保存", row, name, shown
                ) from None
    raise ReadError("列的内容不是有效的 UTF-8 文字", column=name)
