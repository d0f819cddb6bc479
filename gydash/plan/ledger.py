"""The 两个覆盖 ledger (clause 8): rounds due, each county's status and contents per round, follow-up and changes.

Rounds are YYYY-03 and YYYY-10, listed from the first round in the data up to today; a round is listed once its
month has started. Status per county and round is judged on the county's FIRST update for that round:
- on_time: the first snapshot's earliest `updated_on` falls within the round's month or before it;
- late: after the month's last day (days_late = that date − the month's last day);
- missing: no rows and the month has ended; not_due: no rows and the month is still running (a county that has
  already sent its rows while the month runs is on_time).
"First update" is the county's earliest snapshot for the round (snapshot order: file date, then file name); a later
correction never changes the verdict, even if its rows carry an earlier `updated_on` — a correction cannot make a
late ledger on time retroactively. Contents (organisations, uncovered, 应建未建, 流动党员) are the newest snapshot's.

Terms (requirements §D): uncovered = org_coverage none AND no work coverage; 应建未建 = ≥ 3 party members AND
org_coverage none. An organisation is identified within its county by its name (org_name).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from gydash.base import palette, plan
from gydash.base.contract import ORG_COVERAGE
from gydash.snapshots import db, resolve
from gydash.snapshots.store import Data

ROUND_MONTHS = (3, 10)
STATUS_LABELS = palette.words(palette.LEDGER)
CHANGE_LABELS = {
    "newly_uncovered": "新出现未覆盖",
    "newly_covered": "新实现覆盖",
    "new": "新纳入台账",
    "left": "移出台账",
}
SUMMARY_FIELDS = (
    "area",
    "round",
    "status",
    "days_late",
    "orgs",
    "uncovered",
    "should_build_not_built",
    "mobile_members",
    "mobile_members_placed",
)
EXTRA_FIELDS = ("area_code", "status_label", "first_updated_on", "submissions")


# --- round arithmetic ------------------------------------------------------------------------------


def round_month(rnd: str) -> tuple[int, int]:
    year, month = rnd.split("-")
    return int(year), int(month)


def round_start(rnd: str) -> date:
    year, month = round_month(rnd)
    return date(year, month, 1)


def round_end(rnd: str) -> date:
    """The last day of the round's month: the deadline for its first update."""
    return plan.month_end(*round_month(rnd))


def next_round(rnd: str) -> str:
    year, month = round_month(rnd)
    later = [m for m in ROUND_MONTHS if m > month]
    return f"{year}-{later[0]:02d}" if later else f"{year + 1}-{ROUND_MONTHS[0]:02d}"


def rounds(data: Data, today: date) -> list[str]:
    """Rounds from the first one in the data up to today; a round is listed once its month has started."""
    first = data.query("select min(round) as first from t", rows={"t": "coverage"})["first"][0]
    out: list[str] = []
    rnd = first
    while rnd is not None and round_start(rnd) <= today:
        out.append(rnd)
        rnd = next_round(rnd)
    return out


def status_label(status: str, days_late: int | None) -> str:
    """The word shown in a cell: 按时 / 逾期 12 天 / 未报 / 未到期."""
    if status == "late":
        return f"逾期 {days_late} 天"
    return STATUS_LABELS[status]


# --- per county and round --------------------------------------------------------------------------

# What status needs of each file of a county's round, in one pass over the rows: its order, name, first update
# and contents. The round's first file gives the first update; its newest file gives the contents (the ledger
# in effect, as the view `l` has it).
_PER_FILE = """
    select area, round, _order, any_value(_file) as _file, min(updated_on) as first_updated_on, count(*) as orgs,
           count(*) filter (where org_coverage = 'none' and not work_coverage) as uncovered,
           count(*) filter (where party_members >= 3 and org_coverage = 'none') as should_build_not_built,
           sum(mobile_members)::bigint as mobile_members,
           sum(mobile_members_placed)::bigint as mobile_members_placed,
           count(*) filter (where org_coverage = 'single') as single_orgs,
           count(*) filter (where org_coverage = 'joint') as joint_orgs,
           count(*) filter (where org_coverage = 'none' and work_coverage) as work_only_orgs
    from t group by area, round, _order
"""

_STATUS_SQL = f"""
with per_file as ({_PER_FILE}),
files as (
    select area, round, min(_order) as first_order, max(_order) as last_order, count(*) as submissions,
           arg_max(_file, _order) as latest_file
    from per_file group by area, round
),
first_update as (
    select p.area, p.round, p.first_updated_on, p._file as first_file
    from per_file p join files f on p.area = f.area and p.round = f.round and p._order = f.first_order
),
contents as (
    select p.* from per_file p join files f on p.area = f.area and p.round = f.round and p._order = f.last_order
),
grid as (
    select c.area, c.ord, r.round, r.month_end from c cross join r
)
select g.area, g.round, g.month_end,
       case
           when u.first_updated_on is null and $today > g.month_end then 'missing'
           when u.first_updated_on is null then 'not_due'
           when u.first_updated_on <= g.month_end then 'on_time'
           else 'late'
       end as status,
       case when u.first_updated_on > g.month_end then date_diff('day', g.month_end, u.first_updated_on) end
           as days_late,
       u.first_updated_on, u.first_file, f.latest_file, f.submissions,
       n.orgs, n.uncovered, n.should_build_not_built, n.mobile_members, n.mobile_members_placed,
       n.single_orgs, n.joint_orgs, n.work_only_orgs,
       n.single_orgs / n.orgs as single_rate,
       n.joint_orgs / n.orgs as joint_rate,
       (n.single_orgs + n.joint_orgs) / n.orgs as org_coverage_rate,
       case when n.mobile_members > 0 then n.mobile_members_placed / n.mobile_members end as placement_rate
from grid g
left join first_update u on u.area = g.area and u.round = g.round
left join files f on f.area = g.area and f.round = g.round
left join contents n on n.area = g.area and n.round = g.round
order by g.round, g.ord
"""


def _counties() -> pl.DataFrame:
    codes = list(plan.counties())
    return pl.DataFrame({"area": codes, "ord": list(range(len(codes)))})


def _names(frame: pl.DataFrame) -> pl.DataFrame:
    names = plan.areas().select(pl.col("code").alias("area"), pl.col("name").alias("area_name"))
    return frame.join(names, on="area", how="left", maintain_order="left")


def status(data: Data, today: date) -> pl.DataFrame:
    """County × round: status, days_late, first update, files, and the newest snapshot's contents (null when
    the county has not reported the round). Counties in the plan's order, rounds oldest first."""

    def compute() -> pl.DataFrame:
        listed = rounds(data, today)
        grid = pl.DataFrame(
            {"round": listed, "month_end": [round_end(r) for r in listed]},
            schema={"round": pl.String, "month_end": pl.Date},
        )
        out = data.query(_STATUS_SQL, {"today": today}, **resolve.ledger_view(), c=_counties(), r=grid)
        labels = [status_label(s, d) for s, d in zip(out["status"], out["days_late"], strict=True)]
        return _names(out.with_columns(pl.Series("status_label", labels, dtype=pl.String)))

    return data.cached(f"ledger_status:{today.isoformat()}", compute)


def city_totals(data: Data, today: date) -> pl.DataFrame:
    """Per round: sums over the counties that have reported it, and how many reported / are late / missing."""
    sql = """
        select round, count(*) as counties,
               count(orgs) as counties_reported,
               count(*) filter (where status = 'late') as counties_late,
               count(*) filter (where status = 'missing') as counties_missing,
               count(*) filter (where status = 'not_due') as counties_not_due,
               sum(orgs)::bigint as orgs, sum(uncovered)::bigint as uncovered,
               sum(should_build_not_built)::bigint as should_build_not_built,
               sum(mobile_members)::bigint as mobile_members,
               sum(mobile_members_placed)::bigint as mobile_members_placed,
               sum(single_orgs) / sum(orgs) as single_rate, sum(joint_orgs) / sum(orgs) as joint_rate,
               case when sum(mobile_members) > 0 then sum(mobile_members_placed) / sum(mobile_members) end
                   as placement_rate
        from s group by round order by round
    """
    return data.cached(f"city_totals:{today.isoformat()}", lambda: db.query(sql, s=status(data, today)))


def latest_round(data: Data, today: date) -> str | None:
    """The newest listed round: the one an official asks about first."""
    listed = rounds(data, today)
    return listed[-1] if listed else None


def current(data: Data, today: date, rnd: str | None = None) -> pl.DataFrame:
    """Per county, its newest reported round up to `rnd` (default: the latest) — what is known now, so a county
    that missed the round still shows its previous ledger (column `round` says which)."""
    rnd = rnd or latest_round(data, today)
    frame = status(data, today)
    if rnd is None:
        return frame.clear()
    known = frame.filter(pl.col("orgs").is_not_null() & (pl.col("round") <= rnd))
    return (
        known.sort("round")
        .group_by("area", maintain_order=True)
        .last()
        .join(_counties(), on="area")
        .sort("ord")
        .drop("ord")
    )


# --- the road to zero ------------------------------------------------------------------------------


def zero_word() -> pl.Expr:
    """A road_to_zero row's state in words: 已清零, 未清零 or 无数据 (palette.ZERO)."""
    return (
        pl.when(pl.col("cleared"))
        .then(pl.lit(palette.ZERO["cleared"].word))
        .when(pl.col("uncovered").is_not_null())
        .then(pl.lit(palette.ZERO["open"].word))
        .otherwise(pl.lit(palette.ZERO["no_data"].word))
    )


def road_to_zero(data: Data, today: date) -> pl.DataFrame:
    """Uncovered organisations per county and city-wide per round, with the word shown in each cell.

    City-wide is the sum over the counties that reported (marked * when some have not, `counties_reported` says
    how many); it is 已清零 only when all counties reported zero."""
    per_county = status(data, today).select(
        "area", "area_name", "round", "status", "uncovered", pl.lit(None, pl.Int64).alias("counties_reported")
    )
    city = city_totals(data, today).select(
        pl.lit(plan.CITY).alias("area"),
        pl.lit(plan.area_name(plan.CITY)).alias("area_name"),
        "round",
        pl.when(pl.col("counties_reported") > 0)
        .then(pl.lit("reported"))
        .when(pl.col("counties_not_due") > 0)
        .then(pl.lit("not_due"))
        .otherwise(pl.lit("missing"))
        .alias("status"),
        "uncovered",
        "counties_reported",
    )
    counties = len(plan.counties())
    frame = pl.concat([per_county, city], how="vertical_relaxed")
    cells = []
    for r in frame.iter_rows(named=True):
        if r["uncovered"] is None:
            cells.append(STATUS_LABELS[r["status"]])
        elif r["area"] == plan.CITY and r["counties_reported"] < counties:
            cells.append(f"{r['uncovered']} 个*")  # * only some counties reported: see counties_reported
        else:
            cells.append("已清零" if r["uncovered"] == 0 else f"{r['uncovered']} 个")
    cleared = pl.Series([c == "已清零" for c in cells])
    return frame.with_columns(pl.Series("cell", cells, dtype=pl.String), cleared.alias("cleared"))


def zero_state(data: Data, today: date) -> pl.DataFrame:
    """Per county: uncovered in its newest reported round, and since which round it has stayed at zero
    (动态清零 = reaches zero and stays there; rounds the county did not report are skipped)."""
    rows = []
    for area, group in status(data, today).filter(pl.col("orgs").is_not_null()).group_by("area", maintain_order=True):
        reported = group.sort("round")
        since = None
        for rnd, n in zip(reversed(reported["round"]), reversed(reported["uncovered"]), strict=True):
            if n != 0:
                break
            since = rnd
        last = reported.row(-1, named=True)
        rows.append(
            {
                "area": area[0],
                "area_name": last["area_name"],
                "round": last["round"],
                "uncovered": last["uncovered"],
                "cleared": last["uncovered"] == 0,
                "cleared_since": since,
            }
        )
    schema = {
        "area": pl.String,
        "area_name": pl.String,
        "round": pl.String,
        "uncovered": pl.Int64,
        "cleared": pl.Boolean,
        "cleared_since": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


# --- organisations: the follow-up list and what changed --------------------------------------------

_FLAGS = """
    select area, round, org_name, credit_code, org_type, party_members, org_coverage, work_coverage,
           mobile_members, mobile_members_placed,
           org_coverage = 'none' and not work_coverage as uncovered,
           party_members >= 3 and org_coverage = 'none' as should_build
    from l
"""

# `l` is worked out twice (the organisations flagged now, then only their rows in every round), never for every
# organisation in every round; the rounds each county reported come from the rows' keys alone.
_FOLLOW_UP_SQL = f"""
with flags as not materialized ({_FLAGS}),
now as (
    select f.* from flags f join cur c on c.area = f.area and c.round = f.round
    where f.uncovered or f.should_build
),
orgs as (select distinct area, org_name from now),  -- only the organisations listed now need the round they came on
mine as materialized (select f.* from flags f semi join orgs o on o.area = f.area and o.org_name = f.org_name),
reported as (select distinct area, round from t),
clear as (  -- rounds a county reported in which the organisation was not flagged (covered, or not listed)
    select r.area, r.round, o.org_name
    from reported r join orgs o on o.area = r.area
    left join mine f on f.area = r.area and f.round = r.round and f.org_name = o.org_name
    where f.org_name is null or not (f.uncovered or f.should_build)
)
select n.*,
       (select min(x.round) from mine x
        where x.area = n.area and x.org_name = n.org_name and x.round <= n.round and (x.uncovered or x.should_build)
          and x.round > coalesce((select max(k.round) from clear k
                                  where k.area = n.area and k.org_name = n.org_name and k.round < n.round), '')
       ) as since_round
from now n
"""


def _reason(uncovered: bool, should_build: bool) -> str:
    return "、".join(w for w, on in (("未覆盖", uncovered), ("应建未建", should_build)) if on)


def coverage_word(org_coverage: str | None, work_coverage: bool | None) -> str:
    """单独组建 / 联合组建 / 仅工作覆盖 / 未覆盖 — an organisation's state in one word."""
    if org_coverage is None:
        return "—"
    if org_coverage != "none":
        return ORG_COVERAGE[org_coverage]
    return "仅工作覆盖" if work_coverage else "未覆盖"


def follow_up(data: Data, today: date, rnd: str | None = None) -> pl.DataFrame:
    """The named list for the county offices: every organisation uncovered or 应建未建 in its county's newest
    ledger up to `rnd`, why, its party members, and since which round it has been on the list (its current run
    of reported rounds in which it was uncovered or 应建未建)."""
    return data.cached(f"follow_up:{today.isoformat()}:{rnd}", lambda: _follow_up(data, today, rnd))


def _follow_up(data: Data, today: date, rnd: str | None) -> pl.DataFrame:
    cur = current(data, today, rnd).select("area", "round")
    out = data.query(_FOLLOW_UP_SQL, **resolve.ledger_view(), cur=cur)
    out = out.with_columns(
        pl.Series("reason", [_reason(u, s) for u, s in zip(out["uncovered"], out["should_build"], strict=True)]),
        pl.Series(
            "coverage_word",
            [coverage_word(o, w) for o, w in zip(out["org_coverage"], out["work_coverage"], strict=True)],
            dtype=pl.String,
        ),
    )
    return (
        _names(out)
        .join(_counties(), on="area")
        .sort("ord", "uncovered", "org_name", descending=[False, True, False])
        .drop("ord")
    )


FOLLOW_UP_HEADERS = {
    "area_name": "县区",
    "org_name": "组织名称",
    "credit_code": "统一社会信用代码",
    "org_type": "组织类型",
    "reason": "跟进原因",
    "coverage_word": "当前覆盖情况",
    "party_members": "党员人数（人）",
    "since_round": "自何期起",
    "round": "所据台账期次",
}


def follow_up_sheet(data: Data, today: date, rnd: str | None = None) -> pl.DataFrame:
    """The follow-up list as handed to county offices: Chinese headers, one row per organisation."""
    frame = follow_up(data, today, rnd)
    return frame.select([pl.col(k).alias(v) for k, v in FOLLOW_UP_HEADERS.items()])


# The rounds each county reported come from the rows' keys; `l` is read once, for the two rounds compared.
_CHANGES_SQL = f"""
with reported as (select distinct area, round from t),
pairs as (  -- each county that reported the round, against the newest round it reported before
    select c.area, c.round, (select max(p.round) from reported p where p.area = c.area and p.round < c.round)
           as prev_round
    from reported c where c.round = $round
),
flags as not materialized ({_FLAGS}),
compared as materialized (
    select f.*, f.round = p.round as is_now from flags f
    join pairs p on f.area = p.area and (f.round = p.round or f.round = p.prev_round)
),
now as (select * exclude (is_now) from compared where is_now),
before as (select * exclude (is_now) from compared where not is_now),
paired as (
select p.area, p.round, p.prev_round, coalesce(n.org_name, b.org_name) as org_name,
       case
           when b.org_name is null then 'new'
           when n.org_name is null then 'left'
           when n.uncovered and not b.uncovered then 'newly_uncovered'
           when b.uncovered and not n.uncovered then 'newly_covered'
       end as change,
       b.org_coverage as before_org_coverage, b.work_coverage as before_work_coverage,
       n.org_coverage as after_org_coverage, n.work_coverage as after_work_coverage,
       coalesce(n.party_members, b.party_members) as party_members
from pairs p
join (now n full outer join before b on n.area = b.area and n.org_name = b.org_name)
    on p.area = coalesce(n.area, b.area)
where p.prev_round is not null
)
select * from paired where change is not null
"""


def changes(data: Data, today: date, rnd: str | None = None) -> pl.DataFrame:
    """What changed in round `rnd` (default: the latest) against each county's previous reported round: newly
    uncovered, newly covered, organisations new to the ledger, organisations that left it."""
    rnd = rnd or latest_round(data, today)
    if rnd is None:
        return pl.DataFrame(schema={"area": pl.String, "org_name": pl.String, "change": pl.String})
    return data.cached(f"ledger_changes:{today.isoformat()}:{rnd}", lambda: _changes(data, rnd))


def _changes(data: Data, rnd: str) -> pl.DataFrame:
    out = data.query(_CHANGES_SQL, {"round": rnd}, **resolve.ledger_view())
    words = {
        "before": [
            coverage_word(o, w) for o, w in zip(out["before_org_coverage"], out["before_work_coverage"], strict=True)
        ],
        "after": [
            coverage_word(o, w) for o, w in zip(out["after_org_coverage"], out["after_work_coverage"], strict=True)
        ],
    }
    order = {c: i for i, c in enumerate(CHANGE_LABELS)}
    return (
        _names(out)
        .with_columns(
            pl.col("change").replace_strict(CHANGE_LABELS, return_dtype=pl.String).alias("change_label"),
            pl.col("change").replace_strict(order, return_dtype=pl.Int64).alias("change_ord"),
            pl.Series("before_word", words["before"], dtype=pl.String),
            pl.Series("after_word", words["after"], dtype=pl.String),
        )
        .join(_counties(), on="area")
        .sort("change_ord", "ord", "org_name")
        .drop("ord", "change_ord")
    )


# --- the summary -----------------------------------------------------------------------------------


def summary_entries(data: Data, today: date) -> list[dict]:
    """`gydash summary --json` "coverage": one entry per county and listed round (counts null when missing)."""
    frame = status(data, today)
    out = []
    for r in frame.iter_rows(named=True):
        entry = {k: r[k] for k in SUMMARY_FIELDS}
        entry["area"] = r["area_name"]
        entry["area_code"] = r["area"]
        entry["status_label"] = r["status_label"]
        entry["first_updated_on"] = r["first_updated_on"].isoformat() if r["first_updated_on"] else None
        entry["submissions"] = r["submissions"]
        out.append(entry)
    return out
