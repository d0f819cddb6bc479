"""Hostile Parquet files: INT96 timestamps (old Spark, Hive, Impala) beyond 1677–2262, one long value repeated in a
bytes, list, struct or map column, a list of a million values in a row, and bytes or text that are not UTF-8. Each
is refused or flagged in Chinese naming its column (and row and value where one is to blame), in bounded memory;
good files with such columns read as before."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import activity, ind

from gydash.snapshots.parquet import read_parquet

GOOD_ROWS = [ind("tech_sme", "利州区", 2025, 6, 40.0)]
DATE_RANGE = "日期应在 2000-01-01 至 2100-12-31 之间"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("GYDASH_TODAY", "2026-11-26")


def only_problem(data, rel: str):
    [rejected] = data.rejected()
    assert rejected.entry.rel == rel
    [problem] = rejected.errors
    return problem


# --- INT96 timestamps ---------------------------------------------------------------------------------------------


def write_int96(path: Path, table: pa.Table) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, use_deprecated_int96_timestamps=True)
    assert pq.ParquetFile(path).metadata.schema.column(0).physical_type == "INT96"
    return path


@pytest.mark.parametrize("far", [datetime(2620, 7, 1), datetime(2263, 1, 1), datetime(1500, 7, 1)], ids=str)
def test_an_int96_date_beyond_1677_to_2262_is_named_not_turned_into_another_date(data_dir, write, load, far):
    # Read in nanoseconds, 2620-07-01 wrapped round to 2035-12-11 and was accepted as that date.
    stamps = pa.array([datetime(2025, 3, 5, 13, 45), far], pa.timestamp("us"))
    table = pa.table({"date": stamps, "area": ["利州区"] * 2, "kind": ["other"] * 2})
    write_int96(data_dir / "activities" / "2025-06-30.parquet", table)
    write("activities", "2025-03-31.parquet", [activity("2025-03-05")])
    data = load()
    problem = only_problem(data, "activities/2025-06-30.parquet")
    assert (problem.row, problem.column, problem.value) == (2, "date", f"{far:%Y-%m-%d} 00:00:00")
    assert DATE_RANGE in problem.message
    assert [f.entry.rel for f in data.accepted()] == ["activities/2025-03-31.parquet"]


def test_an_int96_date_beyond_any_calendar_is_named_by_row(data_dir, load):
    year_12000 = (date(9999, 12, 31) - date(1970, 1, 1)).days * 86_400_000 + 2_000 * 365 * 86_400_000
    stamps = pa.array([0, year_12000], pa.timestamp("ms"))
    table = pa.table({"date": stamps, "area": ["利州区"] * 2, "kind": ["other"] * 2})
    write_int96(data_dir / "activities" / "2025-06-30.parquet", table)
    problem = only_problem(load(), "activities/2025-06-30.parquet")
    assert (problem.row, problem.column) == (2, "date") and "不是任何日历上的日期" in problem.message


def test_int96_dates_within_range_read_exactly_as_before(tmp_path):
    # To the nanosecond and as the same type: the rest of the code sees what an INT64 timestamp column gives.
    ticks = [1_700_000_000_123_456_789, None, -1_000_000_000_000_000_001, 1_924_991_999_999_999_999, 5]
    table = pa.table({"date": pa.array(ticks, pa.timestamp("ns")), "area": ["利州区"] * 5})
    plain = tmp_path / "plain.parquet"
    pq.write_table(table, plain)
    old = write_int96(tmp_path / "int96.parquet", table)
    frame, _ = read_parquet(old, old.stat().st_size)
    expected, _ = read_parquet(plain, plain.stat().st_size)
    assert frame.schema["date"] == pl.Datetime("ns")
    assert frame.equals(expected)
    assert frame["date"][0] == datetime(2023, 11, 14, 22, 13, 20, 123456)


# --- one long value repeated: refused before it is spelled out ------------------------------------------------------

ROWS = 200_000  # within the row limit: only the size once read can refuse these
LONG = 10 << 20  # one value of 10 MB: 2 TB once written out in every row


def zeros(n: int, kind: type) -> pa.Array:
    return pa.array(np.zeros(n, kind))


def repeated(value: pa.Array, n: int = ROWS) -> pa.DictionaryArray:
    """n rows holding the one value (written dictionary-encoded: the file holds it once)."""
    return pa.DictionaryArray.from_arrays(zeros(n, np.int32), value)


TEXT = pa.array(["长" * (LONG // 3)])
BYTES = pa.array([b"\x01" * LONG], pa.binary())
OFFSETS = pa.array(range(ROWS + 1), pa.int32())
REPEATED = {
    "binary": lambda: repeated(BYTES),
    "large-binary": lambda: repeated(BYTES.cast(pa.large_binary())),
    "list": lambda: pa.ListArray.from_arrays(OFFSETS, repeated(TEXT)),
    "large-list": lambda: pa.LargeListArray.from_arrays(OFFSETS.cast(pa.int64()), repeated(TEXT)),
    "fixed-size-list": lambda: pa.FixedSizeListArray.from_arrays(repeated(TEXT), 1),
    "list-of-bytes": lambda: pa.ListArray.from_arrays(OFFSETS, repeated(BYTES)),
    "struct": lambda: pa.StructArray.from_arrays([repeated(TEXT), zeros(ROWS, np.int8)], ["text", "n"]),
    "map": lambda: pa.MapArray.from_arrays(OFFSETS, pa.array(["k"] * ROWS), repeated(TEXT)),
}
# Read in a separate process with its address space capped: without the measuring, the first read alone asked for
# gigabytes (and a machine with them would have given them).
READER = """
import json, resource, sys
from pathlib import Path
from gydash.snapshots import limits
from gydash.snapshots.parquet import read_parquet
from gydash.snapshots.parquet_checks import ReadError
out = {}
for arg in sys.argv[1:]:
    path = Path(arg)
    try:
        read_parquet(path, path.stat().st_size)
        out[path.name] = {"message": "read", "column": None}
    except (ReadError, limits.TooLarge) as exc:
        out[path.name] = {"message": str(exc), "column": getattr(exc, "column", None)}
    except BaseException as exc:
        out[path.name] = {"message": f"{type(exc).__name__}: {exc}", "column": None}
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps(out, ensure_ascii=False))
"""
ADDRESS_SPACE = 2 << 30


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.fixture(scope="module")
def repeated_reads(tmp_path_factory) -> dict:
    """Each kind written with and without the Arrow schema pyarrow stores (other tools write none), read in one
    capped process: name → what read_parquet said, and the process's peak memory."""
    folder = tmp_path_factory.mktemp("repeated")
    base = {"indicator": repeated(pa.array(["tech_sme"])), "area": repeated(pa.array(["利州区"]))}
    paths = []
    for kind, make in REPEATED.items():
        table = pa.table({**base, "year": pa.repeat(2025, ROWS), "extra": make()})
        for stored in (True, False):
            paths.append(folder / f"{kind}-{'arrow' if stored else 'plain'}.parquet")
            pq.write_table(table, paths[-1], store_schema=stored, write_statistics=False)  # (seconds a file)
            assert paths[-1].stat().st_size < 2 * LONG  # small on disk
    run = subprocess.run(
        [sys.executable, "-c", READER, *map(str, paths)],
        capture_output=True,
        text=True,
        preexec_fn=_capped,
        timeout=300,
    )
    assert run.stdout, run.stderr[-2000:]
    return json.loads(run.stdout.splitlines()[-1])


@pytest.mark.parametrize("stored", ["arrow", "plain"])
@pytest.mark.parametrize("kind", list(REPEATED))
def test_one_long_value_repeated_in_any_column_is_refused_naming_the_column(repeated_reads, kind, stored):
    said = repeated_reads[f"{kind}-{stored}.parquet"]
    assert said["column"] == "extra", said
    assert "文件太大，未读取" in said["message"] and "读入后" in said["message"], said
    assert "GYDASH_MAX_UNPACKED_MB" in said["message"] and "Arrow" not in said["message"]


def test_files_repeating_one_long_value_are_read_in_bounded_memory(repeated_reads):
    assert repeated_reads["peak_mb"] < 600, repeated_reads["peak_mb"]


# --- many values in few rows, or wide empty bytes: refused from the footer, before any row group is read ------------


def many_numbers() -> pa.Array:
    return pa.ListArray.from_arrays(pa.array([0, 1_000_000], pa.int32()), zeros(1_000_000, np.int64))


def wide_empty_bytes() -> pa.Array:
    return pa.nulls(1, pa.binary(8 << 20))  # 8 MB a row, even with nothing in it


@pytest.mark.parametrize("make", [many_numbers, wide_empty_bytes], ids=["list-of-a-million-numbers", "wide-bytes"])
def test_values_a_row_holds_beyond_the_limit_are_refused_before_reading(write, load, monkeypatch, make):
    monkeypatch.setenv("GYDASH_MAX_UNPACKED_MB", "2")
    path = write("indicators", "2025-06-30.parquet", pa.table({"indicator": ["tech_sme"], "extra": make()}))
    assert path.stat().st_size < 20_000
    real, reads = pq.ParquetFile.read_row_group, []
    monkeypatch.setattr(pq.ParquetFile, "read_row_group", lambda pf, *a, **k: reads.append(a) or real(pf, *a, **k))
    problem = only_problem(load(), "indicators/2025-06-30.parquet")
    assert problem.column == "extra" and "读入后" in problem.message and "GYDASH_MAX_UNPACKED_MB" in problem.message
    assert reads == []


# --- files past the small-file shortcut, within the limit once measured: read as before -----------------------------


def activities(n: int) -> dict:
    days = [(date(2005, 1, 1) + timedelta(days=i)).isoformat() for i in range(n)]
    return {"date": days, "area": ["利州区"] * n, "kind": ["other"] * n}


def some(words: list, n: int, kind: pa.DataType | None = None) -> pa.DictionaryArray:
    """n rows taking the words in turn, dictionary-encoded as many tools write repeated text."""
    turns = pa.array([i % len(words) for i in range(n)], pa.int32())
    return pa.DictionaryArray.from_arrays(turns, pa.array(words, kind or pa.string()))


N = 3_000  # with the limit at 1 MB, too many rows to skip measuring; a few hundred KB once read
EXTRA = {
    "list": lambda: pa.ListArray.from_arrays(pa.array(range(N + 1), pa.int32()), some(["政策", "宣讲"], N)),
    "struct": lambda: pa.StructArray.from_arrays([some(["政策", "宣讲"], N), zeros(N, np.int8)], ["a", "b"]),
    "map": lambda: pa.MapArray.from_arrays(pa.array(range(N + 1), pa.int32()), pa.array(["k"] * N), some(["v"], N)),
}


def write_plainly(data_dir: Path, table: pa.Table, stored: bool) -> None:
    """A file with or without the Arrow schema pyarrow stores: with it, dictionary-encoded text inside a list or
    struct is read as such; without it (other tools), only when the file is too large to skip measuring."""
    path = data_dir / "activities" / "2025-06-30.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, store_schema=stored)


@pytest.mark.parametrize("measured", [False, True], ids=["small", "measured"])
@pytest.mark.parametrize("stored", [True, False], ids=["arrow-schema", "no-arrow-schema"])
@pytest.mark.parametrize("kind", list(EXTRA))
def test_a_good_file_with_an_extra_list_struct_or_map_column_is_accepted(
    data_dir, load, monkeypatch, kind, stored, measured
):
    if measured:
        monkeypatch.setenv("GYDASH_MAX_UNPACKED_MB", "1")
    write_plainly(data_dir, pa.table({**activities(N), "extra": EXTRA[kind]()}), stored)
    [loaded] = load().files
    assert loaded.status != "rejected", [str(p) for p in loaded.errors]
    assert loaded.frame.height == N
    assert any("未识别的列「extra」" in w.message for w in loaded.warnings)


@pytest.mark.parametrize("measured", [False, True], ids=["small", "measured"])
@pytest.mark.parametrize("stored", [True, False], ids=["arrow-schema", "no-arrow-schema"])
def test_a_contract_column_of_a_list_type_is_flagged_by_row(data_dir, load, monkeypatch, stored, measured):
    if measured:
        monkeypatch.setenv("GYDASH_MAX_UNPACKED_MB", "1")
    area = pa.ListArray.from_arrays(pa.array(range(N + 1), pa.int32()), some(["利州区"], N))
    write_plainly(data_dir, pa.table({**activities(N), "area": area}), stored)
    [rejected] = load().rejected()
    first = rejected.errors[0]
    assert (first.row, first.column) == (1, "area") and "应为文本" in first.message and "利州区" in first.value


# --- bytes that are not UTF-8 ---------------------------------------------------------------------------------------

GBK = "昭化区".encode("gbk")


def indicators(area: pa.Array) -> pa.Table:
    n = len(area)
    return pa.table({"indicator": ["tech_sme"] * n, "area": area, "year": [2025] * n, "month": list(range(1, n + 1))})


@pytest.mark.parametrize(
    "area",
    [
        pa.array(["利州区".encode(), GBK], pa.binary()),
        pa.array(["利州区".encode(), GBK], pa.large_binary()),
        some(["利州区".encode(), GBK], 2, pa.binary()),
    ],
    ids=["binary", "large-binary", "dictionary-encoded"],
)
def test_bytes_that_are_not_utf8_are_named_by_row_column_and_value(write, load, area):
    # Old tools write text as bytes; polars failed on these later with "ComputeError: invalid utf8", naming nothing.
    write("indicators", "2025-06-30.parquet", indicators(area).append_column("value", pa.array([1.0, 2.0])))
    write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    data = load()
    problem = only_problem(data, "indicators/2025-06-30.parquet")
    assert (problem.row, problem.column) == (2, "area") and problem.value
    assert "不是有效的 UTF-8 编码" in problem.message and "GBK" in problem.message
    assert len(data.accepted()) == 1


def test_dictionary_encoded_bytes_past_the_small_file_shortcut_are_checked_by_row(data_dir, load, monkeypatch):
    monkeypatch.setenv("GYDASH_MAX_UNPACKED_MB", "1")  # N rows × the file's size: measured, then spelled out
    area = some(["利州区".encode(), GBK], N, pa.binary())
    write_plainly(data_dir, pa.table({**activities(N), "area": area}), stored=False)
    [rejected] = load().rejected()
    first = rejected.errors[0]
    assert (first.row, first.column) == (2, "area") and "不是有效的 UTF-8 编码" in first.message


def test_bytes_holding_utf8_text_are_read_as_that_text(write, load):
    area = pa.array(["利州区".encode(), "昭化区".encode()], pa.binary())
    write("indicators", "2025-06-30.parquet", indicators(area).append_column("value", pa.array([1.0, 2.0])))
    [loaded] = load().files
    assert loaded.status == "accepted", [str(p) for p in loaded.errors]
    assert loaded.frame["value"].to_list() == [1.0, 2.0]


def test_an_extra_column_of_bytes_that_are_no_text_is_ignored_as_before(write, load):
    # Hashes or images beside the contract's columns: not text, and not the contract's business.
    table = indicators(pa.array(["利州区"])).append_column("value", pa.array([1.0]))
    write("indicators", "2025-06-30.parquet", table.append_column("photo", pa.array([b"\x89PNG\xff\x00"])))
    [loaded] = load().files
    assert loaded.status != "rejected", [str(p) for p in loaded.errors]
    assert [w.message for w in loaded.warnings] == ["未识别的列「photo」，已忽略"]


def test_text_inside_a_list_that_is_not_utf8_names_the_column(write, load):
    words = pa.array([b"a", GBK], pa.binary()).view(pa.string())
    extra = pa.ListArray.from_arrays(pa.array([0, 1, 2], pa.int32()), words)
    write("activities", "2025-06-30.parquet", pa.table({**activities(2), "extra": extra}))
    problem = only_problem(load(), "activities/2025-06-30.parquet")
    assert problem.column == "extra" and "UTF-8" in problem.message and "Invalid" not in problem.message


def test_a_footer_of_countless_row_groups_is_refused_before_it_is_parsed(tmp_path, data_dir, write, load):
    """Thousands of tiny row groups make a footer of many MB that costs tens of times that to parse: refused from
    the length the file states, while a good file beside it stays in effect."""
    table = pa.table({f"c{i}": pa.array(np.arange(3000, dtype=np.int64)) for i in range(100)})
    path = data_dir / "indicators" / "2025-09-30_行组.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=1)  # 3 000 row groups of 100 columns: a footer of about 10 MB
    assert pq.ParquetFile(path).metadata.serialized_size > 8 << 20
    write("indicators", "2025-09-30_好.parquet", [ind("hitech_enterprise", "广元市", 2025, 9, 52.0)])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    data = load()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    problem = only_problem(data, "indicators/2025-09-30_行组.parquet")
    assert "行组" in problem.message and "MB" in problem.message
    assert [f.entry.rel for f in data.accepted("indicators")] == ["indicators/2025-09-30_好.parquet"]
    assert grown_mb < 200  # parsing that footer takes several hundred MB


def test_a_footer_stated_longer_than_the_file_is_called_incomplete(data_dir, write, load):
    """A file cut short (or damaged) may state a footer of any length: it is incomplete, not "many row groups"."""
    good = write("indicators", "2025-09-30_好.parquet", [ind("hitech_enterprise", "广元市", 2025, 9, 52.0)])
    content = good.read_bytes()
    bad = data_dir / "indicators" / "2025-06-30_截断.parquet"
    bad.write_bytes(content[:-8] + (64 << 20).to_bytes(4, "little") + b"PAR1")
    problem = only_problem(load(), "indicators/2025-06-30_截断.parquet")
    assert "不完整" in problem.message and "行组" not in problem.message
