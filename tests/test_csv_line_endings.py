"""CSV files as staff's programs save them: \\r\\n, \\n or a bare \\r ("CSV (Macintosh)" from Excel for Mac) at the end
of each row, line breaks inside quoted cells, a byte-order mark in front. Each reads exactly like its \\n twin, and a
huge or malformed one is refused from cheap counts, with a Chinese message, before millions of records are built."""

from __future__ import annotations

import tracemalloc

import pytest
from conftest import ind
from test_importer import HEADER, ROWS, csv_text, dir_hash

from gydash.snapshots import checking

MANY = ROWS * 20  # 40 rows: enough text on one "line" for a file read as a single line to look 100+ columns wide
ENDINGS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}


@pytest.fixture
def seeded(write, data_dir):
    write("indicators", "2025-06-30.parquet", [ind("hitech_enterprise", "利州区", 2025, 6, 30.0)])
    return data_dir


def with_ending(text: str, ending: str) -> str:
    return text.replace("\n", ending)


def prepare(content: bytes, seeded, filename: str = "2025-09-30.csv"):
    return checking.prepare(content, filename, "indicators", seeded)


def messages(p) -> str:
    return "\n".join(str(e) for e in p.errors)


def read_back(p) -> tuple:
    """What staff get from an import: the rows, the row each came from, the notes, the problems."""
    out = None if p.out is None else p.out.rows()
    return out, p.source_rows, p.notes, [str(e) for e in p.errors], [str(w) for w in p.warnings]


@pytest.mark.parametrize("ending", ["crlf", "cr"])
def test_a_file_reads_exactly_like_its_lf_twin_whatever_its_line_endings(seeded, ending):
    good = csv_text(MANY)
    p = prepare(with_ending(good, ENDINGS[ending]).encode(), seeded)
    assert p.ok, messages(p)
    assert read_back(p) == read_back(prepare(good.encode(), seeded))
    assert p.rows == 40 and p.source_rows[-1] == 41


@pytest.mark.parametrize("ending", ["crlf", "cr"])
def test_blank_rows_and_a_bad_value_keep_their_row_numbers_whatever_the_line_endings(seeded, ending):
    lines = csv_text(MANY).split("\n")
    lines.insert(5, ",,,,,")  # a blank row 6
    lines.insert(30, "高新技术企业,利州,二〇二五,9,1,家")  # a year that is no number, row 31
    text = "\n".join(lines)
    twin = prepare(text.encode(), seeded)
    p = prepare(with_ending(text, ENDINGS[ending]).encode(), seeded)
    assert read_back(p) == read_back(twin)
    assert "第 31 行" in messages(p) and "二〇二五" in messages(p)


def test_mixed_line_endings_in_one_file_are_read_row_by_row(seeded):
    lines = csv_text(MANY).split("\n")
    ends = ["\r"] * 20 + ["\r\n", "\n", "\r"] * 7  # a run of bare \r first: no "first line" to go by
    text = "".join(line + end for line, end in zip(lines[:-1], ends, strict=True))
    p = prepare(text.encode(), seeded)
    assert p.ok, messages(p)
    assert read_back(p) == read_back(prepare(csv_text(MANY).encode(), seeded))


@pytest.mark.parametrize("ending", ["lf", "crlf", "cr"])
def test_line_breaks_inside_quoted_cells_stay_in_the_cell(seeded, ending):
    eol = ENDINGS[ending]
    cell = '"2024年' + eol + '统计公报"'  # a cell typed with Alt+Enter: quoted, one row in the spreadsheet
    rows = [f"tech_sme,510821,{2000 + i},9,{i},,{cell}" for i in range(40)]
    text = eol.join([",".join([*HEADER, "来源"]), *rows, "tech_sme,510821,2099,9,88,,"]) + eol
    p = prepare(text.encode(), seeded)
    assert p.ok, messages(p)
    assert p.rows == 41 and p.source_rows[0] == 2 and p.source_rows[-1] == 42  # records, not lines
    assert p.out["source"][0] == "2024年" + eol + "统计公报"
    assert p.out["value"][-1] == 88.0


@pytest.mark.parametrize("ending", ["lf", "cr"])
def test_quoted_line_breaks_do_not_push_a_file_within_the_row_limit_over_it(seeded, monkeypatch, ending):
    monkeypatch.setenv("GYDASH_MAX_ROWS", "3")
    eol = ENDINGS[ending]
    row = '"tech_sme' + eol + eol + '",510821,2025,9,1,'  # three lines, one row
    text = eol.join([",".join(HEADER), row, row, row]) + eol
    p = prepare(text.encode(), seeded)
    assert p.rows == 3 and p.source_rows == [2, 3, 4] and "数据行数" not in messages(p)
    p = prepare((text + row + eol).encode(), seeded)
    assert not p.ok and "数据行数" in messages(p) and "GYDASH_MAX_ROWS" in messages(p)


def peak_mb(run) -> tuple[object, float]:
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("row", ["a", '"a"', ",,,,,", ""], ids=["text", "quoted", "blank-cells", "empty"])
def test_millions_of_bare_cr_rows_are_refused_by_the_row_limit_before_they_are_read(seeded, row):
    content = (",".join(HEADER) + "\r" + (row + "\r") * 3_000_000 + "x\r").encode()
    p, peak = peak_mb(lambda: prepare(content, seeded))
    assert not p.ok and "数据行数为 3 000 001，超过上限 200 000" in messages(p), messages(p)
    assert peak < 8 * len(content) / 1e6 + 20  # the file and its text; no record per row


def test_many_lines_with_a_quote_somewhere_are_counted_as_read(seeded, monkeypatch):
    """Under ten lines a row the lines alone cannot tell (a quoted cell may hold line breaks): the records are
    read, but no more than one past the limit."""
    monkeypatch.setenv("GYDASH_MAX_ROWS", "1000")
    content = (",".join(HEADER) + "\r" + '"tech_sme",510821,2025,9,1,\r' * 5_000).encode()
    p = prepare(content, seeded)
    assert not p.ok and "数据行数为 5 000，超过上限 1 000" in messages(p)


@pytest.mark.parametrize("ending", ["lf", "crlf", "cr"])
def test_a_file_of_nothing_but_line_ends_is_empty(seeded, ending):
    p, peak = peak_mb(lambda: prepare(ENDINGS[ending].encode() * 4_000_000, seeded))
    assert not p.ok and "文件是空的" in messages(p)
    assert peak < 100


def test_empty_lines_after_the_table_are_no_rows(seeded):
    content = with_ending(csv_text(ROWS), "\r").encode() + b"\r" * 3_000_000
    p, peak = peak_mb(lambda: prepare(content, seeded))
    assert p.ok, messages(p)
    assert p.rows == 2 and peak < 100


@pytest.mark.parametrize(
    ("content", "rows"),
    [
        (with_ending(csv_text(MANY), "\r").rstrip("\r").encode(), 40),
        ((",".join(HEADER) + "\r" * 3_000_000).encode(), 0),
        (b"\x84\x31\x95\x33" + ",".join(HEADER).encode("gb18030"), 0),
    ],
    ids=["no-end-after-the-last-row", "only-line-ends-after-the-header", "no-line-end-at-all"],
)
def test_files_with_few_line_ends_read_as_they_look(seeded, content, rows):
    p, peak = peak_mb(lambda: prepare(content, seeded))
    assert p.rows == rows and peak < 100
    assert ("没有数据行" in messages(p)) == (not rows), messages(p)


BOMS = {
    "gb18030-bom": lambda text: b"\x84\x31\x95\x33" + text.encode("gb18030"),
    "utf8-bom-cr": lambda text: b"\xef\xbb\xbf" + with_ending(text, "\r").encode(),
    "utf8-bom-blank-first-line": lambda text: b"\xef\xbb\xbf" + ("\r\n" + with_ending(text, "\r\n")).encode(),
    "utf8-bom-then-gbk": lambda text: b"\xef\xbb\xbf" + text.encode("gbk"),
    "two-boms": lambda text: b"\xef\xbb\xbf\xef\xbb\xbf" + text.encode(),
}


@pytest.mark.parametrize("kind", list(BOMS))
def test_a_byte_order_mark_is_not_part_of_the_first_header(seeded, kind):
    p = prepare(BOMS[kind](csv_text(MANY)), seeded)
    assert p.ok, messages(p)
    assert p.out.columns[0] == "indicator" and p.out["indicator"][0] == "高新技术企业"
    assert p.rows == 40


def test_the_delimiter_is_taken_from_the_header_below_blank_lines(seeded):
    text = "\r\n\r\n" + with_ending(csv_text(ROWS).replace(",", "\t"), "\r")
    p = prepare(b"\xef\xbb\xbf" + text.encode(), seeded)
    assert p.ok, messages(p)
    assert any("制表符" in n for n in p.notes) and any("表头在第 3 行" in n for n in p.notes)
    assert p.source_rows == [4, 5]


@pytest.mark.parametrize("ending", ["lf", "cr"])
def test_a_header_below_a_blank_line_is_held_to_the_column_limit(seeded, ending):
    eol = ENDINGS[ending]
    header = ",".join(f"列{i}" for i in range(150))
    p = prepare((eol + header + eol + "1" + eol).encode(), seeded)
    assert not p.ok and "列数为 150，超过上限 100" in messages(p)


@pytest.mark.parametrize("ending", ["lf", "cr"])
@pytest.mark.parametrize("delimiter", [",", "\t"], ids=["comma", "tab"])
def test_a_row_of_millions_of_delimiters_is_refused_before_it_is_split(seeded, ending, delimiter):
    eol = ENDINGS[ending]
    header = delimiter.join(HEADER)
    content = (header + eol + ("ab" + delimiter) * 2_000_000 + eol).encode()
    before = dir_hash(seeded)
    p, peak = peak_mb(lambda: prepare(content, seeded))
    text = messages(p)
    assert not p.ok and "第 2 行" in text and "GYDASH_MAX_COLUMNS" in text
    assert ("制表符" if delimiter == "\t" else "逗号") in text
    assert peak < 8 * len(content) / 1e6 + 20  # not a cell object per delimiter
    assert dir_hash(seeded) == before


@pytest.mark.parametrize("ending", ["lf", "cr"])
def test_cells_quoted_across_lines_count_toward_the_delimiters_of_one_row(seeded, ending):
    """A record may run over many lines inside quotes; its cells are counted over all of them."""
    eol = ENDINGS[ending]
    content = (",".join(HEADER) + eol + f'"ab{eol}",' * 150_000 + eol).encode()
    p, peak = peak_mb(lambda: prepare(content, seeded))
    assert not p.ok and "逗号" in messages(p) and "GYDASH_MAX_COLUMNS" in messages(p)
    assert peak < 8 * len(content) / 1e6 + 20


@pytest.mark.parametrize("ending", ["lf", "cr"])
def test_a_quote_never_closed_is_reported_at_the_row_where_it_opens(seeded, ending):
    eol = ENDINGS[ending]
    rows = [f'tech_sme,510821,2025,9,1,,"2024年{eol}统计公报"', '"高新技术企业,利州,2025,9,2,家']  # rows 2 and 3
    text = eol.join([",".join([*HEADER, "来源"]), *rows]) + eol + ("tech_sme,510821,2025,9,3,家" + eol) * 10_000
    p = prepare(text.encode(), seeded)
    assert not p.ok and "CSV 格式有误（第 3 行）" in messages(p) and "引号" in messages(p), messages(p)


@pytest.mark.parametrize("ending", ["lf", "crlf", "cr"])
def test_a_quote_never_closed_before_the_end_of_the_file_is_named_not_swallowing_the_rows_below(seeded, ending):
    """An optional 来源 cell opened with a quote and never closed takes every line below into that one cell: the
    rows below would vanish while the file was accepted. It is refused, naming the row where the quote opened."""
    eol = ENDINGS[ending]
    rows = [f"tech_sme,510821,{2000 + i},9,{i},," for i in range(10)]
    rows[3] += '"见统计公报'
    text = eol.join([",".join([*HEADER, "来源"]), *rows]) + eol
    p = prepare(text.encode(), seeded)
    assert not p.ok
    assert "第 5 行" in messages(p) and "引号" in messages(p), messages(p)
    closed = text.replace('"见统计公报', '"见统计公报"')  # the same file with the quote closed: every row is read
    q = prepare(closed.encode(), seeded)
    assert q.ok and q.rows == 10, messages(q)
