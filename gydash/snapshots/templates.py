"""Excel import templates: per dataset a sheet with Chinese headers and drop-down lists, and a 数据字典 sheet.

The data sheet is named like the dataset (for example 指标数据), so the importer reads it and no other sheet.
Its only row is the header; the example lives in the 数据字典 sheet (column 示例), so a filled-in template never
imports the example by accident. Each header carries a comment with the English column name, type and allowed
values. Drop-downs are lists in a hidden 选项 sheet; they warn rather than block, because the validator also
accepts short area names, area codes and English codes, and it is the validator that has the last word.
"""

from __future__ import annotations

import io
from datetime import date

import polars as pl

from gydash.base import libs, plan
from gydash.base.contract import DATASET_LABELS, DATE_MAX, DATE_MIN, Column, columns, number
from gydash.snapshots.coerce import TYPE_WORDS
from gydash.snapshots.spreadsheet import TEMPLATE_AUX_SHEETS
from gydash.snapshots.xlsx import MIME, TEXT_STAYS_TEXT

DICTIONARY_SHEET, OPTIONS_SHEET = TEMPLATE_AUX_SHEETS
TEMPLATE_ROWS = 2000  # rows prepared with formats and drop-downs
BOOL_WORDS = ("是", "否")
__all__ = ["MIME", "dictionary", "example_row", "filename", "template"]

# One made-up row per dataset, as staff would type it (Chinese labels, full area names); see README §7.
EXAMPLES: dict[str, dict[str, object]] = {
    "indicators": {
        "indicator": "高新技术企业",
        "area": "广元市",
        "year": 2024,
        "month": 12,
        "value": 58,
        "unit": "家",
        "source": "2024年统计公报",
    },
    "activities": {
        "date": date(2025, 5, 14),
        "area": "利州区",
        "kind": "政策宣讲",
        "organizer": "利州区科技创新综合党委",
        "title": "科技创新政策宣讲",
        "participants": 86,
        "id": "LZ-2025-011",
    },
    "loans": {
        "date": date(2025, 4, 18),
        "area": "剑阁县",
        "enterprise": "剑阁××农业科技有限公司",
        "amount_wan": 500,
        "bank": "中国农业银行广元分行",
        "id": "TFKCD-2025-007",
    },
    "commendations": {
        "year": 2025,
        "category": "表扬引领型党组织",
        "name": "四川××新材料股份有限公司党委",
        "organization": "四川××新材料股份有限公司",
        "area": "利州区",
        "date": date(2025, 6, 28),
    },
    "coverage": {
        "round": "2025-10",
        "updated_on": date(2025, 10, 28),
        "area": "利州区",
        "org_name": "广元××电子科技有限公司",
        "credit_code": "91510802MA62R7K3XR",
        "org_type": "高新技术企业",
        "employees": 210,
        "party_members": 9,
        "org_coverage": "单独组建",
        "work_coverage": "是",
        "mobile_members": 2,
        "mobile_members_placed": 2,
    },
    "targets": {
        "plan": "2024",
        "indicator": "高新技术企业",
        "area": "利州区",
        "year": 2025,
        "month": 12,
        "target": 25,
        "kind": "达到值",
    },
}


def filename(dataset: str) -> str:
    return f"{DATASET_LABELS[dataset]}_导入模板.xlsx"


def example_row(dataset: str) -> dict[str, object]:
    return dict(EXAMPLES[dataset])


def _choices(dataset: str, col: Column) -> list[str] | None:
    """The drop-down list for a column, in Chinese, or None when the column is free text or a number."""
    if col.name == "area":
        names = plan.areas().filter(~pl.col("is_city")) if dataset == "coverage" else plan.areas()
        return list(names["name"])
    if col.name == "indicator":
        return list(plan.indicators()["name"])
    if col.enum:
        return list(col.enum.values())
    if col.type == "bool":
        return list(BOOL_WORDS)
    return None


def _allowed(dataset: str, col: Column) -> str:
    """What may be written in a column, as one line for the 数据字典 sheet."""
    if col.name == "area":
        base = "、".join(_choices(dataset, col))
        return base + "；也可填简称（如 利州）或行政区划代码（如 510802）"
    if col.name == "indicator":
        return "、".join(f"{r['name']}（{r['code']}）" for r in plan.indicators().iter_rows(named=True))
    if col.enum:
        return "、".join(f"{label}（{code}）" for code, label in col.enum.items()) + "；填中文或英文代码均可"
    if col.type == "bool":
        return "是、否"
    if col.name == "value" and dataset == "indicators":
        return "按指标目录的单位填写（家、个、亿元、%），只填数字（2.5% 填 2.5，不带 % 号）；除增长率外不能为负数"
    if col.name == "unit":
        return "家、个、亿元、%；填 万元 时自动换算为亿元"
    if col.name == "round":
        return "YYYY-03 或 YYYY-10，如 2025-10"
    parts = []
    if col.min is not None and col.max is not None:
        low = f"大于 {number(col.min)}" if col.min_exclusive else number(col.min)
        parts.append(f"{low}–{number(col.max)}" if not col.min_exclusive else f"{low}，不超过 {number(col.max)}")
    elif col.min is not None:
        parts.append(f"> {number(col.min)}" if col.min_exclusive else f"≥ {number(col.min)}")
    if col.type == "date":
        parts.append("日期，如 2025-03-31")
    return "；".join(parts)


def _note(col: Column) -> str:
    parts = [col.note] if col.note else []
    if col.default is not None:
        parts.append(f"不填按 {col.default}")
    return "；".join(parts)


def dictionary(dataset: str) -> pl.DataFrame:
    """The 数据字典: one row per column — Chinese header, English name, type, required, allowed values, example."""
    example = EXAMPLES[dataset]
    rows = []
    for col in columns(dataset):
        value = example.get(col.name)
        rows.append(
            {
                "列（中文表头）": col.zh,
                "英文列名": col.name,
                "类型": TYPE_WORDS[col.type],
                "必填": "是" if col.required else "否",
                "可填的值": _allowed(dataset, col),
                "说明": _note(col),
                "示例": "" if value is None else str(value),
            }
        )
    return pl.DataFrame(rows)


def _validation(dataset: str, col: Column, list_ref: str | None) -> dict:
    """xlsxwriter data-validation options for a column: a list, a number or date range, or a hint only."""
    hint = (f"必填。{_allowed(dataset, col)}" if col.required else _allowed(dataset, col)) or "可不填"
    base = {
        "input_title": col.zh[:32],
        "input_message": hint[:250],
        "error_type": "warning",
        "error_title": f"请核对「{col.zh}」"[:32],
        "error_message": (_allowed(dataset, col) or "请核对填写内容")[:250],
    }
    if list_ref:
        return base | {"validate": "list", "source": list_ref}
    if col.type in ("int", "float"):
        kind = "integer" if col.type == "int" else "decimal"
        if col.min is not None and col.max is not None and not col.min_exclusive:
            return base | {"validate": kind, "criteria": "between", "minimum": col.min, "maximum": col.max}
        if col.min is not None:
            return base | {"validate": kind, "criteria": ">" if col.min_exclusive else ">=", "value": col.min}
    if col.type == "date":
        return base | {
            "validate": "date",
            "criteria": "between",
            "minimum": DATE_MIN,
            "maximum": DATE_MAX,
        }
    return base | {"validate": "any"}


def template(dataset: str) -> bytes:
    """The .xlsx template for a dataset, ready to fill in Excel or WPS and import as it is."""
    specs = columns(dataset)
    buffer = io.BytesIO()
    wb = libs.load("xlsxwriter").Workbook(buffer, TEXT_STAYS_TEXT)
    sheet = wb.add_worksheet(DATASET_LABELS[dataset])
    guide = wb.add_worksheet(DICTIONARY_SHEET)
    options = wb.add_worksheet(OPTIONS_SHEET)
    fmt = {
        "required": wb.add_format({"bold": True, "bg_color": "#f6d7d4", "border": 1, "align": "center"}),
        "optional": wb.add_format({"bold": True, "bg_color": "#eeeeee", "border": 1, "align": "center"}),
        "str": wb.add_format({"num_format": "@"}),
        "bool": wb.add_format({"num_format": "@"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "int": wb.add_format({"num_format": "0"}),
        "float": wb.add_format({"num_format": "General"}),
    }
    list_col = 0
    for i, col in enumerate(specs):
        choices = _choices(dataset, col)
        ref = None
        if choices:
            options.write(0, list_col, col.zh)
            options.write_column(1, list_col, choices)
            letter = libs.load("xlsxwriter.utility").xl_col_to_name(list_col)
            ref = f"='{OPTIONS_SHEET}'!${letter}$2:${letter}${len(choices) + 1}"
            list_col += 1
        width = max(10, min(40, 2 * len(col.zh) + 4, 4 + 2 * len(str(EXAMPLES[dataset].get(col.name, "")))))
        sheet.set_column(i, i, width, fmt[col.type])
        sheet.write(0, i, col.zh, fmt["required" if col.required else "optional"])
        comment = f"英文列名：{col.name}\n类型：{TYPE_WORDS[col.type]}\n{'必填' if col.required else '选填'}"
        if _allowed(dataset, col):
            comment += f"\n可填：{_allowed(dataset, col)}"
        if _note(col):
            comment += f"\n说明：{_note(col)}"
        sheet.write_comment(0, i, comment, {"x_scale": 2.2, "y_scale": 1.6})
        sheet.data_validation(1, i, TEMPLATE_ROWS, i, _validation(dataset, col, ref))
    sheet.freeze_panes(1, 0)
    options.hide()
    _write_guide(wb, guide, dataset)
    wb.close()
    return buffer.getvalue()


def _write_guide(wb, ws, dataset: str) -> None:
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#eeeeee", "border": 1, "text_wrap": True, "valign": "top"})
    cell = wb.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    label = DATASET_LABELS[dataset]
    ws.write(0, 0, f"{label}（{dataset}）导入模板 · 数据字典", title)
    lines = [
        f"1. 在“{label}”工作表中从第 2 行起每行填一条记录；第 1 行是表头，请不要修改、合并或在上面插入标题行。",
        "2. 红色表头为必填列。县区、类型等列可从下拉列表选择；日期写成 2025-03-31。",
        "3. 只填数值，不要用公式（从别处复制来的公式请“选择性粘贴 → 数值”）。",
        "4. 下表“示例”列是一行填写示例，它不在数据工作表中，不会被导入。",
        "5. 填好后在看板“数据管理”页上传，或运行 uv run gydash import 文件 --dataset " + dataset + "。",
    ]
    for r, line in enumerate(lines, start=1):
        ws.write(r, 0, line)
    frame = dictionary(dataset)
    top = len(lines) + 2
    for c, name in enumerate(frame.columns):
        ws.write(top, c, name, head)
    for r, row in enumerate(frame.iter_rows(), start=top + 1):
        for c, value in enumerate(row):
            ws.write_string(r, c, value, cell)
    for c, width in enumerate((16, 22, 14, 6, 60, 28, 26)):
        ws.set_column(c, c, width)
