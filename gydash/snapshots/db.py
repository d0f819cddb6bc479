"""The in-memory DuckDB of queries over polars frames alone: a cursor per query (sessions run on their own threads).

Queries over the warehouse's tables go through the warehouse (snapshots.warehouse), even with a frame registered.
"""

from __future__ import annotations

import threading

import duckdb
import polars as pl

from gydash.snapshots import duck_memory

_database: tuple[duckdb.DuckDBPyConnection, duck_memory.Limit] | None = None
_lock = threading.Lock()


def _opened() -> tuple[duckdb.DuckDBPyConnection, duck_memory.Limit]:
    """An in-memory database with the warehouse's settings, and its memory limit. With DuckDB's defaults (a limit of
    80 % of the machine's memory, spilling into the working directory) a small query held far more than it needed:
    the overview's indicator series (6 700 rows on the full data), when it still ran here, raised the server's
    memory by 20–30 MB for a second after each new indicators or targets file."""
    global _database
    with _lock:
        if _database is None:
            con = duckdb.connect(":memory:", config=duck_memory.settings())
            _database = (con, duck_memory.Limit(con.cursor))
        return _database


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
    """A query's rows as a polars frame, taken over through the Arrow PyCapsule interface (see Frame). DuckDB runs
    the query while polars reads the rows, so running out of DuckDB's memory limit midway reaches polars as its own
    ComputeError: it is raised again as DuckDB's OutOfMemoryException, which duck_memory.Limit answers by running
    the query once more with room."""
    try:
        return pl.DataFrame(relation)
    except pl.exceptions.ComputeError as exc:
        if "Out of Memory Error" in str(exc):
            raise duckdb.OutOfMemoryException(str(exc)) from exc
        raise


def query(sql: str, params: dict | None = None, **tables: pl.DataFrame) -> pl.DataFrame:
    """Run SQL with bound parameters over the given polars frames (registered under their keyword names), within
    DuckDB's working memory (raised for a query that cannot finish within it: duck_memory.Limit)."""
    con, limit = _opened()

    def run() -> pl.DataFrame:
        cur = con.cursor()
        try:
            for name, frame in tables.items():
                cur.register(name, Frame(frame))
            return frame_of(cur.sql(sql, params=params or {}))
        finally:
            cur.close()

    return limit.run(run)
