"""Plain-text tables that line up in a terminal even with Chinese characters (two columns wide each)."""

from __future__ import annotations

import unicodedata

from gydash.base.problems import visible


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int) -> str:
    return text + " " * max(size - width(text), 0)


def render(headers: list[str], rows: list[list[object]]) -> str:
    # Cells hold what staff typed (file names, plan names): shown visibly, so no escape code or newline acts.
    cells = [[("" if v is None else visible(v)) for v in row] for row in rows]
    sizes = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(pad(h, s) for h, s in zip(headers, sizes, strict=True)).rstrip()]
    lines.append("  ".join("-" * s for s in sizes))
    lines += ["  ".join(pad(c, s) for c, s in zip(r, sizes, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)
