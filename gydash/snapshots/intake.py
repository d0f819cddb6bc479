"""What one import carries from step to step: a refusal, the file as read (Raw), the file as checked (Prepared)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from gydash.base.problems import Problem

MAX_LISTED = 5


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
