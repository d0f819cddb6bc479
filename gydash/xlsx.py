"""Excel exports for county offices: a table with Chinese headers as .xlsx bytes, header row frozen."""

from __future__ import annotations

import io

import polars as pl

from gydash import export

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(frame: pl.DataFrame, sheet: str, unit: str | None = None) -> bytes:
    """One sheet holding `frame` as users download it (export.table: Chinese headers with units, rounded, no
    internal columns); row 1 is the header, so the file reads back as the same table in Excel, WPS or polars."""
    buffer = io.BytesIO()
    export.table(frame, unit).write_excel(
        buffer,
        worksheet=sheet[:31],  # Excel's limit on sheet names
        autofit=True,
        freeze_panes=(1, 0),
        table_style="Table Style Light 1",
        dtype_formats={pl.Date: "yyyy-mm-dd"},
    )
    return buffer.getvalue()
