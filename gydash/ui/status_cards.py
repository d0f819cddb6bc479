"""Cards of status lines as one block of plain HTML (报送情况's counties), each status in symbol, word and colour."""

from __future__ import annotations

import html
from dataclasses import dataclass

from gydash.base import palette


@dataclass(frozen=True)
class Card:
    title: str
    status: palette.Status | None  # the card's worst, shown beside its title; None for nothing to flag
    lines: list[str]  # HTML, each made with badge() and escaped text


def badge(status: palette.Status) -> str:
    """'✗ 逾期未报' on its tone's light fill in its strong ink: the words carry it, the colour repeats it."""
    return (
        f'<span class="gy-badge" style="background:{status.fill};color:{status.ink}">{html.escape(status.text)}</span>'
    )


def render(cards: list[Card]) -> str:
    """The cards side by side as the width allows (one column on a phone), one HTML block: seven counties' cards
    as markdown were some thirty elements for a new viewer's browser to lay out, this is one."""
    parts = []
    for card in cards:
        flag = f" {badge(card.status)}" if card.status else ""
        items = "".join(f"<li>{line}</li>" for line in card.lines)
        parts.append(f'<section class="gy-card"><h4>{html.escape(card.title)}{flag}</h4><ul>{items}</ul></section>')
    return f'<div class="gy-cards">{"".join(parts)}</div>'
