"""Excel exports for county offices: a table with Chinese headers as .xlsx bytes, header row frozen."""

from __future__ import annotations

import io

import polars as pl

from gydash.base import libs
from gydash.snapshots import export

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT_STAYS_TEXT = {
    "in_memory": True,
    "strings_to_urls": False,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
}


def workbook(frame: pl.DataFrame, sheet: str, unit: str | None = None) -> bytes:
    """One sheet holding `frame` as users download it (export.table: Chinese headers with units, rounded, no
    internal columns); row 1 is the header, so the file reads back as the same table in Excel, WPS or polars."""
    buffer = io.BytesIO()
    # Text stays text: an organisation named like a URL must not become a live link, nor one starting with "=" a
    # formula Excel runs, nor "00123" a number.
    wb = libs.load("xlsxwriter").Workbook(buffer, TEXT_STAYS_TEXT)
    export.table(frame, unit).write_excel(
        wb,
        worksheet=sheet[:31],  # Excel's limit on sheet names
        autofit=True,
        freeze_panes=(1, 0),
        table_style="Table Style Light 1",
        dtype_formats={pl.Date: "yyyy-mm-dd"},
    )
    wb.close()
    return buffer.getvalue()
