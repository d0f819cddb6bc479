"""Target progress: actual for the latest period, 序时进度 pace, gap, run rates and a status per target.

Pace (序时进度) is the share of the target that even progress from the plan's start would have reached by the
period of the latest figure:
- level targets on a stock (企业数): expected = base + (target − base) × elapsed, where base is the value at
  the plan's start (2023-12 for the 2024 plan; 0 when not reported) and elapsed = months from start to the
  figure's period ÷ months from start to the deadline; pace = expected ÷ target.
- level targets on an annual flow reported as 1–N月累计: the year's expected total moves evenly from the base
  year's total to the target over the years to the deadline year, and within a year by N/12;
  pace = expected year-to-date ÷ target. In the deadline year this is simply N/12.
- growth targets (年均增长): actual = compound annual growth from the base year's full-year value to the latest
  full-year value; progress = actual ÷ target rate; pace = 100 %, because the rate must hold every year.

Gaps are in the unit of the target (``gaps``): a level or flow target's gap is actual − target in its own unit
(512 家 against 500 家: +12 家), and, before the deadline, the shortfall against pace in that unit (the value pace
expects, pace × target, less the actual); a growth target's gap is the difference of the growth rates in
percentage points (16.6 % against 15 %: +1.6 个百分点), never the completion rate less 100 %.

Status: no figure → no_data; once the deadline period is reported → achieved or missed (final); before that a
stock (or a flow in its deadline year) already at target → achieved; otherwise on_track when progress ≥ pace,
behind when short of pace by at most the plan's tolerance (10 percentage points), off_track beyond it.
"""

from __future__ import annotations

import polars as pl

from gydash.base import palette, plan
from gydash.snapshots import resolve
from gydash.snapshots.store import Data

STATUS_LABELS = palette.words(palette.TARGET)
FINAL_LABELS = {"achieved": "完成", "missed": "未完成"}


def months_between(a: tuple[int, int], b: tuple[int, int]) -> int:
    return (b[0] - a[0]) * 12 + (b[1] - a[1])


def _points(values: pl.DataFrame) -> dict[tuple[int, int], dict]:
    return {(r["year"], r["month"]): r for r in values.iter_rows(named=True)}


def _rate_recent(points: dict, period: tuple[int, int], flow: bool) -> float | None:
    """Average monthly gain over the last quarter or so before `period` (a flow: within its own year)."""
    now = points[period]["value"]
    earlier = sorted((p for p in points if p < period and (not flow or p[0] == period[0])), reverse=True)
    pick = next((p for p in earlier if months_between(p, period) >= 3), earlier[-1] if earlier else None)
    if pick is None:
        return now / period[1] if flow else None
    return (now - points[pick]["value"]) / months_between(pick, period)


def _base_value(points: dict, start: tuple[int, int], flow: bool) -> float | None:
    row = points.get((start[0], 12) if flow else start)
    return row["value"] if row else None


def _pace_level(
    points: dict, period: tuple[int, int], deadline: tuple[int, int], start: tuple[int, int], target: float, flow: bool
) -> float | None:
    if target == 0:
        return None
    base = _base_value(points, start, flow)
    if flow:
        years = deadline[0] - start[0]
        share = 1.0 if years <= 0 else min(max((period[0] - start[0]) / years, 0.0), 1.0)
        year_total = target if base is None else base + (target - base) * share
        if base is None and period[0] < deadline[0]:
            year_total = target * share
        months = deadline[1] if period[0] == deadline[0] else 12
        return year_total * min(period[1] / months, 1.0) / target
    span = months_between(start, deadline)
    elapsed = 1.0 if span <= 0 else min(max(months_between(start, period) / span, 0.0), 1.0)
    expected = (base or 0.0) + (target - (base or 0.0)) * elapsed
    return expected / target


def _status(progress: float | None, pace: float | None, final: bool, reached_counts: bool, tol_pp: float) -> str:
    if progress is None:
        return "no_data"
    if final:
        return "achieved" if progress >= 1 - 1e-9 else "missed"
    if reached_counts and progress >= 1 - 1e-9:
        return "achieved"
    if pace is None or progress >= pace - 1e-9:
        return "on_track"
    return "behind" if (pace - progress) * 100 <= tol_pp + 1e-9 else "off_track"


def _level(t: dict, points: dict, info: dict, flow: bool) -> dict:
    deadline = (t["year"], t["month"])
    periods = [p for p in points if p <= deadline]
    if not periods:
        return {}
    period = max(periods)
    row = points[period]
    start = (info["start"].year, info["start"].month) if info["start"] else (t["year"] - 1, 12)
    target = t["target"]
    progress = row["value"] / target if target else None
    pace = _pace_level(points, period, deadline, start, target, flow)
    final = period == deadline
    left = months_between(period, deadline)
    needed = max(target - row["value"], 0.0)
    return {
        "actual": row["value"],
        "actual_year": period[0],
        "actual_month": period[1],
        "row": row,
        "progress": progress,
        "pace": pace,
        "final": final,
        "reached_counts": not flow or period[0] == deadline[0],
        "base_value": _base_value(points, start, flow),
        "needed": needed,
        "months_left": left,
        "needed_per_month": (needed / left) if left > 0 and (not flow or period[0] == deadline[0]) else None,
        "recent_per_month": _rate_recent(points, period, flow),
    }


def _growth(t: dict, points: dict) -> dict:
    base_year = t["base_year"] or t["year"] - 1
    base = points.get((base_year, 12))
    years = sorted(y for (y, m) in points if m == 12 and base_year < y <= t["year"])
    if base is None or not years or base["value"] <= 0:
        return {"base_value": base["value"] if base else None}
    latest = years[-1]
    row = points[(latest, 12)]
    rate = (row["value"] / base["value"]) ** (1 / (latest - base_year)) - 1
    left = t["year"] - latest
    goal_level = base["value"] * (1 + t["target"]) ** (t["year"] - base_year)
    needed_rate = (goal_level / row["value"]) ** (1 / left) - 1 if left > 0 and row["value"] > 0 else None
    return {
        "actual": rate,
        "actual_year": latest,
        "actual_month": 12,
        "row": row,
        "progress": rate / t["target"] if t["target"] else None,
        "pace": 1.0,
        "final": latest == t["year"],
        "reached_counts": False,
        "base_value": base["value"],
        "latest_value": row["value"],
        "goal_level": goal_level,
        "needed_rate": needed_rate,
        "years_left": left,
    }


def gaps(kind: str, actual: float | None, target: float, unit: str, pace: float | None, final: bool) -> dict:
    """The gap to the target in the target's unit and the shortfall against pace (positive = behind), rounded off
    float noise. target_gap: actual − target (growth: rate difference in 个百分点); pace_gap: pace × target −
    actual for a level or flow target still running, else None."""
    if actual is None:
        return {"target_gap": None, "target_gap_unit": None, "pace_gap": None}
    if kind == "growth":
        return {"target_gap": round((actual - target) * 100, 6), "target_gap_unit": "个百分点", "pace_gap": None}
    pace_gap = round(pace * target - actual, 6) if pace is not None and not final else None
    return {"target_gap": round(actual - target, 6), "target_gap_unit": unit, "pace_gap": pace_gap}


def _evaluate(t: dict, series: pl.DataFrame, targets: pl.DataFrame) -> dict:
    meta = plan.indicator(t["indicator"])
    info = plan.plan_info(t["plan"], targets)
    values = series.filter((pl.col("indicator") == t["indicator"]) & (pl.col("area") == t["area"]))
    points = _points(values)
    flow = meta["measure"] == "flow"
    got = _growth(t, points) if t["kind"] == "growth" else _level(t, points, info, flow)
    row = got.pop("row", None) or {}
    status = _status(
        got.get("progress"),
        got.get("pace"),
        got.get("final", False),
        got.pop("reached_counts", False),
        float(info.get("behind_tolerance_pp") or 10),
    )
    pace, progress = got.get("pace"), got.get("progress")
    return {
        "plan": t["plan"],
        "plan_title": info["title"],
        "indicator": t["indicator"],
        "name": meta["name"],
        "unit": meta["unit"],
        "measure": meta["measure"],
        "area_code": t["area"],
        "area": plan.area_name(t["area"]),
        "year": t["year"],
        "month": t["month"],
        "target": t["target"],
        "kind": t["kind"],
        "base_year": t["base_year"],
        "clause": t["clause"] or meta["clause"],
        "target_file": t["file"],
        "deadline": plan.month_end(t["year"], t["month"]),
        "actual": got.get("actual"),
        "actual_year": got.get("actual_year"),
        "actual_month": got.get("actual_month"),
        "progress": progress,
        "pace": pace,
        "gap_pp": (pace - progress) * 100 if pace is not None and progress is not None else None,
        **gaps(t["kind"], got.get("actual"), t["target"], meta["unit"], pace, bool(got.get("final", False))),
        "status": status,
        "status_label": FINAL_LABELS.get(status, STATUS_LABELS[status]) if got.get("final") else STATUS_LABELS[status],
        "final": bool(got.get("final", False)),
        "derived": bool(row.get("derived", False)),
        "counties": row.get("counties"),
        "source_file": row.get("file"),
        "source": row.get("source"),
        "snapshot_as_of": row.get("as_of"),
        "revised": bool(row.get("revised") or False),
        "previous_value": row.get("previous_value"),
        "previous_file": row.get("previous_file"),
        **{
            k: got.get(k)
            for k in (
                "base_value",
                "needed",
                "months_left",
                "needed_per_month",
                "recent_per_month",
                "latest_value",
                "goal_level",
                "needed_rate",
                "years_left",
            )
        },
    }


def target_progress(data: Data, plan_id: str | None = None) -> list[dict]:
    """Every target in effect (or one plan's), evaluated against the resolved figures. Same list for page,
    CLI summary and meeting pack."""

    def compute() -> list[dict]:
        targets = resolve.targets(data)
        series = resolve.series(data)
        return [_evaluate(t, series, targets) for t in targets.iter_rows(named=True)]

    rows = data.cached("target_progress", compute)
    return [r for r in rows if plan_id is None or r["plan"] == plan_id]


def plan_title(data: Data, plan_id: str) -> str:
    """A built-in plan by its document title and year (《…》（2024）); a plan from the targets dataset by its own name.
    The one wording of a plan's name: the sidebar, the overview and the meeting pack all use it."""

    def compute() -> str:
        info = plan.plan_info(plan_id, resolve.targets(data))
        return f"《{info['title']}》（{plan_id}）" if info.get("issuer") else info["title"]

    return data.cached(f"plan_title:{plan_id}", compute)


def plan_ids(data: Data) -> list[str]:
    """Plans with targets in effect, the built-in plan first."""
    ids = list(dict.fromkeys(resolve.targets(data)["plan"].to_list()))
    return sorted(ids, key=lambda p: (p != plan.BUILTIN_PLAN, p))


def headline(rows: list[dict]) -> str:
    """'5 项目标：3 项达标，1 项滞后，1 项无数据' — status counts in the plan's order of severity."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status_label"]] = counts.get(r["status_label"], 0) + 1
    order = ["完成", "达标", "正常", "滞后", "严重滞后", "未完成", "无数据"]
    parts = [f"{counts[k]} 项{k}" for k in order if k in counts]
    return f"{len(rows)} 项目标：" + "，".join(parts) if rows else "没有目标"
