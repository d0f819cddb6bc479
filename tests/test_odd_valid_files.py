"""Files that are valid, or dated oddly, never stop a page: an interim-year city target, a snapshot dated months
ahead, a date in a file name outside 2000–2100 (rejected with the reason), a date that does not exist (said so)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import html_words, ind, open_every_page, write_parquet
from streamlit.testing.v1 import AppTest

from gydash import cli
from gydash.snapshots import catalog, store
from gydash.snapshots.sample import write_sample

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-26"
ROW = [ind("tech_sme", "广元市", 2025, 12, 888.0)]
NOON_2026_03_02 = datetime(2026, 3, 2, 12).timestamp()  # local time, as the catalog reads it


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "data"
    write_sample(path)
    return path


def data_with(sample: Path, tmp_path: Path, extra: Callable[[Path], None]) -> Path:
    data = tmp_path / "data"
    for src in sample.rglob("*.parquet"):
        dst = data / src.relative_to(sample)
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(src.read_bytes())
    extra(data)
    return data


def run_pages(data: Path, monkeypatch, pages: list[str], tabs: tuple[str, ...] = ()) -> AppTest:
    monkeypatch.setenv("GYDASH_DATA_DIR", str(data))
    monkeypatch.setenv("GYDASH_TODAY", TODAY)
    return open_every_page(pages, tabs)


def interim_target(data: Path) -> None:
    row = {"plan": "2024", "indicator": "tech_sme", "area": "广元市", "year": 2024, "target": 400.0}
    write_parquet(data / "targets/2026-11-01_中期目标.parquet", [row])


def test_an_interim_year_city_target_shows_beside_the_final_one(sample, tmp_path, monkeypatch):
    at = run_pages(data_with(sample, tmp_path, interim_target), monkeypatch, [])  # the overview
    cards = html_words(at, 'class="gy-cards').splitlines()  # each card's name on its own line
    assert "科技型中小企业（2024 年目标）" in cards and "科技型中小企业（2025 年目标）" in cards
    at.switch_page("pages/meeting.py").run()
    assert not at.exception, [e.value for e in at.exception]


def test_a_snapshot_dated_months_ahead_leaves_the_changes_tab_working(sample, tmp_path, monkeypatch):
    data = data_with(sample, tmp_path, lambda d: write_parquet(d / "indicators/2027-06-30_提前.parquet", ROW))
    at = run_pages(data, monkeypatch, ["pages/data.py"], ("变化对比",))
    since = at.date_input(key="since").value
    assert since == date(2026, 8, 28)  # 90 days before today, not before the future date


@pytest.mark.parametrize("name", ["00010101_旧.parquet", "1999-12-31_旧.parquet", "2101-01-01_远.parquet"])
def test_a_date_in_a_file_name_outside_2000_to_2100_rejects_that_file(sample, tmp_path, monkeypatch, name, capsys):
    data = data_with(sample, tmp_path, lambda d: write_parquet(d / "indicators" / name, ROW))
    [rejected] = store.load(data).rejected()
    assert rejected.entry.rel == f"indicators/{name}"
    assert "不在 2000–2100 年之间" in rejected.errors[0].message
    assert cli.main(["validate", str(data)]) == 1
    assert "不在 2000–2100 年之间" in capsys.readouterr().out
    run_pages(data, monkeypatch, ["pages/counties.py", "pages/meeting.py", "pages/data.py"], ("变化对比",))


def test_an_undated_file_modified_in_1970_is_set_aside_not_dated_1970(data_dir, write):
    path = write("indicators", "最新.parquet", ROW)
    os.utime(path, (0, 0))
    data = store.load(data_dir)
    assert not data.files  # nothing dated 1970 enters any figure
    [entry] = [e for e in catalog.scan(data_dir) if e.rel == "indicators/最新.parquet"]
    assert "修改时间也不在 2000–2100 年之间" in entry.ignored and "文件名中写上日期" in entry.ignored


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("2026-02-30.parquet", "2026-02-30"),
        ("利州_20250931.parquet", "20250931"),
        ("2025-13-01_x.parquet", "2025-13-01"),
    ],
)
def test_a_date_that_does_not_exist_is_named_as_invalid(data_dir, write, name, shown):
    write("indicators", name, ROW, mtime=NOON_2026_03_02)
    [note] = [n for n in store.load(data_dir).notes(date(2026, 11, 26)) if name in n.file]
    assert note.message == f"文件名中的日期「{shown}」不是有效日期，按修改时间 2026-03-02 作为快照日期"


def test_eight_digits_that_are_no_date_still_read_as_no_date(data_dir, write):
    write("indicators", "订单12345678.parquet", ROW, mtime=NOON_2026_03_02)
    [note] = [n for n in store.load(data_dir).notes(date(2026, 11, 26)) if "订单" in n.file]
    assert note.message.startswith("文件名中没有日期，按修改时间")
