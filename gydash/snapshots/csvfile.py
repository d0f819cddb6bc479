"""Reading an uploaded CSV file: UTF-8 or GBK, comma- or tab-separated, rows numbered as a spreadsheet shows them."""

from __future__ import annotations

import csv
import io

import polars as pl

from gydash.snapshots import limits
from gydash.snapshots.headers import _apply_header
from gydash.snapshots.intake import MAX_LISTED, Raw, Refused


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
