"""Reading an uploaded .xlsx workbook: the sheet chosen, formulas and merged cells refused, Excel's dates undone."""

from __future__ import annotations

import io
import re
import warnings
import zipfile

import polars as pl

from gydash.base import libs
from gydash.base.contract import DATASET_LABELS
from gydash.base.problems import show_value
from gydash.snapshots import limits
from gydash.snapshots.column_checks import fold as fold_header  # the one header spelling rule, shared with validation
from gydash.snapshots.guard import FILE_FAILURES, is_panic, reason
from gydash.snapshots.headers import _apply_header, _col_letter
from gydash.snapshots.intake import MAX_LISTED, Raw, Refused

TEMPLATE_AUX_SHEETS = ("数据字典", "选项")  # written by gydash.snapshots.templates; never data

_ROUND_AS_DATE = re.compile(r"^(\d{4})-(03|10)-01(?: 00:00:00)?$")


def _pick_sheet(names: list[str], dataset: str) -> tuple[str, str]:
    wanted = {fold_header(dataset), fold_header(DATASET_LABELS[dataset])}
    for name in names:
        if fold_header(name) in wanted:
            return name, f"读取工作表「{name}」（与数据集同名）"
    candidates = [n for n in names if n not in TEMPLATE_AUX_SHEETS]
    if not candidates:
        raise Refused("工作簿里没有数据工作表（只有数据字典或选项表）")
    return candidates[0], f"读取第一个工作表「{candidates[0]}」"


def _check_extent(used: list[tuple[int, int]]) -> None:
    """The rectangle from the first to the last filled cell within the limits: it is what gets read as a grid."""
    rows, cols = [r for r, _ in used], [c for _, c in used]
    first, last = (min(rows), min(cols)), (max(rows), max(cols))
    try:
        limits.check_range(_col_letter(first[1]), str(first[0]), _col_letter(last[1]), str(last[0]))
    except limits.TooLarge as exc:
        raise Refused(f"表格太大，未读取：{exc}") from exc


def _check_text(cells: list) -> None:
    """All the cells' text together within the workbook's unpacked-size limit: one long text that many cells share
    (Excel's shared strings) is small in the file, but reading the sheet as a grid spells it out once per cell."""
    total = sum(len(value) for c in cells if isinstance(value := c.value, str))
    limit = limits.MAX_XLSX_UNPACKED_MB.value()
    if total > limit * 1024 * 1024:
        raise Refused(
            f"表格太大，未读取：各单元格的文字合计约 {total / 1024 / 1024:.0f} MB（同一段文字被多个单元格引用时，"
            f"每个单元格都计一次），超过上限 {limit} MB；请删去过长的文字后再导入"
        )


def _structure_problems(ws, cells: list, header_row: int, header: dict[int, str]) -> list[str]:
    """Formulas and merged cells on the sheet being imported, each as a sentence staff can act on."""
    problems: list[str] = []
    formulas = sorted((c for c in cells if c.data_type == "f"), key=lambda c: (c.row, c.column))
    if formulas:
        shown = []
        for cell in formulas[:MAX_LISTED]:
            text = getattr(cell.value, "text", None) or str(cell.value)
            col = header.get(cell.column, _col_letter(cell.column))
            shown.append(f"第 {cell.row} 行「{col}」（{cell.coordinate}）：{show_value(text)}")
        more = f"等 {len(formulas)} 个" if len(formulas) > MAX_LISTED else f"{len(formulas)} 个"
        problems.append(
            f"表中有{more}公式单元格，导入只接受数值本身：" + "；".join(shown) + "。"
            "请选中整张表，复制，再用“选择性粘贴 → 数值”粘贴回原处，保存后重新导入"
        )
    for rng in list(ws.merged_cells.ranges)[:MAX_LISTED]:
        where = "表头" if rng.min_row <= header_row <= rng.max_row else "数据"
        rows = f"第 {rng.min_row} 行" if rng.min_row == rng.max_row else f"第 {rng.min_row}–{rng.max_row} 行"
        problems.append(
            f"单元格 {rng.coord}（{rows}，{where}）是合并单元格：导入要求每列一个表头、每行一条完整记录，"
            "请取消合并，并在每个单元格里都填上内容"
        )
    extra = len(ws.merged_cells.ranges) - MAX_LISTED
    if extra > 0:
        problems.append(f"另有 {extra} 处合并单元格")
    return problems


def read_xlsx(content: bytes, dataset: str) -> Raw:
    """The chosen sheet's rows, header applied; Refused for formulas, merged cells or an unreadable workbook."""
    openpyxl = libs.load("fastexcel", "openpyxl")  # fastexcel: polars.read_excel below

    if content[:2] != b"PK":
        if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise Refused("这是旧版 Excel（.xls）文件：请在 Excel 或 WPS 中“另存为 → Excel 工作簿（.xlsx）”后再导入")
        raise Refused("不是有效的 .xlsx 文件（文件头不符），可能是改了扩展名的其他文件")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            limits.check_workbook(z)
    except limits.TooLarge as exc:
        raise Refused(f"表格太大，未读取：{exc}") from exc
    except (zipfile.BadZipFile, *FILE_FAILURES) as exc:
        raise Refused("无法打开 .xlsx 文件：文件已损坏或不完整") from exc
    try:
        with warnings.catch_warnings():  # openpyxl warns about styles and extensions it does not keep
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(content), data_only=False)
    except Exception as exc:  # openpyxl raises many kinds; all mean the workbook cannot be read
        raise Refused(f"无法读取 .xlsx 文件：{type(exc).__name__}: {str(exc)[:200]}") from exc
    names = [ws.title for ws in wb.worksheets]
    if not names:
        raise Refused("工作簿里没有工作表")
    sheet, how = _pick_sheet(names, dataset)
    notes = [how]
    others = [n for n in names if n != sheet and n not in TEMPLATE_AUX_SHEETS]
    if others:
        notes.append("其他工作表未读取：" + "、".join(f"「{n}」" for n in others))
    ws = wb[sheet]
    # The cells the sheet holds, never ws.iter_rows(): that walks the whole rectangle up to the farthest cell, and
    # one cell at XFD1048576 makes it 17 billion cells.
    cells = list(ws._cells.values())
    used = [(c.row, c.column) for c in cells if c.value is not None]
    if not used:
        raise Refused(f"工作表「{sheet}」是空的")
    _check_extent(used)
    _check_text(cells)
    header_row = min(r for r, _ in used)
    header = {c.column: str(c.value).strip() for c in cells if c.row == header_row and c.value is not None}
    problems = _structure_problems(ws, cells, header_row, header)
    if problems:
        raise Refused("\n".join(problems))
    hidden = [r for r, dim in ws.row_dimensions.items() if dim.hidden and r > header_row]
    if hidden:
        notes.append(f"有 {len(hidden)} 行在 Excel 中被隐藏（如筛选），隐藏的行也会导入")
    try:
        grid = pl.read_excel(
            io.BytesIO(content),
            sheet_name=sheet,
            engine="calamine",
            has_header=False,
            drop_empty_rows=False,
            drop_empty_cols=False,
            read_options={"dtypes": "string"},
        )
    except BaseException as exc:  # the Excel reader's panic is its own class, not polars'
        if not (isinstance(exc, FILE_FAILURES) or is_panic(exc)):
            raise
        raise Refused(f"无法读取工作表「{sheet}」：{reason(exc)}") from exc
    last_row = max(r for r, _ in used)
    if grid.height != last_row - header_row + 1:
        raise Refused("无法确定表格的行号（读取到的行数与工作表不一致），请把数据复制到新工作簿后再导入")
    raw = _apply_header(grid, header_row, notes, dataset)
    raw.sheet = sheet
    return _fix_excel_rounds(raw, dataset)


def _fix_excel_rounds(raw: Raw, dataset: str) -> Raw:
    """Excel turns a typed '2025-10' into the date 2025-10-01; read such a 台账期次 back as '2025-10'."""
    if dataset != "coverage":
        return raw
    for col in raw.frame.columns:
        if fold_header(col) not in (fold_header("round"), fold_header("台账期次")):
            continue
        s = raw.frame[col]
        fixed = s.str.replace(_ROUND_AS_DATE.pattern, "${1}-${2}")
        changed = int((fixed != s).fill_null(False).sum())
        if changed:
            raw.frame = raw.frame.with_columns(fixed.alias(col))
            raw.notes.append(f"{changed} 行的台账期次被 Excel 识别成了日期（如 2025-10-01），已按 YYYY-MM 读取")
    return raw
