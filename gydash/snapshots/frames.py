"""A dataset's rows in effect as a polars frame: fetched once per warehouse change, files not yet stored put in."""

from __future__ import annotations

import threading
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from gydash.base.contract import DATASETS
from gydash.snapshots import tables, warehouse
from gydash.snapshots.verdicts import LoadedFile

if TYPE_CHECKING:  # the store uses this module
    from gydash.snapshots.store import Data

FOREVER = date(9999, 12, 31)  # the cut-off of data that has none (Data.until): after every snapshot date


class Frames:
    """Data.frames: a dataset's accepted rows at the data's cut-off as a polars frame, with provenance columns _file,
    _as_of and _order (newer snapshots have higher order), in the order files take effect. Fetched on first use;
    a cut-off's rows are a prefix of the whole (zero-copy slice) of one frame shared by every cut-off."""

    def __init__(self, data: Data):
        self._data = data

    def __getitem__(self, dataset: str) -> pl.DataFrame:
        if dataset not in DATASETS:
            raise KeyError(dataset)
        return _frame(self._data, dataset)

    def get(self, dataset: str, default=None):
        return self[dataset] if dataset in DATASETS else default

    def plain(self) -> dict[str, pl.DataFrame]:
        return {ds: self[ds] for ds in DATASETS}

    def keys(self):
        return DATASETS

    def items(self):
        return self.plain().items()

    def values(self):
        return self.plain().values()

    def __iter__(self):
        return iter(DATASETS)

    def __contains__(self, dataset: object) -> bool:
        return dataset in DATASETS


def _frame(data: Data, dataset: str) -> pl.DataFrame:
    frame = _stored_frame(data.warehouse, dataset)
    if data.cutoff is not None:  # the rows are in the order files take effect: a cut-off keeps a prefix
        frame = frame.slice(0, frame["_as_of"].search_sorted(data.cutoff, side="right"))
    mine = [f for f in data.extra if f.entry.dataset == dataset]
    return _with_extra(data, frame, mine) if mine else frame


def orders(data: Data, dataset: str) -> dict[str, int]:
    """The order in which the dataset's accepted files take effect (file_entry.FileEntry.order), by relative path."""
    ranked = sorted(data.accepted(dataset), key=lambda f: f.entry.order)
    return {f.entry.rel: i for i, f in enumerate(ranked)}


def with_provenance(data: Data, f: LoadedFile) -> pl.DataFrame:
    """A file's own rows (one not yet stored) with the provenance columns the stored rows carry."""
    order = orders(data, f.entry.dataset)[f.entry.rel]
    return f.given.with_columns(
        pl.lit(f.entry.rel).alias("_file"),
        pl.lit(f.entry.as_of).alias("_as_of"),
        pl.lit(order, pl.Int64).alias("_order"),
    )


def renumbered(data: Data, dataset: str, stored: pl.DataFrame) -> pl.DataFrame:
    """Stored rows with _order as it is once the files not yet stored take their places among them."""
    order = orders(data, dataset)
    return stored.with_columns(pl.col("_file").replace_strict(order, return_dtype=pl.Int64).alias("_order"))


def _with_extra(data: Data, frame: pl.DataFrame, extra: list[LoadedFile]) -> pl.DataFrame:
    """The rows with files not yet stored placed where they take effect, so a preview resolves exactly as the
    stored file will."""
    dataset = extra[0].entry.dataset
    parts = [renumbered(data, dataset, frame), *(with_provenance(data, f).select(frame.columns) for f in extra)]
    return pl.concat(parts, how="vertical_relaxed").sort("_order", "_row", maintain_order=True)


_frames_lock = threading.Lock()
_frames: dict[str, tuple[int, pl.DataFrame]] = {}


def _stored_frame(wh: warehouse.Warehouse, dataset: str) -> pl.DataFrame:
    """A dataset's accepted rows in the warehouse now, fetched once per change of the warehouse (one kept per
    dataset: a frame of an older state is never asked for again)."""
    with _frames_lock:
        hit = _frames.get(dataset)
    if hit is not None and hit[0] == wh.generation:
        return hit[1]
    frame = wh.query(tables.accepted_sql(dataset, FOREVER) + " order by f.ord, r._row")
    if not frame.height:
        frame = tables.empty_frame(dataset)
    with _frames_lock:
        _frames[dataset] = (wh.generation, frame)
    return frame
