"""The snapshot warehouse: a disposable DuckDB file per process holding every file's verdict and accepted rows.

Where it lives: ``<state dir>/warehouse/<data dir hash>-<slot>.duckdb`` (the state dir is ``GYDASH_STATE_DIR``, else
the user's cache folder, see snapshots.importlog.state_dir). It is never inside the data dir, and deleting it loses
nothing: it is rebuilt from the data dir on the next look. A change of the contract or of SCHEMA_VERSION rebuilds it.

``GYDASH_WAREHOUSE=memory`` keeps it in memory instead (nothing written; every start reads the whole data dir
again): for a trial run, or a server that may write nowhere. The test suite uses it, except where it tests the file.

Many processes, one data dir: DuckDB lets one process write a file at a time, so each process (an app replica, the
CLI) takes the first *slot* whose file no other process holds. A restarted app takes its slot back, already built,
and only reads what changed while it was down. When no state dir can be written, the warehouse is kept in memory.

Tables:
- ``files``: one row per dated snapshot file: path, dataset, snapshot date, size, mtime, content hash, status, the
  problems found (JSON), and ``ord``, the order in which the dataset's accepted files take effect (recomputed here in
  Python from catalog.FileEntry.order, the one tie-break rule, after every change);
- ``rows_<dataset>``: the accepted rows with provenance (``_fid`` → files, ``_row`` the row in the file). Event
  datasets (activities, loans) also keep, per row, what resolving them needs at any cut-off date (see _EVENTS_SQL).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from gydash.base import contract
from gydash.base.problems import Problem
from gydash.snapshots.coerce import DTYPES

SCHEMA_VERSION = "3"
EVENT_DATASETS = ("activities", "loans")
MAX_SLOTS = 16
MEMORY_LIMIT = os.environ.get("GYDASH_WAREHOUSE_MEMORY", "160MB")  # DuckDB's buffers; it spills beyond this
log = logging.getLogger("gydash.snapshots.warehouse")
_generations = itertools.count(1)  # unique across warehouses of the process: a key for answers cached in memory


def _sql_type(dtype: pl.DataType) -> str:
    return {pl.String: "VARCHAR", pl.Int64: "BIGINT", pl.Float64: "DOUBLE", pl.Date: "DATE", pl.Boolean: "BOOLEAN"}[
        dtype
    ]


def data_columns(dataset: str) -> list[str]:
    return [c.name for c in contract.columns(dataset)]


def accepted_sql(dataset: str, until) -> str:
    """The dataset's accepted rows in snapshots dated up to `until` (a date), with provenance as the polars frames
    carry it: _row, the contract's columns, _file, _as_of and _order (the order files take effect)."""
    cols = ", ".join(f"r.{c}" for c in data_columns(dataset))
    return f"""
        select r._row, {cols}, f.rel as _file, f.as_of as _as_of, f.ord::bigint as _order
        from rows_{dataset} r join files f on f.fid = r._fid
        where f.as_of <= date '{until.isoformat()}'
    """


def _schema_hash() -> str:
    """The contract's columns and the table definitions, with SCHEMA_VERSION (bumped when what is stored in the
    tables changes meaning): a warehouse built under any other is rebuilt."""
    spec = [(ds, [(c.name, c.type) for c in contract.columns(ds)]) for ds in contract.DATASETS]
    text = json.dumps([SCHEMA_VERSION, spec, _schema_sql(), _EVENTS_SQL])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _schema_sql() -> list[str]:
    out = [
        "create table meta (key varchar primary key, value varchar)",
        """create table files (
            fid integer primary key, rel varchar, dataset varchar, path blob, as_of date, dated_by varchar,
            size bigint, mtime_ns bigint, hash varchar, status varchar, sample boolean, rows bigint,
            problems varchar, areas varchar[], ord integer)""",
        "create sequence fid_seq",
    ]
    for ds in contract.DATASETS:
        cols = ", ".join(f"{c.name} {_sql_type(DTYPES[c.type])}" for c in contract.columns(ds))
        extra = ", _g ubigint, _lost date, _copies integer" if ds in EVENT_DATASETS else ""
        out.append(f"create table rows_{ds} ({cols}, _fid integer, _row uinteger{extra})")
    return out


@dataclass(frozen=True)
class Ingested:
    """One file read and judged, ready to be stored: `frame` is None when the file was rejected."""

    entry: object  # catalog.FileEntry
    frame: pl.DataFrame | None
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    sample: bool
    rows: int
    hash: str


def _problems_json(errors, warnings) -> str:
    fields = ("file", "message", "row", "column", "value", "level")
    return json.dumps([[getattr(p, f) for f in fields] for p in (*errors, *warnings)], ensure_ascii=False)


def problems_from_json(text: str | None) -> tuple[tuple[Problem, ...], tuple[Problem, ...]]:
    items = [Problem(*p) for p in json.loads(text or "[]")]
    return tuple(p for p in items if p.level == "error"), tuple(p for p in items if p.level != "error")


def _content(dataset: str) -> str:
    return ", ".join(c for c in data_columns(dataset) if c != "id")


def _group_key(dataset: str) -> str:
    """A hash of an event's group: its id, or for an id-less event its whole row. Only used to find the rows a new
    file may affect; the groups themselves are formed on the values (a hash collision costs a little more work,
    never a wrong count)."""
    return f"case when id is not null then hash('i', id) else hash('c', {_content(dataset)}) end"


# Per event row, what resolving at any cut-off date needs. By id, the newest row wins: a row is in effect from its
# snapshot's date until the date of the next row of its id (later snapshot, or a later row of the same file).
# Without an id, identical rows count as many times as the fullest file holds them, named by the newest file
# that has them: the first such row of each file carries the running maximum (`_copies`) and is in effect until
# the next file holding the row; the others carry 0. So the events in effect at date c are the rows with
# `_copies > 0`, a snapshot dated on or before c and `_lost` after c (or none): a condition, not a second copy.
# Computed over `stage_{ds}`: the new rows and the stored rows of every group they touch (rows are partitioned by
# their values, nulls equal, so the result is exact whatever the hashes that found them).
_EVENTS_SQL = """
insert into rows_{ds} by name
with r as (
    select s.*, f.ord as _ord, f.as_of as _as from stage_{ds} s join files f on f.fid = s._fid
),
by_id as (
    select _fid, _row, lead(_as) over (partition by id order by _ord, _row) as _lost, 1 as _copies
    from r where id is not null
),
per_file as (
    select {content}, _fid, any_value(_ord) as _ord, any_value(_as) as _as, count(*) as n, min(_row) as _row
    from r where id is null group by all
),
by_content as (
    select _fid, _row, lead(_as) over (partition by {content} order by _ord) as _lost,
           max(n) over (partition by {content} order by _ord rows between unbounded preceding and current row)
               as _copies
    from per_file
),
judged as (select * from by_id union all select * from by_content)
select r.* exclude (_ord, _as), j._lost, coalesce(j._copies, 0) as _copies
from r left join judged j using (_fid, _row)
"""


class Warehouse:
    """One process's warehouse for one data dir. Reads go through `cursor()` (a cursor per thread); changes go
    through `apply()` under the process's lock."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.lock = threading.RLock()
        self.path, self.con = _open(data_dir)
        self.closed = False
        self.generation = next(_generations)  # renewed by every change, so answers cached in memory know they are stale

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.con.cursor()

    def query(
        self, sql: str, params: dict | None = None, views: dict[str, str] | None = None, **frames: pl.DataFrame
    ) -> pl.DataFrame:
        """SQL over the warehouse tables, with bound parameters, small polars frames registered by name, and `views`
        (name → SQL) made for this query alone (temporary views belong to the query's own cursor)."""
        cur = self.cursor()
        try:
            for name, frame in frames.items():
                cur.register(name, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
            for name, text in (views or {}).items():
                cur.sql(f"create or replace temp view {name} as {text}")
            return cur.sql(sql, params=params or {}).pl()
        finally:
            cur.close()

    def known(self) -> dict[str, tuple]:
        """rel → (fid, path, size, mtime_ns) of every file the warehouse holds a verdict on."""
        rows = self.query("select rel, fid, path, size, mtime_ns from files").iter_rows()
        return {rel: (fid, path, size, mtime) for rel, fid, path, size, mtime in rows}

    def apply(self, gone: list[int], fresh: list[Ingested]) -> None:
        """Forget the files `gone`, store the `fresh` ones, and bring the order and event bookkeeping up to date for
        the datasets and event groups they touch: one transaction, so a reader never sees half a change."""
        if not gone and not fresh:
            return
        with self.lock:
            cur = self.cursor()
            try:
                cur.sql("begin transaction")
                _apply(cur, gone, fresh)
                cur.sql("commit")
            except BaseException:
                cur.sql("rollback")
                raise
            finally:
                cur.close()
            self.generation = next(_generations)

    def close(self) -> None:
        self.closed = True
        with contextlib.suppress(duckdb.Error):
            self.con.close()


def _apply(cur: duckdb.DuckDBPyConnection, gone: list[int], fresh: list[Ingested]) -> None:
    datasets = set(
        cur.sql("select distinct dataset from files where list_contains($g, fid)", params={"g": gone})
        .pl()["dataset"]
        .to_list()
    ) | {f.entry.dataset for f in fresh}
    events = [ds for ds in EVENT_DATASETS if ds in datasets]
    for ds in events:  # the new rows and every stored row of the groups they, or the files gone, touch
        cur.sql(f"create or replace temp table stage_{ds} as select * exclude (_lost, _copies) from rows_{ds} limit 0")
        cur.sql(f"create or replace temp table touched_{ds} (_g ubigint)")
        if gone:
            cur.sql(
                f"insert into touched_{ds} select distinct _g from rows_{ds} where list_contains($g, _fid)",
                params={"g": gone},
            )
    for ds in datasets:
        if gone:
            cur.sql(f"delete from rows_{ds} where list_contains($g, _fid)", params={"g": gone})
    if gone:
        cur.sql("delete from files where list_contains($g, fid)", params={"g": gone})
    fids = [r[0] for r in cur.sql("select nextval('fid_seq') from range($n)", params={"n": len(fresh)}).fetchall()]
    by_dataset: dict[str, list[tuple[int, Ingested]]] = {}
    for fid, f in zip(fids, fresh, strict=True):
        if f.frame is not None and f.frame.height:
            by_dataset.setdefault(f.entry.dataset, []).append((fid, f))
    areas: dict[int, list[str]] = {}
    for ds, items in by_dataset.items():
        areas |= _insert_rows(cur, ds, items)
    _insert_files(cur, list(zip(fids, fresh, strict=True)), areas)
    for ds in datasets:
        _reorder(cur, ds)
    for ds in events:
        touched = f"(select _g from touched_{ds})"
        cur.sql(f"insert into stage_{ds} select * exclude (_lost, _copies) from rows_{ds} where _g in {touched}")
        cur.sql(f"delete from rows_{ds} where _g in {touched}")
        cur.sql(_EVENTS_SQL.format(ds=ds, content=_content(ds)))
        cur.sql(f"drop table stage_{ds}")
        cur.sql(f"drop table touched_{ds}")


def _insert_files(cur: duckdb.DuckDBPyConnection, items: list[tuple[int, Ingested]], areas: dict[int, list]) -> None:
    """The files' rows, with the areas each has accepted rows for (which county a submission counts for)."""
    if not items:
        return
    frame = pl.DataFrame(
        [
            {
                "fid": fid,
                "rel": f.entry.rel,
                "dataset": f.entry.dataset,
                "path": os.fsencode(f.entry.path),
                "as_of": f.entry.as_of,
                "dated_by": f.entry.dated_by,
                "size": f.entry.size,
                "mtime_ns": f.entry.mtime_ns,
                "hash": f.hash,
                "status": "rejected" if f.frame is None else ("warning" if f.warnings else "accepted"),
                "sample": f.sample,
                "rows": f.rows,
                "problems": _problems_json(f.errors, f.warnings),
                "areas": areas.get(fid, []),
            }
            for fid, f in items
        ],
        schema_overrides={
            "fid": pl.Int32,
            "path": pl.Binary,
            "as_of": pl.Date,
            "size": pl.Int64,
            "mtime_ns": pl.Int64,
            "rows": pl.Int64,
            "areas": pl.List(pl.String),
        },
    )
    cur.register("fresh_files", frame.to_arrow())
    try:
        cur.sql("insert into files by name select *, null::integer as ord from fresh_files")
    finally:
        _unregister(cur, "fresh_files")


def _insert_rows(cur: duckdb.DuckDBPyConnection, ds: str, items: list[tuple[int, Ingested]]) -> dict[int, list]:
    """Store the files' accepted rows (event rows are staged, see _apply); the areas each file has rows for."""
    cols = data_columns(ds)
    frame = pl.concat([f.frame for _, f in items], how="vertical_relaxed").select("_row", *cols)
    heights = [f.frame.height for _, f in items]
    frame = frame.with_columns(pl.Series("_fid", np.repeat([fid for fid, _ in items], heights), dtype=pl.Int32))
    areas = {}
    if "area" in cols:
        found = frame.group_by("_fid").agg(pl.col("area").drop_nulls().unique().sort())
        areas = dict(zip(found["_fid"].to_list(), found["area"].to_list(), strict=True))
    cur.register("fresh_rows", frame.to_arrow())
    try:
        names = ", ".join(cols)
        if ds in EVENT_DATASETS:  # staged: their bookkeeping is worked out with the groups they touch (_apply)
            cur.sql(
                f"insert into stage_{ds} ({names}, _fid, _row, _g) select {names}, _fid, _row, {_group_key(ds)} "
                "from fresh_rows"
            )
            cur.sql(f"insert into touched_{ds} select distinct _g from stage_{ds}")
        else:
            cur.sql(f"insert into rows_{ds} ({names}, _fid, _row) select {names}, _fid, _row from fresh_rows")
    finally:
        _unregister(cur, "fresh_rows")
    return areas


def _unregister(cur: duckdb.DuckDBPyConnection, name: str) -> None:
    with contextlib.suppress(duckdb.Error):  # in a failed transaction; the rollback is what matters then
        cur.unregister(name)


def _reorder(cur: duckdb.DuckDBPyConnection, ds: str) -> None:
    """Number the dataset's accepted files in the order they take effect (catalog.FileEntry.order: snapshot date,
    base name, relative path, compared in Python so the rule has one implementation)."""
    files = cur.sql(
        "select fid, as_of, rel from files where dataset = $ds and status <> 'rejected'", params={"ds": ds}
    ).fetchall()
    ranked = sorted(files, key=lambda f: (f[1], f[2].rsplit("/", 1)[-1], f[2]))
    order = pl.DataFrame(
        {"fid": [f[0] for f in ranked], "ord": list(range(len(ranked)))}, schema={"fid": pl.Int32, "ord": pl.Int32}
    )
    cur.register("new_order", order.to_arrow())
    try:
        cur.sql("update files set ord = n.ord from new_order n where files.fid = n.fid")
    finally:
        _unregister(cur, "new_order")


# ------------------------------------------------------------------------------------------------ opening


def state_dir() -> Path:
    from gydash.snapshots.importlog import state_dir as shared

    return shared() / "warehouse"


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def _open(data_dir: Path) -> tuple[Path | None, duckdb.DuckDBPyConnection]:
    """This process's warehouse file for the data dir (the first slot no other process holds), built afresh when it
    is from another contract or schema, or unreadable; in memory when no state dir can be written."""
    if os.environ.get("GYDASH_WAREHOUSE", "").strip().lower() == "memory":
        return None, _prepared(duckdb.connect(":memory:", config=_config()))
    folder = state_dir()
    if _inside(folder, data_dir):
        log.warning("状态目录 %s 在数据目录里面，数据仓库改放在内存中（数据目录只读不写）", folder)
        return None, _prepared(duckdb.connect(":memory:", config=_config()))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("无法创建状态目录 %s（%s），数据仓库改放在内存中", folder, exc)
        return None, _prepared(duckdb.connect(":memory:", config=_config()))
    stem = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:12]
    for slot in range(MAX_SLOTS):
        path = folder / f"{stem}-{slot}.duckdb"
        try:
            return path, _prepared(duckdb.connect(str(path), config=_config(folder)))
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                continue  # another process holds this slot
            _discard(path)
        except duckdb.Error:
            _discard(path)  # not a warehouse we can read (another version's, or damaged): it is disposable
        try:
            return path, _prepared(duckdb.connect(str(path), config=_config(folder)))
        except duckdb.Error as exc:
            log.warning("无法打开数据仓库 %s（%s），改放在内存中", path, exc)
            break
    return None, _prepared(duckdb.connect(":memory:", config=_config()))


def _config(folder: Path | None = None) -> dict:
    config = {"threads": 2, "memory_limit": MEMORY_LIMIT}
    if folder is not None:
        config["temp_directory"] = str(folder / "tmp")
    return config


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
    tables = con.sql("select table_name from information_schema.tables where table_schema = 'main'").fetchall()
    for (name,) in tables:
        con.sql(f'drop table if exists "{name}"')
    con.sql("drop sequence if exists fid_seq")
    for stmt in _schema_sql():
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
