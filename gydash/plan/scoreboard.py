"""The county scoreboard (红黑榜) as of a quarter end, built from the duty engine, the ledger and target progress.

Only snapshots dated up to the quarter end are used, and "today" is the quarter end, so a past quarter's board
can be rebuilt exactly. Components (weights in plandata/scoreboard.csv, each scored 0–1):
- duties: of the county's duty periods that ended in the 12 months up to the quarter end, the share met
  (periods awaiting data — not yet covered by a snapshot dated by the quarter end — are left out, not failed);
- ledger: of the ledger rounds whose month ended in those 12 months, the share updated on time (missing = not);
- uncovered: uncovered organisations in the county's latest reported round: 1 − 0.2 per organisation, floor 0;
- targets: mean attainment (capped at 100 %) of the county's own targets in the chosen plan.
A component with nothing to judge (no due period, no round, no county target) is left out and the remaining
weights are rescaled, so missing data neither helps nor hurts. Composite = weighted mean × 100. Ranks are
competition ranks (1, 2, 2, 4); a county with no component at all is unranked.

较上季 compares a county's rank with its rank on the previous quarter end's board (rebuilt from the snapshots
dated up to that day): ↑2 / ↓1 / 持平 (same rank) / 首期 (no rank on an earlier board: its first ranked quarter) /
未排名 (no rank now). Page, meeting pack and talking points all take these words from change_text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import polars as pl

from gydash.base import fmt, plan
from gydash.plan import duties, duty_words, ledger, progress
from gydash.snapshots import store
from gydash.snapshots.store import Data

UNCOVERED_STEP = 0.2
SAME, FIRST, UNRANKED = "持平", "首期", "未排名"


@cache
def components() -> pl.DataFrame:
    """component, name_zh, weight, page, note — the scoreboard's parts as plan data."""
    return pl.read_csv(plan.PLANDATA / "scoreboard.csv")


def quarter_end(d: date) -> date:
    """The last quarter end on or before d."""
    q_month = (d.month - 1) // 3 * 3 + 3
    end = plan.month_end(d.year, q_month)
    if end <= d:
        return end
    return plan.month_end(d.year - 1, 12) if q_month == 3 else plan.month_end(d.year, q_month - 3)


def previous_quarter_end(q: date) -> date:
    return quarter_end(q.replace(day=1) - timedelta(days=1))


def quarter_label(q: date) -> str:
    return f"{q.year}Q{(q.month - 1) // 3 + 1}"


def quarter_ends(data: Data, today: date) -> list[date]:
    """Quarter ends from the first snapshot to today, newest first."""
    dates = [f.entry.as_of for f in data.accepted()]
    if not dates:
        return []
    out, q = [], quarter_end(today)
    while q >= quarter_end(min(dates)):
        out.append(q)
        q = previous_quarter_end(q)
    return out


@dataclass
class Drag:
    """Something that pulls a county down, with the page that shows the detail."""

    text: str
    page: str


def _judged(q: date) -> date:
    """'As of the quarter end' means the end of that day: periods ending on q are over, judged the next morning."""
    return q + timedelta(days=1)


def _window(q: date) -> tuple[date, date]:
    return (q.replace(year=q.year - 1), q)


def _duty_part(data: Data, q: date) -> tuple[dict, dict]:
    ev = duties.evaluate(data, _judged(q))
    lo, hi = _window(q)
    due = ev.filter(
        (pl.col("area_code") != plan.CITY)
        & (pl.col("period_end") > lo)
        & (pl.col("period_end") <= hi)
        & pl.col("status").is_in(["met", "unmet"])
    )
    scores, drags = {}, {}
    for area, rows in due.group_by("area_code"):
        area = area[0]
        scores[area] = rows.filter(pl.col("status") == "met").height / rows.height
        drags[area] = [
            Drag(duty_words.describe(r), "pages/duties.py")
            for r in rows.filter(pl.col("status") == "unmet").iter_rows(named=True)
        ]
    return scores, drags


def _ledger_parts(data: Data, q: date) -> tuple[dict, dict, dict]:
    st = ledger.status(data, _judged(q))
    lo, hi = _window(q)
    due = st.filter((pl.col("month_end") > lo) & (pl.col("month_end") <= hi) & (pl.col("status") != "not_due"))
    on_time, uncovered, drags = {}, {}, {}
    for area, rows in due.group_by("area"):
        area = area[0]
        on_time[area] = rows.filter(pl.col("status") == "on_time").height / rows.height
        drags[area] = [
            Drag(f"{r['area_name']} {r['round']} 台账{r['status_label']}", "pages/coverage.py")
            for r in rows.filter(pl.col("status") != "on_time").iter_rows(named=True)
        ]
    reported = st.filter(pl.col("orgs").is_not_null()).sort("round")
    for area, rows in reported.group_by("area"):
        area = area[0]
        last = rows.row(-1, named=True)
        uncovered[area] = (last["uncovered"], last["round"])
        if last["uncovered"]:
            drags.setdefault(area, []).append(
                Drag(
                    f"{last['area_name']} {last['round']} 台账仍有 {last['uncovered']} 个未覆盖组织",
                    "pages/coverage.py",
                )
            )
    return on_time, uncovered, drags


def _target_part(data: Data, plan_id: str) -> tuple[dict, dict]:
    scores, drags = {}, {}
    rows = [
        r for r in progress.target_progress(data, plan_id) if r["area_code"] != plan.CITY and r["progress"] is not None
    ]
    for area in {r["area_code"] for r in rows}:
        mine = [r for r in rows if r["area_code"] == area]
        scores[area] = sum(min(r["progress"], 1.0) for r in mine) / len(mine)
        drags[area] = [
            Drag(
                f"{r['area']} {r['name']} 目标 {r['status_label']}（完成 {r['progress'] * 100:.1f}%）",
                "pages/overview.py",
            )
            for r in mine
            if r["status"] in ("behind", "off_track", "missed")
        ]
    return scores, drags


def _composite(parts: dict[str, float | None]) -> float | None:
    weights = dict(zip(components()["component"], components()["weight"], strict=True))
    have = {k: v for k, v in parts.items() if v is not None}
    total = sum(weights[k] for k in have)
    return None if not have or total == 0 else sum(weights[k] * v for k, v in have.items()) / total * 100


def board(data: Data, q: date, plan_id: str = plan.BUILTIN_PLAN) -> pl.DataFrame:
    """One row per county as of quarter end q: component scores (0–1), composite (0–100), rank, and drags.
    Worked out once per state of the files dated up to q and kept in the warehouse (Data.kept): files dropped
    later, or a restart, do not make a past quarter's board be worked out again."""
    return data.cached(f"board:{q}:{plan_id}", lambda: _board(data, q, plan_id))


def _board(data: Data, q: date, plan_id: str) -> pl.DataFrame:
    cut = store.cut(data, q)
    return cut.kept(f"board:{q}:{plan_id}", lambda: _board_of(cut, q, plan_id))


def _board_of(cut: Data, q: date, plan_id: str) -> pl.DataFrame:
    duty, duty_drags = _duty_part(cut, q)
    on_time, uncovered, ledger_drags = _ledger_parts(cut, q)
    target, target_drags = _target_part(cut, plan_id)
    rows = []
    for code in plan.counties():
        open_orgs = uncovered.get(code, (None, None))[0]
        parts = {
            "duties": duty.get(code),
            "ledger": on_time.get(code),
            "uncovered": None if open_orgs is None else max(0.0, 1 - UNCOVERED_STEP * open_orgs),
            "targets": target.get(code),
        }
        drags = duty_drags.get(code, []) + ledger_drags.get(code, []) + target_drags.get(code, [])
        rows.append(
            {
                "area_code": code,
                "area": plan.area_name(code),
                "short": plan.area_short(code),
                **{f"{k}_score": v for k, v in parts.items()},
                "uncovered": open_orgs,
                "uncovered_round": uncovered.get(code, (None, None))[1],
                "score": _composite(parts),
                "drags": [d.text for d in drags],
                "drag_pages": [d.page for d in drags],
            }
        )
    # Typed explicitly: in an early quarter no county may have any score at all, and the columns must still be numeric.
    scores = {f"{k}_score": pl.Float64 for k in components()["component"]}
    out = pl.DataFrame(rows, schema_overrides={**scores, "score": pl.Float64, "uncovered": pl.Int64})
    return out.with_columns(pl.col("score").round(1).rank("min", descending=True).cast(pl.Int64).alias("rank")).sort(
        "rank", "area_code", nulls_last=True
    )


def with_change(data: Data, q: date, plan_id: str = plan.BUILTIN_PLAN) -> pl.DataFrame:
    """The board at q with each county's rank at the previous quarter end and the change: ↑2, ↓1, 持平, 首期, 未排名."""
    now = board(data, q, plan_id)
    before = board(data, previous_quarter_end(q), plan_id).select("area_code", pl.col("rank").alias("previous_rank"))
    out = now.join(before, on="area_code", how="left")
    return out.with_columns(
        pl.struct("rank", "previous_rank")
        .map_elements(lambda r: change_text(r["rank"], r["previous_rank"]), return_dtype=pl.String)
        .alias("change")
    )


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.0f}%"


def display_table(board: pl.DataFrame, highlight: str | None = None) -> pl.DataFrame:
    """The board as officials read it (page and meeting pack alike); the highlighted county is starred."""
    return pl.DataFrame(
        {
            "名次": [str(r) if r is not None else "—" for r in board["rank"]],
            "较上季": board["change"].to_list(),
            "县区": [
                ("★ " if c == highlight else "") + a for c, a in zip(board["area_code"], board["area"], strict=True)
            ],
            "综合得分": [fmt.number(s, digits=1) if s is not None else "—" for s in board["score"]],
            "责任落实": [_pct(v) for v in board["duties_score"]],
            "台账按时": [_pct(v) for v in board["ledger_score"]],
            "未覆盖组织": [f"{u} 个" if u is not None else "—" for u in board["uncovered"]],
            "县区目标": [_pct(v) for v in board["targets_score"]],
            "主要失分项": ["；".join(x) if len(x) else "无" for x in board["drags"]],
        }
    )


def weights_text() -> str:
    """'责任落实 40%，台账按时报送 30%，…' for captions and slides."""
    return "，".join(f"{r['name_zh']} {r['weight'] * 100:.0f}%" for r in components().iter_rows(named=True))


def change_text(rank: int | None, previous: int | None) -> str:
    """The rank change in words; `previous` is None when the county had no rank on the previous quarter's board
    (no earlier board at all, or nothing to judge then)."""
    if rank is None:
        return UNRANKED
    if previous is None:
        return FIRST
    if rank < previous:
        return f"↑{previous - rank}"
    if rank > previous:
        return f"↓{rank - previous}"
    return SAME


def change_note(previous_label: str) -> str:
    """What 较上季 means, for the page caption and the pack's note alike."""
    return f"较上季为与 {previous_label} 相比的名次变化：持平＝名次不变，首期＝{previous_label} 尚无排名。"


def moved(change: str) -> bool:
    """Whether a change word is a move up or down (worth saying in a talking point or beside a bar)."""
    return change.startswith(("↑", "↓"))
