"""Tables as plain HTML (ui.table pages long ones): the words a reader sees, without an interactive table's code."""

from __future__ import annotations

import html
import math
from datetime import date, datetime

import polars as pl

from gydash.base.problems import visible

# Every table is plain HTML, at most this many rows at a time (ui.table pages through longer ones). Streamlit's
# interactive table makes each new viewer's browser load and run about 1.2 MB of script (the table grid and its
# Arrow formatting) before the page is drawn, even for seven rows; Streamlit's plain st.table needs the Arrow half
# of it. Measured on the full data, two versions side by side, new viewers interleaved (a busy machine): 县区对比
# drawn 3.99 → 2.94 s (browser CPU 3.20 → 2.34 s), 季度汇报 4.09 → 3.31 s, 报送情况 3.18 → 2.89 s. Both of
# Streamlit's tables also import pandas into the server (about 40 MB held for good), which nothing else needs.
PLAIN_ROWS = 100


def cell(value: object) -> str:
    """One value as the interactive table shows it: whole numbers and amounts with thousands separators (amounts
    without trailing zeros), dates as YYYY-MM-DD, 是/否, and — where there is no value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isinf(value):
            return "∞" if value > 0 else "-∞"
        text = f"{value:,.4f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return visible(value)


def render(shown: pl.DataFrame, pin: str | None = None, wrap: bool = False) -> str:
    """The table as HTML (every cell escaped): `pin` first and kept in view while the rest scrolls sideways on a
    phone (the page style's .gy-table rules), numbers aligned right, the header kept in view while it scrolls.
    Cells stay on one line (a narrow Chinese column would otherwise stack a character per line) unless `wrap`:
    for sentences, such as the reasons a file was refused."""
    if pin in shown.columns:
        shown = shown.select(pin, pl.exclude(pin))
    right = [dtype.is_numeric() for dtype in shown.dtypes]
    align = lambda i: ' class="num"' if right[i] else ""  # noqa: E731
    head = "".join(f'<th scope="col"{align(i)}>{html.escape(name)}</th>' for i, name in enumerate(shown.columns))
    body = "".join(
        "<tr>" + "".join(f"<td{align(i)}>{html.escape(cell(v))}</td>" for i, v in enumerate(row)) + "</tr>"
        for row in shown.iter_rows()
    )
    kind = "gy-table gy-wrap" if wrap else "gy-table"
    return f'<div class="{kind}"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
