"""What a staff member's role lets them import: county staff only their own county's rows, city staff anything.

A county account's file is refused whole when any row names another area — another county, or 广元市 (city-wide
figures are the city office's to report) — and each such row is named as staff see it in Excel: row number,
column and value. Coverage ledgers are sent one county per file and the saved file is named after the county
(``2025-10-20_旺苍县.parquet``), so there a name naming another area is refused as well.
"""

from __future__ import annotations

import re

import polars as pl

from gydash.access.roles import Role
from gydash.base import plan
from gydash.base.problems import Problem, show_value
from gydash.snapshots.column_checks import fold
from gydash.snapshots.intake import Prepared

MAX_ROWS_LISTED = 8
COUNTY_PER_FILE = ("coverage",)


def _codes(values: pl.Series) -> list[str | None]:
    folded = {fold(k): v for k, v in plan.area_lookup().items()}
    return [None if v is None else folded.get(fold(str(v))) for v in values.to_list()]


def _whose(code: str | None) -> str:
    if code == plan.CITY:
        return "全市（广元市）的数据，全市数据由市级工作人员导入"
    return f"{plan.area_name(code)}的数据"


def row_problems(prepared: Prepared, role: Role) -> list[Problem]:
    """Rows of the file that the role may not import, each with its Excel row, column and value."""
    if role.kind != "county" or prepared.out is None or "area" not in prepared.out.columns:
        return []
    given = prepared.out["area"]
    own = plan.area_name(role.area)
    out: list[Problem] = []
    codes = _codes(given)
    outside = [i for i, code in enumerate(codes) if not role.may_import(code)]
    for i in outside[:MAX_ROWS_LISTED]:
        code = codes[i]
        row = prepared.source_rows[i] if i < len(prepared.source_rows) else i + 1
        message = f"这一行是{_whose(code)}；{own}的账号只能导入{own}的数据，整个文件未导入"
        out.append(Problem(prepared.source, message, row, "县区", show_value(given[i])))
    if len(outside) > MAX_ROWS_LISTED:
        more = len(outside) - MAX_ROWS_LISTED
        out.append(Problem(prepared.source, f"另有 {more} 行不是{own}的数据", None, "县区"))
    return out


def named_counties(text: str) -> set[str]:
    """Codes of the counties a file name names (full name, short name or code: 利州区, 利州, 510802). The city is
    left out: "广元市旺苍县台账" is 旺苍县's."""
    found = set()
    for row in plan.areas().filter(~pl.col("is_city")).iter_rows(named=True):
        if row["short"] in text or re.search(rf"(?<!\d){row['code']}(?!\d)", text):
            found.add(row["code"])
    return found


def name_problems(prepared: Prepared, role: Role) -> list[Problem]:
    """A county-per-file dataset whose saved name names another area than the account's own county."""
    if role.kind != "county" or prepared.dataset not in COUNTY_PER_FILE:
        return []
    own = plan.area_name(role.area)
    others = sorted(named_counties(prepared.name) - {role.area})
    if not others:
        return []
    names = "、".join(plan.area_name(c) for c in others)
    message = (
        f"文件名（保存为「{prepared.name}」）写的是{names}：台账按县区一县一个文件，"
        f"{own}的账号只能导入{own}的台账；请把文件名改为{own}的"
    )
    return [Problem(prepared.source, message, None, "文件名", show_value(prepared.source))]


def refuse_outside(prepared: Prepared, role: Role | None) -> Prepared:
    """Add the role's refusals to the prepared file's errors (so it is not written); a misconfigured (None)
    role may import nothing."""
    if role is None:
        prepared.errors.insert(
            0, Problem(prepared.source, "该账号的角色配置有误（见页面上方或服务器日志），暂不能导入数据；请联系管理员")
        )
        return prepared
    problems = name_problems(prepared, role) + row_problems(prepared, role)
    if problems:
        prepared.errors = problems + prepared.errors
    return prepared
