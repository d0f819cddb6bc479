"""Reading an uploaded .xlsx: the sheet chosen and counted, formulas and error values refused, dates and % undone."""

from __future__ import annotations

import io
import re
import warnings
import zipfile

import polars as pl

from gydash.base import libs
from gydash.base.contract import DATASET_LABELS
from gydash.base.problems import show_value
from gydash.snapshots import limits, percent_cells, workbook_parts
from gydash.snapshots.column_checks import fold as fold_header  # the one header spelling rule, shared with validation
from gydash.snapshots.guard import FILE_FAILURES, is_panic, reason
from gydash.snapshots.headers import _apply_header, _col_letter
from gydash.snapshots.intake import MAX_LISTED, Raw, Refused
from gydash.snapshots.limits import spaced

TEMPLATE_AUX_SHEETS = ("数据字典", "选项")  # written by gydash.snapshots.templates; never data

_ROUND_AS_DATE = re.compile(r"^(\d{4})-(03|10)-01(?: 00:00:00)?$")


def _pick_sheet(sheets: list[tuple[str, str]], dataset: str) -> tuple[str, str]:
    """(name, note) of the sheet to read from (name, state) pairs: the one named after the dataset, else the first
    data sheet. A hidden sheet (state hidden or veryHidden) is passed over for a visible one of the same kind, and
    the note says when the sheet read is hidden."""
    wanted = {fold_header(dataset), fold_header(DATASET_LABELS[dataset])}
    named = [(n, s) for n, s in sheets if fold_header(n) in wanted]
    data = [(n, s) for n, s in sheets if n not in TEMPLATE_AUX_SHEETS]
    if not data:
        raise Refused("工作簿里没有数据工作表（只有数据字典或选项表）")
    pool = named or data
    name, state = next(((n, s) for n, s in pool if s == "visible"), pool[0])
    first = "第一个未隐藏的" if any(s != "visible" for _, s in pool) else "第一个"
    how = f"读取工作表「{name}」（与数据集同名）" if named else f"读取{first}工作表「{name}」"
    if state != "visible":
        why = "" if named else "：工作簿里没有可见的数据工作表"
        how += f"{why}；这张工作表在 Excel 中是隐藏的，请核对它是否就是要导入的数据"
    return name, how


# The reader's own words are English and name its internals: staff get what they can do instead.
UNREADABLE = (
    "无法读取 .xlsx 文件：文件结构不是 Excel 能保存的样子（可能已损坏，或由其他软件生成）："
    "请用 Excel 或 WPS 打开，另存为 Excel 工作簿（.xlsx）后再导入"
)
MAX_OTHER_TAGS = 200_000  # elements outside the sheet and its texts: formats, comments, charts, names; Excel's own
# limit of about 65 000 cell formats, each with a child or two, stays under it


def _check_counts(z: zipfile.ZipFile, sheet: str, part: str, strings: str | None, parsed: set[str]) -> None:
    """What the reader would parse, counted in the XML first (workbook_parts.count_tags): the sheet's rows and
    cells, the texts they share, and every other part's elements; refused over a limit before any is parsed."""
    max_cells, max_rows = limits.MAX_CELLS.value(), limits.MAX_ROWS.value() + 1  # + the header row
    found = workbook_parts.count_tags(z, part, {b"c": max_cells, b"row": max_rows})
    advice = "多半是表格下方或右侧有零散内容或格式，请删除多余的行和列后再导入"
    _over(found[b"row"] > max_rows, f"工作表「{sheet}」的行数过多，超过行数上限", limits.MAX_ROWS, advice)
    what = f"工作表「{sheet}」的单元格过多（只设了格式的空单元格也计在内），超过单元格数上限"
    _over(found[b"c"] > max_cells, what, limits.MAX_CELLS, advice)
    if strings in z.namelist():
        texts = workbook_parts.count_tags(z, strings, {b"si": max_cells})[b"si"]
        what = "工作簿中不同的文字过多（每段文字至少占一个单元格），超过单元格数上限"
        advice = "多半是别的工作表内容很多：请只把要导入的表复制到新工作簿后再导入"
        _over(texts > max_cells, what, limits.MAX_CELLS, advice)
    others = 0
    for name in sorted(parsed - {part, strings}):
        others += workbook_parts.count_tags(z, name, {workbook_parts.ANY: MAX_OTHER_TAGS - others})[workbook_parts.ANY]
        if others > MAX_OTHER_TAGS:
            raise Refused(
                f"工作簿中除表格数据外的内容（单元格格式、批注、图表、名称等）超过 {spaced(MAX_OTHER_TAGS)} 项，"
                "远多于正常的 Excel 文件，未读取：请新建工作簿，把要导入的表“选择性粘贴 → 数值”过去后再导入"
            )


def _over(over: bool, what: str, limit: limits.Limit, advice: str) -> None:
    if over:
        raise Refused(f"表格太大，未读取：{what} {spaced(limit.value())}：{advice}（上限见环境变量 {limit.env}）")


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
    problems += _error_values(cells, header)
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


def _error_values(cells: list, header: dict[int, str]) -> list[str]:
    """Cells holding an Excel error value (#N/A, #DIV/0!, …) with no formula left, as one sentence: such a cell has
    no value to import, and read as empty it would be reported as a blank staff could not find."""
    errors = sorted((c for c in cells if c.data_type == "e"), key=lambda c: (c.row, c.column))
    if not errors:
        return []
    shown = "；".join(
        f"第 {c.row} 行「{header.get(c.column, _col_letter(c.column))}」（{c.coordinate}）：{show_value(c.value)}"
        for c in errors[:MAX_LISTED]
    )
    more = f"等 {len(errors)} 个" if len(errors) > MAX_LISTED else f"{len(errors)} 个"
    return [
        f"表中有 {more}单元格是 Excel 的错误值（公式算不出结果时显示的 #N/A、#VALUE!、#DIV/0!、#REF! 等，"
        f"不是数据）：{shown}。请在 Excel 中找到这些单元格，填上实际的数值或文字（没有数据的就清空），保存后重新导入"
    ]


def _open_sheet(content: bytes, dataset: str) -> tuple[str, list[str], bytes]:
    """The sheet to read, notes on the choice, and the workbook with only that sheet left to parse; Refused for a
    workbook that cannot be opened or a sheet over the limits, before any sheet is parsed."""
    try:
        z = zipfile.ZipFile(io.BytesIO(content))
        limits.check_workbook(z, sheets=())  # the sheet's own range once it is chosen: other sheets never count
    except limits.TooLarge as exc:
        raise Refused(f"表格太大，未读取：{exc}") from exc
    except (zipfile.BadZipFile, *FILE_FAILURES) as exc:
        raise Refused("无法打开 .xlsx 文件：文件已损坏或不完整") from exc
    with z:
        try:
            with warnings.catch_warnings():  # openpyxl warns about parts it does not keep
                warnings.simplefilter("ignore")
                sheets, strings = workbook_parts.sheet_parts(content)
        except Exception as exc:  # openpyxl raises many kinds; all mean the workbook cannot be read
            raise Refused(UNREADABLE) from exc
        if not sheets:
            raise Refused("工作簿里没有工作表")
        sheet, how = _pick_sheet([(n, s) for n, s, _ in sheets], dataset)
        part = next(p for n, _, p in sheets if n == sheet)
        if len([p for _, _, p in sheets if p == part]) > 1:  # each would be parsed in full
            raise Refused(f"工作簿结构异常：几个工作表共用工作表「{sheet}」的内容；请把数据复制到新工作簿后再导入")
        drop = {p for _, _, p in sheets} - {part}
        try:
            unused = workbook_parts.unused_parts(z, part, drop)
            parsed = {n for n in z.namelist() if n.endswith((".xml", ".rels"))} - unused
            limits.check_workbook(z, sheets=(part,))
            _check_counts(z, sheet, part, strings, parsed)
            content = workbook_parts.only_sheet(z, drop) if drop else content
        except limits.TooLarge as exc:
            raise Refused(f"表格太大，未读取（工作表「{sheet}」）：{exc}") from exc
        except FILE_FAILURES as exc:
            if isinstance(exc, Refused):
                raise
            raise Refused("无法打开 .xlsx 文件：文件已损坏或不完整") from exc
    notes = [how]
    skipped = [(n, s) for n, s, _ in sheets if n not in (sheet, *TEMPLATE_AUX_SHEETS)]
    others = [f"「{n}」" + ("（隐藏）" if s != "visible" else "") for n, s in skipped]
    if others:
        notes.append("其他工作表未读取：" + "、".join(others))
    return sheet, notes, content


def read_xlsx(content: bytes, dataset: str) -> Raw:
    """The chosen sheet's rows, header applied; Refused for formulas, error values, merged cells, a sheet over the
    limits or an unreadable workbook."""
    openpyxl = libs.load("fastexcel", "openpyxl")  # fastexcel: polars.read_excel below
    if content[:2] != b"PK":
        if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise Refused("这是旧版 Excel（.xls）文件：请在 Excel 或 WPS 中“另存为 → Excel 工作簿（.xlsx）”后再导入")
        raise Refused("不是有效的 .xlsx 文件（文件头不符），可能是改了扩展名的其他文件")
    sheet, notes, content = _open_sheet(content, dataset)
    try:
        with warnings.catch_warnings():  # openpyxl warns about styles and extensions it does not keep
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(content), data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds; all mean the workbook cannot be read
        raise Refused(UNREADABLE) from exc
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
    return _fix_excel_rounds(percent_cells.percent_as_shown(raw, ws, header, dataset), dataset)


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
