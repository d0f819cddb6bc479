"""Reading and judging snapshot files: each new or changed file read once, checked against the contract, hashed."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import polars as pl
import pyarrow as pa

from gydash.base.problems import Problem
from gydash.snapshots import limits
from gydash.snapshots.dating import date_out_of_range
from gydash.snapshots.file_entry import FileEntry
from gydash.snapshots.guard import FILE_FAILURES, unchecked, unreadable
from gydash.snapshots.opening import open_regular, os_reason
from gydash.snapshots.parquet import as_polars_many, read_parquet, read_table
from gydash.snapshots.parquet_checks import ReadError
from gydash.snapshots.tables import Ingested
from gydash.snapshots.validate import Result, validate, validate_many

# Files read and checked together on a cold start: at most BATCH_FILES of them and BATCH_BYTES of Parquet (about
# 40 000 rows of the contract's datasets), which bounds the rows held at once: a batch's frames and DuckDB's work
# storing it grow with its rows. Measured on the full data, a whole cold build in a process with Streamlit loaded,
# interleaved runs: 500 files at a time (up to 205 000 rows) peaked at 532 MB, 1.2 MB at a time at 440 MB in the
# same time; 800 kB at 431 MB but 19 % slower (each batch also re-judges the stored event groups it touches).
BATCH_FILES = 500
BATCH_BYTES = 1_200_000
# Threads reading files: one per core. More only contend for the GIL (a file's read is half Python): on 2 cores,
# 4 readers made a cold build 10 % slower than 2, in CPU and in time.
READERS = max(1, min(4, os.cpu_count() or 1))
_lock = threading.Lock()
_reads = 0


def reads() -> int:
    """How many files this process has opened and checked (a rerun with no new file adds none)."""
    return _reads


def _count_read() -> None:
    global _reads
    with _lock:
        _reads += 1


def _hash(entry: FileEntry) -> str:
    digest = hashlib.sha256()
    try:
        with open_regular(entry.path) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


def _rejected(entry: FileEntry, problem: Problem, rows: int = 0, sample: bool = False) -> Ingested:
    return Ingested(entry, None, (problem,), (), sample, rows, "")


def _unreadable(entry: FileEntry, exc: ReadError) -> Ingested:
    return _rejected(entry, Problem(entry.rel, str(exc), exc.row, exc.column, exc.value))


def _read(entry: FileEntry, as_table: bool = False) -> tuple[pl.DataFrame | pa.Table, bool] | Ingested | None:
    """The raw rows and sample flag (as polars, or `as_table` in Arrow); a rejected file when unreadable; None when
    the file changed meanwhile."""
    undatable = date_out_of_range(entry)
    if undatable:  # judged by its name and stat alone (not opened): its rows could not be placed in time
        return _rejected(entry, Problem(entry.rel, undatable))
    try:
        reader = read_table if as_table else read_parquet
        got: tuple[pl.DataFrame | pa.Table, bool] | Ingested = reader(entry.path, entry.size)
    except ReadError as exc:
        got = _unreadable(entry, exc)
    except limits.TooLarge as exc:
        got = _rejected(entry, Problem(entry.rel, f"文件太大，未读取：{exc}"))
    except OSError as exc:
        got = _rejected(entry, Problem(entry.rel, f"无法打开文件（{os_reason(exc)}）"))
    except FILE_FAILURES as exc:  # anything unforeseen while reading rejects this file only
        got = _rejected(entry, Problem(entry.rel, unreadable(exc, entry.rel)))
    finally:
        _count_read()
    try:
        after = entry.path.stat()
    except OSError:
        return None
    if (after.st_size, after.st_mtime_ns) != (entry.size, entry.mtime_ns):
        return None  # replaced while being read (even if that made it unreadable): judge it on the next look
    return got


def _judged(entry: FileEntry, raw: pl.DataFrame, sample: bool, result: Result | None = None) -> Ingested:
    try:
        result = result or validate(entry.dataset, raw, entry.rel)
    except FILE_FAILURES as exc:  # a shape of file the checks did not foresee rejects that file, never the others
        why = unchecked(exc, entry.rel)
        return _rejected(entry, Problem(entry.rel, why), raw.height, sample)
    errors, warnings = tuple(result.errors), tuple(result.warnings)
    return Ingested(entry, result.frame, errors, warnings, sample, raw.height, _hash(entry))


def one(entry: FileEntry) -> Ingested | None:
    """One file read and judged; None when it changed while being read (it is judged on the next look)."""
    got = _read(entry)
    if got is None or isinstance(got, Ingested):
        return got
    return _judged(entry, *got)


def batches(entries: list[FileEntry]) -> Iterator[list[Ingested]]:
    """Files read in threads (pyarrow releases the GIL), then each dataset's files checked together (validate_many
    gives the same results as one file at a time, several times faster for many small files), a batch of files at
    a time (BATCH_FILES, BATCH_BYTES), so a caller can store each batch while the next is read (a cold start never
    holds every row read). Files that changed while being read are left out: the next look reads them."""
    if len(entries) <= 4:
        yield [got for got in map(one, entries) if got is not None]
        return
    by_dataset: dict[str, list[FileEntry]] = {}
    for e in entries:
        by_dataset.setdefault(e.dataset, []).append(e)
    groups = [(ds, part) for ds, es in by_dataset.items() for part in _parts(es)]
    # The next batch is read and checked while the caller stores this one (DuckDB works outside the GIL), so reading
    # and storing overlap; one batch is held besides the one being stored.
    with ThreadPoolExecutor(max_workers=READERS) as pool, ThreadPoolExecutor(max_workers=1) as ahead:
        upcoming = ahead.submit(_batch, pool, *groups[0])
        for i in range(len(groups)):
            current = upcoming.result()
            if i + 1 < len(groups):
                upcoming = ahead.submit(_batch, pool, *groups[i + 1])
            yield current


def _parts(entries: list[FileEntry]) -> Iterator[list[FileEntry]]:
    """The files in runs of at most BATCH_FILES files and BATCH_BYTES (a larger file makes a run of its own)."""
    part: list[FileEntry] = []
    size = 0
    for e in entries:
        if part and (len(part) >= BATCH_FILES or size + e.size > BATCH_BYTES):
            yield part
            part, size = [], 0
        part.append(e)
        size += e.size
    if part:
        yield part


def _batch(pool: ThreadPoolExecutor, dataset: str, entries: list[FileEntry]) -> list[Ingested]:
    reads = list(pool.map(lambda e: _read(e, as_table=True), entries))
    done = [got for got in reads if isinstance(got, Ingested)]
    tables = [(e, got) for e, got in zip(entries, reads, strict=True) if isinstance(got, tuple)]
    del reads
    # Handed to polars together (as_polars_many): a file polars refuses is rejected alone.
    frames = as_polars_many([table for _, (table, _) in tables])
    readable = []
    for (e, (_, sample)), frame in zip(tables, frames, strict=True):
        if isinstance(frame, ReadError):
            done.append(_unreadable(e, frame))
        else:
            readable.append((e, (frame, sample)))
    del tables, frames  # the Arrow tables are let go before the checks make their own frames
    # pyarrow's allocator keeps the pages of the tables just let go for the next read; handed back now, they are not
    # held beside the checks' own frames (measured: 36 MB less after a batch of 500 files).
    pa.default_memory_pool().release_unused()
    try:
        results = validate_many(dataset, [(e.rel, got[0]) for e, got in readable])
    except FILE_FAILURES:  # judge file by file instead, so one odd file cannot reject the others
        results = [None] * len(readable)
    return [
        _judged(e, raw, sample, result) for (e, (raw, sample)), result in zip(readable, results, strict=True)
    ] + done
