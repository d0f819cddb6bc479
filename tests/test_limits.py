"""Limits before reading: a file over the row, column, cell or unpacked-size limit is refused from its metadata (the
Parquet footer, the workbook's zip directory and <dimension>) before it is read in full, in data/ and on import."""

from __future__ import annotations

import io
import re
import time
import zipfile

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ind
from test_importer import HEADER, ROWS, dir_hash, xlsx

from gydash.snapshots import checking, limits

GOOD = [ind("tech_sme", "利州区", 2025, 6, 40.0)]


def constant_rows(n: int, text: str = "利州区") -> pa.Table:
    """n identical indicators rows: a Parquet file of a few KB that spells out to as many rows as asked."""
    return pa.table(
        {
            "indicator": pa.DictionaryArray.from_arrays(pa.array([0] * n, pa.int32()), pa.array(["tech_sme"])),
            "area": pa.DictionaryArray.from_arrays(pa.array([0] * n, pa.int32()), pa.array([text])),
            "year": pa.array([2025] * n, pa.int32()),
            "value": pa.array([1.0] * n),
        }
    )


@pytest.fixture
def no_row_group_read(monkeypatch):
    """Fail the test if a row group of a large file is decoded: the refusal must come from the footer alone."""
    real = pq.ParquetFile.read_row_group

    def guarded(pf, *args, **kwargs):
        assert pf.metadata.num_rows < 1_000, "a row group of the large file was read"
        return real(pf, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read_row_group", guarded)


def test_parquet_with_more_rows_than_the_limit_is_refused_from_its_footer(write, load, no_row_group_read):
    path = write("indicators", "2025-06-30.parquet", constant_rows(300_000))
    assert path.stat().st_size < 20_000  # a few KB on disk
    write("indicators", "2025-03-31.parquet", GOOD)
    data = load()
    [rejected] = data.rejected()
    [problem] = rejected.errors
    assert "数据行数为 300 000，超过上限 200 000" in problem.message and "GYDASH_MAX_ROWS" in problem.message
    assert data.frames["indicators"]["value"].to_list() == [40.0]  # the other file counts


@pytest.mark.parametrize(
    ("env", "value", "table", "words"),
    [
        ("GYDASH_MAX_ROWS", "100", constant_rows(101), "数据行数为 101，超过上限 100"),
        ("GYDASH_MAX_COLUMNS", "3", constant_rows(1), "列数为 4，超过上限 3"),
        # 2 000 rows repeating one 4 KB text: 8 MB once spelled out, though the file holds it once
        ("GYDASH_MAX_UNPACKED_MB", "2", constant_rows(2_000, "利" * 1_400), "读入后的大小"),
    ],
    ids=["rows", "columns", "spelled-out-text"],
)
def test_parquet_limits_are_configurable(write, load, monkeypatch, env, value, table, words):
    monkeypatch.setenv(env, value)
    write("indicators", "2025-06-30.parquet", table)
    [rejected] = load().rejected()
    assert words in rejected.errors[0].message and env in rejected.errors[0].message


def test_a_footer_understating_its_rows_is_caught_while_reading(write, load, monkeypatch):
    # The footer says 10 rows; reading finds 5 000 (the check is repeated on what each row group really holds).
    monkeypatch.setenv("GYDASH_MAX_ROWS", "100")
    write("indicators", "2025-06-30.parquet", constant_rows(5_000))
    real = pq.ParquetFile.metadata

    class Understated:
        def __init__(self, meta):
            self._meta = meta

        def __getattr__(self, name):
            return 10 if name == "num_rows" else getattr(self._meta, name)

    monkeypatch.setattr(pq.ParquetFile, "metadata", property(lambda pf: Understated(real.fget(pf))))
    [rejected] = load().rejected()
    assert "数据行数为 5 000" in rejected.errors[0].message


@pytest.mark.parametrize("raw", ["nan", "inf", "-5", "0", "abc", ""])
def test_a_limit_set_to_nonsense_keeps_its_default(monkeypatch, raw):
    monkeypatch.setenv("GYDASH_MAX_ROWS", raw)
    assert limits.MAX_ROWS.value() == 200_000


def far_cell(ws):
    ws["XFD1048576"] = "x"


def test_workbook_with_one_cell_at_the_last_excel_cell_is_refused_at_once(seeded_dir):
    content = xlsx(ROWS, edit=far_cell)
    assert len(content) < 10_000
    before = dir_hash(seeded_dir)
    started = time.monotonic()
    p = checking.prepare(content, "2025-09-30.xlsx", "indicators", seeded_dir)
    assert time.monotonic() - started < 10
    assert not p.ok and "A1:XFD1048576" in p.errors[0].message and "GYDASH_MAX_ROWS" in p.errors[0].message
    assert dir_hash(seeded_dir) == before


def without_dimension(content: bytes) -> bytes:
    """The same workbook with the <dimension> element removed from every sheet (it is optional)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<dimension[^>]*/>", b"", data)
            dst.writestr(info.filename, data)
    return out.getvalue()


@pytest.mark.parametrize("strip", [False, True], ids=["stated-range", "no-dimension"])
def test_workbook_over_the_cell_limit_is_refused_whether_or_not_it_states_its_range(seeded_dir, monkeypatch, strip):
    monkeypatch.setenv("GYDASH_MAX_CELLS", "50")
    content = xlsx(ROWS * 10)  # 21 rows × 6 columns
    content = without_dimension(content) if strip else content
    p = checking.prepare(content, "2025-09-30.xlsx", "indicators", seeded_dir)
    assert not p.ok and "超过单元格数上限 50" in p.errors[0].message, p.errors


def test_workbook_far_cell_without_dimension_is_refused(seeded_dir):
    p = checking.prepare(without_dimension(xlsx(ROWS, edit=far_cell)), "x.xlsx", "indicators", seeded_dir)
    assert not p.ok and "XFD1048576" in p.errors[0].message


def zip_bomb() -> bytes:
    """A valid workbook whose sheet is padded to 64 MB of spaces: under 100 KB zipped."""
    base = xlsx(ROWS)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (64 << 20))
            dst.writestr(info.filename, data)
    return out.getvalue()


def test_workbook_unpacking_beyond_the_limit_is_refused_from_its_zip_directory(seeded_dir):
    content = zip_bomb()
    assert len(content) < 200_000
    p = checking.prepare(content, "2025-09-30.xlsx", "indicators", seeded_dir)
    assert not p.ok and "解压后的大小" in p.errors[0].message and "GYDASH_MAX_XLSX_UNPACKED_MB" in p.errors[0].message


@pytest.mark.parametrize(
    ("env", "value", "text", "words"),
    [
        ("GYDASH_MAX_ROWS", "3", ",".join(HEADER) + "\n" + "高新技术企业,利州,2025,9,1,家\n" * 4, "数据行数为 4"),
        ("GYDASH_MAX_COLUMNS", "5", ",".join(HEADER) + "\n", "列数为 6"),
    ],
    ids=["rows", "columns"],
)
def test_csv_over_a_limit_is_refused_before_it_is_parsed(seeded_dir, monkeypatch, env, value, text, words):
    monkeypatch.setenv(env, value)
    p = checking.prepare(text.encode(), "2025-09-30.csv", "indicators", seeded_dir)
    assert not p.ok and words in p.errors[0].message


def test_parquet_upload_over_the_row_limit_is_refused(seeded_dir, tmp_path, no_row_group_read):
    path = tmp_path / "big.parquet"
    pq.write_table(constant_rows(250_000), path)
    p = checking.prepare(path.read_bytes(), "2025-09-30.parquet", "indicators", seeded_dir)
    assert not p.ok and "数据行数为 250 000" in p.errors[0].message


def test_a_workbook_within_the_limits_still_imports(seeded_dir):
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    for row in ROWS:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    p = checking.prepare(buf.getvalue(), "2025-09-30.xlsx", "indicators", seeded_dir)
    assert p.ok, p.errors


@pytest.fixture
def seeded_dir(write, data_dir):
    write("indicators", "2025-06-30.parquet", GOOD)
    return data_dir


def test_csv_with_a_giant_cell_is_refused_in_chinese_with_its_line(seeded_dir):
    text = ",".join(HEADER) + "\n" + '"' + "x" * 200_000 + '",利州,2025,9,1,家\n'
    p = checking.prepare(text.encode(), "2025-09-30.csv", "indicators", seeded_dir)
    assert not p.ok and "第 2 行" in p.errors[0].message and "超过 131072 个字符" in p.errors[0].message
