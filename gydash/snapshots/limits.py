"""Limits on one input file, checked from its metadata before it is read in full; each can be set by env var."""

from __future__ import annotations

import math
import os
import re
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    env: str
    default: int
    what: str  # how the README and messages name it
    unit: str = ""

    def value(self) -> int:
        """The env var's value when it is a positive finite number, else the default (a typo never lifts a limit)."""
        raw = os.environ.get(self.env, "").strip()
        try:
            number = float(raw) if raw else math.nan
        except ValueError:
            number = math.nan
        return int(number) if math.isfinite(number) and number >= 1 else self.default


MAX_ROWS = Limit("GYDASH_MAX_ROWS", 200_000, "每个文件的数据行数")
MAX_COLUMNS = Limit("GYDASH_MAX_COLUMNS", 100, "每个文件的列数")
MAX_UNPACKED_MB = Limit("GYDASH_MAX_UNPACKED_MB", 128, "Parquet 文件读入后的大小", " MB")
MAX_CELLS = Limit("GYDASH_MAX_CELLS", 500_000, "Excel 工作表的单元格数（行数 × 列数）")
MAX_XLSX_UNPACKED_MB = Limit("GYDASH_MAX_XLSX_UNPACKED_MB", 40, "Excel 工作簿解压后的大小", " MB")
MAX_ROW_GROUPS = 10_000  # a footer of countless empty row groups is a slow read that holds no data
# A Parquet footer describes every column of every row group; a table's is a few tens of KB. Parsing one takes many
# times its size (10 000 row groups of 100 columns: a 100 MB footer, about 1 GB to parse), so a larger one is refused.
MAX_FOOTER_BYTES = 8 << 20


class TooLarge(Exception):
    """A file over a limit; the message says which limit, the file's figure, and what to do."""


def spaced(number: float) -> str:
    """A count as staff read it: thousands set apart by spaces (1 300 000)."""
    return f"{number:,.0f}".replace(",", " ")


def refuse(limit: Limit, found: float, advice: str = "请拆分成几个文件") -> TooLarge:
    return TooLarge(
        f"{limit.what}为 {spaced(found)}{limit.unit}，超过上限 {spaced(limit.value())}{limit.unit}：{advice}"
        f"（上限可由管理员通过环境变量 {limit.env} 调整）"
    )


def check_rows(rows: int) -> None:
    if rows > MAX_ROWS.value():
        raise refuse(MAX_ROWS, rows)


def check_columns(columns: int) -> None:
    if columns > MAX_COLUMNS.value():
        raise refuse(MAX_COLUMNS, columns, "请删除多余的列")


def check_unpacked(nbytes: int) -> None:
    if nbytes > MAX_UNPACKED_MB.value() * 1024 * 1024:
        raise refuse(MAX_UNPACKED_MB, nbytes / 1024 / 1024)


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?\"")
_SHEET_XML = re.compile(r"^xl/worksheets/[^/]+\.xml$")
MAX_ZIP_ENTRIES = 10_000
HEAD_BYTES = 16_384  # the <dimension> element comes right after the sheet's properties


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def check_workbook(z: zipfile.ZipFile, sheets: tuple[str, ...] | None = None) -> None:
    """A workbook's unpacked size from the zip's directory, and the range each sheet states in its <dimension> (the
    parts in `sheets`, or every sheet when None), before any sheet is parsed (a 5 KB file can state a million rows;
    a 17 MB one can unpack to gigabytes). Staff often keep a large sheet beside the one imported: only it counts."""
    infos = z.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise TooLarge(f"工作簿中有 {spaced(len(infos))} 个部件，不是正常的 Excel 文件")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_XLSX_UNPACKED_MB.value() * 1024 * 1024:
        raise refuse(MAX_XLSX_UNPACKED_MB, unpacked / 1024 / 1024, "请拆分成几个文件，或另存为 CSV 后导入")
    for info in infos:
        if info.filename in sheets if sheets is not None else _SHEET_XML.match(info.filename):
            with z.open(info) as fh:
                head = fh.read(HEAD_BYTES)
            found = _DIMENSION.search(head)
            if found:
                check_range(*(g.decode() if g else None for g in found.groups()))


def check_range(first_col: str, first_row: str, last_col: str | None, last_row: str | None) -> None:
    """A sheet's used range (as Excel states it, or as its cells span) within the row, column and cell limits."""
    last_col, last_row = last_col or first_col, last_row or first_row
    rows = int(last_row) - int(first_row) + 1
    cols = column_number(last_col) - column_number(first_col) + 1
    where = f"工作表的使用范围 {first_col}{first_row}:{last_col}{last_row}（{spaced(rows)} 行 × {spaced(cols)} 列）"
    advice = "多半是表格下方或右侧有零散内容或格式，请删除多余的行和列后再导入"
    if rows > MAX_ROWS.value() + 1:  # + the header row
        raise TooLarge(f"{where}超过行数上限 {spaced(MAX_ROWS.value())}：{advice}（上限见环境变量 {MAX_ROWS.env}）")
    if cols > MAX_COLUMNS.value():
        raise TooLarge(
            f"{where}超过列数上限 {spaced(MAX_COLUMNS.value())}：{advice}（上限见环境变量 {MAX_COLUMNS.env}）"
        )
    if rows * cols > MAX_CELLS.value():
        raise TooLarge(
            f"{where}超过单元格数上限 {spaced(MAX_CELLS.value())}：{advice}（上限见环境变量 {MAX_CELLS.env}）"
        )
