"""Resolution semantics in SQL: newest snapshot wins per key, history kept, events counted once, ledger rounds."""

from __future__ import annotations

import polars as pl

from gydash.base import plan
from gydash.base.contract import columns
from gydash.snapshots import db, tables
from gydash.snapshots.store import Data

KEY = "indicator, area, year, month"

_INDICATORS_SQL = f"""
with ranked as (
    select *, row_number() over (partition by {KEY} order by _order desc, _row desc) as rn
    from t
),
winner as (select * from ranked where rn = 1),
last_change as (
    select r.indicator, r.area, r.year, r.month, r.value as previous_value, r._file as previous_file,
           r._as_of as previous_as_of, r._order as change_order,
           row_number() over (partition by r.indicator, r.area, r.year, r.month order by r._order desc) as rk
    from ranked r join winner w using (indicator, area, year, month)
    where r.rn > 1 and r.value is distinct from w.value
),
since as (
    select r.indicator, r.area, r.year, r.month, min(r._as_of) as since, count(*) as versions
    from ranked r left join (select * from last_change where rk = 1) c using (indicator, area, year, month)
    where c.change_order is null or r._order > c.change_order
    group by all
)
select w.indicator, w.area, w.year, w.month, w.value, w.unit, w.source,
       w._file as file, w._as_of as as_of, s.since,
       c.previous_value, c.previous_file, c.previous_as_of,
       c.previous_value is not null as revised
from winner w
join since s using (indicator, area, year, month)
left join (select * from last_change where rk = 1) c using (indicator, area, year, month)
order by indicator, area, year, month
"""

# A derived city figure names its files and sources once each, in order. Collected as lists and sorted per group:
# string_agg(distinct … order by …) gives the same text but keeps a sorting state per group, and its working memory
# for the few hundred groups of the full data was a third more (24 → 16 MB at its height, measured alone).
_SERIES_SQL = """
with v as (select * from resolved),
city as (
    select indicator, area, year, month, value, false as derived, null::bigint as counties,
           file, as_of, source, revised, previous_value, previous_file
    from v where area = $city
),
summed as (
    select indicator, $city as area, year, month, sum(value) as value, true as derived,
           count(*) as counties, nullif(array_to_string(list_sort(list_distinct(list(file))), '; '), '') as file,
           max(as_of) as as_of, nullif(array_to_string(list_sort(list_distinct(list(source))), '; '), '') as source,
           bool_or(revised) as revised,
           null::double as previous_value, null::varchar as previous_file
    from v where area <> $city and list_contains($additive, indicator)
    group by indicator, year, month
)
select indicator, area, year, month, value, false as derived, null::bigint as counties,
       file, as_of, source, revised, previous_value, previous_file
from v where area <> $city
union all select * from city
union all select s.* from summed s anti join city c using (indicator, year, month)
order by indicator, area, year, month
"""


def indicator_values(data: Data) -> pl.DataFrame:
    """One row per (indicator, area, year, month): the newest snapshot's value, since when, and what it replaced."""
    return data.cached("indicator_values", lambda: data.query(_INDICATORS_SQL, rows={"t": "indicators"}))


def indicator_values_in(t: pl.DataFrame) -> pl.DataFrame:
    """indicator_values among the given accepted rows (each key resolves from its own rows only)."""
    return db.query(_INDICATORS_SQL, t=t)


def indicator_history(data: Data, indicator: str, area: str, year: int, month: int) -> pl.DataFrame:
    """Every value a key has had, oldest first, with the file and snapshot date it came from."""
    sql = """
        select value, unit, source, _file as file, _as_of as as_of, _row as row from t
        where indicator = $indicator and area = $area and year = $year and month = $month
        order by _order, _row
    """
    params = {"indicator": indicator, "area": area, "year": year, "month": month}
    return data.query(sql, params, rows={"t": "indicators"})


def series(data: Data) -> pl.DataFrame:
    """Resolved values for every area; the city row where reported, else county sum of additive indicators."""
    additive = list(plan.indicators().filter(pl.col("additive"))["code"])

    def compute() -> pl.DataFrame:
        # Run by the warehouse's database, the frame registered for the query: one DuckDB, one memory budget. In the
        # second database of frame queries (snapshots.db) it held another 15–25 MB of the server's memory for a
        # second after each new indicators or targets file, and set the bench's peak.
        params = {"city": plan.CITY, "additive": additive}
        return data.query(_SERIES_SQL, params, resolved=indicator_values(data))

    return data.cached("series", compute)


def _data_columns(dataset: str) -> list[str]:
    return [c.name for c in columns(dataset) if c.name != "id"]


def event_source(data: Data, dataset: str) -> tuple[str, dict[str, pl.DataFrame]]:
    """The events in effect (activities or loans) as an SQL relation for Data.query, one row per distinct event
    with `copies` (how many times it counts), and the frames it needs registered.

    From the warehouse, this is a condition on the stored rows (see gydash.snapshots.warehouse: each row knows from
    which snapshot date until which it is in effect), so any cut-off costs a scan, not a re-resolution. With a file
    not yet stored (an import being previewed), the events are resolved afresh from the frames."""
    if any(f.entry.dataset == dataset for f in data.extra):
        frame = events_in(data.frames[dataset], dataset)
        frame = frame.with_row_index("_row").with_columns(pl.lit(1).alias("copies"), pl.lit(0).alias("_order"))
        return "ev_frame", {"ev_frame": frame}
    cols = ", ".join(f"r.{c}" for c in _data_columns(dataset))
    sql = f"""(
        select {cols}, r.id, f.rel as file, f.as_of, r._copies as copies, f.ord as _order, r._row
        from rows_{dataset} r join files f on f.fid = r._fid
        where r._copies > 0 and f.as_of <= $until and (r._lost is null or r._lost > $until)
    )"""
    return sql, {}


def monthly_source(data: Data, dataset: str) -> tuple[str, dict[str, pl.DataFrame]]:
    """The events in effect summed per (month, area, kind) as an SQL relation for Data.query: `month` (its first
    day), `n` events and the sum of each numeric column (each event counted `copies` times); events without a date
    left out. From the warehouse's monthly sums (a condition on their span of snapshot dates, like the rows'); with a
    file not yet stored, summed from the events resolved afresh."""
    sums = "".join(f", sum(e.{n}) as {n}" for n in tables.numeric_columns(dataset))
    if any(f.entry.dataset == dataset for f in data.extra):
        source, frames = event_source(data, dataset)
        per_event = "".join(f", e.copies * e.{n}::double as {n}" for n in tables.numeric_columns(dataset))
        kind = tables.kind_sql(dataset, "e.")
        month = "date_trunc('month', e.date)::date"
        rows = f"(select {month} as month, e.area, {kind} as kind, e.copies as n{per_event} from {source} e)"
        return (
            f"(select month, area, kind, sum(n) as n{sums} from {rows} e where month is not null group by all)",
            frames,
        )
    sql = f"""(
        select e.month, e.area, e.kind, sum(e.n) as n{sums} from monthly_{dataset} e
        where e._as <= $until and (e._lost is null or e._lost > $until) group by all
    )"""
    return sql, {}


def events(data: Data, dataset: str) -> pl.DataFrame:
    """Events in effect (activities or loans): by id the newest row wins; id-less identical rows count once
    across files (a row repeated within one file is that many events, as many as the fullest file holds).
    One row per event (an event counted twice is two rows), by date and area, then in the order loaded."""
    source, frames = event_source(data, dataset)
    cols = ", ".join(f"e.{c}" for c in _data_columns(dataset))
    sql = f"""
        select {cols}, e.id, e.file, e.as_of from {source} e, range(e.copies) n(i)
        order by e.date, e.area, e._order, e._row
    """
    return data.query(sql, **frames)


def events_in(t: pl.DataFrame, dataset: str) -> pl.DataFrame:
    """The events in effect among the given accepted rows (with _file, _as_of, _order), as `events` resolves them:
    each id and each id-less row is resolved from its own rows only, so any subset holding all rows of some ids
    and row values resolves those exactly as the whole would. Ordered by date and area, then as loaded.

    Worked out on row numbers, and the rows in effect are copied out once at the end: carrying every column
    through each step held a million rows several times over (+340 MB at the peak, for a 115 MB result)."""
    cols = _data_columns(dataset)
    rows = t.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i"), *cols, "id", "_order", "_row")
    # By id: the newest row (latest snapshot, then the last row in it).
    by_id = (
        rows.filter(pl.col("id").is_not_null())
        .group_by("id")
        .agg(pl.col("_i").sort_by("_order", "_row").last())
        .select("_i", pl.lit(1, dtype=pl.UInt32).alias("copies"))
    )
    # Without an id: copies of a row per file, then per row the most copies any one file holds, taken from (and
    # named by) the newest file that has it.
    no_id = (
        rows.filter(pl.col("id").is_null())
        .group_by([*cols, "_order"])
        .agg(pl.len().cast(pl.UInt32).alias("copies"), pl.col("_i").first())
        .group_by(cols)
        .agg(pl.col("copies").max(), pl.col("_i").sort_by("_order").last())
        .select("_i", "copies")
    )
    picked = pl.concat([by_id, no_id])
    index = picked["_i"].gather(
        pl.int_range(picked.height, eager=True, dtype=pl.UInt32).repeat_by(picked["copies"]).explode()
    )
    keys = t.select(cols[0], "area").gather(index).with_columns(index.alias("_i"))
    index = keys.sort(cols[0], "area", "_i", nulls_last=True)["_i"]
    out = t.select(*cols, "id", pl.col("_file").alias("file"), pl.col("_as_of").alias("as_of"))
    return out.gather(index)


_COMMENDATIONS_SQL = """
    select year, category, name, organization, area, date, _file as file, _as_of as as_of from t
    qualify row_number() over (partition by year, category, name order by _order desc, _row desc) = 1
    order by year, category, area, name
"""
LEDGER_VIEW = """
    with newest as (select area, round, max(_order) as _newest from t group by area, round)
    select t.* exclude (_row, _order, _file), t._file as file from t semi join newest n
        on n.area = t.area and n.round = t.round and n._newest = t._order
"""  # the ledger rows in effect, over `t` (the coverage rows): SQL uses it as the view `l`, never a copy in Python
_LEDGER_SQL = LEDGER_VIEW + " order by round, area, org_name"


def commendations(data: Data) -> pl.DataFrame:
    """Commendations in effect: per (year, category, name) the newest snapshot's row."""
    return data.cached("commendations", lambda: data.query(_COMMENDATIONS_SQL, rows={"t": "commendations"}))


def commendations_in(t: pl.DataFrame) -> pl.DataFrame:
    return db.query(_COMMENDATIONS_SQL, t=t)


def ledger_rows(data: Data) -> pl.DataFrame:
    """The ledger contents in effect: for each county and round, only the rows of its newest snapshot."""
    return data.query("select * from l order by round, area, org_name", **ledger_view())


def ledger_view() -> dict:
    """Data.query arguments that make the ledger rows in effect the view `l` (and the coverage rows `t`)."""
    return {"rows": {"t": "coverage"}, "views": {"l": LEDGER_VIEW}}


def ledger_rows_in(t: pl.DataFrame) -> pl.DataFrame:
    """ledger_rows among the given accepted rows (each county and round resolves from its own rows only)."""
    return db.query(_LEDGER_SQL, t=t)


def targets(data: Data) -> pl.DataFrame:
    """Targets in effect: the built-in plan's rows, added to or replaced by the targets dataset (newest wins)."""

    def compute() -> pl.DataFrame:
        sql = """
        with builtin as (
            select plan, indicator, area, year, month, target, kind, base_year, clause,
                   '内置（方案原文）' as file, null::date as as_of, -1 as _order, 0 as _row from b
        ),
        given as (
            select plan, indicator, area, year, month, target, kind, base_year,
                   coalesce((select any_value(clause) from b where b.plan = t.plan and b.indicator = t.indicator),
                            '') as clause,
                   _file as file, _as_of as as_of, _order, _row from t
        )
        select * exclude (_order, _row) from (select * from builtin union all by name select * from given)
        qualify row_number() over (partition by plan, indicator, area, year order by _order desc, _row desc) = 1
        order by plan, area, indicator
        """
        return data.query(sql, b=plan.builtin_targets(), rows={"t": "targets"})

    return data.cached("targets", compute, only=("targets",))
