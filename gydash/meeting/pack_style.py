"""What the pack's PPTX and PDF share: its colours, text its font can draw, and text width in ems."""

from __future__ import annotations

from gydash.meeting import render

ACCENT = (0xB3, 0x26, 0x1E)
INK = (0x1F, 0x1F, 0x1F)
GREY = (0x66, 0x66, 0x66)
safe = render.safe


def _text_units(text: str) -> float:
    """Width of text in ems: CJK and full-width characters 1, others about half."""
    return sum(1.0 if ord(c) >= 0x2E80 else 0.55 for c in text)
