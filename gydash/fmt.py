"""Numbers as officials read them: units, percentages, percentage points, status words."""

from __future__ import annotations

import re
from collections import Counter

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>|~$&:#])")
_LINE_START = re.compile(r"^(\s*)([-+]|\d+\.)(?=\s)")


def md(text: object) -> str:
    """A staff-given string (organisation, file name, source, plan name) inside Streamlit markdown, shown exactly as
    typed: characters that can form links, HTML, emphasis, code, LaTeX or :directives: are escaped, and so is a
    list marker at the start; figures such as 93.3% are left as they are."""
    escaped = _MARKDOWN.sub(r"\\\1", str(text).replace("\n", " "))
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


# A data file's check result, as the CLI and the data page both show it (a symbol and a word, never colour alone).
FILE_STATUS = {"accepted": "✓ 已采用", "warning": "! 有警告", "rejected": "✗ 已拒绝", "ignored": "– 已忽略"}

# Status is always a word and a symbol, never colour alone; colours are for a quick scan only.
STATUS_STYLE = {
    "achieved": ("✓", "#2e7d32"),
    "on_track": ("●", "#1565c0"),
    "behind": ("▲", "#b26a00"),
    "off_track": ("✗", "#c62828"),
    "missed": ("✗", "#8e0000"),
    "no_data": ("○", "#757575"),
}


def status_text(row: dict) -> str:
    """'✓ 完成', '▲ 滞后' … the symbol and the word for a target's status."""
    return f"{STATUS_STYLE[row['status']][0]} {row['status_label']}"


def gap_words(row: dict) -> str:
    """'落后序时进度 6.3 个百分点' / '超前序时进度 2.1 个百分点' / final and no-data wording."""
    if row["status"] == "no_data":
        return "尚无数据"
    if row["final"]:
        diff = (row["progress"] - 1) * 100
        word = "超出目标" if diff >= 0 else "差目标"
        return f"已到期，{word} {abs(diff):.1f} 个百分点"
    gap = row["gap_pp"]
    if gap is None:
        return ""
    if abs(gap) < 0.05:
        return "与序时进度持平"
    return f"{'落后' if gap > 0 else '超前'}序时进度 {abs(gap):.1f} 个百分点"


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
