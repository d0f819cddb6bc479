"""One palette of statuses: every status an engine emits has its word, symbol and colours, and charts use them."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from gydash.base import palette
from gydash.meeting import render, sections
from gydash.plan import commendations, duties, ledger, progress
from gydash.snapshots import store

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 26)
COLOUR = re.compile(r"^#[0-9a-f]{6}$")


@pytest.fixture(scope="module")
def sample() -> store.Data:
    return store.load(ROOT / "data")


def test_every_status_has_a_word_a_symbol_and_both_colours() -> None:
    for name, table in palette.TABLES.items():
        for key, s in table.items():
            assert s.key == key and s.word and s.symbol.strip(), (name, key)
            assert COLOUR.match(s.fill) and COLOUR.match(s.ink), (name, key)
        symbols = [(s.symbol, s.tone) for s in table.values()]
        assert len(set(symbols)) == len(symbols) or name == "target", name  # target: 严重滞后 and 未完成 share ✗


def test_engines_take_their_words_from_the_palette() -> None:
    assert palette.words(palette.DUTY) == duties.STATUS_LABELS
    assert palette.words(palette.TARGET) == progress.STATUS_LABELS
    assert palette.words(palette.QUOTA) == commendations.STATUS_LABELS
    assert palette.words(palette.LEDGER) == ledger.STATUS_LABELS


def test_every_status_the_engines_emit_on_the_sample_is_in_the_palette(sample) -> None:
    emitted = {
        "duty": set(duties.evaluate(sample, TODAY)["status"]),
        "target": {r["status"] for r in progress.target_progress(sample)},
        "quota": set(commendations.progress(sample, TODAY)["status"]),
        "ledger": set(ledger.status(sample, TODAY)["status"]),
    }
    assert "awaiting_data" in emitted["duty"]
    for name, found in emitted.items():
        assert found <= set(palette.TABLES[name]), (name, found - set(palette.TABLES[name]))


def test_awaiting_data_stands_apart_from_every_other_duty_status() -> None:
    wait = palette.DUTY["awaiting_data"]
    assert wait.text == "◇ 待报送"
    for key, other in palette.DUTY.items():
        if key != "awaiting_data":
            assert (other.symbol, other.fill, other.ink) != (wait.symbol, wait.fill, wait.ink)
            assert other.symbol != wait.symbol and other.fill != wait.fill


def test_red_means_failed_only() -> None:
    red = {palette.TONES["failed"].fill, palette.TONES["failed"].ink}
    failing = {"unmet", "off_track", "missed", "missing", "rejected", "overdue"}
    for table in palette.TABLES.values():
        for key, s in table.items():
            assert ({s.fill, s.ink} & red != set()) == (key in failing), key


def test_the_packs_duty_chart_uses_the_palette(sample) -> None:
    pack = sections.build(sample, date(2025, 12, 31))
    spec = render.spec_of(pack.section("duties").chart.spec)
    bars = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "bar")
    scale = bars["encoding"]["color"]["scale"]
    by_word = palette.by_word(palette.DUTY)
    assert scale["domain"] and all(by_word[w].fill == c for w, c in zip(scale["domain"], scale["range"], strict=True))


def test_the_duties_page_calendar_uses_the_palette(monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    monkeypatch.setenv("GYDASH_TODAY", TODAY.isoformat())
    at = AppTest.from_file(str(ROOT / "pages" / "duties.py"), default_timeout=60)
    at.run()
    months = [m.value for m in at.markdown]  # the list of what is overdue or awaited, open first
    assert "◇ 待报送" in at.caption[0].value
    assert any("◇ 广元市 2026 年 10 月科技服务专场 0/2 次，待报送" in m for m in months)
    at.session_state["duty_view"] = "完成情况日历"  # the official opens the calendar
    at.run()
    at.selectbox(key="duty_rule").set_value("tech_service_events").run()
    assert not at.exception
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    cells = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rect")
    scale = cells["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == palette.fills(palette.DUTY)


def test_target_badges_and_bullets_follow_the_palette() -> None:
    from gydash import charts, ui

    assert {k: s.badge for k, s in palette.TARGET.items()} == ui.BADGE_COLOURS
    row = {"kind": "level", "actual": 1.0, "target": 2.0, "pace": 0.5, "final": False, "unit": "家"}
    for key, s in palette.TARGET.items():
        spec = charts.bullet(row | {"status": key}).to_dict()
        assert s.ink in {layer["mark"].get("color") for layer in spec["layer"]}, key
        assert f"background:{s.ink}" in ui.bullet_html(row | {"status": key}), key


def test_the_html_bullet_puts_its_marks_where_the_chart_does() -> None:
    """The overview's cards draw the bullet in HTML: bar, target and 序时进度 on the chart's own scale (to 1.12 ×
    the larger of actual and target), with the same words for a screen reader."""
    from gydash import ui

    row = {"kind": "level", "actual": 40.0, "target": 50.0, "pace": 0.9, "final": False, "unit": "家"}
    markup = ui.bullet_html(row | {"status": "behind"})
    top = 50 * 1.12
    assert f"width:{40 / top * 100:.2f}%" in markup  # the bar
    assert f"left:calc({50 / top * 100:.2f}% - 1.5px)" in markup  # the target tick
    assert f"left:{45 / top * 100:.2f}%" in markup and "▼" in markup  # pace: 90 % of the target
    assert 'aria-label="实际 40 家，目标 50 家，序时进度应达 45 家"' in markup
    final = ui.bullet_html(row | {"status": "achieved", "final": True, "actual": 70.0})
    assert "▼" not in final  # once final, no pace
    assert f"width:{70 / (70 * 1.12) * 100:.2f}%" in final
    growth = ui.bullet_html({"kind": "growth", "actual": 0.18, "target": 0.15, "pace": None, "final": False,
                                 "unit": "%", "status": "on_track"})  # fmt: skip
    assert 'aria-label="实际 18 %，目标 15 %"' in growth


def test_no_red_on_a_chart_of_things_done() -> None:
    from gydash import charts

    red = {palette.TONES["failed"].ink, palette.TONES["failed"].fill, "#b3261e"}
    done = {"kind": "level", "actual": 3.0, "target": 2.0, "pace": 0.9, "final": False, "unit": "家"}
    rows = pl.DataFrame(
        {"label": ["表扬引领型党组织"], "actual": [3], "quota": [3], "unit": ["个"], "status": ["met"]},
    ).with_columns(status_label=pl.lit("达标"))
    for chart in (charts.bullet(done | {"status": "achieved"}), charts.quota_bars(rows)[0]):
        text = json.dumps(chart.to_dict())
        assert not any(colour in text for colour in red)
