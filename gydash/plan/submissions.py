"""报送情况: when each dataset is due from each county (plandata/submissions.csv) and what each county has sent.

The rules are rows of ``plandata/submissions.csv``, editable without code:

==========  ===========================================================================================================
column      meaning
==========  ===========================================================================================================
plan        the plan the rule belongs to; its start (plans.csv) is the first period tracked
dataset     the dataset due (activities, loans, coverage, indicators, commendations)
name_zh     the name shown to users (活动记录)
period      ``month``, ``quarter`` or ``year``: what one submission covers
months      optional ``|``-separated months a period must end in (``3|10``: only the March and October rounds)
due_after   months after the period's last month in which it falls due (0 = the same month)
due_day     the day of that month (1–31, past the month's end means its last day) or ``end``
source      the plan clause the date comes from (``8``), or ``工作惯例`` where it is office practice
areas       optional ``|``-separated areas the rule applies to (default: the seven counties)
since       optional first year tracked (default: the plan's first year)
until       optional last year tracked
==========  ===========================================================================================================

When a county has submitted a dataset for a period (the rule, also in the README):

- activities, loans (events; a month with no event legitimately has no rows): an accepted snapshot dated on or after
  the period's last day that carries the county's rows, or is the county's own file (its name holds the county's
  name, e.g. ``2026-10-20_剑阁县.parquet``), or is a city-wide compilation (its name holds no county's name).
- indicators: the county's rows for the period's last month (year and month) in any accepted snapshot.
- coverage: the county's rows for the round (``round`` = ``YYYY-MM`` of the period's last month).
- commendations: the county's rows for the year, or a snapshot dated on or after 31 December as for events.
- A county's own file with no rows at all (零报告) dated on or after the period's first day counts for it.

Per county and rule: the newest accepted snapshot that is the county's (its rows or its name or city-wide), the
periods whose due date has passed without a submission (overdue, days = today − due date), the next period not
yet submitted whose due date is today or later, and the rejected files of the dataset still waiting for a corrected
copy — a rejected file is corrected once an accepted file of the same dataset that sorts after it (snapshot date,
then file name) is the county's (for a file named after a county) or any (for a city-wide file).
Status: ``overdue`` (逾期未报) when any period is overdue, else ``due_soon`` (即将到期) when the next due date is
within ``soon_days``, else ``complete`` (已报齐). Words, symbols, colours: ``palette.SUBMISSION``.
"""

from __future__ import annotations

import calendar
import copy
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import NamedTuple

import polars as pl

from gydash.base import palette, plan
from gydash.base.contract import DATASETS
from gydash.snapshots.store import Data

PERIODS = ("month", "quarter", "year")
SNAPSHOT_DATASETS = ("activities", "loans", "commendations")  # judged by snapshot date (and the file's county)
ROW_KEYS = {"indicators": ("year", "month"), "coverage": ("round",), "commendations": ("year",)}
PRACTICE = "工作惯例"
SOON_DAYS = 7
STATUS_LABELS = palette.words(palette.SUBMISSION)
MAX_PERIODS_AHEAD = 60  # how far the next due date is searched for (periods); a rule cannot loop for ever


@dataclass(frozen=True)
class Rule:
    plan: str
    dataset: str
    name: str
    period: str
    months: tuple[int, ...]
    due_after: int
    due_day: int | None  # None = the month's last day
    source: str
    areas: tuple[str, ...]
    since: int | None
    until: int | None

    @property
    def source_text(self) -> str:
        """'方案第 8 条' or '工作惯例'."""
        return f"方案第 {self.source} 条" if self.source.replace("、", "").isdigit() else self.source

    @property
    def due_text(self) -> str:
        """'每月，次月 5 日前' — when the rule says a period is due, in words."""
        every = {"month": "每月", "quarter": "每季度", "year": "每年"}[self.period]
        if self.months:
            every = "每年 " + "、".join(f"{m} 月" for m in self.months)
        after = {0: "当月", 1: "次月"}.get(self.due_after, f"之后第 {self.due_after} 个月")
        if self.period == "year" and self.due_after == 0:
            after = "12 月"
        if self.period == "quarter":
            after = {0: "季末月", 1: "季后次月"}.get(self.due_after, after)
        day = "底" if self.due_day is None else f" {self.due_day} 日"
        return f"{every}，{after}{day}前".replace("月 底", "月底").replace("当月底", "当月月底")


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _checked(r: dict, line: int) -> Rule:
    where = f"submissions.csv 第 {line} 行"
    dataset, period = _text(r.get("dataset")), _text(r.get("period"))
    if dataset not in DATASETS or dataset == "targets":
        raise ValueError(f"{where}：dataset「{dataset}」不是需要报送的数据集")
    if period not in PERIODS:
        raise ValueError(f"{where}：period 只能是 {' / '.join(PERIODS)}")
    try:
        months = tuple(int(m) for m in _text(r.get("months")).split("|") if m.strip())
        due_after = int(_text(r.get("due_after")) or 0)
        day_text = _text(r.get("due_day")) or "end"
        due_day = None if day_text == "end" else int(day_text)
        since = int(_text(r["since"])) if _text(r.get("since")) else None
        until = int(_text(r["until"])) if _text(r.get("until")) else None
    except ValueError:
        raise ValueError(f"{where}：months、due_after、due_day、since、until 须为整数（due_day 可写 end）") from None
    if any(not 1 <= m <= 12 for m in months) or due_after < 0 or (due_day is not None and not 1 <= due_day <= 31):
        raise ValueError(f"{where}：月份须在 1–12，due_after 不小于 0，due_day 在 1–31 或为 end")
    source = _text(r.get("source"))
    if not source:
        raise ValueError(f"{where}：source 不能为空（填方案条款号，或“{PRACTICE}”）")
    lookup = plan.area_lookup()
    areas = []
    for spelling in _text(r.get("areas")).split("|"):
        if spelling.strip():
            if spelling.strip() not in lookup:
                raise ValueError(f"{where}：不认识的县区「{spelling}」")
            areas.append(lookup[spelling.strip()])
    name = _text(r.get("name_zh")) or dataset
    return Rule(
        _text(r.get("plan")), dataset, name, period, months, due_after, due_day, source, tuple(areas), since, until
    )


def load_rules(path) -> list[Rule]:
    """The rule table read from CSV and checked; ValueError names the row and the problem."""
    raw = pl.read_csv(path, infer_schema=False)
    missing = [c for c in ("plan", "dataset", "period", "due_after", "due_day", "source") if c not in raw.columns]
    if missing:
        raise ValueError(f"{path}: 缺少列 {', '.join(missing)}")
    return [_checked(r, i + 2) for i, r in enumerate(raw.iter_rows(named=True))]


@cache
def rules() -> tuple[Rule, ...]:
    """The built-in rules (plandata/submissions.csv), checked."""
    return tuple(load_rules(plan.PLANDATA / "submissions.csv"))


# --- periods ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str  # 2026-10 / 2026Q3 / 2026
    start: date
    end: date
    due: date

    @property
    def label(self) -> str:
        """'2026 年 10 月', '2026 年第 3 季度', '2026 年度'."""
        if "Q" in self.key:
            return f"{self.key[:4]} 年第 {self.key[-1]} 季度"
        if "-" in self.key:
            return f"{self.key[:4]} 年 {int(self.key[5:])} 月"
        return f"{self.key} 年度"


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def due_date(rule: Rule, end: date) -> date:
    year, month = _add_months(end.year, end.month, rule.due_after)
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if rule.due_day is None else min(rule.due_day, last))


def _period(rule: Rule, year: int, end_month: int) -> Period:
    span = {"month": 1, "quarter": 3, "year": 12}[rule.period]
    end = plan.month_end(year, end_month)
    start = date(*_add_months(year, end_month, 1 - span), 1)
    key = {"month": f"{year}-{end_month:02d}", "quarter": f"{year}Q{end_month // 3}", "year": f"{year}"}[rule.period]
    return Period(key, start, end, due_date(rule, end))


@lru_cache(maxsize=1024)  # every county asks for the same list of a rule's periods
def periods(rule: Rule, first_year: int, count_after: date) -> tuple[Period, ...]:
    """The rule's periods from ``first_year`` on, up to the first MAX_PERIODS_AHEAD due after ``count_after``."""
    step = {"month": 1, "quarter": 3, "year": 12}[rule.period]
    out: list[Period] = []
    year, month = first_year, step
    ahead = 0
    while ahead < MAX_PERIODS_AHEAD and (rule.until is None or year <= rule.until):
        if not rule.months or month in rule.months:
            p = _period(rule, year, month)
            out.append(p)
            ahead += p.due >= count_after
        year, month = _add_months(year, month, step)
    return tuple(out)


@lru_cache(maxsize=256)
def _first_year(rule: Rule) -> int:
    known = plan.plans().filter(pl.col("plan") == rule.plan)
    start = known["start"][0].year + 1 if not known.is_empty() else 2024  # plans.csv holds the day before
    return max(start, rule.since or start)


# --- what each county has sent ----------------------------------------------------------------------


@lru_cache(maxsize=65536)
def county_in_name(name: str) -> str | None:
    """The county a file name names (full name first, then short name), or None for a city-wide file."""
    base = name.rsplit("/", 1)[-1]
    for spellings in _county_spellings():
        for code, spelled in spellings:
            if spelled in base:
                return code
    return None


@cache
def _county_spellings() -> tuple[tuple[tuple[str, str], ...], ...]:
    found = plan.areas().filter(~pl.col("is_city"))
    return tuple(tuple(zip(found["code"], found[c], strict=True)) for c in ("name", "short"))


class _File(NamedTuple):  # thousands per look at the data: a tuple is made fastest
    rel: str
    as_of: date
    order: tuple
    county: str | None  # named in the file name
    areas: frozenset[str]  # areas with rows in the file


def _files(data: Data, dataset: str) -> list[_File]:
    """The dataset's accepted files, each with the areas it carries rows for: the one place this module reads the
    store, so a different store only has to answer this."""
    by_file = {rel: set(areas) for rel, areas in _areas_by_file(data, dataset).iter_rows()}
    return sorted(
        (
            _File(
                f.entry.rel,
                f.entry.as_of,
                f.entry.order,
                county_in_name(f.entry.rel),
                frozenset(by_file.get(f.entry.rel, ())),
            )
            for f in data.accepted(dataset)
        ),
        key=lambda f: f.order,
    )


def _areas_by_file(data: Data, dataset: str) -> pl.DataFrame:
    """(file, areas with rows in it), as the warehouse noted them when it stored the file."""
    if any(f.entry.dataset == dataset for f in data.extra):
        return data.frames[dataset].group_by("_file").agg(pl.col("area").unique())
    sql = "select rel, areas from files where dataset = $ds and status <> 'rejected' and as_of <= $until"
    return data.query(sql, {"ds": dataset})


def _row_keys(data: Data, dataset: str) -> set[tuple]:
    """(area, period columns…) of every accepted row, for datasets whose rows name their period."""
    keys = ROW_KEYS.get(dataset)
    if keys is None:
        return set()
    if any(f.entry.dataset == dataset for f in data.extra):
        rows = data.frames[dataset]
        return set(rows.select("area", *keys).unique().iter_rows()) if rows.height else set()
    cols = ", ".join(f"r.{k}" for k in keys)
    sql = f"""
        select distinct r.area, {cols} from rows_{dataset} r join files f on f.fid = r._fid
        where f.as_of <= $until
    """
    return set(data.query(sql).iter_rows())


@dataclass(frozen=True)
class _Sent:
    """What a county has sent of one dataset, as the submission checks ask it: the newest snapshot date among the
    files that count as its own (rows, name or city-wide), and the newest of its own empty files (零报告)."""

    newest: date | None
    newest_empty: date | None


def _sent_by_county(files: list[_File]) -> dict[str, tuple[_Sent, _File | None]]:
    """Per county, what it has sent (see _Sent) and its newest file by the order files take effect: one pass over
    the files for every rule. A file counts as a county's submission by its rows, its name, or as a city-wide
    compilation (no county named: it counts for every area)."""
    counties = tuple(plan.areas()["code"])
    newest: dict[str, date] = {}
    empty: dict[str, date] = {}
    latest: dict[str, _File] = {}
    for f in files:  # in the order files take effect, so the last one seen is the newest
        owners = counties if f.county is None else {f.county, *f.areas}
        for county in owners:
            latest[county] = f
            if county not in newest or f.as_of > newest[county]:
                newest[county] = f.as_of
        if f.county is not None and not f.areas and (f.county not in empty or f.as_of > empty[f.county]):
            empty[f.county] = f.as_of
    return {c: (_Sent(newest.get(c), empty.get(c)), latest.get(c)) for c in {*newest, *empty, *counties}}


def _submitted(rule: Rule, p: Period, county: str, sent: _Sent, keys: set[tuple]) -> bool:
    if rule.dataset in ROW_KEYS:
        row_key = {"indicators": (p.end.year, p.end.month), "coverage": (p.key[:7],), "commendations": (p.end.year,)}
        if (county, *row_key[rule.dataset]) in keys:
            return True
    if rule.dataset in SNAPSHOT_DATASETS and sent.newest is not None and sent.newest >= p.end:
        return True
    # 零报告: the county's own file with no rows, dated within or after the period.
    return sent.newest_empty is not None and sent.newest_empty >= p.start


def _rejected(data: Data, dataset: str, files: list[_File], today: date) -> list[dict]:
    """Rejected files of the dataset not yet followed by an accepted corrected copy."""
    out = []
    for f in data.rejected():
        if f.entry.dataset != dataset:
            continue
        county = county_in_name(f.entry.rel)
        later = [a for a in files if a.order > f.entry.order]
        if any(county is None or county in a.areas or a.county == county for a in later):
            continue
        out.append(
            {
                "path": f.entry.rel,
                "dataset": dataset,
                "area_code": county,
                "area": plan.area_name(county) if county else "",
                "as_of": f.entry.as_of.isoformat() if f.entry.as_of else None,
                "days_waiting": (today - f.entry.as_of).days if f.entry.as_of else None,
                "reasons": [str(p) for p in f.errors],
            }
        )
    return out


def _rule_areas(rule: Rule) -> tuple[str, ...]:
    return rule.areas or plan.counties()


def _entry(
    rule: Rule, county: str, sent_by: dict[str, tuple[_Sent, _File | None]], keys: set[tuple], today: date, soon: int
) -> dict:
    listed = periods(rule, _first_year(rule), today)
    sent, latest = sent_by.get(county, (_Sent(None, None), None))
    done = {p.key: _submitted(rule, p, county, sent, keys) for p in listed}
    overdue = [p for p in listed if p.due < today and not done[p.key]]
    upcoming = next((p for p in listed if p.due >= today and not done[p.key]), None)
    through = max((p for p in listed if done[p.key]), key=lambda p: p.end, default=None)
    days_to_due = (upcoming.due - today).days if upcoming else None
    if overdue:
        status = "overdue"
    elif days_to_due is not None and days_to_due <= soon:
        status = "due_soon"
    else:
        status = "complete"
    return {
        "area": plan.area_name(county),
        "area_code": county,
        "dataset": rule.dataset,
        "name": rule.name,
        "due_rule": rule.due_text,
        "source": rule.source_text,
        "latest_file": latest.rel if latest else None,
        "latest_as_of": latest.as_of.isoformat() if latest else None,
        "submitted_through": through.key if through else None,
        "submitted_through_label": through.label if through else None,
        "next_period": upcoming.key if upcoming else None,
        "next_period_label": upcoming.label if upcoming else None,
        "next_due": upcoming.due.isoformat() if upcoming else None,
        "days_to_due": days_to_due,
        "overdue": [
            {"period": p.key, "label": p.label, "due": p.due.isoformat(), "days_overdue": (today - p.due).days}
            for p in reversed(overdue)
        ],
        "overdue_count": len(overdue),
        "days_overdue": max(((today - p.due).days for p in overdue), default=0),
        "status": status,
        "status_label": STATUS_LABELS[status],
    }


def tracker(data: Data, today: date, soon_days: int = SOON_DAYS, table: list[Rule] | None = None) -> dict:
    """The 报送情况 of every county × rule, and the rejected files still waiting for a corrected copy.

    ``entries``: one dict per county and rule (counties in the plan's order, rules in the table's order), each with
    the newest accepted snapshot, what is due next and when, the overdue periods and the county's rejected files
    waiting; ``rejected_waiting``: every such file (``area`` empty for a city-wide file); ``rules``: the rules.
    Memoised on the data version per day (a copy is returned, so a caller may change its own)."""
    if table is not None:
        return _tracker(data, today, soon_days, list(table))
    found = data.cached(f"submissions:{today}:{soon_days}", lambda: _tracker(data, today, soon_days, list(rules())))
    return copy.deepcopy(found)


def _tracker(data: Data, today: date, soon_days: int, table: list[Rule]) -> dict:
    entries, waiting = [], []
    by_dataset = {}
    for rule in table:
        if rule.dataset not in by_dataset:
            files = _files(data, rule.dataset)
            by_dataset[rule.dataset] = (
                _sent_by_county(files),
                _row_keys(data, rule.dataset),
                _rejected(data, rule.dataset, files, today),
            )
            waiting += by_dataset[rule.dataset][2]
    order = {code: i for i, code in enumerate(plan.areas()["code"])}
    for i, rule in enumerate(table):
        sent_by, keys, rejected = by_dataset[rule.dataset]
        for county in _rule_areas(rule):
            entry = _entry(rule, county, sent_by, keys, today, soon_days)
            entry["rejected_waiting"] = [r["path"] for r in rejected if r["area_code"] == county]
            entry["_sort"] = (order.get(county, 99), i)
            entries.append(entry)
    entries.sort(key=lambda e: e.pop("_sort"))
    return {
        "today": today.isoformat(),
        "soon_days": soon_days,
        "rules": [
            {"dataset": r.dataset, "name": r.name, "period": r.period, "due_rule": r.due_text, "source": r.source_text}
            for r in table
        ],
        "entries": entries,
        "rejected_waiting": waiting,
    }


def for_area(tracked: dict, area: str | None) -> dict:
    """The tracker limited to one county (code, full or short name): its entries, its rejected files and the
    city-wide rejected files (which may hold its rows too)."""
    if area is None:
        return tracked
    code = plan.area_lookup().get(area, area)
    return tracked | {
        "entries": [e for e in tracked["entries"] if e["area_code"] == code],
        "rejected_waiting": [r for r in tracked["rejected_waiting"] if r["area_code"] in (code, None)],
    }


def describe(entry: dict) -> str:
    """One county × dataset in words: '2026 年 10 月应于 2026-11-05 前报送，已逾期 21 天；下一期 2026 年 11 月，
    2026-12-05 前报送（还有 9 天）', or '已报齐'."""
    parts = []
    if entry["overdue"]:
        newest = entry["overdue"][0]
        if entry["overdue_count"] == 1:
            parts.append(f"{newest['label']}应于 {newest['due']} 前报送，已逾期 {newest['days_overdue']} 天")
        else:
            oldest = entry["overdue"][-1]
            parts.append(
                f"{entry['overdue_count']} 期未报（{oldest['label']}至{newest['label']}），"
                f"最长已逾期 {entry['days_overdue']} 天"
            )
    if entry["next_due"]:
        left = entry["days_to_due"]
        when = "今天截止" if left == 0 else f"还有 {left} 天"
        parts.append(f"下一期 {entry['next_period_label']}，{entry['next_due']} 前报送（{when}）")
    return "；".join(parts) or "已报齐"
