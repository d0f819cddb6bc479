"""templates: each dataset's .xlsx has Chinese headers (English names in comments), drop-downs from a hidden 选项
sheet, a 数据字典 sheet with an example — and, filled in as staff would, it imports cleanly and the dashboard
shows the new figures."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import polars as pl
import pytest

from gydash.base import plan
from gydash.base.contract import DATASET_LABELS, DATASETS, columns
from gydash.snapshots import checking, resolve, store, templates, writer


def workbook(dataset: str) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(templates.template(dataset)))


def filled(dataset: str, rows: list[dict]) -> bytes:
    """The template with rows typed into its data sheet (by Chinese header), saved as staff would save it."""
    wb = workbook(dataset)
    ws = wb[DATASET_LABELS[dataset]]
    where = {cell.value: cell.column for cell in ws[1]}
    for r, row in enumerate(rows, start=2):
        for col in columns(dataset):
            if row.get(col.name) is not None:
                ws.cell(row=r, column=where[col.zh], value=row[col.name])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("dataset", DATASETS)
def test_template_has_chinese_headers_commented_with_english_names(dataset):
    wb = workbook(dataset)
    assert wb.sheetnames == [DATASET_LABELS[dataset], "数据字典", "选项"]
    assert wb["选项"].sheet_state == "hidden"
    ws = wb[DATASET_LABELS[dataset]]
    header = [c.value for c in ws[1]]
    assert header == [c.zh for c in columns(dataset)]
    for cell, col in zip(ws[1], columns(dataset), strict=True):
        assert f"英文列名：{col.name}" in cell.comment.text
    assert ws.max_row == 1  # the example is not in the data sheet, so it is never imported by accident
    assert ws.freeze_panes == "A2"


@pytest.mark.parametrize("dataset", DATASETS)
def test_enumerations_have_drop_down_lists_from_the_options_sheet(dataset):
    wb = workbook(dataset)
    ws = wb[DATASET_LABELS[dataset]]
    options = wb["选项"]
    lists = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type == "list":
            col = next(iter(dv.sqref.ranges)).min_col
            ref = dv.formula1.split("!")[1].replace("$", "")
            lists[ws.cell(row=1, column=col).value] = [c.value for row in options[ref] for c in row]
    expected = {}
    for col in columns(dataset):
        if col.name == "area":
            names = list(plan.areas()["name"])
            expected[col.zh] = names[1:] if dataset == "coverage" else names  # the ledger is by county
        elif col.name == "indicator":
            expected[col.zh] = list(plan.indicators()["name"])
        elif col.enum:
            expected[col.zh] = list(col.enum.values())
        elif col.type == "bool":
            expected[col.zh] = ["是", "否"]
    assert lists == expected


@pytest.mark.parametrize("dataset", DATASETS)
def test_dictionary_sheet_describes_every_column_with_an_example(dataset):
    ws = workbook(dataset)["数据字典"]
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    top = next(i for i, row in enumerate(cells) if row[0] == "列（中文表头）")
    assert cells[top] == ["列（中文表头）", "英文列名", "类型", "必填", "可填的值", "说明", "示例"]
    body = cells[top + 1 :]
    assert [r[1] for r in body] == [c.name for c in columns(dataset)]
    assert [r[3] for r in body] == ["是" if c.required else "否" for c in columns(dataset)]
    assert any(r[6] for r in body)
    assert "不会被导入" in "\n".join(str(r[0]) for r in cells[:top])


@pytest.mark.parametrize("dataset", DATASETS)
def test_example_row_filled_into_the_template_imports_cleanly(data_dir, dataset):
    content = filled(dataset, [templates.example_row(dataset)])
    p = checking.prepare(content, templates.filename(dataset), dataset, data_dir, as_of=date(2025, 12, 31))
    assert p.ok, [str(e) for e in p.errors]
    assert p.sheet == DATASET_LABELS[dataset] and p.rows == 1
    path = writer.write(p, data_dir)
    [loaded] = store.load(data_dir).files
    assert loaded.entry.path == path and loaded.frame is not None


def test_round_trip_template_filled_in_imported_and_shown(data_dir, write):
    """The issue's 'done when': template → filled in Excel → import → validate → the dashboard shows it."""
    write(
        "indicators",
        "2025-06-30.parquet",
        [{"indicator": "hitech_enterprise", "area": "广元市", "year": 2025, "month": 6, "value": 55.0}],
    )
    before = store.load(data_dir)
    rows = [
        {"indicator": "高新技术企业", "area": "广元市", "year": 2025, "month": 9, "value": 58, "unit": "家"},
        {
            "indicator": "技术合同成交额",
            "area": "利州区",
            "year": 2025,
            "month": 9,
            "value": 52000,
            "unit": "万元",
        },
        {"indicator": "高新技术企业", "area": "广元市", "year": 2025, "month": 6, "value": 56},
    ]
    p = checking.prepare(filled("indicators", rows), "2025-09-30_市科技局.xlsx", "indicators", data_dir)
    assert p.ok
    assert [w.message for w in p.warnings] == ["1 行的单位「万元」已换算为「亿元」（×0.0001），如第 3 行"]
    writer.write(p, data_dir)

    after = store.load(data_dir)
    assert after is not before  # the new file is picked up on the next load (fingerprints changed)
    values = resolve.indicator_values(after)
    got = {(r["indicator"], r["area"], r["month"]): (r["value"], r["file"]) for r in values.iter_rows(named=True)}
    new = "indicators/2025-09-30_市科技局.parquet"
    assert got[("hitech_enterprise", "510800", 9)] == (58.0, new)
    assert got[("tech_contract_turnover", "510802", 9)] == (5.2, new)
    assert got[("hitech_enterprise", "510800", 6)] == (56.0, new)  # the revision replaces the June figure
    june = values.filter(pl.col("month") == 6).row(0, named=True)
    assert june["revised"] and june["previous_value"] == 55.0


def test_filled_ledger_template_with_drop_down_words_counts_as_coverage(data_dir):
    rows = [
        templates.example_row("coverage"),
        templates.example_row("coverage")
        | {"org_name": "广元××检测技术有限公司", "credit_code": None, "org_coverage": "未组建", "work_coverage": "否"},
    ]
    p = checking.prepare(filled("coverage", rows), "2025-10-28_利州区.xlsx", "coverage", data_dir)
    assert p.ok, [str(e) for e in p.errors]
    writer.write(p, data_dir)
    ledger = resolve.ledger_rows(store.load(data_dir))
    got = {r["org_name"]: (r["area"], r["org_coverage"], r["work_coverage"]) for r in ledger.iter_rows(named=True)}
    assert got == {
        "广元××电子科技有限公司": ("510802", "single", True),
        "广元××检测技术有限公司": ("510802", "none", False),
    }


def test_dictionary_frame_matches_the_contract():
    frame = templates.dictionary("activities")
    kind = frame.filter(pl.col("英文列名") == "kind").row(0, named=True)
    assert "政策宣讲（policy_briefing）" in kind["可填的值"] and kind["示例"] == "政策宣讲"


def test_dictionary_says_a_percentage_is_filled_without_its_sign():
    """The 数据字典 tells staff what the import would otherwise refuse: "2.5%" typed as text (coerce.PERCENT_TEXT)."""
    value = templates.dictionary("indicators").filter(pl.col("英文列名") == "value").row(0, named=True)
    assert "2.5% 填 2.5，不带 % 号" in value["可填的值"]
