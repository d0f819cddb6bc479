"""Each dataset's own rules after its columns' checks: codes looked up, units converted, repeats and cross-checks."""

from __future__ import annotations

import re

import polars as pl

from gydash.base import plan
from gydash.base.contract import GROWTH_MAX, GROWTH_MIN, YEAR_MAX, YEAR_MIN
from gydash.base.contract import number as fmt_bound
from gydash.snapshots.column_checks import Checker, fold, lookup

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ROUND = re.compile(r"^(\d{4})\s*(?:-|/|\.|年)?\s*(0?3|10)\s*(?:月)?$")


def check_area(frame: pl.DataFrame, ck: Checker) -> pl.DataFrame:
    """Area names or codes as codes (the spelling given kept as _area_given); one not in Guangyuan is flagged."""
    area = frame["area"]
    codes = lookup(area, plan.area_lookup())
    ck.flag(
        area.is_not_null() & codes.is_null(),
        "area",
        area,
        "不是广元市的县区，可填全称（利州区）、简称（利州）或行政区划代码（510802）；广元市表示全市",
    )
    return frame.with_columns(area.alias("_area_given"), codes.alias("area"))


def _dedupe(frame: pl.DataFrame, key: list[str], ck: Checker, what: str) -> pl.DataFrame:
    """Rows repeating a key: identical ones count once (warning); differing ones are an error."""
    if frame.is_empty():
        return frame
    data_cols = [c for c in frame.columns if not c.startswith("_")]
    within = ["_part"] if "_part" in frame.columns else []  # several files at once: repeats count within a file
    dup_key = frame.select(pl.struct([*key, *within]).is_duplicated()).to_series()
    if not dup_key.any():
        return frame
    data_cols += within
    dup_row = frame.select(pl.struct(data_cols).is_duplicated()).to_series()
    # A key is in conflict when its rows hold more than one content, however often each content is repeated: with
    # rows 10, 99, 10, 99 every row has an exact copy, and "copies count once" must not keep both 10 and 99.
    conflicting = frame.select(pl.struct(data_cols).n_unique().over([*key, *within]) > 1).to_series()
    label = "、".join(ck.headers.get(k, k) for k in key)
    ck.flag(conflicting, key[-1], frame[key[-1]], f"同一{what}（{label}）在本文件中出现多次且内容不同")
    repeats = frame.select(pl.struct(data_cols).is_first_distinct()).to_series()
    if (dup_row & ~repeats).any():
        ck.flag(dup_row & ~repeats, key[-1], frame[key[-1]], "与本文件前面某行完全相同，只计一次", "warning")
        frame = frame.filter(repeats)
    return frame


def _indicators(frame: pl.DataFrame, ck: Checker) -> pl.DataFrame:
    given = frame["indicator"]
    codes = lookup(given, plan.indicator_lookup())
    names = "、".join(f"{r['code']}（{r['name']}）" for r in plan.indicators().iter_rows(named=True))
    ck.flag(given.is_not_null() & codes.is_null(), "indicator", given, f"不是目录中的指标，可填：{names}")
    frame = frame.with_columns(codes.alias("indicator"))
    cat = plan.indicators().select(
        pl.col("code").alias("indicator"), pl.col("unit").alias("_cat_unit"), "allow_negative", "max_value"
    )
    frame = frame.join(cat, on="indicator", how="left", maintain_order="left")
    factors = plan.unit_factors()
    pairs = list(zip(frame["unit"].to_list(), frame["_cat_unit"].to_list(), strict=True))
    factor = [1.0 if u is None or c is None or fold(u) == fold(c) else factors.get((u, c)) for u, c in pairs]
    factor_s = pl.Series("_factor", factor, dtype=pl.Float64)
    ck.flag(factor_s.is_null(), "unit", frame["unit"], "单位无法换算为目录单位（如「亿元」「家」），请核对")
    converted = factor_s.is_not_null() & (factor_s != 1.0)
    for (u, c), _ in {p: 1 for p, conv in zip(pairs, converted.to_list(), strict=True) if conv}.items():
        rows = [i + 1 + ck.row_offset for i, p in enumerate(pairs) if p == (u, c)]
        ck.warn(f"{len(rows)} 行的单位「{u}」已换算为「{c}」（×{factors[(u, c)]:g}），如第 {rows[0]} 行", "unit")
    value = frame["value"] * factor_s.fill_null(1.0)
    negative = (value < 0) & ~frame["allow_negative"].fill_null(True)
    ck.flag(negative.fill_null(False), "value", frame["value"], "不能为负数")
    _flag_implausible(frame, value, frame["value"], "value", ck)
    unit = pl.select(pl.coalesce(pl.when(converted).then(frame["_cat_unit"]), frame["unit"])).to_series()
    frame = frame.with_columns(value.alias("value"), unit.alias("unit"))
    frame = frame.drop("_cat_unit", "allow_negative", "max_value")
    return _dedupe(frame, ["indicator", "area", "year", "month"], ck, "指标、县区、年份、月份")


def _flag_implausible(frame: pl.DataFrame, value: pl.Series, given: pl.Series, col: str, ck: Checker) -> None:
    """A value (in the catalogue's unit) beyond the catalogue's max_value for its indicator: far past anything real
    for a county or the city, so a slip of unit or digits, and a figure large enough to overflow a sum."""
    too_big = (value.abs() > frame["max_value"]).fill_null(False)
    if not too_big.any():
        return
    for unit, limit in frame.filter(too_big).select("_cat_unit", "max_value").unique(maintain_order=True).rows():
        rows = too_big & (frame["_cat_unit"] == unit).fill_null(False) & (frame["max_value"] == limit).fill_null(False)
        ck.flag(rows, col, given, f"超出合理范围（该指标不超过 {fmt_bound(limit)} {unit}），请核对数值和单位")


def _events(frame: pl.DataFrame, ck: Checker) -> pl.DataFrame:
    with_id = frame.filter(pl.col("id").is_not_null())
    if with_id.height:
        checked = _dedupe(with_id, ["id"], ck, "编号")
        if checked is not with_id:  # only rebuilt when a repeated row was dropped
            frame = pl.concat([frame.filter(pl.col("id").is_null()), checked]).sort("_row")
    return frame


def _activities(frame: pl.DataFrame, ck: Checker) -> pl.DataFrame:
    missing = (frame["kind"] == "tech_service") & frame["enterprises_served"].is_null()
    ck.flag(
        missing.fill_null(False),
        "enterprises_served",
        frame["enterprises_served"],
        "科技服务专场（tech_service）必须填写服务企业数",
    )
    return _events(frame, ck)


def credit_code_ok(code: str) -> bool:
    """GB 32100-2015 check character of an 18-character 统一社会信用代码."""
    total = sum(CREDIT_CHARS.index(ch) * w for ch, w in zip(code[:17], CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARS[(31 - total % 31) % 31] == code[17]


def _coverage(frame: pl.DataFrame, ck: Checker) -> pl.DataFrame:
    city = frame["area"] == plan.CITY
    ck.flag(city.fill_null(False), "area", frame["_area_given"], "台账按县区填报，不能填广元市（全市）")
    given = frame["round"]
    # Each distinct value is parsed once: a ledger repeats a handful of rounds over thousands of rows.
    parsed = {v: _ROUND.match(v) for v in given.drop_nulls().unique().to_list()}
    ok_year = {v: m is not None and YEAR_MIN <= int(m.group(1)) <= YEAR_MAX for v, m in parsed.items()}
    as_round = {v: f"{m.group(1)}-{int(m.group(2)):02d}" for v, m in parsed.items() if ok_year[v]}
    shaped = given.replace_strict({v: m is not None for v, m in parsed.items()}, default=False, return_dtype=pl.Boolean)
    in_years = given.replace_strict(ok_year, default=False, return_dtype=pl.Boolean)
    ck.flag(shaped & ~in_years, "round", given, f"台账期次的年份应在 {YEAR_MIN}–{YEAR_MAX} 之间")
    rounds_s = given.replace_strict(as_round, default=None, return_dtype=pl.String).alias("round")
    ck.flag(given.is_not_null() & ~shaped, "round", given, "台账期次应为「YYYY-03」或「YYYY-10」")
    reshaped = given.is_not_null() & rounds_s.is_not_null() & (given != rounds_s)
    ck.flag(reshaped, "round", given, "台账期次已规范为 YYYY-MM 格式", "warning")
    codes = frame["credit_code"].str.to_uppercase()
    shape_ok = codes.str.contains(f"^[{CREDIT_CHARS}]{{18}}$")
    ck.flag(
        codes.is_not_null() & ~shape_ok.fill_null(False),
        "credit_code",
        frame["credit_code"],
        "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、S、V、Z）",
    )
    checked = {c: credit_code_ok(c) for c in codes.filter(shape_ok.fill_null(False)).unique().to_list()}
    ck.flag(
        ~codes.replace_strict(checked, default=True, return_dtype=pl.Boolean),
        "credit_code",
        frame["credit_code"],
        "统一社会信用代码校验位不符，请核对",
        "warning",
    )
    over = frame["mobile_members_placed"] > frame["mobile_members"]
    ck.flag(
        over.fill_null(False),
        "mobile_members_placed",
        frame["mobile_members_placed"],
        "已归入支部人数不能超过流动党员人数",
    )
    frame = frame.with_columns(rounds_s, codes.alias("credit_code"))
    return _dedupe(frame, ["round", "area", "org_name"], ck, "期次、县区、组织")


def _commendations(frame: pl.DataFrame, ck: Checker) -> pl.DataFrame:
    return _dedupe(frame, ["year", "category", "name"], ck, "年度、类别、名称")


def _targets(frame: pl.DataFrame, ck: Checker) -> pl.DataFrame:
    plans = frame["plan"].map_elements(lambda v: plan.plan_lookup().get(v.strip(), v.strip()), return_dtype=pl.String)
    given = frame["indicator"]
    codes = lookup(given, plan.indicator_lookup())
    ck.flag(given.is_not_null() & codes.is_null(), "indicator", given, "不是目录中的指标")
    growth = frame["kind"] == "growth"
    ck.flag(
        (growth & frame["base_year"].is_null()).fill_null(False),
        "base_year",
        frame["base_year"],
        "年均增长目标必须填写基期年份",
    )
    ck.flag((~frame["target"].is_finite()).fill_null(False), "target", frame["target"], "应为有限数值")
    percent = (growth & (frame["target"] > 1)).fill_null(False)
    ck.flag(percent, "target", frame["target"], "增长目标按百分数理解（如 15 → 15%）", "warning")
    target = pl.select(pl.when(percent).then(frame["target"] / 100).otherwise(frame["target"])).to_series()
    wild = growth.fill_null(False) & ((target < GROWTH_MIN) | (target > GROWTH_MAX)).fill_null(False)
    ck.flag(wild, "target", frame["target"], "年均增长目标超出合理范围（−100% 至 1000%），请核对")
    frame = frame.with_columns(plans.alias("plan"), codes.alias("indicator"), target.alias("target"))
    cat = plan.indicators().select(pl.col("code").alias("indicator"), pl.col("unit").alias("_cat_unit"), "max_value")
    levels = frame.join(cat, on="indicator", how="left", maintain_order="left")
    level_target = pl.select(pl.when(~growth.fill_null(False)).then(levels["target"])).to_series()
    _flag_implausible(levels, level_target, frame["target"], "target", ck)
    return _dedupe(frame, ["plan", "indicator", "area", "year"], ck, "方案、指标、县区、年份")


RULES = {
    "indicators": _indicators,
    "activities": _activities,
    "loans": _events,
    "commendations": _commendations,
    "coverage": _coverage,
    "targets": _targets,
}
