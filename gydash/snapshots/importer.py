"""Importing a staff file (.parquet, .xlsx, .csv) as a new snapshot: read, validate, then write it atomically.

The rules, in the order a file meets them:

- The name: a source name trying to reach another folder (``../``, ``/etc``, ``C:\\``) or holding control
  characters is refused; other punctuation in a name taken from the file is replaced by ``_`` (and said so);
  an explicit ``name`` must already be clean (Chinese letters, letters, digits, ``-`` and ``_``).
- The size: above ``GYDASH_MAX_UPLOAD_MB`` (default 50, at most 1024; an unusable value means the default, said
  so) the file is refused before it is read. A named pipe or device is refused, never waited on.
- Where it goes: ``DATA_DIR/<dataset>`` must be a real folder (or not there yet): a linked folder is never read
  by the catalog and a file in its place cannot hold snapshots, so both are refused before anything is written.
- The date: from the name (a date that does not exist is refused), else today, or as given; within 2000–2100 and
  at most ``FUTURE_MARGIN_DAYS`` ahead unless forced, since the newest snapshot outranks every correction.
- The header: a column name given twice is refused, naming the columns.
- Spreadsheets (.xlsx): the sheet named like the dataset (``indicators`` or ``指标数据``) is read, else the
  first sheet that is not the template's 数据字典; the report says which, and names the sheets left out.
  Formulas are **refused** (a cached result may be stale, or absent when the file was made by a script:
  a snapshot must hold the figures themselves). Merged cells are refused (a merged header hides columns, a
  merged block of data leaves rows empty). Fully blank rows are skipped and counted. The header is the first
  row with any value; row numbers in messages are the rows staff see in Excel.
- CSV: UTF-8 (with or without BOM) or GBK/GB18030, comma- or tab-separated; any other encoding is refused.
- The rows then go through the same validation as files in data/. Only a valid file is written, as
  ``DATA_DIR/<dataset>/<as-of>_<name>.parquet``: English column names, contract types, values as staff gave
  them (so the written file re-validates to the same rows — checked before it is put in place). It is written
  under a hidden ``.…part`` name and hard-linked into place, which fails rather than replace an existing
  file; a taken name gets ``_2`` … ``_9``, and the same source file imported twice is refused. The file gets the
  mode any program's new file gets there (0o666 less the umask), so a dashboard under another account reads it.
"""

from __future__ import annotations

import csv
import dataclasses
import errno
import hashlib
import io
import json
import logging
import math
import os
import re
import secrets
import stat
import tempfile
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from gydash.base import clock
from gydash.base.contract import DATASET_LABELS, DATASETS, columns
from gydash.base.problems import Problem, show_value, visible
from gydash.snapshots import limits, store
from gydash.snapshots.catalog import (
    FIRST_YEAR,
    FUTURE_MARGIN_DAYS,
    LAST_YEAR,
    UNREADABLE_FOLDER,
    date_from_name,
    invalid_date_in_name,
    open_regular,
    os_reason,
    scan,
)
from gydash.snapshots.coerce import COERCE
from gydash.snapshots.guard import FILE_FAILURES, reason
from gydash.snapshots.validate import _fold as fold_header  # the one header spelling rule, shared with validation
from gydash.snapshots.validate import validate

SUFFIXES = (".xlsx", ".csv", ".parquet")
DEFAULT_MAX_UPLOAD_MB = 50
MAX_UPLOAD_MB_CAP = 1024  # a file is held in memory whole while it is checked
IMPORT_META_KEY = b"gydash_import"
TEMPLATE_AUX_SHEETS = ("数据字典", "选项")  # written by gydash.snapshots.templates; never data
MAX_NAME_CHARS = 60
MAX_LISTED = 5
_NAME_OK = re.compile(r"^[\w\-]+$")
_ROUND_AS_DATE = re.compile(r"^(\d{4})-(03|10)-01(?: 00:00:00)?$")
_DRIVE = re.compile(r"^[A-Za-z]:")
log = logging.getLogger(__name__)


class Refused(Exception):
    """The file cannot be imported at all (before row validation); the message says what to do."""


@dataclass
class Prepared:
    """A file read and checked, ready to be written (or not). Rows are numbered as staff see them."""

    dataset: str
    source: str  # the file name as staff gave it
    as_of: date | None
    name: str  # the sanitised <name> part of the target
    rel: str  # dataset/<as-of>_<name>.parquet as it would be written now
    sha256: str
    frame: pl.DataFrame | None = None  # validated rows (as resolution sees them); None when refused
    out: pl.DataFrame | None = None  # the rows to write: English headers, contract types
    rows: int = 0  # data rows read (blank rows excluded)
    source_rows: list[int] = field(default_factory=list)  # the row staff see for each row of `out`
    sheet: str | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.out is not None and not self.errors


@dataclass
class Raw:
    frame: pl.DataFrame  # header row applied; blank rows dropped; every value as text (or Parquet's own types)
    rows: list[int]  # for each row of frame, the row number staff see (Excel / a spreadsheet opening the CSV)
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)


def upload_limit() -> tuple[float, str | None]:
    """(MB, problem): GYDASH_MAX_UPLOAD_MB when it is a number above 0 and at most MAX_UPLOAD_MB_CAP; otherwise
    the default (or the cap) and a sentence saying why, which import shows and the server log records."""
    raw = os.environ.get("GYDASH_MAX_UPLOAD_MB", "")
    if not raw.strip():
        return DEFAULT_MAX_UPLOAD_MB, None
    try:
        mb = float(raw)
    except ValueError:
        mb = math.nan
    if not math.isfinite(mb) or mb <= 0:
        problem = (
            f"设置 GYDASH_MAX_UPLOAD_MB 的值「{show_value(raw)}」无效（应为大于 0 的数，单位 MB），"
            f"已按默认 {DEFAULT_MAX_UPLOAD_MB} MB"
        )
        return _logged(DEFAULT_MAX_UPLOAD_MB, problem)
    if mb > MAX_UPLOAD_MB_CAP:
        problem = f"设置 GYDASH_MAX_UPLOAD_MB 的值「{show_value(raw)}」超过上限 {MAX_UPLOAD_MB_CAP} MB，已按上限"
        return _logged(MAX_UPLOAD_MB_CAP, problem)
    return mb, None


_said: set[str] = set()


def _logged(mb: float, problem: str) -> tuple[float, str]:
    if problem not in _said:  # once per process, not on every page rerun
        _said.add(problem)
        log.warning(problem)
    return mb, problem


def max_upload_bytes() -> int:
    """The size limit in bytes, from GYDASH_MAX_UPLOAD_MB (default 50 MB; see upload_limit)."""
    return int(upload_limit()[0] * 1024 * 1024)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


# ---------------------------------------------------------------- names


def _bad_chars(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")]


def source_parts(filename: str) -> tuple[str, str]:
    """(stem, suffix) of an uploaded or given file name; Refused if it tries to name a path."""
    if not filename or not filename.strip():
        raise Refused("没有文件名")
    if _bad_chars(filename):
        raise Refused(f"文件名「{show_value(filename)}」含有控制字符或不可见字符，请重命名后再导入")
    if "/" in filename or "\\" in filename or _DRIVE.match(filename) or filename.strip() in (".", ".."):
        raise Refused(f"文件名「{show_value(filename)}」含有路径（如 ../ 或 / 开头），只能是一个文件名")
    base = filename.strip()
    suffix = Path(base).suffix.lower()
    return base[: len(base) - len(suffix)] if suffix else base, suffix


def check_name(name: str) -> str:
    """An explicit <name> must already be clean: letters (Chinese too), digits, '-' and '_'."""
    text = unicodedata.normalize("NFKC", name.strip())
    if not text:
        raise Refused("名称不能为空")
    if "/" in text or "\\" in text or ".." in text or _DRIVE.match(text):
        raise Refused(f"名称「{show_value(name)}」含有路径（如 ../ 或 /），只能是一个名称")
    if not _NAME_OK.match(text) or text.startswith(("-", "_")):
        raise Refused(f"名称「{show_value(name)}」只能包含汉字、字母、数字、- 和 _（不能以 - 或 _ 开头）")
    if len(text) > MAX_NAME_CHARS:
        raise Refused(f"名称太长（{len(text)} 个字符），最多 {MAX_NAME_CHARS} 个")
    return text


def name_from_source(stem: str, as_of_text: str | None, dataset: str) -> tuple[str, str | None]:
    """A clean <name> from the file's own name: the as-of date taken out, other punctuation made '_'."""
    text = unicodedata.normalize("NFKC", stem)
    if as_of_text:
        text = text.replace(as_of_text, "", 1)
    text = text.strip("_- ")
    clean = re.sub(r"[^\w\-]+", "_", text)
    clean = re.sub(r"_+", "_", clean).strip("_-")[:MAX_NAME_CHARS].strip("_-")
    if not clean:
        return dataset, None
    return clean, (f"文件名中的空格和符号已替换为 _，保存为「{clean}」" if clean != text else None)


def _date_text(stem: str) -> tuple[date | None, str | None]:
    found = date_from_name(stem)
    if found is None:
        return None, None
    for text in (found.isoformat(), found.strftime("%Y%m%d")):
        if text in stem:
            return found, text
    return found, None


# ---------------------------------------------------------------- reading


def _blank(frame: pl.DataFrame) -> pl.Series:
    """True for rows in which every cell is empty or only spaces."""
    if frame.width == 0:
        return pl.Series([True] * frame.height, dtype=pl.Boolean)
    empty = [
        pl.col(c).is_null() | (pl.col(c).cast(pl.String, strict=False).str.strip_chars() == "").fill_null(False)
        for c in frame.columns
    ]
    return frame.select(pl.all_horizontal(empty)).to_series()


def _drop_blank(frame: pl.DataFrame, rows: list[int], notes: list[str]) -> tuple[pl.DataFrame, list[int]]:
    blank = _blank(frame)
    if not blank.any():
        return frame, rows
    skipped = [r for r, b in zip(rows, blank.to_list(), strict=True) if b]
    last_data = max((r for r, b in zip(rows, blank.to_list(), strict=True) if not b), default=0)
    inside = [r for r in skipped if r < last_data]
    if inside:
        shown = "、".join(str(r) for r in inside[:MAX_LISTED]) + ("…" if len(inside) > MAX_LISTED else "")
        notes.append(f"跳过了 {len(inside)} 个空行（第 {shown} 行）")
    kept = [r for r, b in zip(rows, blank.to_list(), strict=True) if not b]
    return frame.filter(~blank), kept


def _apply_header(grid: pl.DataFrame, first_row: int, notes: list[str], dataset: str) -> Raw:
    """First row of `grid` is the header (row `first_row` as staff see it); the rest are data rows."""
    if grid.height == 0:
        raise Refused("文件是空的，没有表头也没有数据")
    header = [None if v is None else str(v).strip() for v in grid.row(0)]
    body = grid.slice(1)
    keep, names, unnamed = [], [], []
    for i, (col, name) in enumerate(zip(grid.columns, header, strict=True)):
        if name:
            keep.append(col)
            names.append(name)
        elif not _blank(body.select(col)).all():
            unnamed.append(
                f"第 {first_row} 行（表头）的第 {i + 1} 列没有列名，但这一列下面有数据；请补上列名或删除这一列"
            )
    if unnamed:
        rows = list(range(first_row + 1, first_row + 1 + body.height))
        raise Refused(_header_hint(body, rows, dataset) or "\n".join(unnamed))
    repeated = _repeated_headers(header, first_row)
    if repeated:
        raise Refused("\n".join(repeated))
    body = body.select(keep).rename(dict(zip(keep, names, strict=True))) if keep else pl.DataFrame()
    rows = list(range(first_row + 1, first_row + 1 + body.height))
    if first_row > 1:
        notes.append(f"表头在第 {first_row} 行（上面是空行）")
    body, rows = _drop_blank(body, rows, notes)
    return Raw(body, rows, notes=notes)


def _repeated_headers(header: list[str | None], first_row: int) -> list[str]:
    """A column name given twice, with the columns where (a table cannot hold two columns of one name)."""
    where: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        if name:
            where.setdefault(name, []).append(i + 1)
    return [
        f"第 {first_row} 行（表头）"
        + "、".join(f"第 {i} 列（{_col_letter(i)}）" for i in at)
        + f"的列名都是「{show_value(name)}」：每列的列名只能出现一次，请删除或改名重复的列"
        for name, at in where.items()
        if len(at) > 1
    ][:MAX_LISTED]


def _col_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i)


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
    import openpyxl

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
    except FILE_FAILURES as exc:
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


def decode_csv(content: bytes) -> tuple[str, str]:
    """(text, encoding name) for UTF-8 (BOM or not) or GBK/GB18030; Refused for anything else."""
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise Refused("文件是 UTF-16 编码（Excel 的“Unicode 文本”）：请另存为“CSV UTF-8（逗号分隔）”后再导入")
    if b"\x00" in content[:4096]:
        raise Refused("文件中有空字符，不是 UTF-8 或 GBK 编码的文本：请另存为“CSV UTF-8（逗号分隔）”后再导入")
    try:
        return content.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030"), "GBK"
    except UnicodeDecodeError as exc:
        raise Refused(
            "无法识别文件编码（既不是 UTF-8 也不是 GBK）：请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”后再导入"
        ) from exc


def _csv_reason(exc: csv.Error) -> str:
    """The csv module's English reason in words staff can act on."""
    text = str(exc)
    if "field limit" in text:
        return f"有一个单元格超过 {csv.field_size_limit()} 个字符，不是正常的表格内容"
    if "NUL" in text:
        return "含有空字符，不是正常的文本文件"
    if "new-line" in text or "newline" in text:
        return "单元格中有换行但没有用引号括起来，请用 Excel 或 WPS 另存为 CSV 后再导入"
    return f"无法按 CSV 读取（{text}）"


def read_csv(content: bytes, dataset: str) -> Raw:
    """Rows of a CSV file; row numbers are records as a spreadsheet shows them (header = first non-blank)."""
    text, encoding = decode_csv(content)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:  # from the text itself, before a list of millions of records is built
        limits.check_rows(max(0, text.count("\n") - 1))
        limits.check_columns(first.count(delimiter) + 1)
    except limits.TooLarge as exc:
        raise Refused(f"表格太大，未读取：{exc}") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise Refused(f"CSV 格式有误（第 {reader.line_num} 行）：{_csv_reason(exc)}") from exc
    top = 0
    while top < len(records) and not any(v.strip() for v in records[top]):
        top += 1
    records = records[top:]
    if not records:
        raise Refused("文件是空的，没有表头也没有数据")
    width = len(records[0])
    long_rows = [
        f"第 {top + 1 + i} 行有 {len(rec)} 个值，比表头多 {len(rec) - width} 个：请检查是否有多余的逗号"
        for i, rec in enumerate(records)
        if len(rec) > width and any(v.strip() for v in rec[width:])
    ]
    if long_rows:
        raise Refused("\n".join(long_rows[:MAX_LISTED]))
    cells = [[(v if v.strip() else None) for v in (rec + [""] * width)[:width]] for rec in records]
    grid = pl.DataFrame({f"c{j}": [r[j] for r in cells] for j in range(width)}, schema=[f"c{j}" for j in range(width)])
    grid = grid.cast(pl.String)
    notes = [f"按 {encoding} 编码读取" + ("（制表符分隔）" if delimiter == "\t" else "")]
    return _apply_header(grid, top + 1, notes, dataset)


def read_parquet_bytes(content: bytes) -> Raw:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.parquet"
        path.write_bytes(content)
        try:
            frame, _ = store.read_parquet(path, len(content))
        except store.ReadError as exc:
            where = [f"第 {exc.row} 行" if exc.row else "", f"列「{exc.column}」" if exc.column else ""]
            shown = f"值「{exc.value}」" if exc.value is not None else ""
            raise Refused(" ".join(w for w in (*where, shown) if w) + ("：" if any(where) else "") + str(exc)) from exc
        except limits.TooLarge as exc:
            raise Refused(f"文件太大，未读取：{exc}") from exc
    return Raw(frame, list(range(1, frame.height + 1)))


def read_raw(content: bytes, suffix: str, dataset: str) -> Raw:
    if suffix == ".xlsx":
        return read_xlsx(content, dataset)
    if suffix == ".csv":
        return read_csv(content, dataset)
    if suffix == ".parquet":
        return read_parquet_bytes(content)
    if suffix in (".xls", ".et", ".wps"):
        raise Refused(f"不支持 {suffix} 格式：请另存为 Excel 工作簿（.xlsx）或 CSV UTF-8 后再导入")
    raise Refused(f"不支持的文件类型「{suffix or '（无扩展名）'}」：只接受 .xlsx、.csv 和 .parquet")


# ---------------------------------------------------------------- validating


def _remap(problems: list[Problem], rows: list[int], offset: int) -> list[Problem]:
    """Row numbers as validate() counted them (offset + position) → the rows staff see (blank rows skipped)."""
    out = []
    for p in problems:
        i = p.row - 1 - offset if p.row is not None else None
        if i is not None and 0 <= i < len(rows):
            p = dataclasses.replace(p, row=rows[i])
        out.append(p)
    return out


def canonical(dataset: str, raw: pl.DataFrame) -> pl.DataFrame:
    """The contract's columns that the file has, under their English names and in the contract's types:
    values as given (an area stays '利州', 万元 stays 万元), so validating this frame gives the same rows."""
    specs = {}
    for col in columns(dataset):
        specs[fold_header(col.name)] = col
        specs[fold_header(col.zh)] = col
    out = {}
    for header in raw.columns:
        col = specs.get(fold_header(header))
        if col is not None and col.name not in out:
            out[col.name] = COERCE[col.type](raw.get_column(header))[0].alias(col.name)
    order = [c.name for c in columns(dataset) if c.name in out]
    return pl.DataFrame([out[name] for name in order]) if order else pl.DataFrame()


def _header_hint(body: pl.DataFrame, rows: list[int], dataset: str) -> str | None:
    """A row below the header that looks like the real header (a title row above it, typically)."""
    known = {fold_header(c.zh) for c in columns(dataset)} | {fold_header(c.name) for c in columns(dataset)}
    for i, values in enumerate(body.head(10).iter_rows()):
        if sum(1 for v in values if v is not None and fold_header(str(v)) in known) >= 2:
            return f"第 {rows[i]} 行看起来才是表头：表头必须是第一行有内容的行，请删除上面的标题行后再导入"
    return None


def _file_problem(source: str, message: str) -> Problem:
    return Problem(source, message)


def prepare(
    content: bytes,
    filename: str,
    dataset: str,
    data_dir: Path | str,
    as_of: date | None = None,
    name: str | None = None,
    force: bool = False,
) -> Prepared:
    """Read and validate a file staff gave; nothing is written. `prepared.ok` says whether it can be.
    `force` lets a snapshot date more than FUTURE_MARGIN_DAYS ahead through (the command line's --force)."""
    source = filename
    prepared = Prepared(dataset, source, as_of, "", "", hashlib.sha256(content).hexdigest())
    if dataset not in DATASETS:
        prepared.errors.append(_file_problem(source, f"没有数据集「{dataset}」，可选：{'、'.join(DATASETS)}"))
        return prepared
    limit_problem = upload_limit()[1]
    if limit_problem:
        prepared.notes.append(limit_problem)
    try:
        stem, suffix = source_parts(filename)
        if len(content) > max_upload_bytes():
            raise Refused(
                f"文件太大（{_mb(len(content))}），上限为 {_mb(max_upload_bytes())}；"
                "请拆分成几个文件，或请管理员调整 GYDASH_MAX_UPLOAD_MB"
            )
        folder_check(Path(data_dir), dataset)
        named_as_of, date_text = _date_text(stem)
        if prepared.as_of is None:
            invalid = invalid_date_in_name(stem)
            if named_as_of is None and invalid:
                raise Refused(
                    f"文件名中的日期「{show_value(invalid)}」不是有效日期：请改正文件名中的日期（如 2025-09-30），"
                    "或另行指定快照日期"
                )
            prepared.as_of = named_as_of or clock.today()
            prepared.notes.append(
                f"快照日期 {prepared.as_of}（取自文件名）"
                if named_as_of
                else f"快照日期 {prepared.as_of}（文件名中没有日期，取今天；可另行指定）"
            )
        date_check(prepared.as_of, force)
        if name is not None and name.strip():
            prepared.name = check_name(name)
        else:
            prepared.name, note = name_from_source(stem, date_text, dataset)
            if note:
                prepared.notes.append(note)
        prepared.rel = target_rel(Path(data_dir), dataset, prepared.as_of, prepared.name)
        earlier = already_imported(Path(data_dir), dataset, prepared.sha256)
        if earlier:
            raise Refused(f"同一个文件已经导入过：{earlier}；不会重复写入")
        raw = read_raw(content, suffix, dataset)
    except Refused as exc:
        prepared.errors.extend(_file_problem(source, line) for line in str(exc).split("\n"))
        return prepared
    except FILE_FAILURES as exc:  # a shape of file the reader did not foresee refuses this file, never crashes
        prepared.errors.append(_file_problem(source, f"无法读取此文件：{reason(exc)}"))
        return prepared
    prepared.notes.extend(raw.notes)
    prepared.notes.extend(_unchecked_folders(Path(data_dir), dataset))
    prepared.sheet, prepared.rows, prepared.source_rows = raw.sheet, raw.frame.height, raw.rows
    if prepared.as_of > clock.today():
        prepared.notes.append(f"快照日期 {prepared.as_of} 晚于今天，请核对")
    _validate_into(prepared, raw)
    return prepared


def date_check(as_of: date, force: bool = False) -> None:
    """Refused for a snapshot date outside the contract's years, or (unless forced) more than FUTURE_MARGIN_DAYS
    after today: the newest snapshot wins, so a file dated 2099 would outrank every correction made until then."""
    if not FIRST_YEAR <= as_of.year <= LAST_YEAR:
        raise Refused(f"快照日期 {as_of.isoformat()} 不在 {FIRST_YEAR}–{LAST_YEAR} 年之间：请改正日期")
    today = clock.today()
    ahead = (as_of - today).days
    if ahead > FUTURE_MARGIN_DAYS and not force:
        raise Refused(
            f"快照日期 {as_of} 比今天（{today}）晚 {ahead} 天：快照日期是这份数据整理截止的日期，不能是将来。"
            "日期晚的快照优先，这个文件会压过此后所有更正。请改正文件名中的日期或指定的快照日期；"
            "确需使用将来日期时，请管理员用命令行 `gydash import … --force` 导入"
        )


def folder_check(root: Path, dataset: str) -> None:
    """Refused unless DATA_DIR/<dataset> is a real folder the dashboard reads (or not there yet, to be made):
    the catalog never follows a linked dataset folder, so a file written through one would never count."""
    folder = root / dataset
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise Refused(f"无法查看数据集文件夹 {dataset}/（{os_reason(exc)}），未写入") from exc
    if stat.S_ISLNK(st.st_mode):
        try:
            points_to = os.readlink(folder)
        except OSError:
            points_to = "?"
        raise Refused(
            f"数据集文件夹 {dataset}/ 是一个链接（指向 {show_value(points_to)}）：看板不读取链接的文件夹，"
            "写进去的文件不会计入。请管理员把它换成数据目录中的真实文件夹后再导入"
        )
    if not stat.S_ISDIR(st.st_mode):
        raise Refused(
            f"数据目录中的「{dataset}」是一个文件，不是文件夹：看板无法从中读取，也无法写入。"
            "请管理员把它改名或移走后再导入"
        )


def _unchecked_folders(root: Path, dataset: str) -> list[str]:
    """Sub-folders of the dataset that could not be opened: files in them were not checked for a repeat import
    (and do not count on the dashboard either, which lists them with the reason)."""
    return [
        f"文件夹 {e.rel} 无法打开，其中的文件未检查（看板也不读取它们）"
        for e in scan(root)
        if e.dataset == dataset and e.ignored and e.ignored.startswith(UNREADABLE_FOLDER)
    ]


def _validate_into(prepared: Prepared, raw: Raw) -> None:
    offset = raw.rows[0] - 1 if raw.rows else 0
    try:
        result = validate(prepared.dataset, raw.frame, prepared.source, row_offset=offset)
    except FILE_FAILURES as exc:  # as in store: an unforeseen shape refuses this file with a reason, never crashes
        prepared.errors.append(_file_problem(prepared.source, f"无法按数据约定检查此文件：{reason(exc)}"))
        return
    prepared.errors = _remap(result.errors, raw.rows, offset)
    prepared.warnings = _remap(result.warnings, raw.rows, offset)
    if result.frame is None:
        if any("缺少必填列" in p.message for p in result.errors):
            hint = _header_hint(raw.frame, raw.rows, prepared.dataset)
            if hint:
                prepared.errors.insert(0, _file_problem(prepared.source, hint))
            elif prepared.source.lower().endswith(".csv"):
                prepared.notes.append("如果表头在这里显示为乱码，说明文件编码不对：请另存为“CSV UTF-8（逗号分隔）”")
        return
    if raw.frame.height == 0:
        prepared.errors.append(_file_problem(prepared.source, "文件没有数据行，未导入"))
        return
    position = {i + 1 + offset: r for i, r in enumerate(raw.rows)}
    try:
        prepared.frame = result.frame.with_columns(pl.col("_row").replace_strict(position, return_dtype=pl.UInt32))
        prepared.out = canonical(prepared.dataset, raw.frame)
    except FILE_FAILURES as exc:
        prepared.frame = prepared.out = None
        prepared.errors.append(_file_problem(prepared.source, f"无法按数据约定检查此文件：{reason(exc)}"))


# ---------------------------------------------------------------- writing


def target_rel(data_dir: Path, dataset: str, as_of: date, name: str) -> str:
    """dataset/<as-of>_<name>.parquet, with _2 … _9 when the name is taken; Refused when all are."""
    folder = data_dir / dataset
    for n in range(1, 10):
        stem = f"{as_of.isoformat()}_{name}" + (f"_{n}" if n > 1 else "")
        if not os.path.lexists(folder / f"{stem}.parquet"):  # a dangling link takes the name too
            return f"{dataset}/{stem}.parquet"
    raise Refused(f"{dataset}/{as_of.isoformat()}_{name}.parquet 及 _2 至 _9 都已存在：请换一个名称或快照日期")


def already_imported(data_dir: Path, dataset: str, sha256: str) -> str | None:
    """The file in data_dir that was imported from exactly these bytes, if any. Only the files the dashboard reads
    are looked at, as the catalog finds them: a named pipe called *.parquet is never opened (it would wait for a
    writer for ever), nor anything through a link out of the data dir."""
    for entry in scan(data_dir):
        if entry.dataset != dataset or entry.ignored is not None:
            continue
        try:
            with open_regular(entry.path) as fh:
                meta = pq.ParquetFile(fh).schema_arrow.metadata or {}
            info = json.loads(meta.get(IMPORT_META_KEY, b"{}"))
        except Exception:  # an unreadable file is the catalog's business, not the importer's
            continue
        if isinstance(info, dict) and info.get("sha256") == sha256:
            return entry.rel
    return None


def write(prepared: Prepared, data_dir: Path | str, user: str | None = None) -> Path:
    """Write a prepared, valid file as a new snapshot; never replaces an existing file. Returns the new path."""
    if not prepared.ok:
        raise Refused("文件未通过检查，未写入")
    root = Path(data_dir)
    if not root.is_dir():
        reason = "不是文件夹" if root.exists() else "不存在"
        raise Refused(f"数据目录 {show_value(root)} {reason}，未写入（请检查 GYDASH_DATA_DIR）")
    folder_check(root, prepared.dataset)
    earlier = already_imported(root, prepared.dataset, prepared.sha256)
    if earlier:
        raise Refused(f"同一个文件已经导入过：{earlier}；未重复写入")
    prepared.rel = target_rel(root, prepared.dataset, prepared.as_of, prepared.name)
    target = root / prepared.rel
    try:
        target.parent.mkdir(exist_ok=True)
        folder_check(root, prepared.dataset)  # made just now, or swapped for a link meanwhile
        return _write_file(prepared, target, user)
    except OSError as exc:
        raise Refused(f"无法写入 {prepared.dataset}/（{_write_reason(exc)}），未写入任何文件") from exc
    except store.ReadError as exc:  # the file just written does not read back: say so, put nothing in place
        raise Refused(f"写入后的文件无法读回（{exc}），已放弃写入") from exc


def _write_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "磁盘已满"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "没有写入权限"
    return os_reason(exc)


def _create_part(folder: Path, stem: str) -> tuple[int, Path]:
    """A new hidden .part file, created with the mode any program gets (0o666 less the umask), not mkstemp's
    0o600: a dashboard running under another account must be able to read what staff imported."""
    for _ in range(100):
        path = folder / f".{stem}.{secrets.token_hex(4)}.part"
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666), path
        except FileExistsError:
            continue
    raise Refused("无法创建临时文件，未写入")


def _write_file(prepared: Prepared, target: Path, user: str | None) -> Path:
    meta = {
        "source": prepared.source,
        "sha256": prepared.sha256,
        "sheet": prepared.sheet,
        "imported_at": clock.now().isoformat(timespec="seconds"),
        "by": user,
    }
    table = prepared.out.to_arrow()
    table = table.replace_schema_metadata({IMPORT_META_KEY: json.dumps(meta, ensure_ascii=False).encode()})
    fd, tmp = _create_part(target.parent, target.stem)
    try:
        with os.fdopen(fd, "wb") as fh:
            pq.write_table(table, fh)
            fh.flush()
            os.fsync(fh.fileno())
        _check_written(prepared, tmp)
        _link_into_place(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _check_written(prepared: Prepared, tmp: Path) -> None:
    """The written file must validate to exactly the rows that were previewed."""
    frame, _ = store.read_parquet(tmp, tmp.stat().st_size)
    again = validate(prepared.dataset, frame, prepared.rel)
    if again.frame is None or not again.frame.drop("_row").equals(prepared.frame.drop("_row")):
        raise Refused("写入后的文件与检查结果不一致，已放弃写入（这是程序问题，请联系维护人员）")
    if date_from_name(Path(prepared.rel).name) != prepared.as_of:  # the catalog must date it as previewed
        raise Refused("写入的文件名读不出原定的快照日期，已放弃写入（这是程序问题，请联系维护人员）")


def _link_into_place(tmp: Path, target: Path) -> None:
    try:
        os.link(tmp, target)  # fails if target exists: an existing file is never replaced
    except FileExistsError as exc:
        raise Refused(f"{target.name} 刚刚被别人写入，未覆盖；请重新导入") from exc
    except OSError:
        # A filesystem without hard links: create exclusively, then copy (still never replaces).
        with open(target, "xb") as out, open(tmp, "rb") as src:
            out.write(src.read())
            out.flush()
            os.fsync(out.fileno())


def import_path(
    path: Path | str,
    dataset: str,
    data_dir: Path | str,
    as_of: date | None = None,
    name: str | None = None,
    dry_run: bool = False,
    user: str | None = None,
    force: bool = False,
    check=None,
) -> tuple[Prepared, Path | None]:
    """The command line's import: size checked before reading; written only when valid and not a dry run.
    `check(prepared)` may add errors after validation (a county account's rows, gydash.access.scope) to stop the
    write."""
    path = Path(path)
    try:
        content = _read_source(path)
    except (Refused, OSError) as exc:
        reason = str(exc) if isinstance(exc, Refused) else f"无法打开文件（{os_reason(exc)}）"
        prepared = Prepared(dataset, path.name, as_of, "", "", "")
        prepared.notes.extend(p for p in [upload_limit()[1]] if p)
        prepared.errors.append(Problem(path.name, reason))
        return prepared, None
    prepared = prepare(content, path.name, dataset, data_dir, as_of=as_of, name=name, force=force)
    if check is not None:
        check(prepared)
    if not prepared.ok or dry_run:
        return prepared, None
    try:
        return prepared, write(prepared, data_dir, user=user)
    except Refused as exc:
        prepared.errors.append(Problem(prepared.source, str(exc)))
        prepared.out = None
        return prepared, None


def _read_source(path: Path) -> bytes:
    """The file's bytes, at most the size limit: a named pipe or device is refused, not waited on, and a file
    growing while it is read is cut off at the limit and refused rather than read without end."""
    limit = max_upload_bytes()
    if stat.S_ISDIR(os.stat(path).st_mode):
        raise Refused(f"{show_value(path)} 是一个文件夹，不是文件")
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        content = fh.read(limit + 1) if size <= limit else b""
    if size > limit or len(content) > limit:
        raise Refused(
            f"文件太大（{_mb(max(size, len(content)))}），上限为 {_mb(limit)}；请拆分，或调整 GYDASH_MAX_UPLOAD_MB"
        )
    return content


def report(prepared: Prepared, path: Path | None, dry_run: bool = False) -> int:
    """Print what happened for the command line; the exit code is 0 only when the file was (or would be) written."""
    import sys

    label = DATASET_LABELS.get(prepared.dataset, "")
    print(f"文件：{visible(prepared.source)}    数据集：{visible(prepared.dataset)}（{label}）")
    for note in prepared.notes:
        print(f"· {visible(note)}")
    for p in prepared.errors:
        print(f"✗ 错误  {p}", file=sys.stderr)
    for p in prepared.warnings:
        print(f"! 警告  {p}")
    if prepared.errors or not prepared.ok:
        print(f"未写入任何文件：共 {len(prepared.errors)} 个问题，请改正后重新导入。", file=sys.stderr)
        return 1
    if dry_run:
        print(f"检查通过（{prepared.rows} 行）；--dry-run，未写入。导入时将写入 {visible(prepared.rel)}")
        return 0
    print(f"已写入 {visible(path)}（{prepared.rows} 行）。原有文件均未改动。")
    return 0
