"""The snapshot warehouse: a disposable DuckDB file per process holding every file's verdict and accepted rows.

Where it lives: ``<state dir>/warehouse/<data dir hash>-<slot>.duckdb`` (the state dir is ``GYDASH_STATE_DIR``, else
the user's cache folder, see snapshots.importlog.state_dir). It is never inside the data dir, and deleting it loses
nothing: it is rebuilt from the data dir on the next look. A change of the contract or of SCHEMA_VERSION rebuilds it.

``GYDASH_WAREHOUSE=memory`` keeps it in memory instead (nothing written; every start reads the whole data dir
again): for a trial run, or a server that may write nowhere. The test suite uses it, except where it tests the file.

Many processes, one data dir: DuckDB lets one process write a file at a time, so each process (an app replica, the
CLI) takes the first *slot* whose file no other process holds. A restarted app takes its slot back, already built,
and only reads what changed while it was down. When no state dir can be written, the warehouse is kept in memory.

The tables are laid out in snapshots.tables and filled by snapshots.filing.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import os
import threading
from pathlib import Path

import duckdb
import polars as pl

from gydash.base import contract
from gydash.snapshots import db, duck_memory, filing, importlog, tables
from gydash.snapshots.tables import Ingested

MAX_SLOTS = 16
log = logging.getLogger("gydash.snapshots.warehouse")
_generations = itertools.count(1)  # unique across warehouses of the process: a key for answers cached in memory


def _schema_hash() -> str:
    """The contract's columns, the table layout, the events' bookkeeping, tables.SCHEMA_VERSION and DuckDB's version
    (the stored event groups are found by DuckDB's hash(), which a new DuckDB may compute differently): a warehouse
    built under any other is rebuilt."""
    spec = [(ds, [(c.name, c.type) for c in contract.columns(ds)]) for ds in contract.DATASETS]
    sql = [tables.schema_sql(), filing.JUDGED_SQL, filing.STORE_NEW_SQL, filing.UPDATE_STORED_SQL, filing.MONTHLY_SQL]
    text = json.dumps([tables.SCHEMA_VERSION, spec, sql, duckdb.__version__])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


MAX_KEPT = 1000  # results kept (a few kB each: boards of the quarters, duty tables of recent states, chart specs)


class Warehouse:
    """One process's warehouse for one data dir. Reads go through `cursor()` (a cursor per thread); changes go
    through `apply()` under the process's lock."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.lock = threading.RLock()
        self.path, self.con = _open(data_dir)
        self.closed = False
        self.generation = next(_generations)  # renewed by every change, so answers cached in memory know they are stale
        self.memory = duck_memory.Limit(self.cursor)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.con.cursor()

    def query(
        self, sql: str, params: dict | None = None, views: dict[str, str] | None = None, **frames: pl.DataFrame
    ) -> pl.DataFrame:
        """SQL over the warehouse tables, with bound parameters, small polars frames registered by name, and `views`
        (name → SQL) made for this query alone (temporary views belong to the query's own cursor)."""
        return self.memory.run(lambda: self._query(sql, params, views, frames))

    def _query(self, sql: str, params: dict | None, views: dict[str, str] | None, frames: dict) -> pl.DataFrame:
        cur = self.cursor()
        try:
            for name, frame in frames.items():
                cur.register(name, db.Frame(frame))
            for name, text in (views or {}).items():
                cur.sql(f"create or replace temp view {name} as {text}")
            return db.frame_of(cur.sql(sql, params=params or {}))
        finally:
            cur.close()

    def apply(self, gone: list[int], fresh: list[Ingested]) -> None:
        """Forget the files `gone`, store the `fresh` ones, and bring the order and event bookkeeping up to date for
        the datasets and event groups they touch: one transaction, so a reader never sees half a change."""
        if not gone and not fresh:
            return
        self.memory.run(lambda: self._apply(gone, fresh))  # a change that ran out of memory is rolled back first

    def _apply(self, gone: list[int], fresh: list[Ingested]) -> None:
        with self.lock:
            cur = self.cursor()
            try:
                cur.sql("begin transaction")
                filing.apply(cur, gone, fresh)
                cur.sql("commit")
            except BaseException:
                cur.sql("rollback")
                raise
            finally:
                cur.close()
            self.generation = next(_generations)

    def kept(self, key: str) -> bytes | None:
        """A result kept under `key`, or None."""
        cur = self.cursor()
        try:
            found = cur.sql("select value from kept where key = $k", params={"k": key}).fetchall()
        finally:
            cur.close()
        return found[0][0] if found else None

    def keep(self, key: str, value: bytes) -> None:
        """Keep a result (the oldest go once MAX_KEPT are kept: most are for states of the files long gone)."""
        with self.lock:
            cur = self.cursor()
            try:
                cur.sql("insert or replace into kept (key, value) values ($k, $v)", params={"k": key, "v": value})
                cur.sql(
                    "delete from kept where key not in (select key from kept order by stored desc limit $n)",
                    params={"n": MAX_KEPT},
                )
            finally:
                cur.close()

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(duckdb.Error):
            self.con.close()


# ------------------------------------------------------------------------------------------------ opening


def state_dir() -> Path:
    return importlog.state_dir() / "warehouse"


def _open(data_dir: Path) -> tuple[Path | None, duckdb.DuckDBPyConnection]:
    """This process's warehouse file for the data dir (the first slot no other process holds), built afresh when it
    is from another contract or schema, or unreadable; in memory when no state dir can be written."""
    if os.environ.get("GYDASH_WAREHOUSE", "").strip().lower() == "memory":
        return None, _prepared(duckdb.connect(":memory:", config=duck_memory.settings()))
    folder = state_dir()
    if importlog.inside(folder, data_dir):
        log.warning("状态目录 %s 在数据目录里面，数据仓库改放在内存中（数据目录只读不写）", folder)
        return None, _prepared(duckdb.connect(":memory:", config=duck_memory.settings()))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("无法创建状态目录 %s（%s），数据仓库改放在内存中", folder, exc)
        return None, _prepared(duckdb.connect(":memory:", config=duck_memory.settings()))
    stem = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    for slot in range(MAX_SLOTS):
        path = folder / f"{stem}-{slot}.duckdb"
        try:
            return path, _prepared(duckdb.connect(str(path), config=duck_memory.settings(folder)))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                continue  # another process holds this slot
            _discard(path)
        except duckdb.Error:
            _discard(path)  # not a warehouse we can read (another version's, or damaged): it is disposable
        try:
            return path, _prepared(duckdb.connect(str(path), config=duck_memory.settings(folder)))
        except duckdb.Error as exc:
            log.warning("无法打开数据仓库 %s（%s），改放在内存中", path, exc)
            break
    return None, _prepared(duckdb.connect(":memory:", config=duck_memory.settings()))


def _discard(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _prepared(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The connection with this code's schema: an empty or older warehouse is (re)built."""
    want = _schema_hash()
    try:
        have = con.sql("select value from meta where key = 'schema'").fetchall()
    except duckdb.Error:
        have = []
    if have and have[0][0] == want:
        return con
    existing = con.sql("select table_name from information_schema.tables where table_schema = 'main'").fetchall()
    for (name,) in existing:
        con.sql(f'drop table if exists "{name}"')
    con.sql("drop sequence if exists fid_seq")
    for stmt in tables.schema_sql():
        con.sql(stmt)
    con.sql("insert into meta values ('schema', $v)", params={"v": want})
    return con


_open_lock = threading.Lock()
_warehouses: dict[str, Warehouse] = {}
MAX_OPEN = 4  # data dirs a process keeps open (the app uses one; tests and tools may look at several)


def for_dir(data_dir: Path) -> Warehouse:
    """This process's warehouse for the data dir, opened once and kept."""
    key = str(data_dir.resolve())
    with _open_lock:
        wh = _warehouses.pop(key, None)
        if wh is None:
            wh = Warehouse(data_dir)
        _warehouses[key] = wh  # most recently used last
        while len(_warehouses) > MAX_OPEN:
            _, old = next(iter(_warehouses.items()))
            del _warehouses[next(iter(_warehouses))]
            old.close()
        return wh


def close_all() -> None:
    with _open_lock:
        for wh in _warehouses.values():
            wh.close()
        _warehouses.clear()
