"""Duty cells in words: status symbols, period labels, numbers and a cell as one plain-Chinese sentence."""

from __future__ import annotations

from gydash.base import palette
from gydash.plan.duties import STATUS_LABELS

STATUS_SYMBOLS = {k: s.symbol for k, s in palette.DUTY.items()}


def period_label(period: str) -> str:
    """'2025 年' or '2025 年 7 月'."""
    return f"{period} 年" if len(period) == 4 else f"{period[:4]} 年 {int(period[5:])} 月"


def describe(row: dict) -> str:
    """'朝天区 2025 年政策宣讲 1/2 次，未完成' — a cell in plain Chinese."""
    return (
        f"{row['area']} {period_label(row['period'])}{row['name']} "
        f"{number(row['actual'])}/{number(row['required'])} {row['unit']}，{STATUS_LABELS[row['status']]}"
    )


def number(value: float) -> str:
    """'1,650', '12', '12.5' — whole numbers without decimals, others with at most two."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
