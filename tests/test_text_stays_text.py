"""Text stays text everywhere: what staff typed (cells, file names, plan and organisation names) is never run as an
escape code in a terminal, a link or markup on a page, a hyperlink or formula in Excel, and characters that would be
invisible (a BOM, a zero-width space) are shown as <U+XXXX> in messages."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from conftest import ind, tables, write_parquet
from streamlit.testing.v1 import AppTest
from test_bad_input import CITY_ROWS, cli_run

from gydash.base import fmt
from gydash.base.problems import Problem, show_value, visible
from gydash.snapshots import xlsx

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\ufeff利州区", "<U+FEFF>利州区"),
        ("利州\u200b区", "利州<U+200B>区"),
        ("a\x1b[2Jb", "a<U+001B>[2Jb"),
        ("一行\n✓ 已采用", "一行<U+000A>✓ 已采用"),
        ("\u202eevil", "<U+202E>evil"),
        ("利州区\u3000", "利州区\u3000"),  # an ideographic space is a visible blank in Chinese text: kept
        ("2025年 利州区", "2025年 利州区"),
    ],
    ids=["bom", "zero-width-space", "escape-code", "newline", "bidi-override", "ideographic-space", "plain"],
)
def test_invisible_characters_are_spelled_out(text, shown):
    assert visible(text) == shown
    assert show_value(text) == shown


def test_a_problem_never_carries_a_raw_control_character():
    p = Problem("indicators/a\x1b[31m.parquet", "不是广元市的县区", 2, "县区\n", "\ufeff利州区")
    assert (
        str(p) == "indicators/a<U+001B>[31m.parquet 第 2 行 列「县区<U+000A>」 值「<U+FEFF>利州区」：不是广元市的县区"
    )


def test_validate_output_cannot_be_forged_by_file_names_or_cells(tmp_path, capsys):
    data = tmp_path / "data"
    write_parquet(data / "indicators/2025-03-31.parquet", CITY_ROWS)
    # A file name with an escape code and a newline followed by a fake verdict, and a cell holding an escape code.
    name = os.fsencode(data / "indicators") + b"/2025-06-30_\x1b[2J\n\xe2\x9c\x93 fake.parquet"
    with open(name, "wb") as fh:
        fh.write((data / "indicators/2025-03-31.parquet").read_bytes())
    write_parquet(
        data / "activities/2025-06-30.parquet", [{"date": "2025-06-01", "area": "利州\x1b[8m", "kind": "other"}]
    )
    code, out = cli_run(capsys, "validate", str(data))
    assert code == 1
    assert "\x1b" not in out
    assert not any(line.startswith("✓ fake") for line in out.splitlines())
    assert "2025-06-30_<U+001B>[2J<U+000A>✓ fake.parquet" in out
    assert "值「利州<U+001B>[8m」" in out


def test_an_area_with_a_bom_is_named_visibly_in_the_message(write, load):
    write("indicators", "2025-06-30.parquet", [ind("tech_sme", "\ufeff利州区", 2025, 6, 1.0)])
    [rejected] = load().rejected()
    assert "值「<U+FEFF>利州区」" in str(rejected.errors[0])


def test_markdown_escape_shows_invisible_characters_too():
    assert fmt.md("[点我](https://x.example)\u200b") == "\\[点我\\]\\(https\\://x.example\\)<U+200B>".replace(
        "<", "\\<"
    ).replace(">", "\\>")


def test_follow_up_excel_keeps_urls_and_formulas_as_text():
    frame = pl.DataFrame({"组织名称": ["https://evil.example/x", '=HYPERLINK("https://e.example","点")', "00123"]})
    content = xlsx.workbook(frame, "待跟进组织名单")
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert not any("hyperlink" in n or (n.endswith(".rels") and b"hyperlink" in z.read(n)) for n in z.namelist())
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [ws.cell(row, 1) for row in (2, 3, 4)]
    assert [c.value for c in cells] == frame["组织名称"].to_list()
    assert all(c.data_type == "s" and c.hyperlink is None for c in cells)


def test_a_plan_name_in_the_meeting_caption_is_not_a_link(tmp_path, monkeypatch):
    data = tmp_path / "data"
    name = "[点我](https://evil.example)"
    write_parquet(data / "indicators/2025-06-30.parquet", [*CITY_ROWS, ind("tech_sme", "广元市", 2025, 6, 400.0)])
    target = {"plan": name, "indicator": "tech_sme", "area": "广元市", "year": 2025, "target": 500.0}
    write_parquet(data / "targets/2025-06-30.parquet", [target])
    monkeypatch.setenv("GYDASH_DATA_DIR", str(data))
    monkeypatch.setenv("GYDASH_TODAY", "2026-01-15")
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["plan"] = name
    at.run()
    at.switch_page("pages/meeting.py").run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    assert any("\\[点我\\]\\(https" in c for c in captions), captions
    assert not any("[点我](" in c for c in captions), captions


def test_a_value_written_like_a_link_stays_text_in_the_rejection_table(tmp_path, monkeypatch):
    # The reasons are an HTML table: the value arrives as its text, never as a link.
    data = tmp_path / "data"
    write_parquet(data / "indicators/2025-03-31.parquet", CITY_ROWS)
    write_parquet(data / "indicators/2025-06-30.parquet", [ind("tech_sme", "[点我](https://evil.example)", 2025, 6, 1)])
    monkeypatch.setenv("GYDASH_DATA_DIR", str(data))
    monkeypatch.setenv("GYDASH_TODAY", "2026-01-15")
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    cells = [v for t in tables(at) if "值" in t.columns for v in t["值"]]
    assert "[点我](https://evil.example)" in cells, cells
    shown = [h.value for h in at.get("html") if "gy-table" in h.value]
    assert shown and not any("<a" in h or "evil.example)</a" in h for h in shown)
