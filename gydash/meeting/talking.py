"""Talking points: short Chinese sentences a presenter can read out, written from the numbers of each section.

Every figure goes through the same formatters as the pages (``fmt``, ``duty_words.number``, the ledger's and the
scoreboard's own words), so what is said matches what is shown. Functions take plain rows or frames computed by
``sections`` and return a list of sentences, most important first; none of them reads data itself.
"""

from __future__ import annotations

import polars as pl

from gydash.base import fmt, plan
from gydash.plan import duties, duty_words, scoreboard

MAX_NAMED = 4  # name at most this many counties or items in one sentence, then "等 N 个"


def _names(names: list[str], limit: int = MAX_NAMED) -> str:
    shown = "、".join(names[:limit])
    return f"{shown} 等 {len(names)} 个" if len(names) > limit else shown


def area_word(code: str) -> str:
    return "全市" if code == plan.CITY else plan.area_name(code)


# --- headline targets --------------------------------------------------------------------------------------------


def target_sentence(row: dict) -> str:
    """'全市高新技术企业 2025 年 9 月末 52 家，完成率 86.7%，落后序时进度 3.2 个百分点（约 2 家）' — the figure with
    its period, then the gap in the target's unit (fmt.gap_words, as the overview words it)."""
    subject = f"{area_word(row['area_code'])}{row['name']}"
    if row["status"] == "no_data":
        return f"{subject}尚无数据"
    figure = f"{fmt.figure_period(row)} {fmt.actual(row)}"
    if row["kind"] == "growth":
        figure += f"（目标 {fmt.percent(row['target'], 0)}）"
    elif row["derived"]:
        figure += "（推算）"
    return f"{subject} {figure}，{fmt.gap_words(row)}"


def targets(rows: list[dict], headline: str) -> list[str]:
    """The status count, then one sentence per city target in the plan's order."""
    if not rows:
        return ["当前方案没有全市目标"]
    return [headline, *(target_sentence(r) for r in rows)]


# --- duties ------------------------------------------------------------------------------------------------------


def duties_points(window: pl.DataFrame, overdue: list[dict], city_year: list[dict], span: str) -> list[str]:
    """`window`: the duty cells judged in the 12 months to the quarter end; `overdue`: their unmet cells, newest
    first; `city_year`: the city's yearly cells of the quarter's year (天府科创贷, 科普活动 …)."""
    if window.is_empty():
        return ["尚无可核对的经常性工作"]
    counts = {s: window.filter(pl.col("status") == s).height for s in duties.STATUS_LABELS}
    done = [f"已完成 {counts['met']} 项", f"未完成 {counts['unmet']} 项"]
    if counts["in_progress"]:
        done.append(f"进行中 {counts['in_progress']} 项")
    checked = window.height - counts["not_due"] - counts["awaiting_data"]
    out = [f"{span}经常性工作共核对 {checked} 项：{'，'.join(done)}"]
    if counts["awaiting_data"]:
        out.append(f"另有 {counts['awaiting_data']} 项期间已结束但数据尚未报送到期末（待报送），不计为未完成")
    if overdue:
        by_rule: dict[str, list[str]] = {}
        for r in overdue:
            where = r["area"] if r["period_kind"] == "year" else f"{int(r['period'][5:])} 月"
            by_rule.setdefault(r["name"], []).append(where)
        parts = [f"{name}（{_names(list(dict.fromkeys(w)))}）" for name, w in by_rule.items()]
        out.append("未完成集中在：" + "；".join(parts))
    else:
        out.append("没有逾期未完成的事项")
    out += [duty_words.describe(c) for c in city_year]
    return out


# --- ledger ------------------------------------------------------------------------------------------------------


def ledger_points(rnd: str, this_round: pl.DataFrame, current: pl.DataFrame) -> list[str]:
    """`this_round`: ledger.status rows of round `rnd`; `current`: ledger.current (each county's newest reported
    round up to `rnd`)."""
    on_time = this_round.filter(pl.col("status") == "on_time").height
    first = f"{rnd} 期台账：{this_round.height} 个县区中 {on_time} 个按时报送"
    late = [
        f"{r['area_name']}逾期 {r['days_late']} 天"
        for r in this_round.filter(pl.col("status") == "late").rows(named=True)
    ]
    missing = this_round.filter(pl.col("status") == "missing")["area_name"].to_list()
    waiting = this_round.filter(pl.col("status") == "not_due")["area_name"].to_list()
    if late:
        first += "，" + "、".join(late)
    everyone = this_round.height
    if missing:
        first += "，" + ("各县区均" if len(missing) == everyone else _names(missing)) + "未报送"
    if waiting:
        first += "，" + ("各县区均" if len(waiting) == everyone else _names(waiting)) + "尚未报送（未到期）"
    out = [first]
    open_ = current.filter(pl.col("uncovered") > 0)
    total = int(open_["uncovered"].sum() or 0)
    if open_.is_empty():
        out.append("各县区最新台账未覆盖组织均已清零")
    else:
        listed = "、".join(f"{r['area_name']} {r['uncovered']} 个" for r in open_.rows(named=True))
        cleared = current.height - open_.height
        out.append(f"未覆盖组织共 {total} 个：{listed}" + (f"；其余 {cleared} 个县区已清零" if cleared else ""))
    build = int(current["should_build_not_built"].sum() or 0)
    if build:
        out.append(f"应建未建组织（党员 3 名以上未建党组织）{build} 个")
    mobile = int(current["mobile_members"].sum() or 0)
    placed = int(current["mobile_members_placed"].sum() or 0)
    if mobile:
        out.append(f"流动党员 {mobile} 人，已归入支部 {placed} 人（{fmt.percent(placed / mobile)}）")
    return out


# --- commendations -----------------------------------------------------------------------------------------------


def commendation_points(
    rows: pl.DataFrame,
    year: int,
    never: list[str],
    due: tuple | None = None,
    latest: tuple[int, pl.DataFrame] | None = None,
) -> list[str]:
    """`rows`: commendations.progress rows of `year`. When `year`'s lists are not in yet, `due` (commendations
    .yearly_due: the date and the clauses) says when they are due and `latest` (a year and its rows) gives the
    latest completed year's results beside it, instead of a bare "尚无数据"."""
    if due is not None:
        when, clauses = due
        rule = f"按方案第 {'、'.join(clauses)} 条每年评定" if clauses else "每年评定"
        first = f"{year} 年表扬推荐尚未评定：{rule}，应于 {fmt.date_words(when)}前完成"
        if rows.filter(pl.col("quota").is_not_null()).is_empty():
            first += f"（{year} 年不在方案考核期内，届时仅列示）"
        out = [first]
        if latest is not None:
            done = commendation_points(latest[1], latest[0], [])
            out.append(f"最近完成的 {latest[0]} 年：" + done[0].removeprefix(f"{latest[0]} 年 "))
            out += [f"{latest[0]} 年{line}" for line in done[1:]]
        if never:
            out.append(f"从未获得表扬推荐的县区：{'、'.join(never)}")
        return out
    if rows.is_empty():
        return [f"{year} 年尚无表扬推荐数据"]
    judged = rows.filter(pl.col("quota").is_not_null())
    if judged.is_empty():
        listed = "、".join(f"{r['label']} {r['actual']} {r['unit']}" for r in rows.rows(named=True))
        return [f"{year} 年不在方案考核期内，仅列示：{listed}"]
    met = judged.filter(pl.col("status") == "met")
    out = [f"{year} 年 {judged.height} 项定额中 {met.height} 项达标"]

    def amount(r: dict) -> str:
        label = r["label"] + ("（方案期内累计）" if r["period"] == "cumulative" else "")
        return f"{label} {r['actual']}/{r['quota']} {r['unit']}"

    for r in judged.filter(pl.col("status") == "unmet").rows(named=True):
        out.append(f"未完成：{amount(r)}，差 {r['quota'] - r['actual']} {r['unit']}")
    running = judged.filter(pl.col("status") == "in_progress").rows(named=True)
    if running:
        out.append("进行中：" + "；".join(amount(r) for r in running))
    if not met.is_empty():
        out.append("已达标：" + "；".join(amount(r) for r in met.rows(named=True)))
    if never:
        out.append(f"从未获得表扬推荐的县区：{'、'.join(never)}")
    return out


# --- county scoreboard -------------------------------------------------------------------------------------------


def scoreboard_points(board: pl.DataFrame, quarter: str) -> list[str]:
    """`board`: scoreboard.with_change (ranked, with the change since last quarter)."""
    ranked = board.filter(pl.col("rank").is_not_null())
    if ranked.is_empty():
        return [f"{quarter} 尚无可评分的县区"]

    def who(r: dict) -> str:
        return r["area"] + (f"（{r['change']}）" if scoreboard.moved(r["change"]) else "")

    rows = ranked.rows(named=True)
    groups: dict[int, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["rank"], []).append(r)
    top, shown = [], 0
    for rank, members in groups.items():
        if shown >= 3:
            break
        names = "、".join(who(r) for r in members)
        tie = "（并列）" if len(members) > 1 else ""
        top.append(f"第 {rank} 名{tie} {names} {fmt.number(members[0]['score'], digits=1)} 分")
        shown += len(members)
    out = [f"{quarter} 县区综合得分：" + "；".join(top)]
    last = rows[-1]
    if last["rank"] not in list(groups)[: len(top)]:
        tail = f"末位：{who(last)} {fmt.number(last['score'], digits=1)} 分"
        if len(last["drags"]):
            tail += f"，主要失分：{'；'.join(list(last['drags'])[:2])}"
        out.append(tail)
    up = [f"{r['area']}{r['change']}" for r in rows if r["change"].startswith("↑")]
    down = [f"{r['area']}{r['change']}" for r in rows if r["change"].startswith("↓")]
    moves = [f"上升 {'、'.join(up)}" if up else "", f"下降 {'、'.join(down)}" if down else ""]
    if up or down:
        out.append("名次较上季度：" + "；".join(m for m in moves if m))
    elif all(r["change"] == scoreboard.SAME for r in rows):
        out.append("名次较上季度：各县区均持平")  # said, so an unchanged board is not taken for a missing one
    return out


# --- what changed ------------------------------------------------------------------------------------------------


def change_points(ch, limit: int = 6) -> list[str]:
    """The total and its counts first, then the changes themselves (target statuses, overdue, cleared … first;
    duties newly completed are only counted), then what was not listed, by kind, so the counts add up: '与 2026Q2
    相比共 6 项变化：责任新完成 6 项，明细见变化清单'."""
    if not ch.compared:
        return [f"上一季度（{ch.since}）尚无数据，本季度不作比较"]
    counts = ch.counts()
    if not ch.total:
        return [f"与 {ch.since} 相比没有变化"]
    from gydash.meeting.changes import KINDS

    head = "，".join(f"{KINDS[k]} {n} 项" for k, n in counts.items() if n)
    out = [f"与 {ch.since} 相比共 {ch.total} 项变化：{head}"]
    listed = [(kind, text) for kind, text in ch.items() if kind != KINDS["completed"]][: limit - 1]
    out += [text for _, text in listed]
    left: dict[str, int] = {}
    for kind, _ in ch.items():
        left[kind] = left.get(kind, 0) + 1
    for kind, _ in listed:
        left[kind] -= 1
    rest = "，".join(f"{kind} {n} 项" for kind, n in left.items() if n)
    if rest and not listed:  # nothing read out: one line, so the same count is not said twice
        out[0] += "，明细见变化清单"
    elif rest:
        out.append(f"以上列出 {len(listed)} 项；{rest}的明细见变化清单")
    return out


# --- next steps --------------------------------------------------------------------------------------------------


def next_steps(
    target_rows: list[dict],
    overdue: list[dict],
    running: list[dict],
    current_ledger: pl.DataFrame,
    next_round: tuple[str, str] | None,
    commendations: pl.DataFrame,
    deadline_passed: bool,
) -> list[str]:
    """What to push next quarter, from the gaps: targets off pace, this year's duties overdue (`overdue`) or not yet
    met (`running`, yearly cells still in progress), uncovered organisations, the next ledger round and
    commendation quotas still short."""
    out = []
    for r in target_rows:
        if r["status"] in ("behind", "off_track") and not r["final"]:
            words = fmt.run_rate_words(r)
            out.append(f"{r['name']}：{words}" if words else f"{r['name']}：{fmt.gap_words(r)}，需加快进度")
    if deadline_passed and target_rows and all(r["final"] or r["status"] == "no_data" for r in target_rows):
        missed = [r["name"] for r in target_rows if r["status"] == "missed"]
        out.append(
            "方案期已结束"
            + (f"，未完成目标：{'、'.join(missed)}，需分析原因并纳入新方案" if missed else "，各项目标均已完成")
        )
    for cells, words in ((overdue, "已逾期，需说明原因并限期整改"), (running, "年内尚未完成")):
        by_rule: dict[str, list[str]] = {}
        for r in cells:
            if r["period_kind"] == "year":
                where = "全市" if r["area_code"] == plan.CITY else r["area"]
                amount = f"{duty_words.number(r['actual'])}/{duty_words.number(r['required'])} {r['unit']}"
                by_rule.setdefault(r["name"], []).append(f"{where} {amount}")
        for name, who in by_rule.items():
            out.append(f"{name}{words}：{_names(who)}")
    open_ = current_ledger.filter(pl.col("uncovered") > 0) if not current_ledger.is_empty() else current_ledger
    if not open_.is_empty():
        out.append(
            "推动"
            + "、".join(f"{r['area_name']}（{r['uncovered']} 个）" for r in open_.rows(named=True))
            + "未覆盖组织清零"
        )
    if next_round is not None:
        out.append(f"各县区在 {next_round[1]} 前完成 {next_round[0]} 期“两个覆盖”台账更新")
    if not commendations.is_empty():
        short = commendations.filter((pl.col("status") == "in_progress") & pl.col("quota").is_not_null())
        needed = [f"{r['label']} {r['quota'] - r['actual']} {r['unit']}" for r in short.rows(named=True)]
        if needed:
            out.append("表扬推荐还需完成：" + "；".join(needed))
    return out or ["各项工作均按计划推进，保持现有节奏"]
