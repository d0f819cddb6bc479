"""The 两个覆盖 ledger (clause 8): each county's status and contents per round, city totals, the ledger in effect.

Status per county and round (rounds: ``ledger_rounds``) is judged on the county's FIRST update for that round:
- on_time: the first snapshot's earliest `updated_on` falls within the round's month or before it;
- late: after the month's last day (days_late = that date − the month's last day);
- missing: no rows and the month has ended; not_due: no rows and the month is still running (a county that has
  already sent its rows while the month runs is on_time).
"First update" is the county's earliest snapshot for the round (snapshot order: file date, then file name); a later
correction never changes the verdict, even if its rows carry an earlier `updated_on` — a correction cannot make a
late ledger on time retroactively. Contents (organisations, uncovered, 应建未建, 流动党员) are the newest snapshot's.

Terms (requirements §D): uncovered = org_coverage none AND no work coverage; 应建未建 = ≥ 3 party members AND
org_coverage none.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from gydash.base import palette, plan
from gydash.plan.ledger_rounds import latest_round, round_end, rounds
from gydash.snapshots import resolve
from gydash.snapshots.store import Data

STATUS_LABELS = palette.words(palette.LEDGER)
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


def status_label(status: str, days_late: int | None) -> str:
    """The word shown in a cell: 按时 / 逾期 12 天 / 未报 / 未到期."""
    if status == "late":
        return f"逾期 {days_late} 天"
    return STATUS_LABELS[status]


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


def county_order() -> pl.DataFrame:
    """The counties with their place in the plan's order (`ord`), the order every county list is sorted in."""
    codes = list(plan.counties())
    return pl.DataFrame({"area": codes, "ord": list(range(len(codes)))})


def with_area_names(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with each area's name (`area_name`) beside its code, rows in their order."""
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
        out = data.query(_STATUS_SQL, {"today": today}, **resolve.ledger_view(), c=county_order(), r=grid)
        labels = [status_label(s, d) for s, d in zip(out["status"], out["days_late"], strict=True)]
        return with_area_names(out.with_columns(pl.Series("status_label", labels, dtype=pl.String)))

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
    # On the warehouse's database (a frame registered for the query), not a second one: see resolve.series.
    return data.cached(f"city_totals:{today.isoformat()}", lambda: data.query(sql, s=status(data, today)))


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
        .join(county_order(), on="area")
        .sort("ord")
        .drop("ord")
    )


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
