"""Numbers as officials read them: units, percentages, percentage points, status words."""

from __future__ import annotations


def number(value: float | None, unit: str = "", digits: int | None = None) -> str:
    if value is None:
        return "—"
    if digits is None:
        digits = 0 if unit in ("家", "个", "次", "名", "人") or float(value).is_integer() else 2
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


def period(year: int | None, month: int | None, measure: str = "flow") -> str:
    """'2025 年' for a full year, '2026 年 1–9 月' for a year-to-date flow, '2026 年 9 月末' for a level."""
    if year is None:
        return "—"
    if measure == "level":
        return f"{year} 年末" if month == 12 else f"{year} 年 {month} 月末"
    return f"{year} 年" if month in (12, None) else f"{year} 年 1–{month} 月"
