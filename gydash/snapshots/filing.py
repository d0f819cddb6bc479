"""Filing snapshot files in the warehouse: verdicts, rows and the events' bookkeeping, in one transaction."""

from __future__ import annotations

import contextlib
import os

import duckdb
import polars as pl

from gydash.snapshots.tables import EVENT_DATASETS, Ingested, data_columns, kind_sql, numeric_columns, problems_json


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
# Worked out over the new rows (`stage_{ds}`) and the stored rows of every group they touch (`stored_{ds}`): rows
# are partitioned by their values, nulls equal, so the result is exact whatever the hashes that found them. The new
# rows are then stored with their (_lost, _copies), and only the stored rows whose pair changed are updated: a new
# snapshot re-sending most events changes one pair per event, not the rows themselves.
JUDGED_SQL = """
create or replace temp table judged_{ds} as
with s as (
    select id, {content}, _fid, _row from stage_{ds}
    union all
    select id, {content}, _fid, _row from stored_{ds}
),
r as (
    select s.*, f.ord as _ord, f.as_of as _as from s join files f on f.fid = s._fid
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
)
select * from by_id union all select * from by_content
"""
# A row not judged (an id-less row other than the first of its kind in its file) counts 0 times.
STORE_NEW_SQL = """
insert into rows_{ds} by name
select s.*, j._lost, coalesce(j._copies, 0) as _copies from stage_{ds} s left join judged_{ds} j using (_fid, _row)
"""
UPDATE_STORED_SQL = """
update rows_{ds} set _lost = c._lost, _copies = c._copies
from (
    select s._fid, s._row, j._lost, coalesce(j._copies, 0) as _copies
    from stored_{ds} s left join judged_{ds} j using (_fid, _row)
    where j._lost is distinct from s._lost or coalesce(j._copies, 0) <> s._copies
) c
where {in_files} and rows_{ds}._fid = c._fid and rows_{ds}._row = c._row
"""


# The monthly sums of the rows in effect for some months (`months_{ds}`), per span of snapshot dates (`_as` to
# `_lost`), so the sums at any cut-off are a condition on the spans, as for the rows themselves. The dates from
# $first to $last span those months: with them DuckDB reads only the blocks whose dates can fall in them.
MONTHLY_SQL = """
insert into monthly_{ds}
select date_trunc('month', r.date)::date as month, r.area, {kind} as kind, f.as_of as _as, r._lost,
       sum(r._copies) as n{sums}
from rows_{ds} r join files f on f.fid = r._fid
where r._copies > 0 and r.date between $first and $last
  and date_trunc('month', r.date)::date in (select month from months_{ds})
group by all
"""


def monthly_sql(ds: str) -> str:
    sums = "".join(f", sum(r._copies * r.{n}::double) as {n}" for n in numeric_columns(ds))
    return MONTHLY_SQL.format(ds=ds, kind=kind_sql(ds), sums=sums)


def apply(cur: duckdb.DuckDBPyConnection, gone: list[int], fresh: list[Ingested]) -> None:
    """Forget the files `gone`, store the `fresh` ones, and bring the order and the events' bookkeeping up to date for
    the datasets and event groups they touch (the caller holds the transaction)."""
    datasets = set(
        cur.sql("select distinct dataset from files where list_contains($g, fid)", params={"g": gone})
        .pl()["dataset"]
        .to_list()
    ) | {f.entry.dataset for f in fresh}
    events = [ds for ds in EVENT_DATASETS if ds in datasets]
    for ds in events:  # the new rows, the groups they or the files gone touch, and the months of the rows gone
        cur.sql(f"create or replace temp table stage_{ds} as select * exclude (_lost, _copies) from rows_{ds} limit 0")
        cur.sql(f"create or replace temp table touched_{ds} (_g ubigint)")
        cur.sql(f"create or replace temp table months_{ds} (month date)")
        if gone:
            cur.sql(
                f"insert into touched_{ds} select distinct _g from rows_{ds} where list_contains($g, _fid)",
                params={"g": gone},
            )
            cur.sql(
                f"insert into months_{ds} select distinct date_trunc('month', date)::date from rows_{ds} "
                "where list_contains($g, _fid)",
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
        holding = _files_holding(cur, ds, f"(select _g from touched_{ds})")
        in_files = _in_files(f"rows_{ds}", holding)
        cur.sql(
            f"create or replace temp table stored_{ds} as select id, {_content(ds)}, _fid, _row, _lost, _copies "
            f"from rows_{ds} where {in_files} and _g in (select _g from touched_{ds})"
        )
        # Months whose sums may change: those of every row of a touched group (the rows of files gone are noted above)
        month = "date_trunc('month', date)::date"
        cur.sql(f"insert into months_{ds} select distinct {month} from stage_{ds}")
        cur.sql(f"insert into months_{ds} select distinct {month} from stored_{ds}")
        cur.sql(JUDGED_SQL.format(ds=ds, content=_content(ds)))
        cur.sql(STORE_NEW_SQL.format(ds=ds))
        cur.sql(UPDATE_STORED_SQL.format(ds=ds, in_files=in_files))
        cur.sql(f"delete from monthly_{ds} where month in (select month from months_{ds})")
        first, last = cur.sql(
            f"select min(month), (max(month) + interval 1 month - interval 1 day)::date from months_{ds}"
        ).fetchall()[0]
        if first is not None:
            cur.sql(monthly_sql(ds), params={"first": first, "last": last})
        for table in ("stage", "stored", "judged", "touched", "months"):
            cur.sql(f"drop table {table}_{ds}")


def _files_holding(cur: duckdb.DuckDBPyConnection, ds: str, touched: str) -> list[int]:
    """The files holding stored rows of the touched groups (a weekly file's groups are usually in one or two)."""
    return [r[0] for r in cur.sql(f"select distinct _fid from rows_{ds} where _g in {touched}").fetchall()]


def _in_files(table: str, fids: list[int]) -> str:
    """A condition naming the files literally: rows are stored file by file, so DuckDB skips the rest of the table
    by its per-block ranges of `_fid` instead of reading every column of every row."""
    if not fids:
        return "false"
    return f"{table}._fid in ({', '.join(str(int(f)) for f in sorted(fids))})"


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
                "path": os.fsencode(f.entry.where),
                "as_of": f.entry.as_of,
                "dated_by": f.entry.dated_by,
                "size": f.entry.size,
                "mtime_ns": f.entry.mtime_ns,
                "hash": f.hash,
                "status": "rejected" if f.frame is None else ("warning" if f.warnings else "accepted"),
                "sample": f.sample,
                "rows": f.rows,
                "problems": problems_json(f.errors, f.warnings),
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
    import numpy as np  # here, not at the top: a process that reads no file (`gydash summary`) need not load it

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
    """Number the dataset's accepted files in the order they take effect (file_entry.FileEntry.order: snapshot date,
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
