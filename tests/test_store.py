"""store: unreadable files are rejected with a plain reason (never an exception), each file is read once per
fingerprint, and the data in effect follows the dir: new files, replaced files, cutoff, dating notes."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import pyarrow as pa
import pytest
from conftest import ind
from polars.exceptions import PanicException

from gydash.snapshots import ingest, looks, store

GOOD_ROWS = [ind("tech_sme", "利州区", 2025, 6, 40.0)]
COLUMNS = {"indicator": ["tech_sme"], "area": ["利州区"], "year": [2025], "month": [6]}


def parquet_bytes(write, tmp_path) -> bytes:
    """The bytes of a small valid indicators file."""
    path = write("indicators", "2025-01-01.parquet", GOOD_ROWS * 50)
    content = path.read_bytes()
    path.unlink()
    return content


def xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


BROKEN = {
    "zero-bytes": (lambda good: b"", "0 字节"),
    "truncated": (lambda good: good[: len(good) // 2], "不完整"),
    "head-only": (lambda good: good[:4], "不完整"),
    "text-renamed": (lambda good: "指标,县区\n高新技术企业,利州区\n".encode(), "不是 Parquet 文件"),
    "xlsx-renamed": (lambda good: xlsx_bytes(), "Excel"),
    "footer-garbled": (lambda good: good[:4] + b"\x00" * (len(good) - 8) + good[-4:], "无法读取"),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_unreadable_file_is_rejected_with_a_reason_and_others_still_count(write, load, data_dir, tmp_path, kind):
    make, words = BROKEN[kind]
    broken = data_dir / "indicators" / "2025-06-30.parquet"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_bytes(make(parquet_bytes(write, tmp_path)))
    write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    write("activities", "2025-03-31.parquet", [{"date": "2025-03-05", "area": "利州区", "kind": "other"}])

    data = load()

    [rejected] = data.rejected()
    assert rejected.entry.rel == "indicators/2025-06-30.parquet"
    [reason] = rejected.errors
    assert words in reason.message
    assert str(reason).startswith("indicators/2025-06-30.parquet：")
    assert sorted(f.entry.rel for f in data.accepted()) == [
        "activities/2025-03-31.parquet",
        "indicators/2025-03-31.parquet",
    ]
    assert data.frames["indicators"]["value"].to_list() == [40.0]


EXOTIC = {
    "struct": (pa.array([{"a": 1}]), "{'a': 1}", "应为文本"),
    "list": (pa.array([["利州区"]]), "['利州区']", "应为文本"),
    "map": (pa.array([[("a", "b")]], pa.map_(pa.string(), pa.string())), "{'a': 'b'}", "应为文本"),
    "time": (pa.array([dt.time(1, 2)]), "01:02:00", "不是广元市的县区"),
}


@pytest.mark.parametrize("kind", list(EXOTIC))
def test_column_of_an_unexpected_arrow_type_is_rejected_not_raised(write, load, kind):
    # A Parquet file from another tool may hold any Arrow type; here the area column is one that is not text.
    array, shown, words = EXOTIC[kind]
    table = pa.table({"indicator": ["tech_sme"], "area": array, "year": [2025], "value": [1.0]})
    write("indicators", "2025-06-30.parquet", table)
    write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    data = load()
    [rejected] = data.rejected()
    [problem] = rejected.errors
    assert (problem.row, problem.column, problem.value) == (1, "area", shown)
    assert words in problem.message
    assert len(data.accepted()) == 1


@pytest.mark.parametrize("failure", [RuntimeError, RecursionError, PanicException], ids=lambda e: e.__name__)
def test_a_file_the_checks_cannot_handle_is_rejected_and_the_others_still_load(
    write, load, monkeypatch, failure, caplog
):
    # A polars panic is a BaseException, not an Exception: it too rejects only its file.
    real = ingest.validate

    def fragile(dataset, raw, rel, row_offset=0):
        if rel.endswith("2025-06-30.parquet"):
            raise failure("unforeseen")
        return real(dataset, raw, rel, row_offset)

    monkeypatch.setattr(ingest, "validate", fragile)
    write("indicators", "2025-06-30.parquet", GOOD_ROWS)
    write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    data = load()
    [rejected] = data.rejected()
    assert rejected.entry.rel == "indicators/2025-06-30.parquet"
    message = rejected.errors[0].message
    assert "无法按数据约定检查" in message and "服务器日志" in message
    assert not re.search(r"[A-Za-z]{3,}", message), message  # the library's English goes to the log, for IT staff
    assert any("unforeseen" in r.getMessage() for r in caplog.records)
    assert [f.entry.rel for f in data.accepted()] == ["indicators/2025-03-31.parquet"]


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_ctrl_c_or_exit_while_checking_a_file_still_stops_the_program(write, load, monkeypatch, stop):
    def interrupted(*args, **kwargs):
        raise stop()

    monkeypatch.setattr(ingest, "validate", interrupted)
    write("indicators", "2025-06-30.parquet", GOOD_ROWS)
    with pytest.raises(stop):
        load()


def test_decimal_wider_than_38_digits_is_read_as_a_number(write, load):
    # DECIMAL(40) (decimal256, from some databases) has no polars type: reading it as is made polars panic.
    value = pa.array([Decimal("40.00")], pa.decimal256(40, 2))
    write("indicators", "2025-06-30.parquet", pa.table({**COLUMNS, "value": value}))
    [loaded] = load().files
    assert loaded.status == "accepted", [str(p) for p in loaded.errors]
    assert loaded.frame["value"].to_list() == [40.0]


@pytest.mark.parametrize(
    "array",
    [
        pa.array([[Decimal("1")]], pa.list_(pa.decimal256(40, 0))),
        pa.array([{"x": Decimal("1")}], pa.struct([("x", pa.decimal256(40, 0))])),
    ],
    ids=["list-of-decimal256", "struct-of-decimal256"],
)
def test_a_column_type_polars_cannot_hold_rejects_the_file_naming_the_column(write, load, array):
    write("indicators", "2025-06-30.parquet", pa.table({**COLUMNS, "source": array}))
    write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    data = load()
    [rejected] = data.rejected()
    [problem] = rejected.errors
    assert problem.column == "source" and "数据类型" in problem.message
    assert len(data.accepted()) == 1


def test_text_that_is_not_utf8_is_named_by_row_and_column(write, load):
    area = pa.array([b"\xe5\x88\xa9\xe5\xb7\x9e", b"\xc0\xfb\xd6\xdd"], pa.binary()).view(pa.string())  # GBK 利州
    table = pa.table({"indicator": ["tech_sme"] * 2, "area": area, "year": [2025] * 2, "value": [1.0, 2.0]})
    write("indicators", "2025-06-30.parquet", table)
    write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    data = load()
    [rejected] = data.rejected()
    [problem] = rejected.errors
    assert (problem.row, problem.column) == (2, "area") and "UTF-8" in problem.message
    assert len(data.accepted()) == 1


def test_unreadable_file_in_a_folder_without_permission_is_rejected(write, load, data_dir):
    if os.geteuid() == 0:
        pytest.skip("root can read any file")
    path = write("indicators", "2025-06-30.parquet", GOOD_ROWS)
    path.chmod(0)
    try:
        [loaded] = load().files
    finally:
        path.chmod(0o644)
    assert loaded.status == "rejected" and "无法打开" in loaded.errors[0].message


def test_second_load_without_change_reads_nothing_and_returns_the_same_data(write, load):
    write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    write("indicators", "2025-06-30.parquet", GOOD_ROWS)
    first = load()
    before = store.reads()
    second = load()
    assert store.reads() == before
    assert second is first


def test_touching_one_file_rereads_only_that_file(write, load):
    a = write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    write("indicators", "2025-06-30.parquet", GOOD_ROWS)
    first = load()
    stat = a.stat()
    os.utime(a, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    before = store.reads()
    second = load()
    assert store.reads() == before + 1
    assert second is not first
    assert len(second.accepted()) == 2


def test_replacing_a_file_rereads_it_and_uses_the_new_rows(write, load):
    write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    path = write("indicators", "2025-06-30.parquet", GOOD_ROWS)
    assert load().frames["indicators"]["value"].to_list() == [40.0, 40.0]
    before = store.reads()
    replacement = path.with_name("incoming.part")  # the way staff tools copy: write aside, then rename
    write(
        "indicators",
        replacement.name,
        [ind("tech_sme", "利州区", 2025, 6, 41.0), ind("tech_sme", "昭化区", 2025, 6, 9.0)],
    )
    os.replace(replacement, path)
    data = load()
    assert store.reads() == before + 1
    assert sorted(data.frames["indicators"]["value"].to_list()) == [9.0, 40.0, 41.0]


def test_new_file_appears_on_next_load_without_restart(write, load):
    write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    assert len(load().files) == 1
    before = store.reads()
    write("indicators", "2025-06-30.parquet", GOOD_ROWS)
    assert [f.entry.rel for f in load().files] == ["indicators/2025-03-31.parquet", "indicators/2025-06-30.parquet"]
    assert store.reads() == before + 1


def test_removed_file_no_longer_counts(write, load):
    write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    gone = write("indicators", "2025-06-30.parquet", GOOD_ROWS)
    assert len(load().files) == 2
    gone.unlink()
    assert [f.entry.rel for f in load().files] == ["indicators/2025-03-31.parquet"]


def test_many_new_files_load_in_parallel_with_one_read_each(write, load):
    for month in range(1, 13):
        write("indicators", f"2025-{month:02d}-28.parquet", [ind("tech_sme", "利州区", 2025, month, float(month))])
    before = store.reads()
    data = load()
    assert store.reads() == before + 12
    # one row per month: 1 + 2 + … + 12 = 78
    assert data.frames["indicators"]["value"].sum() == 78


@pytest.mark.parametrize(
    ("metadata", "sample"),
    [(None, False), ({"gydash_sample": "1"}, True), ({"gydash_sample": "false"}, False), ({"other": "1"}, False)],
    ids=["none", "marked", "marked-false", "other-key"],
)
def test_sample_metadata_is_detected(write, load, metadata, sample):
    write("indicators", "2025-06-30.parquet", GOOD_ROWS, metadata=metadata)
    data = load()
    assert data.files[0].sample is sample
    assert data.uses_sample is sample


def test_cutoff_excludes_later_snapshots(write, load):
    write("indicators", "2025-03-31.parquet", [ind("tech_sme", "利州区", 2025, 3, 30.0)])
    write("indicators", "2025-06-30.parquet", [ind("tech_sme", "利州区", 2025, 6, 40.0)])
    write("indicators", "2025-09-30.parquet", [ind("tech_sme", "利州区", 2025, 9, 50.0)])
    data = load(cutoff=date(2025, 6, 30))
    assert [f.entry.rel for f in data.files] == ["indicators/2025-03-31.parquet", "indicators/2025-06-30.parquet"]
    assert data.as_of == date(2025, 6, 30)
    assert data.frames["indicators"]["value"].to_list() == [30.0, 40.0]
    assert load().as_of == date(2025, 9, 30)


def test_as_of_ignores_rejected_files(write, load, data_dir):
    write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    write("indicators", "2025-09-30.parquet", [ind("tech_sme", "利州区", 2025, 13, 1.0)])
    assert load().as_of == date(2025, 3, 31)


def test_same_date_snapshots_are_noted_for_keyed_datasets_only(write, load):
    write("indicators", "2025-09-30.parquet", GOOD_ROWS)
    write("indicators", "2025-09-30_revised.parquet", GOOD_ROWS)
    activity = [{"date": "2025-09-05", "area": "利州区", "kind": "other"}]
    write("activities", "2025-09-30_利州区.parquet", activity)
    write("activities", "2025-09-30_昭化区.parquet", activity)
    notes = load().notes(date(2026, 1, 1))
    same = [n for n in notes if "快照日期相同" in n.message]
    assert [(n.file, n.level) for n in same] == [("indicators/2025-09-30_revised.parquet", "warning")]
    assert "indicators/2025-09-30.parquet" in same[0].message


def test_future_dated_and_undated_snapshots_are_noted(write, load):
    today = date(2026, 11, 26)
    write("indicators", "2027-01-01.parquet", GOOD_ROWS)
    # An undated file is dated by its modification time: set it, so the test means the same on any day.
    write("indicators", "latest.parquet", GOOD_ROWS, mtime=_local_noon(date(2026, 11, 20)))
    notes: dict[str, list[str]] = {}
    for n in load().notes(today):
        notes.setdefault(n.file, []).append(n.message)
    [future] = notes["indicators/2027-01-01.parquet"]
    assert "晚于今天" in future and "2026-11-26" in future
    assert notes["indicators/latest.parquet"] == ["文件名中没有日期，按修改时间 2026-11-20 作为快照日期"]


def test_an_undated_file_modified_after_today_is_noted_twice(write, load):
    write("indicators", "latest.parquet", GOOD_ROWS, mtime=_local_noon(date(2026, 12, 3)))
    messages = [n.message for n in load().notes(date(2026, 11, 26)) if n.file == "indicators/latest.parquet"]
    assert messages == [
        "文件名中没有日期，按修改时间 2026-12-03 作为快照日期",
        "快照日期 2026-12-03 晚于今天（2026-11-26），请核对文件名",
    ]


def _local_noon(day: date) -> float:
    """Seconds since the epoch at noon local time on day: the same date in any time zone the suite runs in."""
    return datetime.combine(day, time(12)).timestamp()


def test_empty_data_dir_is_noted(load):
    [note] = load().notes(date(2026, 11, 26))
    assert "还没有可用的数据文件" in note.message


def test_rows_carry_their_file_and_snapshot_date(write, load):
    write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    write("indicators", "sub/2025-06-30.parquet", GOOD_ROWS)
    frame = load().frames["indicators"]
    assert frame.select("_file", "_as_of", "_order").rows() == [
        ("indicators/2025-03-31.parquet", date(2025, 3, 31), 0),
        ("indicators/sub/2025-06-30.parquet", date(2025, 6, 30), 1),
    ]


def test_every_dataset_has_a_frame_even_with_no_files(load):
    data = load()
    for name, frame in data.frames.items():
        assert frame.height == 0, name
        assert {"_file", "_as_of", "_order"} <= set(frame.columns)


def test_a_text_column_with_no_value_at_all_is_read(write, load):
    # Read dictionary-encoded, such a column has an empty dictionary: nothing to spell out, nothing to fail on.
    write(
        "indicators",
        "2025-06-30.parquet",
        pa.table({**COLUMNS, "value": [1.0], "source": pa.array([None], pa.string())}),
    )
    [loaded] = load().files
    assert loaded.status == "accepted", [str(p) for p in loaded.errors]


@pytest.mark.parametrize(
    ("array", "shown"),
    [
        (pa.array([date(2025, 3, 5), 2_000_000_000], pa.date32()), "2000000000（date32[day]）"),
        (pa.array([0, 10**15], pa.timestamp("s")), "1000000000000000000（timestamp[ms]）"),
    ],
    ids=["date-beyond-any-calendar", "timestamp-beyond-any-calendar"],
)
def test_a_date_no_calendar_holds_is_named_by_row_not_a_crash(write, load, capfd, array, shown):
    rows = {"date": array, "area": ["利州区"] * 2, "kind": ["other"] * 2}
    write("activities", "2025-06-30.parquet", pa.table(rows))
    write("indicators", "2025-03-31.parquet", GOOD_ROWS)
    data = load()
    [rejected] = data.rejected()
    [problem] = rejected.errors
    assert (problem.row, problem.column, problem.value) == (2, "date", shown)
    assert "2000-01-01 至 2100-12-31" in problem.message
    assert "panicked" not in capfd.readouterr().err  # prevented, not merely caught
    assert len(data.accepted()) == 1


def test_a_parquet_file_with_two_columns_of_one_name_is_rejected_naming_it(write, load):
    table = pa.Table.from_arrays(
        [pa.array(["tech_sme"]), pa.array(["利州区"]), pa.array([2025]), pa.array([1.0]), pa.array([2.0])],
        names=["indicator", "area", "year", "value", "value"],
    )
    write("indicators", "2025-06-30.parquet", table)
    [rejected] = load().rejected()
    [problem] = rejected.errors
    assert problem.column == "value" and "出现了 2 次" in problem.message


# --- many sessions looking at once ------------------------------------------------------------------------------


def _slow_scans(monkeypatch, seconds: float) -> list[int]:
    """Every scan of the data dir takes `seconds` (thousands of files on a slow disk); the list counts them."""
    import time as clock

    real, started = looks.scan, []

    def slow(root, *args):
        started.append(1)
        found = real(root, *args)
        clock.sleep(seconds)  # the files were listed first: anything written meanwhile is not in this scan
        return found

    monkeypatch.setattr(looks, "scan", slow)
    return started


def test_sessions_opening_at_once_share_scans_of_the_data_dir(write, data_dir, monkeypatch):
    import threading

    write("indicators", "2025-06-30.parquet", [ind("tech_sme", "利州区", 2025, 6, 40.0)])
    scans = _slow_scans(monkeypatch, 0.3)
    seen: list[int] = []
    views = [threading.Thread(target=lambda: seen.append(len(store.load(data_dir).files))) for _ in range(12)]
    for view in views:
        view.start()
    for view in views:
        view.join()
    assert seen == [1] * 12
    assert len(scans) <= 3  # not one per session


def test_a_look_never_misses_a_file_dropped_before_it_asked(write, data_dir, monkeypatch):
    """A session that asks while another's scan runs waits for a scan that started after it asked."""
    import threading
    import time as clock

    write("indicators", "2025-06-30.parquet", [ind("tech_sme", "利州区", 2025, 6, 40.0)])
    _slow_scans(monkeypatch, 0.4)
    early = threading.Thread(target=store.load, args=(data_dir,))
    early.start()
    clock.sleep(0.1)  # the first scan has listed the dir and is still running
    write("indicators", "2025-09-30.parquet", [ind("tech_sme", "利州区", 2025, 9, 41.0)])
    late = store.load(data_dir)
    early.join()
    assert sorted(f.entry.rel for f in late.files) == ["indicators/2025-06-30.parquet", "indicators/2025-09-30.parquet"]
