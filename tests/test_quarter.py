"""Quarters: parsing, the cut-off at the quarter end, the quarters offered, and the stamp of the files used."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from conftest import ind

from gydash.meeting import quarter
from gydash.plan import progress, scoreboard
from gydash.snapshots import store

CITY = "广元市"


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("2025Q3", date(2025, 9, 30)),
        ("2025q1", date(2025, 3, 31)),
        ("2024-Q4", date(2024, 12, 31)),
        (" 2026Q2 ", date(2026, 6, 30)),
    ],
    ids=["upper", "lower", "dash", "spaces"],
)
def test_parse(text: str, end: date) -> None:
    assert quarter.parse(text) == end
    assert quarter.label(end) == text.strip().upper().replace("-", "")


@pytest.mark.parametrize("text", ["2025Q5", "2025Q0", "25Q1", "2025", "", "Q3 2025"])
def test_parse_rejects_with_a_chinese_message(text: str) -> None:
    with pytest.raises(ValueError, match="YYYYQn"):
        quarter.parse(text)


def test_words_and_judged_day() -> None:
    assert quarter.words(date(2025, 9, 30)) == "2025 年第三季度"
    # Judged as the scoreboard judges it: the morning after the quarter end.
    assert quarter.judged(date(2025, 12, 31)) == date(2026, 1, 1)


def test_a_date_that_is_not_a_quarter_end_is_refused(data_dir) -> None:
    with pytest.raises(ValueError, match="不是季度末"):
        quarter.load(data_dir, date(2025, 9, 29))


@pytest.fixture
def revised_after_quarter(write):
    """hitech 2025-09 reported as 50 on the quarter-end day, corrected to 52 in a file dated after the quarter."""
    write(
        "indicators",
        "2025-09-30.parquet",
        [ind("hitech_enterprise", CITY, 2023, 12, 40.0), ind("hitech_enterprise", CITY, 2025, 9, 50.0)],
    )
    write("indicators", "2025-10-15_revised.parquet", [ind("hitech_enterprise", CITY, 2025, 9, 52.0)])


def _hitech(data: store.Data) -> dict:
    return next(r for r in progress.target_progress(data, "2024") if r["indicator"] == "hitech_enterprise")


def test_a_snapshot_dated_after_the_quarter_is_not_used(data_dir, revised_after_quarter) -> None:
    q3 = quarter.load(data_dir, "2025Q3")
    assert [f.entry.rel for f in q3.data.accepted()] == ["indicators/2025-09-30.parquet"]  # the end day is in
    assert _hitech(q3.data)["actual"] == 50.0
    assert q3.today == date(2025, 10, 1) and q3.previous_end == date(2025, 6, 30)
    q4 = quarter.load(data_dir, "2025Q4")
    assert _hitech(q4.data)["actual"] == 52.0
    # The same quarter loaded again later, after newer files arrived, still reads only its own files.
    assert _hitech(quarter.load(data_dir, date(2025, 9, 30)).data)["actual"] == 50.0


def test_available_quarters_have_ended_and_have_data(data_dir, revised_after_quarter) -> None:
    full = store.load(data_dir)
    # 2025-11-20: Q4 is still running; Q3 is the first quarter with a snapshot by its end.
    assert quarter.available(full, date(2025, 11, 20)) == [date(2025, 9, 30)]
    assert quarter.available(full, date(2026, 1, 1)) == [date(2025, 12, 31), date(2025, 9, 30)]


def test_the_quarter_before_the_first_snapshot_is_not_offered(data_dir, write) -> None:
    write("indicators", "2025-08-15.parquet", [ind("tech_sme", CITY, 2025, 7, 470.0)])
    full = store.load(data_dir)
    # The scoreboard lists the quarter end before the first snapshot (nothing to show); the meeting does not.
    assert scoreboard.quarter_ends(full, date(2025, 10, 1)) == [date(2025, 9, 30), date(2025, 6, 30)]
    assert quarter.available(full, date(2025, 10, 1)) == [date(2025, 9, 30)]


def test_stamp_names_files_and_a_combined_fingerprint(data_dir, revised_after_quarter) -> None:
    q4 = quarter.load(data_dir, "2025Q4")
    stamp = quarter.stamp(q4.data, "2024", q4.end)
    assert stamp.count == 2 and stamp.as_of == date(2025, 10, 15)
    assert [rel for rel, _ in stamp.files] == ["indicators/2025-09-30.parquet", "indicators/2025-10-15_revised.parquet"]
    assert all(len(h) == 8 for _, h in stamp.files) and len(stamp.fingerprint) == 8
    assert stamp.line() == f"方案 2024 · 2025Q4 · 数据截至 2025-10-15 · 快照 2 个 · 指纹 {stamp.fingerprint}"
    q3 = quarter.stamp(quarter.load(data_dir, "2025Q3").data, "2024", date(2025, 9, 30))
    assert q3.count == 1 and q3.fingerprint != stamp.fingerprint


def test_fingerprint_follows_content_and_reads_no_file_again(data_dir, write, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stamp uses the SHA-256 the warehouse took when it read each file: a meeting page over thousands of files
    opens none of them again."""
    path = write("indicators", "2025-09-30.parquet", [ind("tech_sme", CITY, 2025, 9, 480.0)])
    opened: list[str] = []
    real_open = open

    def counting_open(path, *args, **kwargs):
        opened.append(str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(quarter, "open", counting_open, raising=False)
    first = quarter.stamp(quarter.load(data_dir, "2025Q3").data, "2024", date(2025, 9, 30))
    again = quarter.stamp(quarter.load(data_dir, "2025Q4").data, "2024", date(2025, 12, 31))
    assert (first.fingerprint, first.files) == (again.fingerprint, again.files)  # the same file in both quarters
    assert first.files[0][1] == hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    write("indicators", "2025-09-30.parquet", [ind("tech_sme", CITY, 2025, 9, 481.0)], mtime=2_000_000_000)
    changed = quarter.stamp(quarter.load(data_dir, "2025Q3").data, "2024", date(2025, 9, 30))
    assert changed.files[0][1] == hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    assert changed.files[0][1] != first.files[0][1] and changed.fingerprint != first.fingerprint
    assert opened == []


def test_sample_data_is_named_in_the_stamp(data_dir, write) -> None:
    write("indicators", "2025-09-30.parquet", [ind("tech_sme", CITY, 2025, 9, 480.0)], metadata={"gydash_sample": 1})
    stamp = quarter.stamp(quarter.load(data_dir, "2025Q3").data, "2024", date(2025, 9, 30))
    assert stamp.sample and stamp.line().endswith("示例数据")
