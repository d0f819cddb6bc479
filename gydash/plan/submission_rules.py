"""The 报送 rules: when each dataset is due from each county, and the periods with due dates each rule makes.

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
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

import polars as pl

from gydash.base import plan
from gydash.base.contract import DATASETS

PERIODS = ("month", "quarter", "year")
PRACTICE = "工作惯例"
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
def first_tracked_year(rule: Rule) -> int:
    """The first year tracked: the plan's first year, or the rule's ``since`` when later."""
    known = plan.plans().filter(pl.col("plan") == rule.plan)
    start = known["start"][0].year + 1 if not known.is_empty() else 2024  # plans.csv holds the day before
    return max(start, rule.since or start)
