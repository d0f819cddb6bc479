"""validate: every contract rule rejects a bad file with a Chinese reason naming file, row, column and value;
tolerated spellings are normalised (with a warning where staff should know)."""

from __future__ import annotations

import re
from datetime import date

import polars as pl
import pyarrow as pa
import pytest
from conftest import activity, coverage_row, ind

from gydash.snapshots import validate

CJK = re.compile(r"[\u4e00-\u9fff]")

GOOD = {
    "indicators": ind("hitech_enterprise", "利州区", 2025, 6, 12.0),
    "activities": activity("2025-03-05"),
    "loans": {"date": "2025-03-05", "area": "利州区", "enterprise": "天华科技", "amount_wan": 500.0},
    "commendations": {"year": 2025, "category": "model_case", "name": "天华科技党支部", "area": "利州区"},
    "coverage": coverage_row("天华科技"),
    "targets": {
        "plan": "2026年度目标",
        "indicator": "hitech_enterprise",
        "area": "利州区",
        "year": 2026,
        "target": 20.0,
        "kind": "level",
    },
}


IN_RANGE = "日期应在 2000-01-01 至 2100-12-31 之间"


def with_column(rows: list[dict], name: str, array: pa.Array) -> pa.Table:
    """The rows as a table whose column `name` is the given Arrow array (a type a dict cannot express)."""
    table = pa.Table.from_pylist(rows)
    return table.set_column(table.schema.get_field_index(name), name, array)


def bad(dataset: str, **change) -> list[dict]:
    """The dataset's good row, then a second row with the given changes (so the problem is on row 2)."""
    return [GOOD[dataset], GOOD[dataset] | change]


def without(dataset: str, column: str) -> list[dict]:
    return [{k: v for k, v in GOOD[dataset].items() if k != column}]


def as_text(rows: list[dict], column: str) -> list[dict]:
    """Write a column as text in every row, so a mistyped value does not break Parquet's type inference."""
    return [r | {column: None if r.get(column) is None else str(r[column])} for r in rows]


# (dataset, rows, row, column as shown, value as shown, words of the message)
BAD_FILES = [
    # --- indicators
    pytest.param(
        "indicators", without("indicators", "value"), None, "value", None, "缺少必填列", id="ind-missing-value-column"
    ),
    pytest.param(
        "indicators",
        as_text(bad("indicators", year="二〇二五"), "year"),
        2,
        "year",
        "二〇二五",
        "应为整数",
        id="ind-year-not-int",
    ),
    pytest.param("indicators", bad("indicators", area=None), 2, "area", "（空）", "必填", id="ind-area-null"),
    pytest.param(
        "indicators", bad("indicators", indicator=None), 2, "indicator", "（空）", "必填", id="ind-indicator-null"
    ),
    pytest.param("indicators", bad("indicators", year=1999), 2, "year", "1999", "不能小于 2000", id="ind-year-1999"),
    pytest.param("indicators", bad("indicators", year=2101), 2, "year", "2101", "不能大于 2100", id="ind-year-2101"),
    pytest.param("indicators", bad("indicators", month=13), 2, "month", "13", "不能大于 12", id="ind-month-13"),
    pytest.param("indicators", bad("indicators", month=0), 2, "month", "0", "不能小于 1", id="ind-month-0"),
    pytest.param(
        "indicators", bad("indicators", value=float("inf")), 2, "value", "inf", "应为数值", id="ind-value-inf"
    ),
    pytest.param(
        "indicators", bad("indicators", value=float("nan")), 2, "value", "nan", "应为数值", id="ind-value-nan"
    ),
    pytest.param(
        "indicators",
        as_text(bad("indicators", value="十二"), "value"),
        2,
        "value",
        "十二",
        "应为数值",
        id="ind-value-text",
    ),
    pytest.param(
        "indicators",
        as_text(bad("indicators", value="2.5%"), "value"),
        2,
        "value",
        "2.5%",
        "不带 % 号：请只填数字（如 2.5% 填 2.5）",
        id="ind-value-percent-text",
    ),
    pytest.param(
        "loans",
        as_text(bad("loans", amount_wan="1,500 ％"), "amount_wan"),
        2,
        "amount_wan",
        "1,500 ％",
        "不带 % 号",
        id="loan-amount-percent-text",
    ),
    pytest.param(
        "indicators", bad("indicators", value=-3.0), 2, "value", "-3.0", "不能为负数", id="ind-value-negative"
    ),
    pytest.param(
        "indicators",
        bad("indicators", indicator="独角兽企业"),
        2,
        "indicator",
        "独角兽企业",
        "不是目录中的指标",
        id="ind-unknown-indicator",
    ),
    pytest.param(
        "indicators", bad("indicators", area="成都市"), 2, "area", "成都市", "不是广元市的县区", id="ind-unknown-area"
    ),
    pytest.param(
        "indicators",
        bad("indicators", area="510100"),
        2,
        "area",
        "510100",
        "不是广元市的县区",
        id="ind-area-code-elsewhere",
    ),
    pytest.param(
        "indicators", bad("indicators", unit="美元"), 2, "unit", "美元", "单位无法换算", id="ind-unit-not-convertible"
    ),
    pytest.param(
        "indicators",
        bad("indicators", value=13.0),
        2,
        "month",
        "6",
        "出现多次且内容不同",
        id="ind-duplicate-key-differs",
    ),
    # --- activities
    pytest.param(
        "activities", without("activities", "kind"), None, "kind", None, "缺少必填列", id="act-missing-kind-column"
    ),
    pytest.param(
        "activities", bad("activities", date="下周三"), 2, "date", "下周三", "应为日期", id="act-date-not-a-date"
    ),
    pytest.param("activities", bad("activities", date=None), 2, "date", "（空）", "必填", id="act-date-null"),
    pytest.param(
        "activities", bad("activities", kind="茶话会"), 2, "kind", "茶话会", "不是允许的值", id="act-unknown-kind"
    ),
    pytest.param(
        "activities",
        bad("activities", kind="tech_service"),
        2,
        "enterprises_served",
        "（空）",
        "必须填写服务企业数",
        id="act-tech-service-no-enterprises",
    ),
    pytest.param(
        "activities",
        bad("activities", participants=-5),
        2,
        "participants",
        "-5",
        "不能小于 0",
        id="act-participants-negative",
    ),
    pytest.param(
        "activities",
        bad("activities", enterprises_served=2.5),
        2,
        "enterprises_served",
        "2.5",
        "应为整数",
        id="act-enterprises-not-whole",
    ),
    pytest.param(
        "activities",
        [GOOD["activities"] | {"id": "A1"}, GOOD["activities"] | {"id": "A1", "participants": 30}],
        2,
        "id",
        "A1",
        "出现多次且内容不同",
        id="act-duplicate-id-differs",
    ),
    # --- loans
    pytest.param("loans", bad("loans", amount_wan=0.0), 2, "amount_wan", "0.0", "必须大于 0", id="loan-amount-zero"),
    pytest.param(
        "loans", bad("loans", amount_wan=-10.0), 2, "amount_wan", "-10.0", "必须大于 0", id="loan-amount-negative"
    ),
    pytest.param("loans", bad("loans", enterprise=None), 2, "enterprise", "（空）", "必填", id="loan-enterprise-null"),
    pytest.param(
        "loans", without("loans", "amount_wan"), None, "amount_wan", None, "金额(万元)", id="loan-missing-amount-column"
    ),
    pytest.param("loans", bad("loans", area="绵阳"), 2, "area", "绵阳", "不是广元市的县区", id="loan-unknown-area"),
    pytest.param("loans", bad("loans", date="3月5日"), 2, "date", "3月5日", "应为日期", id="loan-date-not-a-date"),
    pytest.param(
        "loans",
        as_text(bad("loans", amount_wan="五百"), "amount_wan"),
        2,
        "amount_wan",
        "五百",
        "应为数值",
        id="loan-amount-not-a-number",
    ),
    # --- commendations
    pytest.param(
        "commendations",
        bad("commendations", category="劳动模范"),
        2,
        "category",
        "劳动模范",
        "不是允许的值",
        id="com-unknown-category",
    ),
    pytest.param(
        "commendations", bad("commendations", year=3000), 2, "year", "3000", "不能大于 2100", id="com-year-3000"
    ),
    pytest.param(
        "commendations",
        bad("commendations", area="利州区", date="去年"),
        2,
        "date",
        "去年",
        "应为日期",
        id="com-date-not-a-date",
    ),
    pytest.param(
        "commendations",
        bad("commendations", area="昭化区"),
        2,
        "name",
        "天华科技党支部",
        "出现多次且内容不同",
        id="com-duplicate-key-differs",
    ),
    pytest.param(
        "commendations", without("commendations", "name"), None, "name", None, "名称/姓名", id="com-missing-name-column"
    ),
    pytest.param("commendations", bad("commendations", area=None), 2, "area", "（空）", "必填", id="com-area-null"),
    # --- coverage
    pytest.param("coverage", bad("coverage", area="广元市"), 2, "area", "广元市", "不能填广元市", id="cov-area-city"),
    pytest.param("coverage", bad("coverage", area="全市"), 2, "area", "全市", "不能填广元市", id="cov-area-city-short"),
    pytest.param(
        "coverage", bad("coverage", round="2025-05"), 2, "round", "2025-05", "YYYY-03", id="cov-round-2025-05"
    ),
    pytest.param(
        "coverage",
        bad("coverage", credit_code="91510802MA6"),
        2,
        "credit_code",
        "91510802MA6",
        "18 位",
        id="cov-credit-code-short",
    ),
    pytest.param(
        "coverage",
        bad("coverage", credit_code="91350100M000100YO3"),
        2,
        "credit_code",
        "91350100M000100YO3",
        "18 位",
        id="cov-credit-code-letter-O",
    ),
    pytest.param(
        "coverage",
        bad("coverage", mobile_members=2, mobile_members_placed=3),
        2,
        "mobile_members_placed",
        "3",
        "不能超过流动党员人数",
        id="cov-placed-over-mobile",
    ),
    pytest.param(
        "coverage",
        bad("coverage", org_coverage="部分组建"),
        2,
        "org_coverage",
        "部分组建",
        "不是允许的值",
        id="cov-org-coverage-unknown",
    ),
    pytest.param(
        "coverage",
        as_text(bad("coverage", work_coverage="也许"), "work_coverage"),
        2,
        "work_coverage",
        "也许",
        "是/否",
        id="cov-work-coverage-not-bool",
    ),
    pytest.param(
        "coverage",
        bad("coverage", party_members=-1),
        2,
        "party_members",
        "-1",
        "不能小于 0",
        id="cov-party-members-negative",
    ),
    pytest.param(
        "coverage",
        bad("coverage", party_members=None),
        2,
        "party_members",
        "（空）",
        "必填",
        id="cov-party-members-null",
    ),
    pytest.param(
        "coverage",
        bad("coverage", updated_on="2025-13-01"),
        2,
        "updated_on",
        "2025-13-01",
        "应为日期",
        id="cov-updated-on-month-13",
    ),
    pytest.param(
        "coverage",
        without("coverage", "work_coverage"),
        None,
        "work_coverage",
        None,
        "工作覆盖",
        id="cov-missing-work-coverage-column",
    ),
    pytest.param(
        "coverage",
        bad("coverage", party_members=4),
        2,
        "org_name",
        "天华科技",
        "出现多次且内容不同",
        id="cov-duplicate-org-differs",
    ),
    pytest.param(
        "coverage",
        bad("coverage", mobile_members=-2),
        2,
        "mobile_members",
        "-2",
        "不能小于 0",
        id="cov-mobile-negative",
    ),
    pytest.param(
        "coverage", bad("coverage", employees=-1), 2, "employees", "-1", "不能小于 0", id="cov-employees-negative"
    ),
    # --- targets
    pytest.param(
        "targets",
        bad("targets", kind="growth", target=0.15),
        2,
        "base_year",
        "（空）",
        "基期年份",
        id="tgt-growth-no-base-year",
    ),
    pytest.param("targets", bad("targets", kind="翻番"), 2, "kind", "翻番", "不是允许的值", id="tgt-unknown-kind"),
    pytest.param(
        "targets",
        bad("targets", indicator="GDP"),
        2,
        "indicator",
        "GDP",
        "不是目录中的指标",
        id="tgt-unknown-indicator",
    ),
    pytest.param("targets", bad("targets", target=float("nan")), 2, "target", "nan", "数值", id="tgt-target-nan"),
    pytest.param("targets", bad("targets", plan=None), 2, "plan", "（空）", "必填", id="tgt-plan-null"),
    pytest.param(
        "targets", bad("targets", target=25.0), 2, "year", "2026", "出现多次且内容不同", id="tgt-duplicate-key-differs"
    ),
    pytest.param(
        "targets", without("targets", "target"), None, "target", None, "目标值", id="tgt-missing-target-column"
    ),
    pytest.param(
        "targets", as_text(bad("targets", year="明年"), "year"), 2, "year", "明年", "应为整数", id="tgt-year-not-int"
    ),
    # --- valid by type, absurd by value: every date and year within 2000–2100, counts and amounts within bounds
    pytest.param(
        "activities", bad("activities", date="25-06-15"), 2, "date", "25-06-15", IN_RANGE, id="act-date-year-25"
    ),
    pytest.param(
        "loans", bad("loans", date="-2025-03-05"), 2, "date", "-2025-03-05", IN_RANGE, id="loan-date-negative-year"
    ),
    pytest.param(
        "commendations",
        bad("commendations", date=date(1, 1, 1)),
        2,
        "date",
        "0001-01-01",
        IN_RANGE,
        id="com-date-year-1",
    ),
    pytest.param(
        "coverage",
        bad("coverage", updated_on="2101-01-01"),
        2,
        "updated_on",
        "2101-01-01",
        IN_RANGE,
        id="cov-updated-after-2100",
    ),
    pytest.param("coverage", bad("coverage", round="0000-03"), 2, "round", "0000-03", "年份应在", id="cov-round-0000"),
    pytest.param("coverage", bad("coverage", round="0001-03"), 2, "round", "0001-03", "年份应在", id="cov-round-0001"),
    pytest.param(
        "coverage",
        bad("coverage", party_members=2**63 - 1),
        2,
        "party_members",
        str(2**63 - 1),
        "不能大于 100000",
        id="cov-party-members-int64-max",
    ),
    pytest.param(
        "coverage",
        with_column(bad("coverage"), "party_members", pa.array([3, 2**64 - 1], pa.uint64())),
        2,
        "party_members",
        str(2**64 - 1),
        "不能大于 100000",
        id="cov-party-members-uint64-overflow",
    ),
    pytest.param(
        "activities",
        bad("activities", participants=1e20),
        2,
        "participants",
        "1e+20",
        "不能大于 1000000",
        id="act-participants-1e20",
    ),
    pytest.param(
        "activities",
        as_text(bad("activities", participants="-5"), "participants"),
        2,
        "participants",
        "-5",
        "不能小于 0",
        id="act-participants-negative-text",
    ),
    pytest.param(
        "loans",
        bad("loans", amount_wan=1.7e308),
        2,
        "amount_wan",
        "1.7e+308",
        "不能大于 1000000",
        id="loan-amount-huge",
    ),
    pytest.param(
        "indicators", bad("indicators", value=1.7e308), 2, "value", "1.7e+308", "超出合理范围", id="ind-value-huge"
    ),
    pytest.param(
        "indicators",
        bad("indicators", value=2e9, unit="万元", indicator="tech_contract_turnover"),
        2,
        "value",
        "2000000000.0",
        "不超过 100000 亿元",
        id="ind-value-huge-after-unit-conversion",
    ),
    pytest.param(
        "targets",
        bad("targets", kind="growth", base_year=2023, target=1e300),
        2,
        "target",
        "1e+300",
        "年均增长目标超出合理范围",
        id="tgt-growth-1e300",
    ),
    pytest.param("targets", bad("targets", target=1e300), 2, "target", "1e+300", "超出合理范围", id="tgt-level-1e300"),
    pytest.param(
        "indicators",
        as_text(bad("indicators", year="12345678901234567890"), "year"),
        2,
        "year",
        "12345678901234567890",
        "不能大于 2100",
        id="ind-year-20-digits",
    ),
    pytest.param(
        "commendations",
        bad("commendations", year=-2025),
        2,
        "year",
        "-2025",
        "不能小于 2000",
        id="com-year-negative",
    ),
]


@pytest.mark.parametrize(("dataset", "rows", "row", "column", "value", "words"), BAD_FILES)
def test_bad_file_is_rejected_with_a_precise_chinese_reason(write, load, dataset, rows, row, column, value, words):
    write(dataset, "2025-06-30.parquet", rows)
    good = write(dataset, "2025-03-31.parquet", [GOOD[dataset]])
    data = load()
    [rejected] = data.rejected()
    assert rejected.entry.rel == f"{dataset}/2025-06-30.parquet"
    assert [f.entry.path for f in data.accepted()] == [good]  # the rest of the dir still counts
    matching = [p for p in rejected.errors if p.row == row and p.column == column and words in p.message]
    assert matching, [str(p) for p in rejected.errors]
    problem = matching[0]
    text = str(problem)
    assert text.startswith(f"{dataset}/2025-06-30.parquet")
    assert CJK.search(problem.message)
    if row is not None:
        assert f"第 {row} 行" in text
        assert problem.value == value
        assert f"值「{value}」" in text
    assert f"列「{column}」" in text


def test_problem_names_the_header_as_written_in_chinese(write, load):
    write("indicators", "2025-06-30.parquet", [{"指标": "高新技术企业", "县区": "利州", "年份": "明年", "数值": 3}])
    [rejected] = load().rejected()
    [problem] = rejected.errors
    assert str(problem) == "indicators/2025-06-30.parquet 第 1 行 列「年份」 值「明年」：应为整数"


def test_many_bad_rows_are_summarised_not_flooded():
    # 20 rows with month 13: the first 8 are named, the other 20 − 8 = 12 in one line
    raw = pl.DataFrame([ind("tech_sme", "利州区", 2025, 13, 1.0)] * 20).with_columns(year=pl.int_range(2000, 2020))
    result = validate.validate("indicators", raw, "indicators/x.parquet")
    assert result.frame is None
    assert [p.row for p in result.errors] == [1, 2, 3, 4, 5, 6, 7, 8, None]
    assert "另有 12 行" in result.errors[-1].message


def test_long_value_is_cut_short_in_the_message():
    raw = pl.DataFrame([ind("x" * 500, "利州区", 2025, 6, 1.0)])
    [problem] = validate.validate("indicators", raw, "f.parquet").errors
    assert len(problem.value) < 100 and "共 500 字符" in problem.value


# ---------------------------------------------------------------------------------------------------------------
# Accepted spellings


def accepted(write, load, dataset: str, rows, name: str = "2025-06-30.parquet"):
    write(dataset, name, rows)
    [loaded] = load().files
    assert loaded.frame is not None, [str(p) for p in loaded.errors]
    return loaded


def test_chinese_headers_are_accepted_including_full_width_brackets(write, load):
    rows = [{"日期": "2025-03-05", "县区": "苍溪", "企业": "嘉陵科技", "金额（万元）": 300.0, "银行": "农行"}]
    loaded = accepted(write, load, "loans", rows)
    assert loaded.frame.select("date", "area", "enterprise", "amount_wan", "bank").to_dicts() == [
        {"date": date(2025, 3, 5), "area": "510824", "enterprise": "嘉陵科技", "amount_wan": 300.0, "bank": "农行"}
    ]
    assert loaded.errors == () and loaded.warnings == ()


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("利州区", "510802"),
        ("利州", "510802"),
        ("510802", "510802"),
        (" 利州区 ", "510802"),
        ("广元市", "510800"),
        ("全市", "510800"),
        ("510800", "510800"),
        ("苍溪县", "510824"),
        ("青川", "510822"),
    ],
    ids=["full", "short", "code", "padded", "city", "city-short", "city-code", "county", "county-short"],
)
def test_area_accepts_full_short_and_code(given, code):
    raw = pl.DataFrame([ind("tech_sme", given, 2025, 6, 1.0)])
    result = validate.validate("indicators", raw, "f.parquet")
    assert result.errors == []
    assert result.frame["area"].to_list() == [code]


def test_area_given_as_integer_code_is_accepted():
    raw = pl.DataFrame({"indicator": ["tech_sme"], "area": [510811], "year": [2025], "value": [1.0]})
    result = validate.validate("indicators", raw, "f.parquet")
    assert result.frame["area"].to_list() == ["510811"]


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("高新技术企业", "hitech_enterprise"),
        ("技术合同成交额", "tech_contract_turnover"),
        ("科技型中小企业", "tech_sme"),
        ("HITECH_ENTERPRISE", "hitech_enterprise"),
    ],
    ids=["chinese-name", "alias", "chinese-name-2", "code-any-case"],
)
def test_indicator_accepts_chinese_names(given, code):
    raw = pl.DataFrame([ind(given, "利州区", 2025, 6, 1.0)])
    result = validate.validate("indicators", raw, "f.parquet")
    assert result.errors == []
    assert result.frame["indicator"].to_list() == [code]


def test_wan_yuan_converted_to_yi_yuan_with_a_warning(write, load):
    rows = [
        ind("conversion_output", "利州区", 2025, 6, 12345.0, unit="万元"),
        ind("conversion_output", "昭化区", 2025, 6, 3.5, unit="亿元"),
    ]
    loaded = accepted(write, load, "indicators", rows)
    # 12 345 万元 ÷ 10 000 = 1.2345 亿元; the 亿元 row is untouched
    assert loaded.frame["value"].to_list() == pytest.approx([1.2345, 3.5])
    assert loaded.frame["unit"].to_list() == ["亿元", "亿元"]
    [warning] = loaded.warnings
    assert "万元" in warning.message and "亿元" in warning.message and "第 1 行" in warning.message
    assert loaded.status == "warning"


def test_credit_code_with_wrong_check_character_is_only_a_warning(write, load):
    # 91350100M000100Y43 is a published, valid code; ending it in 4 breaks only the check character.
    rows = [
        coverage_row("甲公司", credit_code="91350100M000100Y43"),
        coverage_row("乙公司", credit_code="91350100m000100y44"),
    ]
    loaded = accepted(write, load, "coverage", rows)
    [warning] = loaded.warnings
    assert (warning.row, warning.column, warning.value) == (2, "credit_code", "91350100m000100y44")
    assert "校验位" in warning.message
    assert loaded.frame["credit_code"].to_list() == ["91350100M000100Y43", "91350100M000100Y44"]


def test_identical_duplicate_rows_count_once_with_a_warning(write, load):
    row = ind("tech_sme", "利州区", 2025, 6, 40.0)
    loaded = accepted(write, load, "indicators", [row, ind("tech_sme", "昭化区", 2025, 6, 7.0), row])
    assert loaded.frame.height == 2
    [warning] = loaded.warnings
    assert warning.row == 3 and "只计一次" in warning.message


def test_growth_target_written_as_percent_is_read_as_a_rate(write, load):
    row = GOOD["targets"] | {"indicator": "技术合同成交额", "area": "全市", "kind": "growth", "target": 15.0}
    loaded = accepted(write, load, "targets", [row | {"base_year": 2025}])
    # 15 → 15 % = 0.15
    assert loaded.frame["target"].to_list() == [pytest.approx(0.15)]
    [warning] = loaded.warnings
    assert "15%" in warning.message and warning.value == "15.0"


def test_growth_kind_in_chinese_and_plan_alias(write, load):
    row = {"方案": "2024方案", "指标": "技术合同成交额", "县区": "利州", "年份": 2025, "目标值": 0.2}
    loaded = accepted(write, load, "targets", [row | {"类型": "年均增长", "基期年份": 2023}])
    got = loaded.frame.select("plan", "indicator", "area", "month", "kind", "base_year").to_dicts()
    assert got == [
        {
            "plan": "2024",
            "indicator": "tech_contract_turnover",
            "area": "510802",
            "month": 12,
            "kind": "growth",
            "base_year": 2023,
        }
    ]


def test_month_defaults_to_december():
    absent = pl.DataFrame({"indicator": ["tech_sme"], "area": ["利州区"], "year": [2025], "value": [1.0]})
    empty = pl.DataFrame(
        {"indicator": ["tech_sme"], "area": ["利州区"], "year": [2025], "month": [None], "value": [1.0]}
    )
    for raw in (absent, empty):
        result = validate.validate("indicators", raw, "f.parquet")
        assert result.errors == []
        assert result.frame["month"].to_list() == [12]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("是", True), ("否", False), ("已选派", True), ("1", True), ("FALSE", False), ("√", True)],
    ids=["shi", "fou", "assigned", "one", "false-upper", "tick"],
)
def test_work_coverage_accepts_chinese_yes_no(given, expected):
    raw = pl.DataFrame([coverage_row("甲公司", work_coverage=given)])
    result = validate.validate("coverage", raw, "f.parquet")
    assert result.errors == []
    assert result.frame["work_coverage"].to_list() == [expected]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("2025-03", "2025-03"), ("2025年3月", "2025-03"), ("2025/10", "2025-10")],
    ids=["canonical", "chinese", "slash"],
)
def test_round_spellings_are_normalised(given, expected):
    raw = pl.DataFrame([coverage_row("甲公司", rnd=given)])
    result = validate.validate("coverage", raw, "f.parquet")
    assert result.errors == []
    assert result.frame["round"].to_list() == [expected]
    assert bool(result.warnings) == (given != expected)


@pytest.mark.parametrize(
    "given",
    ["2025-03-05", "2025/3/5", "2025.03.05", "20250305", "2025年3月5日", "2025-03-05 14:30:00"],
    ids=["iso", "slash", "dots", "compact", "chinese", "with-time"],
)
def test_dates_in_common_spellings(given):
    raw = pl.DataFrame([activity(given)])
    result = validate.validate("activities", raw, "f.parquet")
    assert result.errors == []
    assert result.frame["date"].to_list() == [date(2025, 3, 5)]


def test_unknown_column_is_a_warning_and_duplicate_header_an_error():
    extra = pl.DataFrame([ind("tech_sme", "利州区", 2025, 6, 1.0, 备注="初稿")])
    result = validate.validate("indicators", extra, "f.parquet")
    assert result.frame is not None
    assert any("备注" in w.message for w in result.warnings)
    both = pl.DataFrame(
        {"indicator": ["tech_sme"], "area": ["利州区"], "县区": ["昭化区"], "year": [2025], "value": [1]}
    )
    result = validate.validate("indicators", both, "f.parquet")
    assert result.frame is None
    assert "同一列" in result.errors[0].message


def test_empty_file_with_headers_is_accepted_with_a_warning(write, load):
    frame = pl.DataFrame(schema={"indicator": pl.String, "area": pl.String, "year": pl.Int64, "value": pl.Float64})
    loaded = accepted(write, load, "indicators", frame)
    assert loaded.frame.height == 0
    assert any("没有数据行" in w.message for w in loaded.warnings)


@pytest.mark.parametrize("dataset", list(GOOD), ids=str)
def test_empty_file_of_every_dataset_does_not_crash(dataset):
    from gydash.base.contract import columns
    from gydash.snapshots.coerce import DTYPES

    raw = pl.DataFrame(schema={c.name: DTYPES[c.type] for c in columns(dataset)})
    result = validate.validate(dataset, raw, "f.parquet")
    assert result.errors == [] and result.frame.height == 0


def test_dictionary_encoded_date_text_is_read_as_a_date(write, load):
    # Many tools write repeated text dictionary-encoded; it arrives as a categorical column, still text.
    table = pa.table({"date": pa.array(["2025-03-05", "2025-03-05"]).dictionary_encode(), "area": ["利州区"] * 2})
    table = table.append_column("kind", pa.array(["other", "policy_briefing"]))
    loaded = accepted(write, load, "activities", table)
    assert loaded.frame["date"].to_list() == [date(2025, 3, 5)] * 2


@pytest.mark.parametrize(
    ("dataset", "column", "value"),
    [
        ("coverage", "party_members", 100_000),
        ("activities", "participants", 1_000_000),
        ("loans", "amount_wan", 1_000_000.0),
        ("indicators", "value", 100_000.0),
    ],
)
def test_the_largest_plausible_value_is_accepted(write, load, dataset, column, value):
    accepted(write, load, dataset, [GOOD[dataset] | {column: value}])


DIFFERING_KEYS = [p for p in BAD_FILES if "出现多次且内容不同" in p.values]


@pytest.mark.parametrize(("dataset", "rows", "row", "column", "value", "words"), DIFFERING_KEYS)
def test_a_key_with_two_contents_is_rejected_even_when_each_row_has_an_exact_copy(
    write, load, dataset, rows, row, column, value, words
):
    """Rows 10, 99, 10, 99 for one key: "exact copies count once" must not keep both contents in effect."""
    write(dataset, "2025-06-30.parquet", rows + rows)
    [rejected] = load().rejected()
    assert any(words in p.message for p in rejected.errors), [str(p) for p in rejected.errors]
