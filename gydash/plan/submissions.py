"""报送情况: per county and rule, the periods overdue, the next one due, and the rejected files still waiting.

Per county and rule: the newest accepted snapshot that is the county's (its rows or its name or city-wide), the
periods whose due date has passed without a submission (overdue, days = today − due date), the next period not
yet submitted whose due date is today or later, and the rejected files of the dataset still waiting for a corrected
copy. The due dates come from the rule table (gydash.plan.submission_rules); what counts as a county's
submission, and when a rejected file is corrected, from gydash.plan.submission_files.
Status: ``overdue`` (逾期未报) when any period is overdue, else ``due_soon`` (即将到期) when the next due date is
within ``soon_days``, else ``complete`` (已报齐). Words, symbols, colours: ``palette.SUBMISSION``.
"""

from __future__ import annotations

import copy
from datetime import date

from gydash.base import palette, plan
from gydash.plan import submission_files, submission_rules
from gydash.plan.submission_files import File, Sent
from gydash.plan.submission_rules import Rule
from gydash.snapshots.store import Data

SOON_DAYS = 7
STATUS_LABELS = palette.words(palette.SUBMISSION)


def _rule_areas(rule: Rule) -> tuple[str, ...]:
    return rule.areas or plan.counties()


def _entry(
    rule: Rule, county: str, sent_by: dict[str, tuple[Sent, File | None]], keys: set[tuple], today: date, soon: int
) -> dict:
    listed = submission_rules.periods(rule, submission_rules.first_tracked_year(rule), today)
    sent, latest = sent_by.get(county, (Sent(None, None), None))
    done = {p.key: submission_files.submitted(rule, p, county, sent, keys) for p in listed}
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
    found = data.cached(
        f"submissions:{today}:{soon_days}", lambda: _tracker(data, today, soon_days, list(submission_rules.rules()))
    )
    return copy.deepcopy(found)


def _tracker(data: Data, today: date, soon_days: int, table: list[Rule]) -> dict:
    entries, waiting = [], []
    by_dataset = {}
    for rule in table:
        if rule.dataset not in by_dataset:
            files = submission_files.accepted_files(data, rule.dataset)
            by_dataset[rule.dataset] = (
                submission_files.sent_by_county(files),
                submission_files.row_keys(data, rule.dataset),
                submission_files.rejected(data, rule.dataset, files, today),
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
