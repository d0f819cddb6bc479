"""Tables and status cards drawn as plain HTML: the words on screen, every cell escaped, the pinned column first."""

from __future__ import annotations

from datetime import date

import polars as pl
from conftest import _TableWords

from gydash.ui import plain_table


def words(markup: str) -> list[list[str]]:
    parsed = _TableWords()
    parsed.feed(markup)
    return parsed.rows


def test_cells_read_as_the_interactive_table_shows_them() -> None:
    frame = pl.DataFrame(
        {
            "名称": ["甲", None],
            "企业（家）": [1650, None],
            "金额（万元）": [1234.5, 3.0],
            "日期": [date(2025, 10, 1), None],
            "达标": [True, False],
        }
    )
    assert words(plain_table.render(frame)) == [
        ["名称", "企业（家）", "金额（万元）", "日期", "达标"],
        ["甲", "1,650", "1,234.5", "2025-10-01", "是"],
        ["—", "—", "3", "—", "否"],
    ]


def test_text_staff_typed_is_shown_as_typed_and_never_acts() -> None:
    typed = '<img src=x onerror="alert(1)">利州区</td><script>x()</script>'
    markup = plain_table.render(pl.DataFrame({"县区": [typed, "\u202e旺苍县"]}))
    assert "<img" not in markup and "<script" not in markup
    assert words(markup)[1:] == [[typed], ["<U+202E>旺苍县"]]  # a hidden character is named, not obeyed


def test_the_pinned_column_comes_first_and_numbers_line_up_right() -> None:
    markup = plain_table.render(pl.DataFrame({"名次": [1], "县区": ["利州区"]}), pin="县区")
    assert words(markup)[0] == ["县区", "名次"]
    assert '<th scope="col" class="num">名次</th>' in markup


def test_no_row_no_header_is_still_a_table() -> None:
    assert words(plain_table.render(pl.DataFrame({"县区": []}, schema={"县区": pl.String}))) == [["县区"]]


def test_status_cards_escape_their_words_and_show_each_status_in_words():
    from gydash.base import palette
    from gydash.ui import status_cards

    overdue = palette.SUBMISSION["overdue"]
    card = status_cards.Card("<b>青川县</b>", overdue, [status_cards.badge(palette.SUBMISSION["complete"]) + " 活动"])
    page = status_cards.render([card])
    assert "&lt;b&gt;青川县&lt;/b&gt;" in page and "<b>青川县" not in page
    assert f"{overdue.symbol} {overdue.word}" in page and "✓ 已报齐" in page  # words, not colour alone
    assert f"background:{overdue.fill};color:{overdue.ink}" in page
