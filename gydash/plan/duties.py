"""Recurring duties (plan §B) as a table of rules, and the one engine that judges every rule × area × period.

The rules are rows of ``plandata/duties.csv``:

========  =====================================================================================================
column    meaning
========  =====================================================================================================
plan      the plan the duty comes from (``2024``); its start (plans.csv) is used when a dataset is still empty
code      the rule's code, e.g. ``policy_briefing``; rows sharing a code are one rule (see overrides below)
clause    the plan's clause number (5, 7, 16, 17 …)
name_zh   the Chinese name shown to officials (政策宣讲)
dataset   ``activities`` or ``loans`` — the events counted, as resolved by ``resolve.events``
kind      for activities, the event ``kind`` counted (empty: every kind)
scope     ``each_county`` (each county counts its own events), ``city_and_counties`` (广元市 and each county, each
          its own), ``city`` (广元市 counting only events filed under 广元市), ``city_all_areas`` (广元市 counting the
          events of every area)
period    ``year`` (periods "YYYY") or ``month`` (periods "YYYY-MM")
measure   ``count`` (number of events) or ``sum:<column>`` (a numeric column of the dataset, e.g.
          ``sum:enterprises_served``, ``sum:amount_wan``)
required  the minimum per area and period
unit      次 / 家 / 万元, shown after every number
areas     optional ``|``-separated areas (code, full or short name) the row is limited to
since     optional first year the row applies to
until     optional last year the row applies to
========  =====================================================================================================

How to add a later plan or a stricter rule — no code changes, only rows:

- A later plan (say ``2026``: three briefings a year from 2026): set ``until`` = 2025 on the 2024 row (or leave it:
  among rows that cover the same cell, the later row in the file wins) and add
  ``2026,policy_briefing,5,政策宣讲,activities,policy_briefing,each_county,year,count,3,次,,2026,``.
- A county's stricter rule (朝天区 must hold four): add
  ``2024,policy_briefing,5,政策宣讲,activities,policy_briefing,each_county,year,count,4,次,朝天区,,``.
  A row naming the area in ``areas`` beats a row that covers it only through its scope.
- A new duty is a row with a new code. Rows of one code must share dataset, period and measure.

Periods judged: from the first data period — the period of the earliest event date in the rule's dataset (any kind,
so a kind never reported shows as 0, not as missing) or the row's ``since`` if later — up to today's period.
When the dataset has no event at all, periods start at the plan's start (2024-01 for the 2024 plan): a duty does not
vanish because nothing was reported. Monthly rules also list the rest of today's year as ``not_due``.

Status of a cell: ``met`` when actual ≥ required (at any time, even before the period ends); otherwise, once the
period is over, ``awaiting_data`` (待报送) while no accepted snapshot of the rule's dataset is dated on or after the
period's last day — the data simply do not reach that far yet, so the period is not judged — and ``unmet`` once
one is; ``in_progress`` when the period contains today, ``not_due`` when it starts after today. Only ``unmet``
counts as a failure anywhere (overdue list, scoreboard, talking points, meeting pack, summary). A quarter's cut
(``quarter.load``, ``scoreboard.board``) holds only the snapshots dated up to the quarter end, so the same rule is
applied with the data in effect at that cut-off. Words, symbols and colours of the statuses: ``palette.DUTY``.
Every event in effect whose date falls in the period counts (``cell_events`` lists exactly those).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import polars as pl

from gydash.base import clock, palette, plan
from gydash.base.contract import ACTIVITY_KINDS, columns
from gydash.snapshots import resolve, tables
from gydash.snapshots.store import Data

EVENT_DATASETS = ("activities", "loans")
SCOPES = ("each_county", "city_and_counties", "city", "city_all_areas")
PERIODS = ("year", "month")
STATUS_LABELS = palette.words(palette.DUTY)
STATUS_SYMBOLS = {k: s.symbol for k, s in palette.DUTY.items()}
SUMMARY_FIELDS = ("rule", "clause", "area", "period", "required", "actual", "status")
SUMMARY_EXTRA = ("area_code", "name", "unit", "plan", "events", "status_label")

# A cell's events: the date falls in the period, the area is in scope, the kind matches. Shared by the engine
# and cell_events so a count and the list behind it can never disagree.
_MATCH = """e.date between c.period_start and c.period_end
    and (c.all_areas or e.area = c.area_code)
    and (c.kind is null or e.kind = c.kind)"""

_TEXT_COLUMNS = (
    "plan",
    "code",
    "clause",
    "name_zh",
    "dataset",
    "kind",
    "scope",
    "period",
    "measure",
    "unit",
    "areas",
)


def numeric_columns(dataset: str) -> tuple[str, ...]:
    """Columns a rule may sum: the dataset's numeric columns in the data contract (the allow-list)."""
    return tables.numeric_columns(dataset)


def load_rules(path) -> pl.DataFrame:
    """A rules table read from CSV and checked; ValueError names the row and the problem."""
    raw = pl.read_csv(path, infer_schema=False)
    missing = [c for c in (*_TEXT_COLUMNS, "required", "since", "until") if c not in raw.columns]
    if missing:
        raise ValueError(f"{path}: 缺少列 {', '.join(missing)}")
    table = raw.with_columns(
        pl.col(*_TEXT_COLUMNS).str.strip_chars().replace("", None),
        pl.col("required").cast(pl.Float64),
        pl.col("since", "until").str.strip_chars().replace("", None).cast(pl.Int64),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"),
    )
    rows = [_checked(r) for r in table.iter_rows(named=True)]
    out = pl.DataFrame(rows, schema=table.schema | {"value_column": pl.String, "area_list": pl.List(pl.String)})
    for code, group in out.group_by("code", maintain_order=True):
        if any(group[c].n_unique() > 1 for c in ("dataset", "period", "measure")):
            raise ValueError(f"规则 {code[0]} 的各行必须使用相同的 dataset、period、measure")
    return out


def _checked(r: dict) -> dict:
    where = f"duties.csv 第 {r['row'] + 2} 行（{r['code']}）"
    for col in ("plan", "code", "clause", "name_zh", "dataset", "scope", "period", "measure", "unit"):
        if r[col] is None:
            raise ValueError(f"{where}：{col} 不能为空")
    if r["dataset"] not in EVENT_DATASETS:
        raise ValueError(f"{where}：dataset 只能是 {' / '.join(EVENT_DATASETS)}")
    if r["kind"] is not None and (r["dataset"] != "activities" or r["kind"] not in ACTIVITY_KINDS):
        raise ValueError(f"{where}：kind {r['kind']} 不是活动类型")
    if r["scope"] not in SCOPES or r["period"] not in PERIODS:
        raise ValueError(f"{where}：scope 或 period 不正确")
    value_column = None
    if r["measure"] != "count":
        value_column = r["measure"].removeprefix("sum:")
        if not r["measure"].startswith("sum:") or value_column not in numeric_columns(r["dataset"]):
            raise ValueError(f"{where}：measure 只能是 count 或 sum:<{'|'.join(numeric_columns(r['dataset']))}>")
    if r["required"] is None or r["required"] < 0:
        raise ValueError(f"{where}：required 必须是不小于 0 的数")
    lookup = plan.area_lookup()
    area_list = []
    for spelling in (r["areas"] or "").split("|"):
        if spelling.strip():
            if spelling.strip() not in lookup:
                raise ValueError(f"{where}：不认识的县区 {spelling}")
            area_list.append(lookup[spelling.strip()])
    return r | {"value_column": value_column, "area_list": area_list}


@cache
def rules() -> pl.DataFrame:
    """The built-in rules table (plandata/duties.csv), checked."""
    return load_rules(plan.PLANDATA / "duties.csv")


def rule_codes(table: pl.DataFrame | None = None) -> list[str]:
    table = rules() if table is None else table
    return list(dict.fromkeys(table["code"]))


def rule_info(code: str, table: pl.DataFrame | None = None) -> dict:
    """The rule's first row: name, clause, unit, period, dataset …"""
    table = rules() if table is None else table
    found = table.filter(pl.col("code") == code)
    if found.is_empty():
        raise KeyError(code)
    return found.row(0, named=True)


def period_label(period: str) -> str:
    """'2025 年' or '2025 年 7 月'."""
    return f"{period} 年" if len(period) == 4 else f"{period[:4]} 年 {int(period[5:])} 月"


def _scope_areas(scope: str) -> tuple[str, ...]:
    counties = plan.counties()
    return {
        "each_county": counties,
        "city_and_counties": (plan.CITY, *counties),
        "city": (plan.CITY,),
        "city_all_areas": (plan.CITY,),
    }[scope]


def _plan_start(plan_id: str, since: int | None, today: date) -> date:
    known = plan.plans().filter(pl.col("plan") == plan_id)
    if not known.is_empty():
        return known["start"][0] + timedelta(days=1)  # plans.csv holds the day before the first period
    return date(since or today.year, 1, 1)


def _periods(kind: str, first: date, last: date) -> list[tuple[str, date, date]]:
    if kind == "year":
        return [(f"{y}", date(y, 1, 1), date(y, 12, 31)) for y in range(first.year, last.year + 1)]
    out = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append((f"{y}-{m:02d}", date(y, m, 1), plan.month_end(y, m)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _first_dates(data: Data) -> dict[str, date | None]:
    out = {}
    for ds in EVENT_DATASETS:
        source, frames = resolve.monthly_source(data, ds)  # the month is enough: periods are calendar months or years
        out[ds] = data.query(f"select min(month) as first from {source} e", **frames)["first"][0]
    return out


def _cells(table: pl.DataFrame, first_dates: dict[str, date | None], today: date) -> pl.DataFrame:
    """One row per (rule, area, period), each from the row that governs it (explicit area, then later row)."""
    best: dict[tuple[str, str, str], tuple[tuple[bool, int], dict]] = {}
    order = {code: i for i, code in enumerate(rule_codes(table))}
    area_order = {code: i for i, code in enumerate(plan.areas()["code"])}
    for r in table.iter_rows(named=True):
        first = first_dates[r["dataset"]] or _plan_start(r["plan"], r["since"], today)
        if r["since"] is not None and r["since"] > first.year:
            first = date(r["since"], 1, 1)
        last = today if r["period"] == "year" else date(today.year, 12, 31)
        if r["until"] is not None and r["until"] < last.year:
            last = date(r["until"], 12, 31)
        areas = [a for a in _scope_areas(r["scope"]) if not r["area_list"] or a in r["area_list"]]
        priority = (bool(r["area_list"]), r["row"])
        for period, start, end in _periods(r["period"], first, last):
            for area in areas:
                key = (r["code"], area, period)
                if key in best and best[key][0] > priority:
                    continue
                best[key] = (
                    priority,
                    {
                        "rule": r["code"],
                        "plan": r["plan"],
                        "clause": r["clause"],
                        "name": r["name_zh"],
                        "dataset": r["dataset"],
                        "kind": r["kind"],
                        "scope": r["scope"],
                        "period_kind": r["period"],
                        "measure": r["measure"],
                        "value_column": r["value_column"],
                        "required": r["required"],
                        "unit": r["unit"],
                        "area_code": area,
                        "all_areas": r["scope"] == "city_all_areas",
                        "period": period,
                        "period_start": start,
                        "period_end": end,
                        "_sort": (order[r["code"]], area_order.get(area, 99), period),
                    },
                )
    rows = sorted((v for _, v in best.values()), key=lambda c: c["_sort"])
    schema = {
        "rule": pl.String,
        "plan": pl.String,
        "clause": pl.String,
        "name": pl.String,
        "dataset": pl.String,
        "kind": pl.String,
        "scope": pl.String,
        "period_kind": pl.String,
        "measure": pl.String,
        "value_column": pl.String,
        "required": pl.Float64,
        "unit": pl.String,
        "area_code": pl.String,
        "all_areas": pl.Boolean,
        "period": pl.String,
        "period_start": pl.Date,
        "period_end": pl.Date,
    }
    frame = pl.DataFrame([{k: c[k] for k in schema} for c in rows], schema=schema)
    return frame.with_row_index("cell")


def _value_expr(dataset: str, prefix: str = "e.") -> str:
    """The summed value of one event: 1 for count rules, else the rule's column (names from the contract only)."""
    whens = " ".join(f"when c.value_column = '{name}' then {prefix}{name}::double" for name in numeric_columns(dataset))
    return f"case when c.value_column is null then 1.0 {whens} end" if whens else "1.0"


def _with_kind(dataset: str, source: str) -> str:
    return source if "kind" in _data_columns(dataset) else f"(select *, null::varchar as kind from {source} k)"


def _data_columns(dataset: str) -> list[str]:
    return [c.name for c in columns(dataset)]


def _evaluate_dataset(data: Data, dataset: str, cells: pl.DataFrame, today: date) -> pl.DataFrame:
    """The cells of one event dataset judged. Events are summed per (period, area, kind), from the warehouse's
    monthly sums (a few thousand rows however many events there are), and only then joined with the cells on their
    period: a cell's period is a calendar month or year (see _periods), named as the sums name theirs, so the join
    is on equal keys, not on date ranges."""
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
               coalesce(sum(case when c.value_column is null then e.n else {_value_expr(dataset)} end), 0) as total
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
    cells = _cells(table, _first_dates(data), today)
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


def cell(data: Data, rule: str, area: str, period: str, today: date | None = None) -> dict:
    """One evaluated cell; ``area`` may be a code, full or short name. KeyError if the engine has no such cell."""
    code = plan.area_lookup().get(area, area)
    found = evaluate(data, today).filter(
        (pl.col("rule") == rule) & (pl.col("area_code") == code) & (pl.col("period") == period)
    )
    if found.is_empty():
        raise KeyError((rule, area, period))
    return found.row(0, named=True)


def cell_events(data: Data, rule: str, area: str, period: str, today: date | None = None) -> pl.DataFrame:
    """The events behind one cell, oldest first: date, area, area_code, the dataset's own columns, id, file,
    the value each adds (1 for a count) and the running total — the same events the engine counted.
    Cached on the data version: a page asks for the same cell several times per rerun, each a scan of all events."""
    today = today or clock.today()
    code = plan.area_lookup().get(area, area)
    return data.cached(
        f"cell_events:{rule}:{code}:{period}:{today}", lambda: _cell_events(data, rule, area, period, today)
    )


def _cell_events(data: Data, rule: str, area: str, period: str, today: date) -> pl.DataFrame:
    row = cell(data, rule, area, period, today)
    one = pl.DataFrame(
        {
            "area_code": [row["area_code"]],
            "all_areas": [row["scope"] == "city_all_areas"],
            "kind": [row["kind"]],
            "value_column": [None if row["measure"] == "count" else row["measure"].removeprefix("sum:")],
            "period_start": [row["period_start"]],
            "period_end": [row["period_end"]],
        },
        schema_overrides={"kind": pl.String, "value_column": pl.String},
    )
    dataset = row["dataset"]
    own = [c.name for c in columns(dataset) if c.name not in ("date", "area", "id")]
    source, frames = resolve.event_source(data, dataset)
    sql = f"""
    select e.date, e.area as area_code, {", ".join(f"e.{c}" for c in own)}, e.id, e.file,
           {_value_expr(dataset)} as value
    from c join {_with_kind(dataset, source)} e on {_MATCH}, range(e.copies) n(i)
    order by e.date, e.area, e.id nulls last, e.file
    """
    names = dict(zip(plan.areas()["code"], plan.areas()["name"], strict=True))
    found = data.query(sql, c=one, **frames)
    return found.with_columns(
        pl.col("area_code").replace(names).alias("area"),
        pl.col("value").cum_sum().round(6).alias("cumulative"),
    ).select("date", "area", "area_code", *own, "id", "file", "value", "cumulative")


def running_total(data: Data, rule: str, area: str, year: int, today: date | None = None) -> pl.DataFrame:
    """A yearly cell's total through the year as a step line: (date, cumulative), from 1 January at 0 to the
    last event, and on to today (or 31 December once the year is over)."""
    today = today or clock.today()
    events = cell_events(data, rule, area, str(year), today).select("date", "cumulative")
    start = pl.DataFrame({"date": [date(year, 1, 1)], "cumulative": [0.0]})
    end_day = min(max(today, date(year, 1, 1)), date(year, 12, 31))
    last = events["cumulative"][-1] if events.height else 0.0
    end = pl.DataFrame({"date": [max(end_day, events["date"].max() or end_day)], "cumulative": [last]})
    return pl.concat([start, events, end], how="vertical_relaxed")


def reported_through(data: Data) -> dict[str, date | None]:
    """Per event dataset, the newest accepted snapshot's date: a period after it may simply not be reported yet."""
    return {ds: max((f.entry.as_of for f in data.accepted(ds)), default=None) for ds in EVENT_DATASETS}


def describe(row: dict) -> str:
    """'朝天区 2025 年政策宣讲 1/2 次，未完成' — a cell in plain Chinese."""
    return (
        f"{row['area']} {period_label(row['period'])}{row['name']} "
        f"{number(row['actual'])}/{number(row['required'])} {row['unit']}，{STATUS_LABELS[row['status']]}"
    )


def number(value: float) -> str:
    """'1,650', '12', '12.5' — whole numbers without decimals, others with at most two."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def overdue(data: Data, today: date | None = None, area: str | None = None) -> list[dict]:
    """Every unmet cell (period over and covered by the data, below the minimum), newest period first, with its
    plain-Chinese text; only `area`'s cells (a code, full or short name) when given."""
    return _listed(data, today, "unmet", area)


def awaiting(data: Data, today: date | None = None, area: str | None = None) -> list[dict]:
    """Every awaiting_data cell (period over, below the minimum, the data not yet reported that far), newest first."""
    return _listed(data, today, "awaiting_data", area)


def _listed(data: Data, today: date | None, wanted: str, area: str | None) -> list[dict]:
    frame = evaluate(data, today).filter(pl.col("status") == wanted)
    if area is not None:
        frame = frame.filter(pl.col("area_code") == plan.area_lookup().get(area, area))
    frame = frame.sort(pl.col("period_end"), descending=True, maintain_order=True)
    return [r | {"text": describe(r)} for r in frame.iter_rows(named=True)]


def _plain_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def summary_entries(data: Data, today: date | None = None) -> list[dict]:
    """The "duties" list of ``gydash summary --json``: one dict per engine row."""
    out = []
    for r in evaluate(data, today).iter_rows(named=True):
        entry = {k: r[k] for k in (*SUMMARY_FIELDS, *SUMMARY_EXTRA)}
        entry["required"] = _plain_number(r["required"])
        entry["actual"] = _plain_number(r["actual"])
        out.append(entry)
    return out
