"""The duty engine: every rule × area × period of the rules table judged against the events in effect.

Status of a cell: ``met`` when actual ≥ required (at any time, even before the period ends); otherwise, once the
period is over, ``awaiting_data`` (待报送) while no accepted snapshot of the rule's dataset is dated on or after the
period's last day — the data simply do not reach that far yet, so the period is not judged — and ``unmet`` once
one is; ``in_progress`` when the period contains today, ``not_due`` when it starts after today. Only ``unmet``
counts as a failure anywhere (overdue list, scoreboard, talking points, meeting pack, summary). A quarter's cut
(``quarter.load``, ``scoreboard.board``) holds only the snapshots dated up to the quarter end, so the same rule is
applied with the data in effect at that cut-off. Words, symbols and colours of the statuses: ``palette.DUTY``.
Every event in effect whose date falls in the period counts (``duty_events.cell_events`` lists exactly those).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from gydash.base import clock, palette, plan
from gydash.plan import duty_cells
from gydash.plan.duty_rules import EVENT_DATASETS, numeric_columns, rules
from gydash.snapshots import resolve
from gydash.snapshots.store import Data

STATUS_LABELS = palette.words(palette.DUTY)


def value_expr(dataset: str, prefix: str = "e.") -> str:
    """The summed value of one event: 1 for count rules, else the rule's column (names from the contract only)."""
    whens = " ".join(f"when c.value_column = '{name}' then {prefix}{name}::double" for name in numeric_columns(dataset))
    return f"case when c.value_column is null then 1.0 {whens} end" if whens else "1.0"


def _evaluate_dataset(data: Data, dataset: str, cells: pl.DataFrame, today: date) -> pl.DataFrame:
    """The cells of one event dataset judged. Events are summed per (period, area, kind), from the warehouse's
    monthly sums (a few thousand rows however many events there are), and only then joined with the cells on their
    period: a cell's period is a calendar month or year (see duty_cells.grid), named as the sums name theirs, so the
    join is on equal keys, not on date ranges."""
    through = reported_through(data)[dataset]
    source, frames = resolve.monthly_source(data, dataset)
    sums = "".join(f", sum(d.{n}) as {n}" for n in numeric_columns(dataset))
    same = "".join(f", d.{n}" for n in numeric_columns(dataset))
    sql = f"""
    with monthly as materialized (select * from {source} d),
    per_period as (
        select strftime(d.month, '%Y-%m') as period, d.area, d.kind, d.n{same}
        from monthly d
        union all
        select strftime(d.month, '%Y') as period, d.area, d.kind, sum(d.n) as n{sums} from monthly d group by all
    ),
    matched as (  -- a county's cells join on their area too; city-wide cells take every area
        select c.cell, e.* from c join per_period e on e.period = c.period and e.area = c.area_code
            and (c.kind is null or e.kind = c.kind) where not c.all_areas
        union all by name
        select c.cell, e.* from c join per_period e on e.period = c.period
            and (c.kind is null or e.kind = c.kind) where c.all_areas
    ),
    counted as (
        select c.cell, coalesce(sum(e.n), 0) as events,
               coalesce(sum(case when c.value_column is null then e.n else {value_expr(dataset)} end), 0) as total
        from c left join matched e using (cell)
        group by c.cell
    ),
    judged as (
        select c.*, k.events, round(case when c.value_column is null then k.events else k.total end, 6) as actual
        from c join counted k using (cell)
    )
    select * exclude (all_areas, value_column),
        case when actual >= required then 'met'
             when period_end < $today and coalesce($through::date < period_end, true) then 'awaiting_data'
             when period_end < $today then 'unmet'
             when period_start <= $today then 'in_progress'
             else 'not_due' end as status
    from judged
    order by cell
    """
    return data.query(sql, {"today": today, "through": through}, c=cells, **frames)


def _compute(data: Data, today: date, table: pl.DataFrame) -> pl.DataFrame:
    cells = duty_cells.grid(table, duty_cells.first_event_dates(data), today)
    parts = [
        _evaluate_dataset(data, ds, cells.filter(pl.col("dataset") == ds), today)
        for ds in EVENT_DATASETS
        if not cells.filter(pl.col("dataset") == ds).is_empty()
    ]
    if not parts:
        return _empty_result()
    names = dict(zip(plan.areas()["code"], plan.areas()["name"], strict=True))
    return (
        pl.concat(parts, how="vertical_relaxed")
        .sort("cell")
        .with_columns(
            pl.col("area_code").replace(names).alias("area"),
            pl.col("period").str.slice(0, 4).cast(pl.Int64).alias("year"),
            pl.when(pl.col("period").str.len_chars() == 7)
            .then(pl.col("period").str.slice(5, 2).cast(pl.Int64))
            .alias("month"),
            pl.col("events").cast(pl.Int64),
            pl.col("actual").cast(pl.Float64),
            pl.col("status").replace(STATUS_LABELS).alias("status_label"),
        )
        .select(RESULT_COLUMNS)
    )


RESULT_COLUMNS = (
    "rule",
    "clause",
    "name",
    "plan",
    "area",
    "area_code",
    "period",
    "year",
    "month",
    "period_kind",
    "period_start",
    "period_end",
    "required",
    "actual",
    "unit",
    "events",
    "status",
    "status_label",
    "dataset",
    "kind",
    "scope",
    "measure",
)


def _empty_result() -> pl.DataFrame:
    types = {"year": pl.Int64, "month": pl.Int64, "events": pl.Int64, "required": pl.Float64, "actual": pl.Float64}
    types |= {"period_start": pl.Date, "period_end": pl.Date}
    return pl.DataFrame(schema={c: types.get(c, pl.String) for c in RESULT_COLUMNS})


def evaluate(data: Data, today: date | None = None, table: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every rule × area × period: required, actual, events counted and status (see the module docstring).
    Cached on the data version per day; a custom rules ``table`` (tests, what-if) is computed afresh."""
    today = today or clock.today()
    if table is not None:
        return _compute(data, today, table)
    return data.kept(f"duties:{today}", lambda: _compute(data, today, rules()))


def reported_through(data: Data) -> dict[str, date | None]:
    """Per event dataset, the newest accepted snapshot's date: a period after it may simply not be reported yet."""
    return {ds: max((f.entry.as_of for f in data.accepted(ds)), default=None) for ds in EVENT_DATASETS}
