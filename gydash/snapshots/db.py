"""The one DuckDB connection: each query gets its own cursor (Streamlit runs every session on its own thread)."""

from __future__ import annotations

import threading

import duckdb
import polars as pl

_con: duckdb.DuckDBPyConnection | None = None
_lock = threading.Lock()


def _connection() -> duckdb.DuckDBPyConnection:
    global _con
    with _lock:
        if _con is None:
            _con = duckdb.connect(":memory:", config={"threads": 2})
        return _con


class Frame:
    """A polars frame as DuckDB reads it: through the Arrow PyCapsule interface, a fresh stream for each scan (a
    query may read a table twice), with no pyarrow in between. String views are handed over as they are, not
    copied into a large-string buffer per query. Going without pyarrow saves a process that has no other use for
    it (`gydash summary`) a quarter of a second of importing it and numpy."""

    def __init__(self, frame: pl.DataFrame):
        self.frame = frame

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self.frame.__arrow_c_stream__(requested_schema)


def frame_of(relation) -> pl.DataFrame:
    """A query's rows as a polars frame, taken over through the Arrow PyCapsule interface (see Frame)."""
    return pl.DataFrame(relation)


def query(sql: str, params: dict | None = None, **tables: pl.DataFrame) -> pl.DataFrame:
    """Run SQL with bound parameters over the given polars frames (registered under their keyword names)."""
    cur = _connection().cursor()
    try:
        for name, frame in tables.items():
            cur.register(name, Frame(frame))
        return frame_of(cur.sql(sql, params=params or {}))
    finally:
        cur.close()
