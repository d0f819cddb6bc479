"""Reading one Parquet file within the limits, into a frame polars can hold: or ReadError with a plain reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from gydash.snapshots import limits
from gydash.snapshots.guard import FILE_FAILURES, reason
from gydash.snapshots.opening import open_regular
from gydash.snapshots.parquet_checks import ReadError, checked_table, is_text

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
            table = checked_table(_read_within_limits(fh))
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
        if pa.types.is_dictionary(col.type) and is_text(col.type.value_type):
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
