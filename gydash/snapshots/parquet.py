"""Reading one Parquet file within the limits, into a frame polars can hold: or ReadError with a plain reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from gydash.snapshots import limits
from gydash.snapshots.guard import FILE_FAILURES, reason
from gydash.snapshots.opening import open_regular
from gydash.snapshots.parquet_checks import ReadError, checked_table, is_text, numbers, present

SAMPLE_KEY = b"gydash_sample"
SMALL_BYTES = 16 << 20  # a text column that cannot spell out beyond this needs no exact count
NOT_PARQUET_ZIP = "这是 Excel（.xlsx）或压缩文件，只是扩展名为 .parquet；请用“数据管理”页或 gydash import 导入"


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
        fh.seek(max(size - 8, 0))
        last = fh.read(8)  # the footer's stated length, then PAR1
        tail, footer_size = last[-4:], int.from_bytes(last[:4], "little") if len(last) == 8 else 0
        if head[:2] == b"PK":
            raise ReadError(NOT_PARQUET_ZIP)
        if head != b"PAR1":
            raise ReadError("不是 Parquet 文件（文件头不符），可能是改了扩展名的其他文件")
        if tail != b"PAR1" or size < 12 or footer_size > size - 12:  # a footer longer than the file: cut short
            raise ReadError("Parquet 文件不完整（文件尾缺失），可能复制中断或已损坏")
        if footer_size > limits.MAX_FOOTER_BYTES:  # parsing a footer costs tens of times its size in memory
            raise ReadError(
                f"文件的目录部分（文件尾）有 {footer_size // (1 << 20)} MB，正常的表格只有几十 KB："
                "多半是分成了极多的行组（row group），未读取；请用一个行组重新保存"
            )
        fh.seek(0)
        try:
            table = checked_table(_read_within_limits(fh))
        except (ReadError, limits.TooLarge):
            raise
        except FILE_FAILURES as exc:  # pyarrow raises many kinds: all mean "cannot be read"
            raise ReadError(f"无法读取 Parquet 文件：{reason(exc, where=str(path))}") from exc
    meta = table.schema.metadata or {}
    return table, meta.get(SAMPLE_KEY, b"") not in (b"", b"0", b"false")


def _read_within_limits(fh) -> pa.Table:
    """The rows, checked against the limits from the footer first, then row group by row group as they are read (a
    footer can understate what its pages hold). Text and bytes stay dictionary-encoded while reading, also inside
    lists and structs, so a short file repeating one long value a million times is measured before it is spelled
    out."""
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
    kinds = {t.id for t in schema.types}  # (each look at a type costs a microsecond: most files are small)
    # No value can be longer than the whole file unpacked: when even every value holding that much stays within the
    # limit (small files, the usual case), read plainly; otherwise keep text dictionary-encoded until measured.
    values = meta.num_rows if kinds <= _ONE_SMALL_VALUE else _values_at_most(meta, schema)
    spelled_at_most = values * max(footer, 1)
    texts = [] if spelled_at_most <= _limit() else _byte_leaves(meta)
    fh.seek(0)
    pf = pq.ParquetFile(fh, read_dictionary=texts, metadata=meta) if texts else probe  # the footer parsed once
    plain = not texts and kinds <= _ONE_SMALL_VALUE  # then nothing is dictionary-encoded: no need to look
    parts, rows, used = [], 0, 0
    for g in range(pf.num_row_groups):
        part = pf.read_row_group(g)
        rows += part.num_rows
        used += part.nbytes if plain else _spelled_out_bytes(part)
        limits.check_rows(rows)
        parts.append(part)
        if used > _limit():
            raise _too_large(used, _biggest(parts))
    table = pa.concat_tables(parts) if parts else pf.schema_arrow.empty_table()
    if _TIMESTAMP in kinds:  # INT96 is read as a timestamp
        table = _int96_unwrapped(fh, meta, table)
    return table.replace_schema_metadata(schema.metadata)


def _limit() -> int:
    return limits.MAX_UNPACKED_MB.value() * 1024 * 1024


def _too_large(total: int, column: tuple[str, int]) -> ReadError:
    """The unpacked-size refusal, naming the column that takes the most (often one value repeated many times)."""
    refusal = limits.refuse(limits.MAX_UNPACKED_MB, total / 1024 / 1024)
    taken = limits.spaced(column[1] / 1024 / 1024)
    return ReadError(f"文件太大，未读取：此列读入后约 {taken} MB。{refusal}", column=column[0])


def _biggest(parts: list[pa.Table]) -> tuple[str, int]:
    sizes: dict[str, int] = {}
    for part in parts:
        for name, col in zip(part.column_names, part.columns, strict=True):
            sizes[name] = sizes.get(name, 0) + sum(_array_bytes(chunk) for chunk in col.chunks)
    return max(sizes.items(), key=lambda item: item[1], default=("", 0))


# Types holding one value per row, none wider than 32 bytes (text: its offset). A column of any other type (a list or
# map holds any number per row, bytes may be of any stated width) has its values counted from the footer.
_ONE_SMALL_VALUE = {
    t.id
    for t in (
        *(pa.null(), pa.bool_(), pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16()),
        *(pa.uint32(), pa.uint64(), pa.float16(), pa.float32(), pa.float64(), pa.decimal128(1), pa.decimal256(1)),
        *(pa.string(), pa.large_string(), pa.binary(), pa.large_binary(), pa.string_view(), pa.binary_view()),
        *(pa.date32(), pa.date64(), pa.timestamp("s"), pa.time32("s"), pa.time64("us"), pa.duration("s")),
    )
}
_TIMESTAMP = pa.timestamp("ns").id


def _values_at_most(meta: pq.FileMetaData, schema: pa.Schema) -> int:
    """The most values any one column holds: its rows, unless a list holds more (any number per row); refused when
    the values of fixed width alone — a list of a million numbers per row, bytes of a stated width even when empty
    — would take more than the limit."""
    leaves = [(f.name, *leaf) for f in schema for leaf in _leaves(f.type)]
    if len(leaves) != meta.num_columns:  # never expected: then every value counts as in a list, 8 bytes wide
        chunks = (meta.row_group(0).column(i) for i in range(meta.num_columns if meta.num_row_groups else 0))
        leaves = [(chunk.path_in_schema.split(".")[0], pa.int64(), True) for chunk in chunks]
    counts, sizes = [], {}
    for i, (owner, t, repeats) in enumerate(leaves):
        n = _leaf_values(meta, i) if repeats else meta.num_rows
        counts.append(n)
        sizes[owner] = sizes.get(owner, 0) + n * _value_bytes(t)
    if sum(sizes.values()) > _limit():
        raise _too_large(sum(sizes.values()), max(sizes.items(), key=lambda item: item[1]))
    return max([meta.num_rows, *counts])


def _leaves(t: pa.DataType, repeats: bool = False) -> Iterator[tuple[pa.DataType, bool]]:
    """The values a column of this type is stored as, in the footer's order, each with whether it may occur more
    than once a row (inside a list or map)."""
    if pa.types.is_dictionary(t) or not t.num_fields:
        if not pa.types.is_struct(t):  # (a struct of no fields stores nothing)
            yield t, repeats
        return
    for i in range(t.num_fields):
        yield from _leaves(t.field(i).type, repeats or not pa.types.is_struct(t))


def _value_bytes(t: pa.DataType) -> int:
    """The bytes one value takes once read: its width, or for text its offset (its letters are measured later)."""
    try:
        return max(t.bit_width // 8, 1)
    except ValueError:
        return 4


def _leaf_values(meta: pq.FileMetaData, i: int) -> int:
    return sum(meta.row_group(g).column(i).num_values for g in range(meta.num_row_groups))


def _byte_leaves(meta: pq.FileMetaData) -> list[str]:
    """Every stored text or bytes, top-level or inside a list or struct, by its path (what read_dictionary takes).
    (From a column chunk, not meta.schema: see _int96_unwrapped.)"""
    leaves = (meta.row_group(0).column(i) for i in range(meta.num_columns if meta.num_row_groups else 0))
    return [leaf.path_in_schema for leaf in leaves if leaf.physical_type == "BYTE_ARRAY"]


def _spelled_out_bytes(table: pa.Table) -> int:
    """Memory the table takes once every dictionary-encoded text is written out in full."""
    if not any(_holds_dictionary(t) for t in table.schema.types):
        return table.nbytes
    return sum(_array_bytes(chunk) for col in table.columns for chunk in col.chunks)


def _holds_dictionary(t: pa.DataType) -> bool:
    return pa.types.is_dictionary(t) or any(_holds_dictionary(t.field(i).type) for i in range(t.num_fields))


def _array_bytes(arr: pa.Array) -> int:
    """An array's bytes once spelled out, dictionary-encoded text inside lists and structs included."""
    t = arr.type
    if pa.types.is_dictionary(t):
        return _dictionary_bytes(arr) if is_text(t.value_type) else arr.nbytes
    if not _holds_dictionary(t):
        return arr.nbytes
    if pa.types.is_struct(t):
        inner = [arr.field(i) for i in range(t.num_fields)]
    elif hasattr(arr, "values"):  # lists of any kind, and maps (a list of key-value structs)
        inner = [arr.values]
    else:
        return arr.nbytes
    return 8 * len(arr) + sum(_array_bytes(a) for a in inner)


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


def _int96_unwrapped(fh, meta: pq.FileMetaData, table: pa.Table) -> pa.Table:
    """INT96 timestamps (old Spark, Hive and Impala) are read in nanoseconds, which wrap round beyond 1677–2262: a
    date in 2620 would arrive as one in 2035. Such a column is read again in milliseconds (which hold any INT96
    date); where the two readings disagree, the milliseconds are kept, so the date checks name the row and value."""
    # Physical types from the first row group's column chunks, not meta.schema: that ties the footer into a reference
    # cycle, held until Python's cycle collector runs (a cold start of many small files took 15 % longer).
    leaves = [meta.row_group(0).column(i) for i in range(meta.num_columns)] if meta.num_row_groups else []
    if all(leaf.physical_type != "INT96" for leaf in leaves):  # the usual timestamp: INT64, read as it is stored
        return table
    stamps = {f.name for f in table.schema if pa.types.is_timestamp(f.type) and f.type.unit == "ns"}
    int96 = [leaf.path_in_schema for leaf in leaves if leaf.physical_type == "INT96" and leaf.path_in_schema in stamps]
    if not int96 or len(set(table.column_names)) < table.num_columns:  # repeated names: refused by the checks
        return table
    fh.seek(0)
    coarse = pq.ParquetFile(fh, metadata=meta, coerce_int96_timestamp_unit="ms").read(columns=int96)
    for name in int96:
        if not _same_instants(table.column(name), coarse.column(name)):
            at = table.schema.get_field_index(name)
            table = table.set_column(at, table.schema.field(at).with_type(coarse.schema.field(name).type), coarse[name])
    return table


def _same_instants(fine: pa.ChunkedArray, coarse: pa.ChunkedArray) -> bool:
    ns = np.concatenate([numbers(c, np.int64) for c in fine.chunks] or [np.zeros(0, np.int64)])
    ms = np.concatenate([numbers(c, np.int64) for c in coarse.chunks] or [np.zeros(0, np.int64)])
    held = np.concatenate([present(c) for c in coarse.chunks] or [np.zeros(0, bool)])
    return len(ns) == len(ms) and bool(np.all((np.abs(ns // 1_000_000 - ms) <= 1) | ~held))


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
