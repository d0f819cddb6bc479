"""A target bullet drawn as plain HTML, for the overview's cards (the same marks as charts.bullet)."""

from __future__ import annotations

import html

from gydash import charts
from gydash.base import fmt, palette


def bullet_html(row: dict) -> str:
    """The same bullet as charts.bullet (same marks, same scale), as a few positioned HTML boxes: the overview's
    five cards need no chart views of their own (a new viewer's browser spends about 0.3 s on the first Vega chart
    of a page and some 0.04 s on each after it). The marks carry no words; the card around it says the figure, the
    target and the status, and aria-label says them again for a screen reader."""
    actual, target, pace, top = charts.bullet_marks(row)

    def at(value: float) -> str:
        return f"{min(max(value / top, 0.0), 1.0) * 100:.2f}%"

    colour = palette.TARGET[row["status"]].ink
    unit = "%" if row["kind"] == "growth" else row["unit"]
    words = f"实际 {fmt.number(actual, unit)}，目标 {fmt.number(target, unit)}"
    marks = [
        '<div style="position:absolute;left:0;right:0;top:10px;height:20px;background:#eeeeee"></div>',
        f'<div style="position:absolute;left:0;top:13px;height:14px;width:{at(actual)};background:{colour}"></div>',
        f'<div style="position:absolute;left:calc({at(target)} - 1.5px);top:6px;height:28px;width:3px;'
        f'background:{charts.TARGET_COLOUR}"></div>',
    ]
    if pace is not None:
        words += f"，序时进度应达 {fmt.number(pace, unit)}"
        marks.append(
            f'<div style="position:absolute;left:{at(pace)};top:-4px;transform:translateX(-50%);'
            f'color:{charts.PACE_COLOUR};font-size:14px;line-height:14px">▼</div>'
        )
    return (
        f'<div role="img" aria-label="{html.escape(words)}" style="position:relative;height:36px;margin:4px 0">'
        + "".join(marks)
        + "</div>"
    )
