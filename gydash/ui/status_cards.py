"""Cards as one block of plain HTML (报送情况's counties, 目标进度's targets): each status in symbol, word, colour."""

from __future__ import annotations

import html
from dataclasses import dataclass

from gydash.base import palette


@dataclass(frozen=True)
class Card:
    title: str
    status: palette.Status | None  # the card's worst, shown beside its title; None for nothing to flag
    lines: list[str]  # HTML, each made with badge() and escaped text


def badge(status: palette.Status, words: str | None = None) -> str:
    """'✗ 逾期未报' (or `words`) on its tone's light fill in its strong ink: the words carry it, the colour repeats
    it."""
    style = f"background:{status.fill};color:{status.ink}"
    return f'<span class="gy-badge" style="{style}">{html.escape(words or status.text)}</span>'


def render(cards: list[Card]) -> str:
    """The cards side by side as the width allows (one column on a phone), one HTML block: seven counties' cards
    as markdown were some thirty elements for a new viewer's browser to lay out, this is one."""
    parts = []
    for card in cards:
        flag = f" {badge(card.status)}" if card.status else ""
        items = "".join(f"<li>{line}</li>" for line in card.lines)
        parts.append(f'<section class="gy-card"><h4>{html.escape(card.title)}{flag}</h4><ul>{items}</ul></section>')
    return f'<div class="gy-cards">{"".join(parts)}</div>'


@dataclass(frozen=True)
class FigureCard:
    title: str
    status: palette.Status
    words: str  # the status as the row says it ("✓ 完成" once a target's deadline has passed)
    figure: str  # "556 家"
    lines: list[str]  # under the figure: its period, the target
    marks: str  # HTML drawn under them (ui.bullet_html)
    notes: list[str]  # small print: the gap, the pace, a revision


def render_figures(cards: list[FigureCard]) -> str:
    """Cards of one headline figure each, side by side (two on a phone, all five on a desktop), one HTML block:
    five cards of Markdown, HTML, caption and a menu each were twenty-five elements for a new viewer's browser."""
    esc = html.escape
    parts = [
        f'<section class="gy-card gy-figure-card"><div class="gy-card-title">{esc(c.title)}</div>'
        f'{badge(c.status, c.words)}<div class="gy-figure">{esc(c.figure)}</div>'
        + "".join(f"<div>{esc(line)}</div>" for line in c.lines)
        + c.marks
        + (f'<p class="gy-notes">{"<br>".join(esc(n) for n in c.notes)}</p>' if c.notes else "")
        + "</section>"
        for c in cards
    ]
    return f'<div class="gy-cards gy-figure-cards">{"".join(parts)}</div>'
