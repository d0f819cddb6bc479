"""The data as it would be with one more accepted file, for an import preview."""

from __future__ import annotations

from datetime import date

import polars as pl

from gydash.snapshots import store
from gydash.snapshots.file_entry import FileEntry
from gydash.snapshots.store import Data, LoadedFile


def with_file(data: Data, dataset: str, rel: str, as_of: date, frame: pl.DataFrame, rows: int) -> Data:
    """The data as it would be with one more accepted file (an import not yet written), for a preview."""
    entry = FileEntry(dataset, str(data.data_dir / rel), rel, 0, 0, as_of, "name")
    return store.with_extra(data, LoadedFile(entry, frame, rows=rows))
