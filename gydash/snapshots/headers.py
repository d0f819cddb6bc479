"""A read grid's header row applied: blank rows skipped, unnamed or repeated columns refused, contract names."""

from __future__ import annotations

import polars as pl

from gydash.base import libs
from gydash.base.contract import columns
from gydash.base.problems import show_value
from gydash.snapshots.coerce import COERCE
from gydash.snapshots.column_checks import fold as fold_header  # the one header spelling rule, shared with validation
from gydash.snapshots.intake import MAX_LISTED, Raw, Refused


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
    return libs.load("openpyxl.utils").get_column_letter(i)


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
