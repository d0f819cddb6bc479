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


def query(sql: str, params: dict | None = None, **tables: pl.DataFrame) -> pl.DataFrame:
    """Run SQL with bound parameters over the given polars frames (registered under their keyword names)."""
    cur = _connection().cursor()
    try:
        for name, frame in tables.items():
            # newest: string views are handed over as they are, not copied into a large-string buffer per query
            cur.register(name, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
        return cur.sql(sql, params=params or {}).pl()
    finally:
        cur.close()
