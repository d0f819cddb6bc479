"""Numbers as officials read them: units, percentages, percentage points, status words."""

from __future__ import annotations

import re
from collections import Counter

from gydash.base import palette
from gydash.base.problems import visible

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>|~$&:#])")
_LINE_START = re.compile(r"^(\s*)([-+]|\d+\.)(?=\s)")


def md(text: object) -> str:
    """A staff-given string (organisation, file name, source, plan name) inside Streamlit markdown, shown exactly as
    typed: characters that can form links, HTML, emphasis, code, LaTeX or :directives: are escaped, and so is a
    list marker at the start; figures such as 93.3% are left as they are. Invisible characters (a BOM, a zero-width
    space, a control character) are shown as <U+XXXX>."""
    escaped = _MARKDOWN.sub(r"\\\1", visible(str(text).replace("\n", " ")))
    return _LINE_START.sub(r"\1\\\2", escaped)


def number(value: float | None, unit: str = "", digits: int | None = None) -> str:
    if value is None:
        return "—"
    if digits is None:
        # Counts are whole; amounts keep up to two decimals without trailing zeros (286.3 亿元, not 286.30).
        digits = 0 if unit in ("家", "个", "次", "名", "人") else 2
        text = f"{value:,.{digits}f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
    else:
        text = f"{value:,.{digits}f}"
    return f"{text} {unit}".rstrip() if unit else text


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def actual(row: dict) -> str:
    """A target's figure with its unit: '57 家', '286.30 亿元', or a growth rate '16.6%'."""
    if row["kind"] == "growth":
        return percent(row["actual"])
    return number(row["actual"], row["unit"])


def target(row: dict) -> str:
    if row["kind"] == "growth":
        return f"年均增长 {percent(row['target'], 0)}"
    return number(row["target"], row["unit"])


def target_names(rows: list[dict]) -> list[str]:
    """Each target's name as shown: the indicator's name, with the year it is due when the plan sets that
    indicator more than one target for the same area (an interim-year target from the targets file, say), so
    the two cards, charts and table rows can be told apart."""
    count = Counter((r["area_code"], r["indicator"]) for r in rows)
    return [
        f"{r['name']}（{r['year']} 年目标）" if count[(r["area_code"], r["indicator"])] > 1 else r["name"] for r in rows
    ]


def period(year: int | None, month: int | None, measure: str = "flow") -> str:
    """'2025 年' for a full year, '2026 年 1–9 月' for a year-to-date flow, '2026 年 9 月末' for a level."""
    if year is None:
        return "—"
    if measure == "level":
        return f"{year} 年末" if month == 12 else f"{year} 年 {month} 月末"
    return f"{year} 年" if month in (12, None) else f"{year} 年 1–{month} 月"


def date_words(d) -> str:
    """2025-06-30 → '2025 年 6 月 30 日', as an official says a date."""
    return f"{d.year} 年 {d.month} 月 {d.day} 日"


# A data file's check result, as the CLI and the data page both show it (a symbol and a word, never colour alone).
FILE_STATUS = {k: s.text for k, s in palette.FILE.items()}


def status_text(row: dict) -> str:
    """'✓ 完成', '▲ 滞后' … the symbol and the word for a target's status."""
    return f"{palette.TARGET[row['status']].symbol} {row['status_label']}"


def figure_period(row: dict) -> str:
    """The period a target's figure stands for, as a card names it: '2025 年末' (a stock), '2025 年全年' or
    '2026 年 1–9 月累计' (a flow), '2023–2025 年年均增长' (a growth rate); '' when there is no figure."""
    year, month = row["actual_year"], row["actual_month"]
    if year is None:
        return ""
    if row["kind"] == "growth":
        return f"{row['base_year'] or row['year'] - 1}–{year} 年年均增长"
    if row["measure"] == "level":
        return period(year, month, "level")
    if month in (12, None):
        return f"{year} 年全年"
    return f"{year} 年 1 月" if month == 1 else f"{year} 年 1–{month} 月累计"


def target_gap(row: dict) -> str:
    """The gap to the target in the target's unit: '超出目标 12 家', '差目标 13.7 亿元', and for a growth target
    the difference of the rates, '高于目标 1.6 个百分点' (16.6 % against 15 %), never the completion rate less 100 %."""
    gap = row.get("target_gap")
    if gap is None:
        return "—"
    if row["kind"] == "growth":
        if abs(gap) < 0.05:
            return "与目标持平"
        return f"{'高于' if gap > 0 else '低于'}目标 {abs(gap):.1f} 个百分点"
    unit = row["target_gap_unit"] or row["unit"]
    if abs(gap) < 0.005:
        return "恰好达到目标"
    return f"{'超出目标' if gap > 0 else '差目标'} {number(abs(gap), unit)}"


def _pace_words(row: dict) -> str:
    gap = row["gap_pp"]
    if gap is None:
        return ""
    if abs(gap) < 0.05:
        return "与序时进度持平"
    text = f"{'落后' if gap > 0 else '超前'}序时进度 {abs(gap):.1f} 个百分点"
    amount = row.get("pace_gap")
    if amount is not None and abs(amount) >= 0.005:
        text += f"（约 {number(abs(amount), row['unit'])}）"
    return text


def gap_words(row: dict) -> str:
    """How far a target is from where it should be, in the target's unit as well as the rate — the one wording
    of a gap for cards, detail, talking points, the meeting pack and the CLI:
    '已按期完成：完成率 102.4%，超出目标 12 家' / '到期未完成：完成率 95.4%，差目标 13.7 亿元' /
    '完成率 69.5%，落后序时进度 5.5 个百分点（约 17.69 亿元）' / growth: '高于目标 1.6 个百分点（完成率 110.6%）'."""
    if row["status"] == "no_data":
        return "尚无数据"
    rate = f"完成率 {percent(row['progress'])}"
    if row["kind"] == "growth":
        core = f"{target_gap(row)}（{rate}）"
    elif row["final"] or row["status"] == "achieved":
        core = f"{rate}，{target_gap(row)}"
    else:
        pace = _pace_words(row)
        core = f"{rate}，{pace}" if pace else rate
    if row["final"]:
        return f"{'已按期完成' if row['status'] == 'achieved' else '到期未完成'}：{core}"
    return core


def run_rate_words(row: dict) -> str:
    """What is still needed and how fast things are going, in a sentence an official can repeat."""
    if row["status"] == "no_data" or row["final"]:
        return ""
    if row["kind"] == "growth":
        if row["needed_rate"] is None:
            return ""
        return (
            f"要实现目标，{row['years_left']} 年内需年均增长 {percent(row['needed_rate'])}"
            f"（至 {number(row['goal_level'], row['unit'])}）"
        )
    unit, needed, left = row["unit"], row["needed"], row["months_left"]
    if needed is None or needed <= 0:
        return "已达到目标值"
    text = f"还需 {number(needed, unit)}，剩余 {left} 个月"
    if row["needed_per_month"] is not None:
        text += f"，需每月 {number(row['needed_per_month'], unit, 1)}"
    if row["recent_per_month"] is not None:
        text += f"；近期实际每月 {number(row['recent_per_month'], unit, 1)}"
    return text


def provenance(row: dict) -> str:
    """Where a target's figure comes from: file, snapshot date, source column, plan clause, derivation."""
    if row["actual"] is None:
        return f"方案条款：{row['clause']} · 目标来源：{row['target_file']}"
    parts = [f"数据文件：{row['source_file']}"]
    if row.get("snapshot_as_of"):
        parts.append(f"快照日期：{row['snapshot_as_of']}")
    if row.get("source"):
        parts.append(f"来源：{row['source']}")
    parts.append(f"方案条款：{row['clause']}")
    if row["derived"]:
        parts.append(f"由 {row['counties']} 个县区数据相加推算")
    return " · ".join(parts)


def revision(row: dict) -> str:
    """'已修订：原为 55 家（indicators/2025-09-30.parquet），现为 56 家' or ''."""
    if not row.get("revised") or row.get("previous_value") is None:
        return ""
    unit = row["unit"]
    return (
        f"数据已修订：原为 {number(row['previous_value'], unit)}（{row['previous_file']}），"
        f"现为 {number(row['latest_value'] if row['kind'] == 'growth' else row['actual'], unit)}"
        f"（{row['source_file']}）"
    )
