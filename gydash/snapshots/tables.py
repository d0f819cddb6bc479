"""The warehouse's tables: their layout, a dataset's rows in effect as SQL, and a file's verdict as stored.

- ``files``: one row per dated snapshot file: path, dataset, snapshot date, size, mtime, content hash, status, the
  problems found (JSON), the areas it has rows for, and ``ord``, the order in which the dataset's accepted files take
  effect (recomputed in Python from file_entry.FileEntry.order, the one tie-break rule, after every change);
- ``rows_<dataset>``: the accepted rows with provenance (``_fid`` → files, ``_row`` the row in the file). Event
  datasets (activities, loans) also keep, per row, what resolving them needs at any cut-off date (see filing);
- ``kept``: results worked out from one state of the files, as Arrow bytes, by key (store.Data.kept);
- ``monthly_<event dataset>``: the events' counts and sums per (month, area, kind) and per span of snapshot dates in
  which they are in effect (``_as`` up to ``_lost``), kept in step with the rows for the months a change touches:
  what the duty engine reads (its periods are calendar months and years), tens of thousands of rows for a million
  events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

import polars as pl

from gydash.base import contract
from gydash.base.problems import Problem
from gydash.snapshots.coerce import DTYPES

SCHEMA_VERSION = "3"  # bump when what the tables hold changes meaning without their layout changing
EVENT_DATASETS = ("activities", "loans")


def _sql_type(dtype: pl.DataType) -> str:
    return {pl.String: "VARCHAR", pl.Int64: "BIGINT", pl.Float64: "DOUBLE", pl.Date: "DATE", pl.Boolean: "BOOLEAN"}[
        dtype
    ]


def data_columns(dataset: str) -> list[str]:
    return [c.name for c in contract.columns(dataset)]


def numeric_columns(dataset: str) -> tuple[str, ...]:
    """The dataset's numeric columns in the data contract: what a duty rule may sum, and what monthly sums hold."""
    return tuple(c.name for c in contract.columns(dataset) if c.type in ("int", "float"))


def kind_sql(dataset: str, prefix: str = "r.") -> str:
    """The event's kind (activities), or none (loans have no kinds: rules on loans name no kind)."""
    return f"{prefix}kind" if "kind" in data_columns(dataset) else "null::varchar"


def accepted_sql(dataset: str, until) -> str:
    """The dataset's accepted rows in snapshots dated up to `until` (a date), with provenance as the polars frames
    carry it: _row, the contract's columns, _file, _as_of and _order (the order files take effect)."""
    cols = ", ".join(f"r.{c}" for c in data_columns(dataset))
    return f"""
        select r._row, {cols}, f.rel as _file, f.as_of as _as_of, f.ord::bigint as _order
        from rows_{dataset} r join files f on f.fid = r._fid
        where f.as_of <= date '{until.isoformat()}'
    """


def schema_sql() -> list[str]:
    out = [
        "create table meta (key varchar primary key, value varchar)",
        """create table files (
            fid integer primary key, rel varchar, dataset varchar, path blob, as_of date, dated_by varchar,
            size bigint, mtime_ns bigint, hash varchar, status varchar, sample boolean, rows bigint,
            problems varchar, areas varchar[], ord integer)""",
        "create sequence fid_seq",
        # Results worked out from one state of the files (a past quarter's board …), by a key naming the result,
        # that state and the code (see store.Data.kept): a restart finds them instead of working them out again.
        "create table kept (key varchar primary key, value blob, stored timestamp default current_timestamp)",
    ]
    for ds in contract.DATASETS:
        cols = ", ".join(f"{c.name} {_sql_type(DTYPES[c.type])}" for c in contract.columns(ds))
        extra = ", _g ubigint, _lost date, _copies integer" if ds in EVENT_DATASETS else ""
        out.append(f"create table rows_{ds} ({cols}, _fid integer, _row uinteger{extra})")
    for ds in EVENT_DATASETS:
        sums = "".join(f", {n} double" for n in numeric_columns(ds))
        spans = "month date, area varchar, kind varchar, _as date, _lost date"
        out.append(f"create table monthly_{ds} ({spans}, n bigint{sums})")
    return out


@dataclass(frozen=True)
class Ingested:
    """One file read and judged, ready to be stored: `frame` is None when the file was rejected."""

    entry: object  # file_entry.FileEntry
    frame: pl.DataFrame | None
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    sample: bool
    rows: int
    hash: str


def problems_json(errors, warnings) -> str:
    fields = ("file", "message", "row", "column", "value", "level")
    return json.dumps([[getattr(p, f) for f in fields] for p in (*errors, *warnings)], ensure_ascii=False)


def problems_from_json(text: str | None) -> tuple[tuple[Problem, ...], tuple[Problem, ...]]:
    if not text or text == "[]":  # most files: no JSON to parse
        return (), ()
    items = [Problem(*p) for p in json.loads(text)]
    return tuple(p for p in items if p.level == "error"), tuple(p for p in items if p.level != "error")


@cache
def empty_frame(dataset: str) -> pl.DataFrame:
    """The shape of a dataset's accepted rows when no file is in effect."""
    schema = {"_row": pl.UInt32} | {c.name: DTYPES[c.type] for c in contract.columns(dataset)}
    schema |= {"_file": pl.String, "_as_of": pl.Date, "_order": pl.Int64}
    return pl.DataFrame(schema=schema)
