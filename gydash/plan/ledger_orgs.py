"""The ledger's organisations: the named follow-up list for county offices, and what changed in a round.

Terms (uncovered, 应建未建) as ``ledger`` defines them; an organisation is identified within its county by its
name (org_name).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from gydash.base.contract import ORG_COVERAGE
from gydash.plan.ledger import county_order, current, with_area_names
from gydash.plan.ledger_rounds import latest_round
from gydash.snapshots import resolve
from gydash.snapshots.store import Data

CHANGE_LABELS = {
    "newly_uncovered": "新出现未覆盖",
    "newly_covered": "新实现覆盖",
    "new": "新纳入台账",
    "left": "移出台账",
}

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
        with_area_names(out)
        .join(county_order(), on="area")
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
        with_area_names(out)
        .with_columns(
            pl.col("change").replace_strict(CHANGE_LABELS, return_dtype=pl.String).alias("change_label"),
            pl.col("change").replace_strict(order, return_dtype=pl.Int64).alias("change_ord"),
            pl.Series("before_word", words["before"], dtype=pl.String),
            pl.Series("after_word", words["after"], dtype=pl.String),
        )
        .join(county_order(), on="area")
        .sort("change_ord", "ord", "org_name")
        .drop("ord", "change_ord")
    )
