"""Reading an uploaded CSV file: UTF-8 or GBK, comma- or tab-separated, any line endings, rows numbered as shown."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from itertools import islice

import polars as pl

from gydash.snapshots import limits
from gydash.snapshots.headers import _apply_header
from gydash.snapshots.intake import MAX_LISTED, Raw, Refused
from gydash.snapshots.limits import spaced

_ENDS = "\r\n"
_SHORT_LINE = re.compile(r"[^\r\n]{0,200}(?:\r\n|\r|\n)?")
# Delimiters one record may hold, per allowed column: commas inside quoted cells count too, so the margin is wide.
DELIMITERS_PER_COLUMN = 1000
# With quoted cells a line break may sit inside a cell, so lines bound the rows only loosely; ten lines a row on
# average is no table staff keep, and refusing beyond it keeps a file of millions of lines from being parsed.
LINES_PER_ROW = 10


def decode_csv(content: bytes) -> tuple[str, str]:
    """(text, encoding name) for UTF-8 (BOM or not) or GBK/GB18030; Refused for anything else."""
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise Refused("文件是 UTF-16 编码（Excel 的“Unicode 文本”）：请另存为“CSV UTF-8（逗号分隔）”后再导入")
    if b"\x00" in content[:4096]:
        raise Refused("文件中有空字符，不是 UTF-8 或 GBK 编码的文本：请另存为“CSV UTF-8（逗号分隔）”后再导入")
    try:
        text, name = content.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        try:  # a UTF-8 mark in front of GBK text is the editor's mistake, not the data
            text, name = content.removeprefix(codecs.BOM_UTF8).decode("gb18030"), "GBK"
        except UnicodeDecodeError as exc:
            raise Refused(
                "无法识别文件编码（既不是 UTF-8 也不是 GBK）：请在 Excel 或 WPS 中另存为“CSV UTF-8（逗号分隔）”后再导入"
            ) from exc
    return text.lstrip("\ufeff"), name  # GB18030's byte-order mark (84 31 95 33) decodes to U+FEFF: not a header


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


def _too_large(exc: limits.TooLarge) -> Refused:
    return Refused(f"表格太大，未读取：{exc}")


def _content_end(text: str) -> int:
    """Where the text ends without the line ends after its last row (they hold nothing: neither rows to count nor
    records to read), found from ever longer tails: stripping the whole text would copy it."""
    tail = 64
    while tail < len(text) and not text[-tail:].strip(_ENDS):
        tail *= 4
    tail = min(tail, len(text))
    return len(text) - tail + len(text[-tail:].rstrip(_ENDS))


def _breaks(text: str, end: int) -> int:
    """Line ends of every kind (\\r\\n once) before `end`, counted in C without building a list of lines."""
    return text.count("\n", 0, end) + text.count("\r", 0, end) - text.count("\r\n", 0, end)


def _find(text: str, char: str, start: int, end: int) -> int:
    found = text.find(char, start, end)
    return found if found >= 0 else end


def _lines(text: str, size: int) -> Iterator[str]:
    """The lines of text[:size] as the csv module (and a spreadsheet) ends them: at \\r\\n, \\n or a bare \\r
    (Excel for Mac's "CSV (Macintosh)"), each with its line end. A regex finds a short line quickly but walks a long
    one character by character, so a long line's end is found with str.find, remembering the next \\r and \\n."""
    pos = cr = lf = 0  # cr, lf: the next \r and \n at or after them (size: none)
    while pos < size:
        end = _SHORT_LINE.match(text, pos, size).end()
        if end < size and text[end - 1] not in _ENDS:
            cr = cr if cr >= end else _find(text, "\r", end, size)
            lf = lf if lf >= end else _find(text, "\n", end, size)
            end = min(lf + 1 if lf == cr + 1 else min(cr, lf) + 1, size)
        yield text[pos:end]
        pos = end


def _delimiter(text: str, end: int) -> str:
    """Tab when the header (the first line with content) has tabs and no comma; else comma."""
    for line in islice(_lines(text, end), limits.MAX_ROWS.value() + 2):
        if line.replace(",", "").replace('"', "").strip():
            return "\t" if "\t" in line and "," not in line else ","
    return ","


class _Feed:
    """The text's lines for the csv reader, refusing a record with more delimiters than any table has before the
    reader splits it into cells (one record of millions of cells holds gigabytes). The reader of records sets
    `row` (the row a spreadsheet shows for the record being read) and `pending` (its delimiters so far) after each."""

    def __init__(self, text: str, end: int, delimiter: str):
        self.text, self.end, self.delimiter = text, end, delimiter
        self.row, self.pending, self.consumed = 1, 0, 0  # consumed: characters handed to the reader so far

    def __iter__(self) -> Iterator[str]:
        most = limits.MAX_COLUMNS.value() * DELIMITERS_PER_COLUMN
        for line in _lines(self.text, self.end):
            self.pending += line.count(self.delimiter)
            if self.pending > most:
                name = "制表符" if self.delimiter == "\t" else "逗号"
                raise Refused(
                    f"表格太大，未读取：第 {self.row} 行有 {spaced(self.pending)} 个以上的{name}，远远超过列数上限 "
                    f"{spaced(limits.MAX_COLUMNS.value())}，不是正常的表格：请检查这一行"
                    f"（上限可由管理员通过环境变量 {limits.MAX_COLUMNS.env} 调整）"
                )
            self.consumed += len(line)
            yield line


def _csv_message(exc: csv.Error, row: int, lines: int) -> str:
    """`row` as a spreadsheet shows it; `lines` read for it (more than one: it began a quoted cell)."""
    if lines > 1 and "field limit" in str(exc):  # a quote never closed takes in the lines below it
        return (
            f"CSV 格式有误（第 {row} 行）：这一行有一个以引号开头的单元格，其后超过 {csv.field_size_limit()} "
            "个字符仍没有结尾的引号：多半是引号没有配对，请检查这一行"
        )
    return f"CSV 格式有误（第 {row} 行）：{_csv_reason(exc)}"


def _check_not_swallowed(feed: _Feed, rec: list[str], began: int) -> None:
    """A quote opened and never closed makes the reader take every line to the end of the file into one cell, and
    the rows below would be lost without a word: the record that reached the end with a line break in a cell and
    an odd number of quotes is refused, naming the row where it began."""
    if feed.consumed < feed.end or not any("\n" in v or "\r" in v for v in rec):
        return
    if feed.text.count('"', began, feed.end) % 2:
        raise Refused(
            f"CSV 格式有误（第 {feed.row} 行）：这一行有一个以引号开头的单元格，直到文件末尾都没有结尾的引号，"
            "其下各行都被读进了这一个单元格：多半是引号没有配对，请检查这一行"
        )


def _long_row(number: int, rec: list[str], width: int) -> str | None:
    if len(rec) > width and any(v.strip() for v in rec[width:]):
        return f"第 {number} 行有 {len(rec)} 个值，比表头多 {len(rec) - width} 个：请检查是否有多余的逗号"
    return None


def _records(text: str, end: int, delimiter: str) -> tuple[list[list[str]], int, list[str]]:
    """(header and records below it, each cut to the header's width; blank records above the header; rows with
    values beyond the header). At most one record past the row limit is read, and the header's width is checked
    as soon as it is read, so memory stays within the limits whatever the file holds."""
    feed = _Feed(text, end, delimiter)
    reader = csv.reader(feed, delimiter=delimiter)
    records: list[list[str]] = []
    above, long_rows, done, began, rec = 0, [], 0, 0, []
    try:
        for rec in islice(reader, limits.MAX_ROWS.value() + 2):
            _check_not_swallowed(feed, rec, began)
            feed.pending, feed.row, done, began = 0, feed.row + 1, reader.line_num, feed.consumed
            if not records and not any(v.strip() for v in rec):
                above += 1
            elif not records:
                limits.check_columns(len(rec))
                records.append(rec)
            else:
                long = _long_row(above + len(records) + 1, rec, len(records[0]))
                if long and len(long_rows) < MAX_LISTED:
                    long_rows.append(long)
                records.append(rec[: len(records[0])])
    except csv.Error as exc:
        raise Refused(_csv_message(exc, feed.row, reader.line_num - done)) from exc
    except limits.TooLarge as exc:
        raise _too_large(exc) from exc
    return records, above, long_rows


def read_csv(content: bytes, dataset: str) -> Raw:
    """Rows of a CSV file; row numbers are records as a spreadsheet shows them (header = first non-blank)."""
    text, encoding = decode_csv(content)
    end = _content_end(text)
    rows = _breaks(text, end)  # each record below the first ends a line: data rows at most, exact if no cell has one
    quoted = text.find('"', 0, end) >= 0
    if rows > limits.MAX_ROWS.value() * (LINES_PER_ROW if quoted else 1):  # refused before any record is read
        raise _too_large(limits.refuse(limits.MAX_ROWS, rows))
    delimiter = _delimiter(text, end)
    records, top, long_rows = _records(text, end, delimiter)
    if top + len(records) - 1 > limits.MAX_ROWS.value():  # quoted cells held line breaks: counted as read
        raise _too_large(limits.refuse(limits.MAX_ROWS, rows))
    if not records:
        raise Refused("文件是空的，没有表头也没有数据")
    if long_rows:
        raise Refused("\n".join(long_rows))
    width = len(records[0])
    cells = [[(v if v.strip() else None) for v in (rec + [""] * width)[:width]] for rec in records]
    grid = pl.DataFrame({f"c{j}": [r[j] for r in cells] for j in range(width)}, schema=[f"c{j}" for j in range(width)])
    grid = grid.cast(pl.String)
    notes = [f"按 {encoding} 编码读取" + ("（制表符分隔）" if delimiter == "\t" else "")]
    return _apply_header(grid, top + 1, notes, dataset)
