"""importer: .xlsx/.csv/.parquet in, a new validated snapshot out — or, for a bad file, a clear reason and not one
byte written (the data dir is hashed before and after). Row numbers are the rows staff see in Excel."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pyarrow.parquet as pq
import pytest
from conftest import ind

from gydash import cli
from gydash.snapshots import checking, importer, intake, resolve, store, target, writer
from gydash.snapshots.validate import validate

HEADER = ["指标", "县区", "年份", "月份", "数值", "单位"]
ROWS = [["高新技术企业", "利州", 2025, 9, 31, "家"], ["tech_sme", "510821", 2025, 9, 88, None]]


def dir_hash(root: Path) -> str:
    """Every path and every byte under root: any write, rename or touch shows."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        h.update(path.relative_to(root).as_posix().encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def xlsx(rows: list[list], header: list | None = HEADER, sheet: str = "指标数据", edit=None, extra=()) -> bytes:
    """A workbook with the given rows under a header (row 1); `edit(ws)` changes it further."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if header:
        ws.append(header)
    for row in rows:
        ws.append(row)
    for name, cells in extra:
        other = wb.create_sheet(name)
        for row in cells:
            other.append(row)
    if edit:
        edit(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_text(rows: list[list], header: list = HEADER) -> str:
    lines = [",".join("" if v is None else str(v) for v in r) for r in [header, *rows]]
    return "\n".join(lines) + "\n"


@pytest.fixture
def seeded(write, data_dir) -> Path:
    """A data dir that already holds a file, so 'nothing touched' is a real check."""
    write("indicators", "2025-06-30.parquet", [ind("hitech_enterprise", "利州区", 2025, 6, 30.0)])
    return data_dir


def test_xlsx_imports_as_a_new_snapshot_that_revalidates_to_the_same_rows(seeded):
    p = checking.prepare(xlsx(ROWS), "2025-09-30_利州区.xlsx", "indicators", seeded)
    assert p.ok, [str(e) for e in p.errors]
    assert p.rel == "indicators/2025-09-30_利州区.parquet" and p.as_of == date(2025, 9, 30)
    path = writer.write(p, seeded, user="张三")

    assert path == seeded / "indicators/2025-09-30_利州区.parquet"
    table = pq.read_table(path)
    assert table.column_names == ["indicator", "area", "year", "month", "value", "unit"]
    frame = pl.from_arrow(table)
    assert frame["area"].to_list() == ["利州", "510821"]  # as staff wrote it; validation normalises on reading
    assert frame.schema["year"] == pl.Int64 and frame.schema["value"] == pl.Float64
    again = validate("indicators", frame, p.rel)
    assert again.frame.drop("_row").equals(p.frame.drop("_row"))
    assert b"gydash_import" in table.schema.metadata
    assert not [f for f in (seeded / "indicators").iterdir() if f.name.startswith(".") or f.suffix == ".part"]

    data = store.load(seeded)
    assert [f.status for f in data.files] == ["accepted", "accepted"]
    values = resolve.indicator_values(data).filter(pl.col("year") == 2025, pl.col("month") == 9)
    assert sorted(values["value"].to_list()) == [31.0, 88.0]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_csv_in_gbk_or_utf8_with_or_without_bom_imports(seeded, encoding):
    content = csv_text(ROWS).encode(encoding)
    p = checking.prepare(content, "利州区指标 2025-09-30.csv", "indicators", seeded)
    assert p.ok, [str(e) for e in p.errors]
    assert ("按 GBK 编码读取" in p.notes) == (encoding == "gbk")
    assert p.out["indicator"].to_list() == ["高新技术企业", "tech_sme"]
    writer.write(p, seeded)
    assert resolve.indicator_values(store.load(seeded)).height == 3


def test_tab_separated_csv_is_read_too(seeded):
    content = csv_text(ROWS).replace(",", "\t").encode("utf-8")
    p = checking.prepare(content, "x.csv", "indicators", seeded)
    assert p.ok and any("制表符" in n for n in p.notes)


def test_parquet_is_imported_with_canonical_headers(seeded, tmp_path):
    src = tmp_path / "in.parquet"
    pl.DataFrame({"指标": ["tech_sme"], "县区": ["利州区"], "年份": ["2025"], "数值": ["12"]}).write_parquet(src)
    p = checking.prepare(src.read_bytes(), "2025-12-31.parquet", "indicators", seeded)
    assert p.ok
    path = writer.write(p, seeded)
    assert pq.read_schema(path).names == ["indicator", "area", "year", "value"]
    assert path.name == "2025-12-31_indicators.parquet"  # nothing left of the name but the date


def test_blank_rows_are_skipped_counted_and_rows_keep_their_excel_numbers(seeded):
    rows = [ROWS[0], [None] * 6, ["  ", None, None, None, None, None], ["tech_sme", "利州", 2025, 9, -5, None]]
    p = checking.prepare(xlsx(rows), "x.xlsx", "indicators", seeded)
    assert "跳过了 2 个空行（第 3、4 行）" in p.notes
    [error] = p.errors
    assert (error.row, error.column, error.value) == (5, "数值", "-5.0")  # row 5 in Excel, not row 3 of the data
    assert "不能为负数" in error.message


def test_header_below_empty_rows_is_found_and_rows_counted_from_it(seeded):
    def shift(ws):
        ws.insert_rows(1, 2)

    p = checking.prepare(
        xlsx([ROWS[0], ["tech_sme", "青川", 2025, 9, "很多", None]], edit=shift), "x.xlsx", "indicators", seeded
    )
    assert "表头在第 3 行（上面是空行）" in p.notes
    [error] = p.errors
    assert (error.row, error.column) == (5, "数值")


def test_sheet_named_like_the_dataset_is_used_and_the_others_named(seeded):
    content = xlsx([["not", "data"]], header=["说明"], sheet="说明", extra=[("indicators", [HEADER, *ROWS])])
    p = checking.prepare(content, "x.xlsx", "indicators", seeded)
    assert p.ok and p.sheet == "indicators"
    assert "读取工作表「indicators」（与数据集同名）" in p.notes
    assert "其他工作表未读取：「说明」" in p.notes


def test_without_a_named_sheet_the_first_one_is_used_and_said(seeded):
    content = xlsx(ROWS, sheet="Sheet1", extra=[("备注", [["随便写的"]])])
    p = checking.prepare(content, "x.xlsx", "indicators", seeded)
    assert p.ok and "读取第一个工作表「Sheet1」" in p.notes and "其他工作表未读取：「备注」" in p.notes


def test_excel_turning_a_ledger_round_into_a_date_is_read_back(data_dir):
    header = ["台账期次", "更新日期", "县区", "组织名称", "党员人数", "组织覆盖", "工作覆盖"]
    row = [date(2025, 10, 1), date(2025, 10, 20), "利州区", "天华科技", 3, "单独组建", "是"]
    p = checking.prepare(xlsx([row], header=header, sheet="coverage"), "x.xlsx", "coverage", data_dir)
    assert p.ok, [str(e) for e in p.errors]
    assert p.out["round"].to_list() == ["2025-10"]
    assert any("台账期次被 Excel 识别成了日期" in n for n in p.notes)


def test_invalid_values_are_reported_by_excel_row_and_column_and_nothing_is_written(seeded):
    before = dir_hash(seeded)
    rows = [ROWS[0], ["不存在的指标", "外省", 2025, 13, 1, None]]
    p = checking.prepare(xlsx(rows), "x.xlsx", "indicators", seeded)
    assert not p.ok
    found = {(e.row, e.column) for e in p.errors}
    assert {(3, "指标"), (3, "县区"), (3, "月份")} <= found
    with pytest.raises(intake.Refused):
        writer.write(p, seeded)
    assert dir_hash(seeded) == before


def formulas(ws):
    ws["E2"] = "=30+1"


def merged_header(ws):
    ws.insert_rows(1)
    ws["A1"] = "2025年9月指标"
    ws.merge_cells("A1:F1")


def merged_data(ws):
    ws.merge_cells("B2:B3")


BAD_XLSX = {
    "formula": (formulas, "公式", "选择性粘贴"),
    "merged-header": (merged_header, "合并单元格", "表头"),
    "merged-data": (merged_data, "B2:B3", "每个单元格里都填上内容"),
}


@pytest.mark.parametrize("kind", list(BAD_XLSX))
def test_spreadsheet_shapes_that_cannot_be_imported_are_refused_with_what_to_do(seeded, kind):
    edit, *words = BAD_XLSX[kind]
    before = dir_hash(seeded)
    p = checking.prepare(xlsx(ROWS, edit=edit), "x.xlsx", "indicators", seeded)
    assert not p.ok
    text = "\n".join(str(e) for e in p.errors)
    for word in words:
        assert word in text
    assert dir_hash(seeded) == before


def test_formula_message_names_the_cell_and_its_header(seeded):
    p = checking.prepare(xlsx(ROWS, edit=formulas), "x.xlsx", "indicators", seeded)
    assert "第 2 行「数值」（E2）：=30+1" in p.errors[0].message


BAD_FILES = {
    "utf-16": (lambda: csv_text(ROWS).encode("utf-16"), "x.csv", "UTF-16"),
    "not-text": (lambda: b"\xff\xfe\xfa" * 10 + b"\x81\x20", "x.csv", "UTF-16"),
    "undecodable": (lambda: "指标,县区\n".encode() + b"\x81\xff\xff\n", "x.csv", "无法识别文件编码"),
    "wrong-headers": (lambda: b"name,value\nfoo,1\n", "x.csv", "缺少必填列「indicator」（中文表头「指标」）"),
    "title-row": (lambda: ("2025年指标,,,,,\n" + csv_text(ROWS)).encode(), "x.csv", "第 2 行看起来才是表头"),
    "empty": (lambda: b"", "x.csv", "文件是空的"),
    "header-only": (lambda: csv_text([]).encode(), "x.csv", "没有数据行"),
    "extra-values": (lambda: (csv_text(ROWS) + "a,b,2025,9,1,家,多余\n").encode(), "x.csv", "比表头多 1 个"),
    "xls": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "x.xlsx", "另存为"),
    "renamed-text": (lambda: b"hello", "x.xlsx", "不是有效的 .xlsx"),
    "bad-parquet": (lambda: b"PAR1garbage", "x.parquet", "不完整"),
    "txt": (lambda: b"a", "x.txt", "只接受 .xlsx、.csv 和 .parquet"),
    "traversal": (lambda: csv_text(ROWS).encode(), "../../etc/2025-09-30.csv", "含有路径"),
    "absolute": (lambda: csv_text(ROWS).encode(), "/etc/passwd.csv", "含有路径"),
    "windows-path": (lambda: csv_text(ROWS).encode(), "C:\\Users\\x.csv", "含有路径"),
    "control-char": (lambda: csv_text(ROWS).encode(), "x\u202egpj.csv", "控制字符"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_bad_file_gets_a_clear_message_and_nothing_is_written(seeded, kind):
    make, filename, words = BAD_FILES[kind]
    before = dir_hash(seeded)
    p = checking.prepare(make(), filename, "indicators", seeded)
    assert not p.ok
    assert words in "\n".join(str(e) for e in p.errors)
    assert dir_hash(seeded) == before


@pytest.mark.parametrize("name", ["../../evil", "/tmp/x", "a/b", "..", "名称 有空格", "x;rm", "-x", "a" * 61])
def test_explicit_name_must_be_clean(seeded, name):
    before = dir_hash(seeded)
    p = checking.prepare(csv_text(ROWS).encode(), "x.csv", "indicators", seeded, name=name)
    assert not p.ok and ("名称" in p.errors[0].message)
    assert dir_hash(seeded) == before


def test_explicit_name_keeps_chinese_and_the_as_of_given(seeded):
    p = checking.prepare(
        csv_text(ROWS).encode(), "x.csv", "indicators", seeded, as_of=date(2025, 10, 1), name="利州区-更正_1"
    )
    assert p.ok and p.rel == "indicators/2025-10-01_利州区-更正_1.parquet"


@pytest.mark.parametrize(
    ("filename", "name", "noted"),
    [
        ("利州区 指标（更正）.csv", "利州区_指标_更正", True),
        ("2025-09-30_revised.csv", "revised", False),
        ("20250930-利州区.csv", "利州区", False),
        ("~$临时.csv", "临时", True),
        (".hidden.csv", "hidden", True),
    ],
)
def test_name_from_the_file_is_sanitised_and_keeps_chinese(seeded, filename, name, noted):
    p = checking.prepare(csv_text(ROWS).encode(), filename, "indicators", seeded)
    assert p.ok and p.name == name
    assert any("替换为 _" in n for n in p.notes) == noted


def test_file_without_a_date_in_its_name_takes_today_and_says_so(seeded, monkeypatch):
    monkeypatch.setenv("GYDASH_TODAY", "2025-11-02")
    p = checking.prepare(csv_text(ROWS).encode(), "利州区.csv", "indicators", seeded)
    assert p.as_of == date(2025, 11, 2) and any("取今天" in n for n in p.notes)


def test_import_is_stamped_with_the_programs_date_not_the_wall_clock(seeded, monkeypatch):
    monkeypatch.setenv("GYDASH_TODAY", "2031-06-30")
    p = checking.prepare(xlsx(ROWS), "2025-09-30_利州区.xlsx", "indicators", seeded)
    path = writer.write(p, seeded, user="张三")
    meta = json.loads(pq.read_table(path).schema.metadata[target.IMPORT_META_KEY])
    assert meta["imported_at"].startswith("2031-06-30T") and meta["by"] == "张三"


def test_file_over_the_size_limit_is_refused_before_reading(seeded, monkeypatch, tmp_path):
    monkeypatch.setenv("GYDASH_MAX_UPLOAD_MB", "0.0001")  # about 100 bytes
    before = dir_hash(seeded)
    content = csv_text(ROWS * 5).encode()
    p = checking.prepare(content, "x.csv", "indicators", seeded)
    assert not p.ok and "文件太大" in p.errors[0].message and "GYDASH_MAX_UPLOAD_MB" in p.errors[0].message
    src = tmp_path / "big.csv"
    src.write_bytes(content)
    p, path = importer.import_path(src, "indicators", seeded)
    assert path is None and "文件太大" in p.errors[0].message
    assert dir_hash(seeded) == before


def test_import_never_overwrites_an_existing_file(seeded):
    existing = seeded / "indicators/2025-09-30_利州区.parquet"
    existing.write_bytes(b"not even parquet, but staff's")
    p = checking.prepare(xlsx(ROWS), "2025-09-30_利州区.xlsx", "indicators", seeded)
    assert p.rel == "indicators/2025-09-30_利州区_2.parquet"
    path = writer.write(p, seeded)
    assert path.name == "2025-09-30_利州区_2.parquet"
    assert existing.read_bytes() == b"not even parquet, but staff's"


def test_when_every_suffix_is_taken_the_import_is_refused(seeded):
    folder = seeded / "indicators"
    for stem in ["2025-09-30_x", *(f"2025-09-30_x_{n}" for n in range(2, 10))]:
        (folder / f"{stem}.parquet").write_bytes(b"keep")
    before = dir_hash(seeded)
    p = checking.prepare(xlsx(ROWS), "2025-09-30_x.xlsx", "indicators", seeded)
    assert not p.ok and "都已存在" in p.errors[0].message
    assert dir_hash(seeded) == before


def test_a_file_appearing_at_the_target_meanwhile_is_not_replaced(seeded, monkeypatch):
    p = checking.prepare(xlsx(ROWS), "2025-09-30_x.xlsx", "indicators", seeded)
    target = seeded / p.rel

    def taken(root, dataset, as_of, name):  # another writer takes the name between the check and the link
        target.write_bytes(b"theirs")
        return p.rel

    monkeypatch.setattr(writer, "target_rel", taken)
    with pytest.raises(intake.Refused, match="未覆盖"):
        writer.write(p, seeded)
    assert target.read_bytes() == b"theirs"
    assert sorted(f.name for f in (seeded / "indicators").iterdir()) == ["2025-06-30.parquet", "2025-09-30_x.parquet"]


def test_the_same_file_imported_twice_is_refused(seeded):
    content = xlsx(ROWS)
    writer.write(checking.prepare(content, "2025-09-30.xlsx", "indicators", seeded), seeded)
    before = dir_hash(seeded)
    again = checking.prepare(content, "2025-09-30.xlsx", "indicators", seeded)
    assert not again.ok and "已经导入过" in again.errors[0].message
    assert dir_hash(seeded) == before


def test_missing_data_dir_is_not_created(tmp_path):
    p = checking.prepare(csv_text(ROWS).encode(), "x.csv", "indicators", tmp_path / "nope")
    with pytest.raises(intake.Refused, match="不存在"):
        writer.write(p, tmp_path / "nope")
    assert not (tmp_path / "nope").exists()


def test_unknown_dataset_is_refused(seeded):
    p = checking.prepare(b"a,b\n", "x.csv", "nonsense", seeded)
    assert not p.ok and "没有数据集" in p.errors[0].message


# ---------------------------------------------------------------- command line


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_import_writes_and_exits_0_with_data_dir_after_the_options(seeded, tmp_path, capsys):
    src = tmp_path / "利州区 2025-09-30.csv"
    src.write_bytes(csv_text(ROWS).encode("gbk"))
    code, out, _ = run_cli(capsys, "import", str(src), "--dataset", "indicators", str(seeded))
    assert code == 0 and "已写入" in out and "按 GBK 编码读取" in out
    assert (seeded / "indicators/2025-09-30_利州区.parquet").is_file()


def test_cli_import_of_a_bad_file_exits_1_lists_reasons_and_writes_nothing(seeded, tmp_path, capsys):
    src = tmp_path / "bad.xlsx"
    src.write_bytes(xlsx(ROWS, edit=formulas))
    before = dir_hash(seeded)
    code, _, err = run_cli(capsys, "import", str(src), str(seeded), "--dataset", "indicators")
    assert code == 1 and "公式" in err and "未写入任何文件" in err
    assert dir_hash(seeded) == before


def test_cli_dry_run_checks_without_writing(seeded, tmp_path, capsys):
    src = tmp_path / "ok.csv"
    src.write_text(csv_text(ROWS))
    before = dir_hash(seeded)
    code, out, _ = run_cli(
        capsys, "import", str(src), "--dataset", "indicators", "--as-of", "2025-10-01", "--dry-run", str(seeded)
    )
    assert code == 0 and "未写入" in out and "2025-10-01_ok.parquet" in out
    assert dir_hash(seeded) == before


@pytest.mark.parametrize(
    "argv",
    [
        ("import", "x.csv"),  # --dataset missing
        ("import", "x.csv", "--dataset", "nonsense"),
        ("import", "x.csv", "--dataset", "indicators", "--as-of", "2025-13-01"),
    ],
)
def test_cli_usage_errors_exit_2(seeded, capsys, argv):
    before = dir_hash(seeded)
    code, _, _ = run_cli(capsys, *argv, str(seeded))
    assert code == 2
    assert dir_hash(seeded) == before


def test_cli_missing_file_exits_1(seeded, tmp_path, capsys):
    code, _, err = run_cli(capsys, "import", str(tmp_path / "nope.csv"), "--dataset", "indicators", str(seeded))
    assert code == 1 and "无法打开文件" in err


def test_written_file_is_left_alone_by_later_imports(seeded, tmp_path, capsys):
    src = tmp_path / "2025-09-30.csv"
    src.write_text(csv_text(ROWS))
    run_cli(capsys, "import", str(src), "--dataset", "indicators", str(seeded))
    written = seeded / "indicators/2025-09-30_indicators.parquet"
    stamp = (written.read_bytes(), written.stat().st_mtime_ns)
    src.write_text(csv_text([ROWS[0]]))  # a corrected file with the same name
    code, out, _ = run_cli(capsys, "import", str(src), "--dataset", "indicators", str(seeded))
    assert code == 0 and "2025-09-30_indicators_2.parquet" in out
    assert (written.read_bytes(), written.stat().st_mtime_ns) == stamp


def test_one_long_text_shared_by_many_cells_is_refused_before_it_is_spelled_out(data_dir, monkeypatch):
    """Excel keeps a text once however many cells use it: small in the file, but once per cell when read."""
    monkeypatch.setenv("GYDASH_MAX_XLSX_UNPACKED_MB", "1")
    long = "长" * 100_000
    rows = [["tech_sme", "利州区", 2025, 9, n, long] for n in range(20)]
    p = checking.prepare(xlsx(rows), "x.xlsx", "indicators", data_dir)
    assert not p.ok and "表格太大" in p.errors[0].message and "超过上限 1 MB" in p.errors[0].message


def test_a_panic_in_the_excel_reader_refuses_the_file_in_words(data_dir, monkeypatch):
    """The Excel reader's own panic class is not polars': it still refuses this file instead of a traceback."""
    from gydash.snapshots import spreadsheet

    class PanicException(BaseException):  # as the Rust reader names its own
        pass

    def panics(*args, **kwargs):
        raise PanicException("byte array offset overflow")

    monkeypatch.setattr(spreadsheet.pl, "read_excel", panics)
    p = checking.prepare(xlsx(ROWS), "x.xlsx", "indicators", data_dir)
    assert not p.ok and "无法读取工作表" in p.errors[0].message and "程序内部错误" in p.errors[0].message
