"""What changed since last quarter: target statuses, duties newly overdue or completed, ledger clearance, revisions.

Both sides are whole quarters (``quarter.load``): the previous quarter's cut judged the morning after its end, and
this quarter's cut judged the morning after its end, each through the same functions the pages use. So a change
listed here is exactly the difference between what the dashboard showed at the two quarter ends.

- targets: a target (plan, indicator, area, year, month) whose status differs, or that is new this quarter;
- duties: a duty cell (rule, area, period) that is now 未完成 but was not (became overdue), or is now 已完成 but was
  not (completed) — a period that did not exist last quarter counts as "was not";
- ledger: a county whose newest reported ledger round had uncovered organisations last quarter and has none now
  (cleared), or had none and has some again (re-opened); a county with no ledger last quarter is not compared;
- revisions: an indicator figure (indicator, area, year, month) reported at both ends whose value differs, or first
  reported during the quarter and corrected during it too (old value and its file → new value and its file).
When the previous quarter has no data at all there is nothing to compare and every list is empty.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

import polars as pl

from gydash.base import fmt, plan
from gydash.meeting.quarter import Quarter
from gydash.plan import duties, duty_words, ledger_orgs, ledger_zero, progress
from gydash.snapshots import kept, resolve

KINDS = {
    "targets": "目标状态变化",
    "overdue": "责任新增未完成",
    "completed": "责任新完成",
    "cleared": "台账清零",
    "reopened": "重新出现未覆盖",
    "revisions": "数据修订",
}


@dataclass
class Changes:
    quarter: str
    since: str
    compared: bool = True
    targets: list[dict] = field(default_factory=list)
    overdue: list[dict] = field(default_factory=list)
    completed: list[dict] = field(default_factory=list)
    cleared: list[dict] = field(default_factory=list)
    reopened: list[dict] = field(default_factory=list)
    revisions: list[dict] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: len(getattr(self, k)) for k in KINDS}

    @property
    def total(self) -> int:
        return sum(self.counts().values())

    def items(self) -> list[tuple[str, str]]:
        """(kind label, sentence) for every change, in the order of KINDS."""
        return [(KINDS[k], r["text"]) for k in KINDS for r in getattr(self, k)]

    def table(self) -> pl.DataFrame:
        """The change list with Chinese headers: 类别, 事项, 上季度, 本季度, 依据."""
        rows = [
            {"类别": KINDS[k], "事项": r["item"], "上季度": r["before"], "本季度": r["after"], "依据": r["basis"]}
            for k in KINDS
            for r in getattr(self, k)
        ]
        schema = dict.fromkeys(("类别", "事项", "上季度", "本季度", "依据"), pl.String)
        return pl.DataFrame(rows, schema=schema)


def _area_word(code: str) -> str:
    return "全市" if code == plan.CITY else plan.area_name(code)


def _target_state(row: dict | None) -> str:
    if row is None:
        return "（无此目标）"
    if row["status"] == "no_data":
        return fmt.status_text(row)
    return f"{fmt.status_text(row)}，完成率 {fmt.percent(row['progress'])}"


def target_changes(before: list[dict], after: list[dict]) -> list[dict]:
    """Targets whose status differs between two target_progress lists (a target new in `after` included)."""

    def key(r: dict) -> tuple:
        return (r["plan"], r["indicator"], r["area_code"], r["year"], r["month"])

    old = {key(r): r for r in before}
    order = {code: i for i, code in enumerate(plan.indicators()["code"])}
    out = []
    for r in sorted(after, key=lambda r: (r["area_code"] != plan.CITY, r["area_code"], order.get(r["indicator"], 99))):
        was = old.get(key(r))
        if was is not None and was["status"] == r["status"]:
            continue
        item = f"{_area_word(r['area_code'])}{r['name']}（目标 {fmt.target(r)}，{r['year']} 年）"
        text = f"{item}：{_target_state(was)} → {_target_state(r)}"
        basis = r["source_file"] or r["target_file"] or ""
        out.append(
            r
            | {"before_status": was["status"] if was else None, "item": item, "text": text, "basis": basis}
            | {"before": _target_state(was), "after": _target_state(r)}
        )
    return out


def _cell_word(status: str | None, actual: float | None, required: float | None, unit: str) -> str:
    if status is None:
        return "（尚未列入）"
    return f"{duties.STATUS_LABELS[status]} {duty_words.number(actual)}/{duty_words.number(required)} {unit}"


def duty_changes(before: pl.DataFrame, after: pl.DataFrame) -> tuple[list[dict], list[dict]]:
    """(became overdue, completed): cells now unmet (met) that were not, comparing two duties.evaluate tables."""
    keys = ["rule", "area_code", "period"]
    old = before.select(*keys, pl.col("status").alias("before_status"), pl.col("actual").alias("before_actual"))
    joined = after.join(old, on=keys, how="left", maintain_order="left")
    overdue, completed = [], []
    for r in joined.iter_rows(named=True):
        if r["status"] == r["before_status"] or r["status"] not in ("unmet", "met"):
            continue
        item = f"{r['area']} {duty_words.period_label(r['period'])}{r['name']}"
        entry = r | {
            "item": item,
            "text": duty_words.describe(r),
            "before": _cell_word(r["before_status"], r["before_actual"], r["required"], r["unit"]),
            "after": _cell_word(r["status"], r["actual"], r["required"], r["unit"]),
            "basis": f"方案第 {r['clause']} 条",
        }
        (overdue if r["status"] == "unmet" else completed).append(entry)
    overdue.sort(key=lambda r: r["period_end"], reverse=True)
    completed.sort(key=lambda r: r["period_end"], reverse=True)
    return overdue, completed


def ledger_changes(
    before: pl.DataFrame, after: pl.DataFrame, follow: pl.DataFrame | None = None
) -> tuple[list[dict], list[dict]]:
    """(cleared, re-opened) counties, comparing two ledger_zero.zero_state tables; `follow` (ledger_orgs.follow_up
    at the later end) names the organisations of a re-opened county."""
    old = {r["area"]: r for r in before.iter_rows(named=True)}
    cleared, reopened = [], []
    for r in after.iter_rows(named=True):
        was = old.get(r["area"])
        if was is None or was["uncovered"] is None or r["uncovered"] is None:
            continue
        b, a = was["uncovered"], r["uncovered"]
        entry = r | {
            "before_uncovered": b,
            "before_round": was["round"],
            "item": r["area_name"],
            "before": f"{was['round']} 期 {b} 个",
            "after": f"{r['round']} 期 {a} 个",
            "basis": f"两个覆盖台账 {r['round']} 期",
        }
        if b > 0 and a == 0:
            entry["text"] = f"{r['area_name']}未覆盖组织清零（{was['round']} 期 {b} 个 → {r['round']} 期 0 个）"
            cleared.append(entry)
        elif b == 0 and a > 0:
            names = []
            if follow is not None and not follow.is_empty():
                names = follow.filter((pl.col("area") == r["area"]) & pl.col("uncovered"))["org_name"].to_list()
            listed = f"：{'、'.join(names[:5])}{' 等' if len(names) > 5 else ''}" if names else ""
            entry["text"] = (
                f"{r['area_name']}重新出现未覆盖组织 {a} 个（{was['round']} 期已清零 → {r['round']} 期）{listed}"
            )
            entry["orgs"] = names
            reopened.append(entry)
    return cleared, reopened


def _reported(as_of: date | None) -> str:
    return f"{fmt.date_words(as_of)}报送" if as_of else "原报送"


def _revised(as_of: date | None) -> str:
    return f"{fmt.date_words(as_of)}修订" if as_of else "后修订"


def revisions(before: pl.DataFrame, after: pl.DataFrame, since: date | None = None) -> list[dict]:
    """Indicator figures revised, comparing two resolve.indicator_values: a figure reported at both ends with a
    different value (old = the earlier end's value), or a figure first reported and then corrected after `since`
    (old = the value it replaced, resolve's previous_value). The sentence names the snapshot dates ('2025 年 3 月
    31 日报送，2025 年 6 月 30 日修订'), the table's 依据 the files."""
    keys = ["indicator", "area", "year", "month"]
    old = before.select(
        *keys, pl.col("value").alias("old_value"), pl.col("file").alias("old_file"), pl.col("as_of").alias("old_as_of")
    )
    joined = after.join(old, on=keys, how="left")
    at_both = pl.col("old_value").is_not_null() & (pl.col("value") != pl.col("old_value"))
    within = pl.col("old_value").is_null() & pl.col("revised")
    if since is not None:
        within = within & (pl.col("previous_as_of") > since)
    changed = joined.filter(at_both | within).with_columns(
        pl.coalesce("old_value", "previous_value").alias("old_value"),
        pl.coalesce("old_file", "previous_file").alias("old_file"),
        pl.coalesce("old_as_of", "previous_as_of").alias("old_as_of"),
    )
    order = {code: i for i, code in enumerate(plan.indicators()["code"])}
    rows = sorted(
        changed.iter_rows(named=True),
        key=lambda r: (r["area"] != plan.CITY, r["area"], order.get(r["indicator"], 99), r["year"], r["month"]),
    )
    out = []
    for r in rows:
        meta = plan.indicator(r["indicator"])
        unit = meta["unit"]
        item = f"{_area_word(r['area'])}{meta['name']} {fmt.period(r['year'], r['month'], meta['measure'])}"
        old, new = fmt.number(r["old_value"], unit), fmt.number(r["value"], unit)
        out.append(
            r
            | {
                "name": meta["name"],
                "unit": unit,
                "item": item,
                "before": f"{old}（{_reported(r['old_as_of'])}）",
                "after": f"{new}（{_reported(r['as_of'])}）",
                "basis": f"{r['old_file']} → {r['file']}",
                # said aloud at a meeting: dates, never file paths (the files stay in 依据)
                "text": f"{item}：{old} → {new}（{_reported(r['old_as_of'])}，{_revised(r['as_of'])}）",
            }
        )
    return out


def between(previous: Quarter, current: Quarter, plan_id: str = plan.BUILTIN_PLAN) -> Changes:
    """Everything that changed from the end of `previous` to the end of `current`."""
    out = Changes(quarter=current.label, since=previous.label)
    if not previous.data.accepted():
        out.compared = False
        return out
    before, after = previous.data, current.data
    out.targets = target_changes(progress.target_progress(before, plan_id), progress.target_progress(after, plan_id))
    out.overdue, out.completed = duty_changes(
        duties.evaluate(before, previous.today), duties.evaluate(after, current.today)
    )
    out.cleared, out.reopened = ledger_changes(
        ledger_zero.zero_state(before, previous.today),
        ledger_zero.zero_state(after, current.today),
        ledger_orgs.follow_up(after, current.today),
    )
    out.revisions = revisions(resolve.indicator_values(before), resolve.indicator_values(after), previous.end)
    return out


KEPT = kept.Codec(  # the change lists as JSON, their dates tagged (kept.JSON), back as Changes
    lambda changes: kept.JSON.encode(asdict(changes)), lambda blob: Changes(**kept.JSON.decode(blob))
)


def since_last_quarter(current: Quarter, plan_id: str = plan.BUILTIN_PLAN) -> Changes:
    """Changes from the quarter before `current`, computed once per state of the quarter's files and kept in the
    warehouse (both quarters' cuts are made of the current cut's files, and each is judged on a fixed day)."""
    name = f"changes:{plan_id}:{current.end}"
    return current.data.kept(name, lambda: between(current.previous(), current, plan_id), KEPT)
