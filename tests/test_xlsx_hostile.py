"""Workbooks that lie about their size, hold Excel error values, hide sheets or show percentages: each is refused at
once with a message naming the sheet or cell, or read as staff see it in Excel."""

from __future__ import annotations

import io
import re
import time
import tracemalloc
import zipfile

import openpyxl
import openpyxl.comments
import pytest
from test_importer import HEADER, ROWS, dir_hash, xlsx

from gydash.snapshots import checking, spreadsheet

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setenv("GYDASH_TODAY", "2025-10-15")


def big_sheet(rows: int, cols: int, dimension: str | None = None, prefix: str = "", refs: bool = True) -> bytes:
    """A sheet's XML with rows × cols numbers; no <dimension> unless one is given (Excel writes it, it is optional)."""
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{NS}"' if prefix else f'xmlns="{NS}"'
    out = [f"<{p}worksheet {xmlns}>"]
    if dimension:
        out.append(f'<{p}dimension ref="{dimension}"/>')
    out.append(f"<{p}sheetData>")
    letters = [openpyxl.utils.get_column_letter(c) for c in range(1, cols + 1)]
    for r in range(1, rows + 1):
        at = [f' r="{letter}{r}"' if refs else "" for letter in letters]
        cells = "".join(f"<{p}c{a}><{p}v>{c}</{p}v></{p}c>" for c, a in enumerate(at))
        out.append(f'<{p}row r="{r}">{cells}</{p}row>')
    out.append(f"</{p}sheetData></{p}worksheet>")
    return "".join(out).encode()


def with_sheet_xml(content: bytes, part: str, xml: bytes) -> bytes:
    """The workbook with one sheet's XML replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, xml if info.filename == part else src.read(info))
    return out.getvalue()


def measured(content: bytes, filename: str, dataset: str, data_dir):
    """checking.prepare's result, seconds taken and peak memory allocated in Python (MB)."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        p = checking.prepare(content, filename, dataset, data_dir)
        return p, time.monotonic() - started, tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


HOSTILE_SHEETS = {
    "no-dimension": {},
    "dimension-says-A1": {"dimension": "A1:A1"},
    "prefixed-tags": {"prefix": "x"},
    "cells-without-references": {"refs": False},
}


@pytest.mark.parametrize("shape", HOSTILE_SHEETS.values(), ids=HOSTILE_SHEETS.keys())
def test_sheet_over_the_cell_limit_is_refused_before_it_is_parsed_whatever_its_dimension_says(
    data_dir, monkeypatch, shape
):
    monkeypatch.setenv("GYDASH_MAX_CELLS", "10000")
    content = with_sheet_xml(xlsx(ROWS), "xl/worksheets/sheet1.xml", big_sheet(20_000, 6, **shape))  # 120 000 cells
    before = dir_hash(data_dir)
    p, seconds, peak_mb = measured(content, "2025-09-30_x.xlsx", "indicators", data_dir)
    assert peak_mb < 20, f"{peak_mb:.0f} MB allocated: the sheet was parsed before it was counted"
    assert seconds < 5
    message = p.errors[0].message
    assert not p.ok and "「指标数据」" in message and "超过单元格数上限 10 000" in message, p.errors
    assert "GYDASH_MAX_CELLS" in message
    assert dir_hash(data_dir) == before


def test_sheet_over_the_row_limit_is_refused_by_its_rows_even_when_they_are_empty(data_dir, monkeypatch):
    monkeypatch.setenv("GYDASH_MAX_ROWS", "1000")
    content = xlsx(ROWS)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        xml = re.sub(rb"<dimension[^>]*/>", b"", z.read("xl/worksheets/sheet1.xml"))
    rows = "".join(f'<row r="{r}" ht="20" customHeight="1"/>' for r in range(4, 100_000))  # row heights set, no cells
    content = with_sheet_xml(
        content, "xl/worksheets/sheet1.xml", xml.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
    )
    p, _, peak_mb = measured(content, "x.xlsx", "indicators", data_dir)
    assert peak_mb < 20, f"{peak_mb:.0f} MB allocated: the sheet was parsed before it was counted"
    assert not p.ok and "「指标数据」的行数过多，超过行数上限 1 000" in p.errors[0].message, p.errors


@pytest.mark.parametrize("dimension", [None, "A1:F20000"], ids=["no-dimension", "stated-range"])
def test_a_big_sheet_that_is_not_imported_costs_nothing_and_the_data_sheet_is_read(data_dir, monkeypatch, dimension):
    """Staff keep raw ledgers beside the data sheet: only the sheet imported is held to the limits, whether the
    other states its size in <dimension> (as Excel writes it) or not."""
    monkeypatch.setenv("GYDASH_MAX_CELLS", "10000")

    def comment(ws):
        ws.parent["原始数据"]["A1"].comment = openpyxl.comments.Comment("原始台账", "统计科")

    content = xlsx(ROWS, extra=[("原始数据", [["x"]])], edit=comment)
    content = with_sheet_xml(content, "xl/worksheets/sheet2.xml", big_sheet(20_000, 6, dimension))
    p, seconds, peak_mb = measured(content, "2025-09-30_x.xlsx", "indicators", data_dir)
    assert peak_mb < 20 and seconds < 5, f"{peak_mb:.0f} MB, {seconds:.1f} s: the sheet not imported was parsed"
    assert p.ok, [str(e) for e in p.errors]
    assert p.out["value"].to_list() == [31.0, 88.0]
    assert any("「原始数据」" in n for n in p.notes)


def with_parts(content: bytes, parts: dict[str, bytes], edit: dict[str, tuple[bytes, bytes]]) -> bytes:
    """The workbook with parts added and, in others, one text replaced by another."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename in edit:
                data = data.replace(*edit[info.filename])
            dst.writestr(info.filename, data)
        for name, data in parts.items():
            dst.writestr(name, data)
    return out.getvalue()


def test_shared_texts_beyond_the_cell_limit_are_refused_before_they_are_parsed(data_dir, monkeypatch):
    monkeypatch.setenv("GYDASH_MAX_CELLS", "10000")
    strings = f'<sst xmlns="{NS}">'.encode() + b"<si><t/></si>" * 100_000 + b"</sst>"
    content = with_parts(
        xlsx(ROWS),
        {"xl/sharedStrings.xml": strings},
        {
            "[Content_Types].xml": (
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            ),
            "xl/_rels/workbook.xml.rels": (
                b"</Relationships>",
                b'<Relationship Id="rId99" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships/sharedStrings"/></Relationships>',
            ),
        },
    )
    p, seconds, peak_mb = measured(content, "x.xlsx", "indicators", data_dir)
    assert peak_mb < 20 and seconds < 5, f"{peak_mb:.0f} MB, {seconds:.1f} s: the texts were parsed first"
    assert not p.ok and "不同的文字过多" in p.errors[0].message and "GYDASH_MAX_CELLS" in p.errors[0].message


def test_a_workbook_of_countless_cell_formats_is_refused_before_they_are_parsed(data_dir, monkeypatch):
    monkeypatch.setattr(spreadsheet, "MAX_OTHER_TAGS", 5_000)  # Excel itself allows about 65 000 formats
    xf = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    content = with_parts(xlsx(ROWS), {}, {"xl/styles.xml": (b"</cellXfs>", xf * 20_000 + b"</cellXfs>")})
    p, seconds, peak_mb = measured(content, "x.xlsx", "indicators", data_dir)
    assert peak_mb < 20 and seconds < 5, f"{peak_mb:.0f} MB, {seconds:.1f} s: the formats were parsed first"
    assert not p.ok and "单元格格式" in p.errors[0].message and "选择性粘贴" in p.errors[0].message


def test_a_normal_workbook_of_5000_rows_is_still_read_in_full(data_dir):
    areas = ["利州", "昭化", "朝天", "旺苍", "青川", "剑阁", "苍溪"]
    rows = [["高新技术企业", areas[(i // 12) % 7], 2000 + i // 84, 1 + i % 12, i, "家"] for i in range(5000)]
    started = time.monotonic()
    p = checking.prepare(xlsx(rows), "2025-09-30_x.xlsx", "indicators", data_dir)
    assert p.ok and p.rows == 5000 and p.out["value"].sum() == sum(range(5000))
    assert time.monotonic() - started < 30  # about 1 s on a shared 2-core machine


@pytest.mark.parametrize("error", ["#N/A", "#VALUE!", "#DIV/0!", "#REF!"])
def test_an_excel_error_value_is_named_by_cell_and_value_not_reported_as_blank(data_dir, error):
    def put(ws):
        ws["E3"] = error  # a value pasted from a formula that had no result

    p = checking.prepare(xlsx(ROWS, edit=put), "2025-09-30_x.xlsx", "indicators", data_dir)
    assert not p.ok
    message = " ".join(str(e) for e in p.errors)
    assert error in message and "（空）" not in message
    assert "第 3 行「数值」（E3）" in message and "Excel 的错误值" in message and "公式" in message


def test_an_error_value_in_an_optional_column_is_not_imported_as_blank(data_dir):
    def put(ws):
        ws["F2"] = "#N/A"

    p = checking.prepare(xlsx(ROWS, edit=put), "2025-09-30_x.xlsx", "indicators", data_dir)
    assert not p.ok and "第 2 行「单位」（F2）：#N/A" in p.errors[0].message


def hidden_first(state: str):
    def edit(ws):
        ws.title = "Sheet1"
        old = ws.parent.create_sheet("旧数据", 0)
        for row in [HEADER, ["高新技术企业", "利州", 2024, 9, 1, "家"]]:
            old.append(row)
        old.sheet_state = state

    return edit


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_first_sheet_is_passed_over_for_the_visible_one(data_dir, state):
    p = checking.prepare(xlsx(ROWS, edit=hidden_first(state)), "2025-09-30_x.xlsx", "indicators", data_dir)
    assert p.ok and p.sheet == "Sheet1" and p.out["value"].to_list() == [31.0, 88.0]
    assert any("「旧数据」（隐藏）" in n for n in p.notes), p.notes


def test_when_only_a_hidden_sheet_holds_data_it_is_read_and_the_note_says_it_is_hidden(data_dir):
    def hide(ws):
        ws.parent.create_sheet("数据字典")
        ws.sheet_state = "hidden"

    p = checking.prepare(xlsx(ROWS, sheet="Sheet1", edit=hide), "2025-09-30_x.xlsx", "indicators", data_dir)
    assert p.ok and p.sheet == "Sheet1"
    assert any("「Sheet1」" in n and "隐藏" in n and "没有可见的数据工作表" in n for n in p.notes), p.notes


def test_a_sheet_named_after_the_dataset_still_wins_and_a_visible_one_over_a_hidden_one(data_dir):
    def named_twice(ws):
        ws.sheet_state = "hidden"  # 指标数据, hidden, first
        other = ws.parent.create_sheet("indicators")
        for row in [HEADER, ["高新技术企业", "利州", 2024, 9, 5, "家"]]:
            other.append(row)
        ws.parent.create_sheet("Sheet9").append(["无关"])

    p = checking.prepare(xlsx(ROWS, edit=named_twice), "2025-09-30_x.xlsx", "indicators", data_dir)
    assert p.ok and p.sheet == "indicators" and p.out["value"].to_list() == [5.0]

    def named_hidden(ws):
        ws.sheet_state = "hidden"
        ws.parent.create_sheet("Sheet1", 0).append(["随便写的"])

    p = checking.prepare(xlsx(ROWS, edit=named_hidden), "2025-09-30_x.xlsx", "indicators", data_dir)
    assert p.ok and p.sheet == "指标数据" and p.out["value"].to_list() == [31.0, 88.0]
    assert any("与数据集同名" in n and "隐藏" in n for n in p.notes), p.notes


def percent_cells(cells: dict[str, tuple[float, str]]):
    def edit(ws):
        for ref, (value, fmt) in cells.items():
            ws[ref] = value
            ws[ref].number_format = fmt

    return edit


PERCENT_ROWS = [
    ["R&D经费投入强度", "利州", 2025, 9, 0, "%"],
    ["rd_intensity", "昭化", 2025, 9, 0, None],
    ["研发投入强度", "朝天", 2025, 9, 0, "%"],
    ["高新技术企业", "利州", 2025, 9, 31, "家"],
]


def test_a_percentage_typed_for_a_percent_indicator_is_read_as_the_number_shown(data_dir):
    edit = percent_cells({"E2": (0.025, "0.0%"), "E3": (0.0157, "0.00%"), "E4": (2.5, '0.0"%"'), "E5": (31, "0%")})
    p = checking.prepare(xlsx(PERCENT_ROWS, edit=edit), "2025-09-30_x.xlsx", "indicators", data_dir)
    assert p.ok, [str(e) for e in p.errors]
    # 2.5% → 2.5 and 1.57% → 1.57 exactly; a % in quotes is only text (the cell holds 2.5); 家 keeps its value
    assert p.out["value"].to_list() == [2.5, 1.57, 2.5, 31.0]
    assert any("百分比格式" in n and "第 2 行" in n and "2.5%" in n for n in p.notes), p.notes


def test_a_growth_target_typed_as_a_percentage_stays_a_rate_and_a_percent_level_target_is_read_as_shown(data_dir):
    header = ["方案", "指标", "县区", "年份", "目标值", "类型", "基期年份"]
    rows = [
        ["2024", "R&D经费投入强度", "利州区", 2025, 0, "level", None],
        ["2024", "高新技术企业", "利州区", 2025, 0, "年均增长", 2023],
    ]
    edit = percent_cells({"E2": (0.03, "0%"), "E3": (0.15, "0%")})
    p = checking.prepare(
        xlsx(rows, header=header, sheet="targets", edit=edit), "2025-09-30_x.xlsx", "targets", data_dir
    )
    assert p.ok, [str(e) for e in p.errors]
    assert p.out["target"].to_list() == [3.0, 0.15]
