"""Import writes what the dashboard can read, where it reads: readable by another account, never through a linked
or blocked dataset folder, never waiting on a named pipe, never dated far ahead unless forced; and every odd case
(a repeated header, a folder that is a file, a bad size setting) is a Chinese sentence, not a traceback."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ind
from test_importer import ROWS, csv_text, dir_hash, xlsx

from gydash import cli
from gydash.snapshots import checking, dating, intake, opening, store, upload, writer

TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("GYDASH_TODAY", TODAY.isoformat())


@pytest.fixture
def seeded(write, data_dir) -> Path:
    """A data dir that already holds a file, so 'nothing touched' is a real check."""
    write("indicators", "2025-06-30.parquet", [ind("hitech_enterprise", "利州区", 2025, 6, 30.0)])
    return data_dir


def run_cli(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def umask():
    """Set the process umask for one test (and put the old one back)."""
    old = os.umask(0o022)
    os.umask(old)

    def set_(mask: int) -> None:
        os.umask(mask)

    yield set_
    os.umask(old)


# ---------------------------------------------------------------- file mode


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o027], ids=["umask-022", "umask-002", "umask-027"])
def test_an_imported_snapshot_gets_the_mode_of_any_file_made_there(seeded, umask, mask):
    umask(mask)
    sibling = seeded / "indicators/2025-06-30_sibling.parquet"
    pq.write_table(pa.table({"x": [1]}), sibling)  # as any program writing into the data dir would
    path = writer.write(checking.prepare(xlsx(ROWS), "2025-09-30.xlsx", "indicators", seeded), seeded)
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode == 0o666 & ~mask == stat.S_IMODE(sibling.stat().st_mode)
    assert mode & stat.S_IROTH or mask & 0o004  # world-readable whenever the umask allows it


# ---------------------------------------------------------------- where the dashboard reads


@pytest.mark.parametrize("inside", [False, True], ids=["link-out-of-the-data-dir", "link-within-it"])
def test_a_linked_dataset_folder_is_refused_and_nothing_written_anywhere(tmp_path, data_dir, capsys, inside):
    elsewhere = (data_dir / "elsewhere") if inside else (tmp_path / "outside")
    elsewhere.mkdir()
    (data_dir / "indicators").symlink_to(elsewhere, target_is_directory=True)
    before, outside_before = dir_hash(data_dir), sorted(elsewhere.iterdir())
    src = tmp_path / "2025-09-30_利州区.csv"
    src.write_text(csv_text(ROWS), encoding="utf-8")
    code, out = run_cli(capsys, "import", str(src), "--dataset", "indicators", str(data_dir))
    assert code == 1 and "已写入" not in out
    assert "数据集文件夹 indicators/ 是一个链接" in out and "不会计入" in out
    assert dir_hash(data_dir) == before and sorted(elsewhere.iterdir()) == outside_before
    p = checking.prepare(src.read_bytes(), src.name, "indicators", data_dir)
    assert not p.ok and "是一个链接" in p.errors[0].message


def test_a_dataset_folder_that_is_a_file_is_refused_in_words(tmp_path, data_dir, capsys):
    (data_dir / "indicators").write_bytes(b"not a folder")
    src = tmp_path / "2025-09-30.csv"
    src.write_text(csv_text(ROWS), encoding="utf-8")
    before = dir_hash(data_dir)
    code, out = run_cli(capsys, "import", str(src), "--dataset", "indicators", str(data_dir))
    assert code == 1 and "「indicators」是一个文件，不是文件夹" in out and "Traceback" not in out
    p = checking.prepare(src.read_bytes(), src.name, "indicators", tmp_path / "other")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "indicators").write_bytes(b"made after the preview")
    with pytest.raises(intake.Refused, match="是一个文件，不是文件夹"):
        writer.write(p, tmp_path / "other")
    assert dir_hash(data_dir) == before


def test_a_write_that_fails_is_said_in_words(seeded, monkeypatch):
    def full(folder, stem):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer, "_create_part", full)
    p = checking.prepare(xlsx(ROWS), "2025-09-30.xlsx", "indicators", seeded)
    with pytest.raises(intake.Refused, match="磁盘已满"):
        writer.write(p, seeded)


# ---------------------------------------------------------------- files that are not files


def _finishes(call, seconds: float = 20) -> bool:
    done = threading.Event()
    threading.Thread(target=lambda: (call(), done.set()), daemon=True).start()
    return done.wait(seconds)


def _release(fifo: Path) -> None:
    """Let a reader blocked on the pipe go (old code opens it and waits for a writer)."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_a_named_pipe_called_parquet_never_makes_import_wait(seeded, capsys):
    fifo = seeded / "indicators/2025-08-31_管道.parquet"
    os.mkfifo(fifo)
    results = []
    try:
        finished = _finishes(
            lambda: results.append(checking.prepare(xlsx(ROWS), "2025-09-30.xlsx", "indicators", seeded))
        )
    finally:
        _release(fifo)
    assert finished, "import waited on a named pipe"
    assert results[0].ok
    [entry] = [e for e in store.load(seeded).ignored if e.rel.endswith("管道.parquet")]
    assert entry.ignored == opening.NOT_REGULAR
    _code, out = run_cli(capsys, "validate", str(seeded))
    assert "管道.parquet：不是普通文件" in out


def test_a_named_pipe_given_to_import_is_refused_at_once(tmp_path, seeded, capsys):
    fifo = tmp_path / "2025-09-30.csv"
    os.mkfifo(fifo)
    out = []
    try:
        finished = _finishes(
            lambda: out.append(run_cli(capsys, "import", str(fifo), "--dataset", "indicators", str(seeded)))
        )
    finally:
        _release(fifo)
    assert finished and out[0][0] == 1 and "不是普通文件" in out[0][1]


def test_an_unreadable_sub_folder_is_named_not_skipped_in_silence(seeded, monkeypatch, capsys):
    sub = seeded / "indicators/2024"
    sub.mkdir()
    (sub / "2024-12-31.parquet").write_bytes(b"hidden behind permissions")
    real = os.scandir

    def scandir(path="."):
        if Path(path) == sub:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    p = checking.prepare(xlsx(ROWS), "2025-09-30.xlsx", "indicators", seeded)
    assert "文件夹 indicators/2024 无法打开，其中的文件未检查（看板也不读取它们）" in p.notes
    [entry] = [e for e in store.load(seeded).ignored if e.rel == "indicators/2024"]
    assert entry.ignored == "无法打开此文件夹（没有读取权限），其中的文件都未读取"
    _code, out = run_cli(capsys, "validate", str(seeded))
    assert "indicators/2024：无法打开此文件夹（没有读取权限）" in out


# ---------------------------------------------------------------- dates


def test_a_snapshot_date_far_ahead_is_refused_unless_forced(tmp_path, seeded, capsys):
    src = tmp_path / "利州区.csv"
    src.write_text(csv_text(ROWS), encoding="utf-8")
    before = dir_hash(seeded)
    code, out = run_cli(capsys, "import", str(src), "--dataset", "indicators", "--as-of", "2099-01-01", str(seeded))
    assert code == 1 and "快照日期 2099-01-01 比今天（2026-11-26）晚" in out and "--force" in out
    assert dir_hash(seeded) == before
    argv = ["import", str(src), "--dataset", "indicators", "--as-of", "2099-01-01", "--force", str(seeded)]
    code, out = run_cli(capsys, *argv)
    assert code == 0 and (seeded / "indicators/2099-01-01_利州区.parquet").is_file()
    assert "晚于今天，请核对" in out


def test_a_few_days_ahead_is_taken_with_a_note(seeded):
    soon = TODAY + timedelta(days=dating.FUTURE_MARGIN_DAYS)
    p = checking.prepare(xlsx(ROWS), f"{soon}.xlsx", "indicators", seeded)
    assert p.ok and any("晚于今天" in n for n in p.notes)
    later = checking.prepare(xlsx(ROWS), f"{soon + timedelta(days=1)}.xlsx", "indicators", seeded)
    assert not later.ok and "晚 8 天" in later.errors[0].message


@pytest.mark.parametrize("as_of", [date(1999, 12, 31), date(2101, 1, 1)])
def test_a_snapshot_date_outside_2000_to_2100_is_refused_even_forced(seeded, as_of):
    p = checking.prepare(xlsx(ROWS), "x.xlsx", "indicators", seeded, as_of=as_of, force=True)
    assert not p.ok and "不在 2000–2100 年之间" in p.errors[0].message


@pytest.mark.parametrize(("name", "shown"), [("2026-02-30_x.csv", "2026-02-30"), ("00010101_x.csv", None)])
def test_a_date_in_the_file_name_that_cannot_be_used_is_said(seeded, name, shown):
    p = checking.prepare(csv_text(ROWS).encode(), name, "indicators", seeded)
    assert not p.ok
    message = p.errors[0].message
    assert (f"「{shown}」不是有效日期" in message) if shown else ("0001-01-01 不在 2000–2100 年之间" in message)


# ---------------------------------------------------------------- shapes and settings


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_repeated_header_is_named_with_its_columns(seeded, kind):
    header = ["指标", "县区", "年份", "指标", "数值"]
    rows = [["tech_sme", "利州", 2025, "tech_sme", 1]]
    content = csv_text(rows, header).encode() if kind == "csv" else xlsx(rows, header)
    p = checking.prepare(content, f"2025-09-30.{kind}", "indicators", seeded)
    assert not p.ok
    assert p.errors[0].message.startswith("第 1 行（表头）第 1 列（A）、第 4 列（D）的列名都是「指标」")


def test_a_parquet_file_with_a_repeated_column_is_refused_in_words(seeded, tmp_path):
    names = ["indicator", "area", "year", "value", "value"]
    table = pa.table([pa.array(v) for v in (["tech_sme"], ["利州"], [2025], [1.0], [2.0])], names=names)
    pq.write_table(table, tmp_path / "dup.parquet")
    p = checking.prepare((tmp_path / "dup.parquet").read_bytes(), "2025-09-30.parquet", "indicators", seeded)
    assert not p.ok and "列「value」：列名出现了 2 次" in p.errors[0].message
    pq.write_table(table, seeded / "indicators/2025-07-31_dup.parquet")
    [rejected] = store.load(seeded).rejected()
    problem = rejected.errors[0]
    assert problem.column == "value" and "列名出现了 2 次" in problem.message


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-5", "0", "abc", "1e400", " "])
def test_a_bad_size_setting_falls_back_to_the_default_and_says_so(seeded, monkeypatch, value, capsys, tmp_path):
    monkeypatch.setenv("GYDASH_MAX_UPLOAD_MB", value)
    assert upload.max_upload_bytes() == upload.DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
    p = checking.prepare(xlsx(ROWS), "2025-09-30.xlsx", "indicators", seeded)
    assert p.ok
    said = [n for n in p.notes if "GYDASH_MAX_UPLOAD_MB" in n]
    expected = f"设置 GYDASH_MAX_UPLOAD_MB 的值「{value}」无效（应为大于 0 的数，单位 MB），已按默认 50 MB"
    assert said == ([expected] if value.strip() else [])
    src = tmp_path / "2025-09-30.csv"
    src.write_text(csv_text(ROWS), encoding="utf-8")
    code, out = run_cli(capsys, "import", str(src), "--dataset", "indicators", "--dry-run", str(seeded))
    assert code == 0 and "Traceback" not in out


def test_a_huge_size_setting_is_capped(monkeypatch):
    monkeypatch.setenv("GYDASH_MAX_UPLOAD_MB", "1e12")
    assert upload.max_upload_bytes() == upload.MAX_UPLOAD_MB_CAP * 1024 * 1024
    assert "超过上限" in upload.upload_limit()[1]
