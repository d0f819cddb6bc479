"""catalog: which files count, under which dataset, as of which date — and why the others are ignored."""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import remove_tree

from gydash.snapshots import catalog, dating, store
from gydash.snapshots.file_entry import FileEntry


def touch(path: Path, text: str = "x", mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def by_rel(entries: list[FileEntry]) -> dict[str, FileEntry]:
    return {e.rel: e for e in entries}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2025-06-30.parquet", date(2025, 6, 30)),
        ("20250630.parquet", date(2025, 6, 30)),
        ("指标_2025-09-30_revised.parquet", date(2025, 9, 30)),
        ("2025-03-31_then_2025-06-30.parquet", date(2025, 3, 31)),
        ("20250331_then_2025-06-30.parquet", date(2025, 3, 31)),
        ("2025-06-30_then_20250331.parquet", date(2025, 6, 30)),
        ("2025-02-30_then_2025-03-31.parquet", date(2025, 3, 31)),
        ("20251340_20250401.parquet", date(2025, 4, 1)),
        ("2024-02-29.parquet", date(2024, 2, 29)),
        ("2025-02-29.parquet", None),
        ("indicators_q3.parquet", None),
        ("1202506301.parquet", None),
    ],
    ids=[
        "dashed",
        "compact",
        "dashed-inside-name",
        "first-of-two-dashed",
        "compact-before-dashed",
        "dashed-before-compact",
        "invalid-first-skipped",
        "invalid-compact-skipped",
        "leap-day",
        "not-a-leap-year",
        "no-date",
        "digits-run-too-long",
    ],
)
def test_date_from_name(name, expected):
    assert dating.date_from_name(name) == expected


def test_dated_by_name_or_mtime(data_dir):
    # 2024-05-01 12:00 local time, as seconds since the epoch
    stamp = datetime(2024, 5, 1, 12, 0).timestamp()
    touch(data_dir / "indicators" / "2025-06-30.parquet", mtime=stamp)
    touch(data_dir / "indicators" / "latest.parquet", mtime=stamp)
    entries = by_rel(catalog.scan(data_dir))
    named = entries["indicators/2025-06-30.parquet"]
    undated = entries["indicators/latest.parquet"]
    assert (named.as_of, named.dated_by, named.dataset, named.ignored) == (
        date(2025, 6, 30),
        "name",
        "indicators",
        None,
    )
    assert (undated.as_of, undated.dated_by, undated.ignored) == (date(2024, 5, 1), "mtime", None)


def fake_stat(mtime: float) -> os.stat_result:
    """A stat result with the given modification time (some filesystems store times no real file here can have)."""
    return os.stat_result((0o100644, 1, 1, 1, 0, 0, 10, mtime, mtime, mtime))


@pytest.mark.parametrize("mtime", [1e15, -1e15, 1e300, -62_135_596_800 - 86_400 * 400], ids=str)
def test_a_modification_time_no_calendar_can_hold_gives_no_date(mtime):
    assert dating.date_from_mtime(fake_stat(mtime)) is None


@pytest.mark.parametrize("year", [1990, 2300])
def test_undated_file_with_a_modification_time_outside_2000_2100_is_ignored_with_a_reason(data_dir, load, year):
    touch(data_dir / "indicators" / "latest.parquet", mtime=datetime(year, 5, 1, 12, 0).timestamp())
    [entry] = catalog.scan(data_dir)
    assert entry.as_of is None and "无法确定快照日期" in entry.ignored
    assert load().files == () and load().notes(date(2026, 11, 26))  # nothing read, the page still says why


def test_folders_nested_without_end_are_skipped_with_a_reason_and_the_rest_counts(data_dir):
    deep = data_dir / "indicators"
    deep.mkdir()
    for _ in range(1100):  # one level at a time: os.makedirs itself recurses
        deep = deep / "a"
        deep.mkdir()
    touch(deep / "2025-06-30.parquet")
    touch(data_dir / "indicators" / "2025" / "2025-03-31.parquet")
    try:
        entries = by_rel(catalog.scan(data_dir))
    finally:
        remove_tree(data_dir / "indicators")
    skipped = "indicators/" + "a/" * catalog.MAX_DEPTH + "a"
    assert "层级太深" in entries[skipped].ignored
    assert entries["indicators/2025/2025-03-31.parquet"].ignored is None
    assert len(entries) == 2


@pytest.mark.parametrize(
    "name",
    [".2025-06-30.parquet", "~2025-06-30.parquet", "2025-06-30.parquet.tmp", "2025-06-30.parquet.part", "x.PART"],
    ids=["dot", "tilde", "tmp", "part", "part-uppercase"],
)
def test_in_flight_names_are_ignored_not_read(data_dir, name):
    touch(data_dir / "indicators" / name, "half a file")
    touch(data_dir / "indicators" / "2025-06-30.parquet")  # the finished copy beside it still counts
    entries = by_rel(catalog.scan(data_dir))
    entry = entries[f"indicators/{name}"]
    assert entry.ignored is not None and "复制" in entry.ignored
    assert entry.as_of is None
    assert entries["indicators/2025-06-30.parquet"].ignored is None


@pytest.mark.parametrize("name", ["README.md", "2025-06-30.xlsx", "2025-06-30.csv"], ids=["readme", "xlsx", "csv"])
def test_non_parquet_files_are_listed_as_ignored(data_dir, name):
    touch(data_dir / "activities" / name)
    [entry] = catalog.scan(data_dir)
    assert entry.rel == f"activities/{name}"
    assert entry.dataset == "activities"
    assert ".parquet" in entry.ignored


def test_parquet_extension_in_any_case_counts(data_dir):
    touch(data_dir / "loans" / "2025-06-30.PARQUET")
    [entry] = catalog.scan(data_dir)
    assert (entry.dataset, entry.as_of, entry.ignored) == ("loans", date(2025, 6, 30), None)


def test_files_outside_dataset_folders_are_ignored(data_dir):
    touch(data_dir / "2025-06-30.parquet")
    touch(data_dir / "misc" / "2025-06-30.parquet")
    touch(data_dir / ".DS_Store")
    entries = by_rel(catalog.scan(data_dir))
    assert "数据集文件夹" in entries["2025-06-30.parquet"].ignored
    assert entries["2025-06-30.parquet"].dataset is None
    assert "数据集文件夹" in entries["misc"].ignored
    assert ".DS_Store" not in entries  # hidden dot-files outside datasets are not worth listing
    assert not any(e.ignored is None for e in entries.values())


def test_a_directory_named_like_a_parquet_file_is_not_read(data_dir):
    # Spark and pandas (partition_cols) write "x.parquet" as a folder of part files.
    folder = data_dir / "indicators" / "2025-06-30.parquet"
    touch(folder / "part-00000.parquet")
    entries = catalog.scan(data_dir)
    assert [(e.rel, e.ignored is not None) for e in entries] == [("indicators/2025-06-30.parquet", True)]
    assert "文件夹" in entries[0].ignored


def test_sub_folders_within_a_dataset_are_scanned(data_dir):
    touch(data_dir / "loans" / "2024" / "2024-12-31.parquet")
    touch(data_dir / "loans" / "2025" / "q1" / "2025-03-31.parquet")
    entries = by_rel(catalog.scan(data_dir))
    assert {rel: (e.dataset, e.as_of) for rel, e in entries.items()} == {
        "loans/2024/2024-12-31.parquet": ("loans", date(2024, 12, 31)),
        "loans/2025/q1/2025-03-31.parquet": ("loans", date(2025, 3, 31)),
    }


def test_symlink_pointing_outside_the_data_dir_is_not_followed(tmp_path, data_dir):
    secret = touch(tmp_path / "elsewhere" / "2025-06-30.parquet")
    outside_dir = secret.parent
    link = data_dir / "indicators" / "2025-06-30.parquet"
    link.parent.mkdir()
    try:
        link.symlink_to(secret)
        (data_dir / "indicators" / "more").symlink_to(outside_dir, target_is_directory=True)
        (data_dir / "activities").symlink_to(outside_dir, target_is_directory=True)
    except OSError:
        pytest.skip("this filesystem cannot make symlinks")
    entries = by_rel(catalog.scan(data_dir))
    assert "数据目录之外" in entries["indicators/2025-06-30.parquet"].ignored
    assert "数据目录之外" in entries["indicators/more"].ignored
    assert "数据目录之外" in entries["activities"].ignored
    assert not any(rel.startswith("indicators/more/") for rel in entries)
    assert all(e.ignored is not None for e in entries.values())


def test_symlink_inside_the_data_dir_counts(data_dir):
    real = touch(data_dir / "indicators" / "archive" / "2025-06-30.parquet")
    try:
        (data_dir / "indicators" / "2025-06-30.parquet").symlink_to(real)
    except OSError:
        pytest.skip("this filesystem cannot make symlinks")
    entries = by_rel(catalog.scan(data_dir))
    assert entries["indicators/2025-06-30.parquet"].ignored is None


def test_broken_symlink_is_ignored_with_a_reason(data_dir):
    (data_dir / "indicators").mkdir()
    try:
        (data_dir / "indicators" / "2025-06-30.parquet").symlink_to(data_dir / "gone.parquet")
    except OSError:
        pytest.skip("this filesystem cannot make symlinks")
    [entry] = catalog.scan(data_dir)
    assert "不存在" in entry.ignored


def test_missing_data_dir_scans_empty_and_store_says_so(tmp_path):
    missing = tmp_path / "no-such-dir"
    assert catalog.scan(missing) == []
    data = store.load(missing)
    assert data.files == () and data.ignored == ()
    [note] = data.notes(date(2026, 11, 26))
    assert "数据目录不存在" in note.message


def test_non_utf8_file_name_does_not_crash(data_dir):
    folder = data_dir / "indicators"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/2025-06-30_\xff\xfe.parquet"
    try:
        with open(raw, "wb") as fh:
            fh.write(b"not parquet")
    except (OSError, UnicodeError):
        pytest.skip("this filesystem refuses non-UTF-8 file names")
    [entry] = catalog.scan(data_dir)
    assert entry.as_of == date(2025, 6, 30)
    assert entry.rel.startswith("indicators/2025-06-30_") and "\ufffd" in entry.rel
    entry.rel.encode("utf-8")  # printable and JSON-safe
    [loaded] = store.load(data_dir).files
    assert loaded.status == "rejected"
    assert loaded.errors[0].file == entry.rel


def test_default_data_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GYDASH_DATA_DIR", str(tmp_path))
    assert catalog.default_data_dir() == tmp_path
    monkeypatch.delenv("GYDASH_DATA_DIR")
    assert catalog.default_data_dir() == Path(catalog.__file__).resolve().parents[2] / "data"


def test_a_named_pipe_called_parquet_is_ignored_not_opened(data_dir, load):
    os.makedirs(data_dir / "indicators")
    os.mkfifo(data_dir / "indicators" / "2025-06-30.parquet")  # opening it would wait for a writer for ever
    [entry] = catalog.scan(data_dir)
    assert "命名管道" in entry.ignored
    assert load().files == ()
