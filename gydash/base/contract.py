"""The data contract: datasets, their columns (English and Chinese headers), types, enumerations and labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

DATASETS = ("indicators", "activities", "loans", "commendations", "coverage", "targets")

DATASET_LABELS = {
    "indicators": "指标数据",
    "activities": "活动记录",
    "loans": "天府科创贷",
    "commendations": "表扬推荐",
    "coverage": "两个覆盖台账",
    "targets": "目标设置",
}

ACTIVITY_KINDS = {
    "policy_briefing": "政策宣讲",
    "promotion_meeting": "工作推进会",
    "secretary_report": "书记述职",
    "science_popularization": "科普活动",
    "tech_service": "科技服务专场",
    "party_training": "党务培训",
    "other": "其他",
}

COMMENDATION_CATEGORIES = {
    "leading_org_commended": "表扬引领型党组织",
    "leading_org_recommended": "推报省市引领型党组织",
    "model_case": "党建先进典型",
    "demo_site": "党建示范点",
    "outstanding_worker": "优秀党务工作者",
    "outstanding_member": "优秀共产党员",
    "innovation_leader": "创新领军人才",
}

ORG_COVERAGE = {"single": "单独组建", "joint": "联合组建", "none": "未组建"}

TARGET_KINDS = {"level": "达到值", "growth": "年均增长"}


# Plausible values (the README's data guide states them): every date and year within 2000–2100; counts and amounts
# within the bounds on their columns below, indicator values within the catalogue's max_value. Far beyond anything
# real, yet small enough that no sum of a file's rows can overflow or lose its units.
YEAR_MIN, YEAR_MAX = 2000, 2100
DATE_MIN, DATE_MAX = date(YEAR_MIN, 1, 1), date(YEAR_MAX, 12, 31)
GROWTH_MIN, GROWTH_MAX = -1.0, 10.0  # a growth target as a rate: −100% to +1000% a year


def number(x: float) -> str:
    """A bound as staff read it: 2000, 100000, 0.5 (never 1e+06)."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@dataclass(frozen=True)
class Column:
    """One column of a dataset: its English name, Chinese header, type and rules."""

    name: str
    zh: str
    type: str  # str | int | float | date | bool
    required: bool = False
    default: object = None
    enum: dict[str, str] = field(default_factory=dict)  # code → Chinese label
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    note: str = ""


def _area(note: str = "") -> Column:
    return Column("area", "县区", "str", required=True, note=note or "全称、简称或行政区划代码")


SCHEMAS: dict[str, tuple[Column, ...]] = {
    "indicators": (
        Column("indicator", "指标", "str", required=True, note="指标代码或中文名称"),
        _area(),
        Column("year", "年份", "int", required=True, min=YEAR_MIN, max=YEAR_MAX),
        Column("month", "月份", "int", default=12, min=1, max=12),
        Column("value", "数值", "float", required=True),
        Column("unit", "单位", "str"),
        Column("source", "来源", "str"),
    ),
    "activities": (
        Column("date", "日期", "date", required=True),
        _area("举办单位所在县区"),
        Column("kind", "类型", "str", required=True, enum=ACTIVITY_KINDS),
        Column("organizer", "组织单位", "str"),
        Column("title", "名称", "str"),
        Column("enterprises_served", "服务企业数", "int", min=0, max=100_000, note="科技服务专场必填"),
        Column("participants", "参与人数", "int", min=0, max=1_000_000),
        Column("id", "编号", "str"),
    ),
    "loans": (
        Column("date", "日期", "date", required=True),
        _area(),
        Column("enterprise", "企业", "str", required=True),
        Column("amount_wan", "金额(万元)", "float", required=True, min=0, min_exclusive=True, max=1_000_000),
        Column("bank", "银行", "str"),
        Column("id", "编号", "str"),
    ),
    "commendations": (
        Column("year", "年度", "int", required=True, min=YEAR_MIN, max=YEAR_MAX),
        Column("category", "类别", "str", required=True, enum=COMMENDATION_CATEGORIES),
        Column("name", "名称/姓名", "str", required=True),
        Column("organization", "所在单位", "str"),
        _area(),
        Column("date", "日期", "date"),
    ),
    "coverage": (
        Column("round", "台账期次", "str", required=True, note="YYYY-03 或 YYYY-10"),
        Column("updated_on", "更新日期", "date", required=True),
        _area("县区（不能填广元市）"),
        Column("org_name", "组织名称", "str", required=True),
        Column("credit_code", "统一社会信用代码", "str", note="18 位"),
        Column("org_type", "组织类型", "str"),
        Column("employees", "从业人数", "int", min=0, max=1_000_000),
        Column("party_members", "党员人数", "int", required=True, min=0, max=100_000),
        Column("org_coverage", "组织覆盖", "str", required=True, enum=ORG_COVERAGE),
        Column("work_coverage", "工作覆盖", "bool", required=True, note="是否已选派党建指导员/联络员"),
        Column("mobile_members", "流动党员", "int", min=0, max=100_000),
        Column("mobile_members_placed", "已归入支部", "int", min=0, max=100_000, note="不超过流动党员人数"),
    ),
    "targets": (
        Column("plan", "方案", "str", required=True),
        Column("indicator", "指标", "str", required=True, note="指标代码或中文名称"),
        _area(),
        Column("year", "年份", "int", required=True, min=YEAR_MIN, max=YEAR_MAX),
        Column("month", "月份", "int", default=12, min=1, max=12),
        Column("target", "目标值", "float", required=True),
        Column("kind", "类型", "str", default="level", enum=TARGET_KINDS),
        Column("base_year", "基期年份", "int", min=YEAR_MIN, max=YEAR_MAX, note="年均增长目标必填"),
    ),
}

# Keys under which "the newest snapshot wins"; events without an id fall back to whole-row identity.
KEYS = {
    "indicators": ("indicator", "area", "year", "month"),
    "commendations": ("year", "category", "name"),
    "targets": ("plan", "indicator", "area", "year"),
}


def columns(dataset: str) -> tuple[Column, ...]:
    return SCHEMAS[dataset]


def column(dataset: str, name: str) -> Column:
    return next(c for c in SCHEMAS[dataset] if c.name == name)


def header_label(dataset: str, name: str) -> str:
    """'area（县区）': how a column is named in messages, so staff recognise either header."""
    col = column(dataset, name)
    return f"{col.name}（{col.zh}）"
