"""Deterministic, clearly marked sample data for every dataset of the data contract (see write_sample)."""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import random
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.parquet as pq

# Every sample file carries this Parquet key-value metadata so the dashboard can say "sample data" loudly.
SAMPLE_METADATA = {b"gydash_sample": b"1"}

CITY = "广元市"
COUNTIES = ("利州区", "昭化区", "朝天区", "旺苍县", "青川县", "剑阁县", "苍溪县")
ALL_AREAS = (CITY, *COUNTIES)
AREA_CODES = {
    "广元市": "510800",
    "利州区": "510802",
    "昭化区": "510811",
    "朝天区": "510812",
    "旺苍县": "510821",
    "青川县": "510822",
    "剑阁县": "510823",
    "苍溪县": "510824",
}
SHORT_NAMES = {
    "广元市": "全市",
    "利州区": "利州",
    "昭化区": "昭化",
    "朝天区": "朝天",
    "旺苍县": "旺苍",
    "青川县": "青川",
    "剑阁县": "剑阁",
    "苍溪县": "苍溪",
}
CITY_COMMITTEE = "中共广元市科技创新综合委员会"

# Chinese headers from the contract; used by exactly one indicators file and one activities file.
ZH_HEADERS = {
    "indicator": "指标",
    "area": "县区",
    "year": "年份",
    "month": "月份",
    "value": "数值",
    "unit": "单位",
    "source": "来源",
    "date": "日期",
    "kind": "类型",
    "organizer": "组织单位",
    "title": "名称",
    "enterprises_served": "服务企业数",
    "participants": "参与人数",
    "id": "编号",
}

# Quarter ends covered by the quarterly snapshots: 2023Q1 .. 2026Q3 (nothing after 2026-10-31).
QUARTERS = tuple((y, q) for y in range(2023, 2027) for q in range(4) if (y, q) <= (2026, 2))
QUARTER_END = ((3, 31), (6, 30), (9, 30), (12, 31))

# --- GB 32100-2015 统一社会信用代码 -----------------------------------------------------------------------

UCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 symbols: no I, O, Z, S, V
UCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code (positions 9-17)


def credit_code_check_char(first17: str) -> str:
    """Return the 18th (check) character of a 统一社会信用代码 per GB 32100-2015."""
    total = sum(UCC_CHARS.index(c) * w for c, w in zip(first17, UCC_WEIGHTS, strict=True))
    return UCC_CHARS[(31 - total % 31) % 31]


def _org_code(rng: random.Random) -> str:
    """A GB 11714 organisation code: 8 body characters and its own check character."""
    if rng.random() < 0.6:  # codes issued since 2015 in Sichuan mostly start with MA6
        body = "MA6" + "".join(rng.choice(UCC_CHARS) for _ in range(5))
    else:  # older firms kept their numeric organisation code
        body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_credit_code(rng: random.Random, area: str, social_org: bool) -> str:
    """A plausible, checksum-valid credit code: 91 = 工商/企业, 51 = 民政/社会团体."""
    first17 = ("51" if social_org else "91") + AREA_CODES[area] + _org_code(rng)
    return first17 + credit_code_check_char(first17)


def _corrupt_check_char(code: str) -> str:
    """Same code with a wrong 18th character (to plant the one checksum warning)."""
    return code[:17] + UCC_CHARS[(UCC_CHARS.index(code[17]) + 7) % 31]


# --- Small helpers --------------------------------------------------------------------------------


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split an integer total by weights (largest remainder), so county counts add up to the city count."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(x) for x in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _spread_months(rng: random.Random, n: int, last_month: int) -> list[int]:
    """n months spread over 1..last_month so every quarter gets some (quarterly files are never empty)."""
    span = max(1, last_month // n)
    return [min(last_month, 1 + k * last_month // n + rng.randrange(span)) for k in range(n)]


def _day(rng: random.Random, year: int, month: int) -> dt.date:
    return dt.date(year, month, rng.randint(3, 27))  # day <= 27 is valid in every month


def _quarter_of(d: dt.date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3


def _stem(year: int, q: int) -> str:
    month, day = QUARTER_END[q]
    return f"{year}-{month:02d}-{day:02d}"


def _write(
    data_dir: pathlib.Path,
    dataset: str,
    stem: str,
    schema: pa.Schema,
    rows: list[dict],
    zh_headers: bool = False,
) -> pathlib.Path:
    """Write one snapshot marked as sample, via a .part name so a running dashboard never sees half a file."""
    table = pa.Table.from_pylist(rows, schema=schema)
    if zh_headers:
        table = table.rename_columns([ZH_HEADERS.get(n, n) for n in table.column_names])
    table = table.replace_schema_metadata(SAMPLE_METADATA)
    path = data_dir / dataset / f"{stem}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")  # *.part is ignored by the loader while copying
    pq.write_table(table, part)
    os.replace(part, path)
    return path


# --- shared roster of organisations --------------------------------------------------------------
# (the coverage ledger, event organisers, borrowers and commended units all come from it, so names agree)

NEVER = 99  # a round index that never comes
ROUNDS = ("2023-03", "2023-10", "2024-03", "2024-10", "2025-03", "2025-10", "2026-03", "2026-10")
INITIAL_ORGS = {
    "利州区": 25,
    "昭化区": 15,
    "朝天区": 15,
    "旺苍县": 20,
    "青川县": 15,
    "剑阁县": 22,
    "苍溪县": 24,
}
JOINERS = {
    "利州区": (4,),
    "昭化区": (2,),
    "朝天区": (5,),
    "旺苍县": (3, 6),
    "青川县": (4,),
    "剑阁县": (2, 5),
    "苍溪县": (3, 7),
}  # rounds in which newly registered organisations enter the ledger
# Uncovered organisations per county as (work coverage from round, organisation from round, party members).
# Most counties reach zero by 2025-10 (index 5); 旺苍县 and 剑阁县 still have some in 2026-10.
# Members >= 3 while still without an organisation are the planted 应建未建 cases.
UNCOVERED = {
    "利州区": ((1, 1, 1), (2, 3, 1), (2, 2, 3), (3, 3, 2), (4, 5, 1)),
    "昭化区": ((1, 2, 1), (3, 3, 1), (5, 5, 2)),
    "朝天区": ((2, 2, 1), (3, 4, 2), (4, 4, 3), (5, 5, 1)),
    "旺苍县": ((1, 1, 2), (2, 3, 1), (3, 3, 1), (4, 4, 1), (6, 6, 2), (NEVER, NEVER, 3)),
    "青川县": ((2, 3, 1), (4, 4, 2), (5, 5, 2)),
    "剑阁县": ((1, 1, 1), (2, 2, 2), (3, 4, 1), (4, 4, 1), (5, 5, 3), (NEVER, NEVER, 1), (NEVER, NEVER, 2)),
    "苍溪县": ((1, 2, 4), (2, 2, 1), (3, 3, 1), (4, 4, 2), (5, 5, 1)),
}
NAME_CORES = (
    "天华",
    "蜀道",
    "嘉陵",
    "翠云",
    "明月",
    "剑门",
    "白龙",
    "米仓",
    "凤凰",
    "利源",
    "川北",
    "金凤",
    "宏达",
    "瑞丰",
    "九州",
    "中孚",
    "昭阳",
    "云峰",
    "清风",
    "东坝",
    "宝轮",
    "元坝",
    "红岩",
    "龙潭",
    "盘龙",
    "雪峰",
    "亭子湖",
    "唐家河",
    "曾家山",
    "鼓城",
)
NAME_TRADES = (
    "新材料科技有限公司",
    "电子科技有限公司",
    "生物科技有限公司",
    "智能装备有限公司",
    "食品科技有限公司",
    "能源科技有限公司",
    "信息技术有限公司",
    "化工科技有限公司",
    "农业科技有限公司",
    "精密机械有限公司",
    "医药科技有限公司",
)
SOCIAL_ORGS = (
    "科技工作者协会",
    "电子商务协会",
    "农业技术推广协会",
    "科普志愿者协会",
    "青年科技人才协会",
    "中药材产业协会",
    "知识产权协会",
    "科技咨询服务中心",
)
ORG_TYPES = ("高新技术企业", "科技型中小企业", "科技社会组织")


@dataclass
class _Org:
    name: str
    area: str
    org_type: str
    credit_code: str
    employees: int
    growth: int  # employees added per round
    members: int
    mobile: int
    mobile_lag: int  # rounds before its mobile members start being placed
    joins: int = 0
    leaves: int = NEVER
    work_from: int = 0
    org_from: int = 0
    joint_anyway: bool = False  # a few with >= 3 members still sit in a joint branch ("mostly single")
    draft_uncovered: bool = False  # uncovered only in a county's first, later re-submitted file
    draft_only: bool = False  # listed only in that first file, dropped by the re-submission

    @property
    def is_enterprise(self) -> bool:
        return self.org_type != "科技社会组织"


def _new_org(rng: random.Random, area: str, names: list[str], social_left: list[str]) -> _Org:
    org_type = rng.choices(ORG_TYPES, weights=(3, 5, 2))[0]
    if org_type == ORG_TYPES[2] and not social_left:
        org_type = ORG_TYPES[1]  # ran out of association names for this county
    name = f"{area}{social_left.pop(0)}" if org_type == ORG_TYPES[2] else names.pop()
    employees, members = {
        ORG_TYPES[0]: (rng.randint(60, 400), rng.randint(2, 12)),
        ORG_TYPES[1]: (rng.randint(10, 120), rng.randint(0, 5)),
        ORG_TYPES[2]: (rng.randint(3, 30), rng.randint(0, 3)),
    }[org_type]
    return _Org(
        name=name,
        area=area,
        org_type=org_type,
        credit_code=make_credit_code(rng, area, org_type == ORG_TYPES[2]),
        employees=employees,
        growth=rng.randint(0, 6),
        members=members,
        mobile=rng.choice((0, 0, 0, 0, 1, 1, 2, 3)),
        mobile_lag=rng.randint(0, 6),
        joint_anyway=members >= 3 and rng.random() < 0.1,
    )


def _build_roster(rng: random.Random) -> dict[str, list[_Org]]:
    names = [f"{p}{core}{trade}" for core in NAME_CORES for trade in NAME_TRADES for p in ("广元", "四川")]
    rng.shuffle(names)
    roster = {}
    for area in COUNTIES:
        social_left = list(SOCIAL_ORGS)
        rng.shuffle(social_left)
        orgs = [_new_org(rng, area, names, social_left) for _ in range(INITIAL_ORGS[area])]
        for org, (work_from, org_from, members) in zip(
            rng.sample(orgs, len(UNCOVERED[area])), UNCOVERED[area], strict=True
        ):
            org.work_from, org.org_from, org.members = work_from, org_from, members
        for r in JOINERS[area]:
            orgs.append(_new_org(rng, area, names, social_left))
            orgs[-1].joins = orgs[-1].work_from = orgs[-1].org_from = r
        roster[area] = orgs
    _plant_roster_cases(rng, roster, names)
    return roster


def _plant_roster_cases(rng: random.Random, roster: dict[str, list[_Org]], names: list[str]) -> None:
    """The ledger stories the dashboard must get right."""
    # 剑阁县: a 4-member firm with only a liaison officer all along -> a lasting 应建未建 case.
    stuck = next(o for o in roster["剑阁县"] if o.work_from == 0 and o.is_enterprise)
    stuck.members, stuck.org_from, stuck.joint_anyway = 4, NEVER, False
    # 苍溪县: one firm deregistered (注销) and leaves the ledger from 2025-10.
    next(o for o in roster["苍溪县"] if o.work_from == 0).leaves = 5
    # 利州区 2026-03 is submitted twice: the first file lists a new firm still uncovered and one firm that the
    # re-submission drops; the re-submission (which wins) has the new firm covered by a joint branch.
    newcomer = _new_org(rng, "利州区", names, [])
    newcomer.org_type, newcomer.members, newcomer.joint_anyway = ORG_TYPES[1], 1, False
    newcomer.joins = newcomer.work_from = newcomer.org_from = 6
    newcomer.draft_uncovered = True
    roster["利州区"].append(newcomer)
    dropped = next(o for o in roster["利州区"] if o.work_from == 0 and o.leaves == NEVER and o.joins == 0)
    dropped.leaves, dropped.draft_only = 6, True


def _enterprises(roster: dict[str, list[_Org]], area: str) -> list[str]:
    return [o.name for o in roster[area] if o.is_enterprise and o.joins == 0]


# --- indicators -----------------------------------------------------------------------------------

UNITS = {
    "tech_sme": "家",
    "hitech_enterprise": "家",
    "gazelle_enterprise": "家",
    "tech_contract_turnover": "亿元",
    "conversion_output": "亿元",
    "hitech_revenue": "亿元",
}
# City year-end levels. 2022 is the base the 2023 quarters grow from; 2026 is only the course 2026Q1-Q3 is on.
CITY_LEVELS = {
    "tech_sme": {2022: 318, 2023: 386, 2024: 447, 2025: 512, 2026: 566},  # target 500: achieved
    "hitech_enterprise": {2022: 38, 2023: 45, 2024: 51, 2025: 57, 2026: 63},  # target 60: missed
    "gazelle_enterprise": {2022: 6, 2023: 8, 2024: 11, 2025: 14, 2026: 16},  # context, city only
}
# City full-year totals (亿元); quarterly rows are 1–N月累计.
CITY_FLOWS = {
    "tech_contract_turnover": {2023: 18.04, 2024: 20.87, 2025: 24.52, 2026: 27.9},  # CAGR 2023-25 ≈ 16.6%
    "conversion_output": {2023: 236.8, 2024: 261.5, 2025: 286.3, 2026: 309.0},  # target 300: missed
    "hitech_revenue": {2023: 371.6, 2024: 414.9, 2025: 463.2, 2026: 498.0},  # target 450: achieved
}
LEVEL_PACE = (0.22, 0.48, 0.73, 1.0)  # share of a year's growth in place at each quarter end
FLOW_PACE = (0.21, 0.46, 0.72, 1.0)  # share of the full-year total reached by each quarter end
COUNTY_WEIGHTS = (0.30, 0.09, 0.07, 0.13, 0.07, 0.14, 0.20)  # in COUNTIES order; 利州区 is the biggest
INDICATOR_SCHEMA = pa.schema(
    [
        ("indicator", pa.string()),
        ("area", pa.string()),
        ("year", pa.int64()),
        ("month", pa.int64()),
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("source", pa.string()),
    ]
)

Key = tuple[str, str, int, int]  # (indicator, area, year, month)


def _city_value(rng: random.Random, code: str, year: int, q: int) -> float:
    if code in CITY_LEVELS:
        prev, cur = CITY_LEVELS[code][year - 1], CITY_LEVELS[code][year]
        return float(round(prev + (cur - prev) * LEVEL_PACE[q]))
    pace = FLOW_PACE[q] + (rng.uniform(-0.015, 0.015) if q < 3 else 0.0)  # year end is the exact total
    return round(CITY_FLOWS[code][year] * pace, 2)


def _county_values(rng: random.Random, code: str, city: float, weights: list[float]) -> list[float]:
    if code in CITY_LEVELS:
        return [float(n) for n in _allocate(int(city), weights)]  # counts add up exactly
    return [round(city * w * rng.uniform(0.97, 1.03), 2) for w in weights]  # flows only roughly


def _indicator_values(rng: random.Random) -> dict[Key, float]:
    values: dict[Key, float] = {}
    for code in (*CITY_LEVELS, *CITY_FLOWS):  # fixed order keeps the random stream reproducible
        # Each indicator gets its own, stable county mix.
        weights = [w * rng.uniform(0.85, 1.15) for w in COUNTY_WEIGHTS]
        for year, q in QUARTERS:
            month = 3 * (q + 1)
            city = _city_value(rng, code, year, q)
            values[(code, CITY, year, month)] = city
            if code != "gazelle_enterprise":
                for area, v in zip(COUNTIES, _county_values(rng, code, city, weights), strict=True):
                    values[(code, area, year, month)] = v
    return values


def _indicator_row(key: Key, value: float, unit: str | None, source: str) -> dict:
    code, area, year, month = key
    return {
        "indicator": code,
        "area": area,
        "year": year,
        "month": month,
        "value": value,
        "unit": unit,
        "source": source,
    }


def _indicator_snapshot(values: dict[Key, float], year: int, q: int) -> list[dict]:
    month = 3 * (q + 1)
    source = f"{year}年统计公报" if q == 3 else "市科技局季报"
    rows = []
    for key, value in values.items():
        if key[2:] != (year, month) or key == ("tech_sme", CITY, 2024, 6):
            continue  # 2024-06: no city tech_sme row, the dashboard must derive it from the counties
        unit = None if year == 2026 else UNITS[key[0]]  # 2026 files leave the optional unit empty
        rows.append(_indicator_row(key, value, unit, source))
    return rows


def _tweak_indicator_snapshot(rows: list[dict], values: dict[Key, float], year: int, q: int) -> None:
    """Plant the per-file oddities: a 万元 unit, short area names, a back-dated correction."""
    if (year, q) == (2024, 0):  # 旺苍县 reports turnover in 万元 -> converted with a warning
        row = next(r for r in rows if (r["indicator"], r["area"]) == ("tech_contract_turnover", "旺苍县"))
        row["value"], row["unit"] = round(row["value"] * 10000, 1), "万元"
    if (year, q) == (2023, 2):  # this file uses short names (全市, 利州, ...)
        for row in rows:
            row["area"] = SHORT_NAMES[row["area"]]
    if (year, q) == (2025, 1):  # 苍溪县 corrects its 2025-03 tech_sme in the next quarter's file
        key = ("tech_sme", "苍溪县", 2025, 3)
        rows.append(_indicator_row(key, values[key] + 3, "家", "市科技局季报（更正）"))


def _write_indicators(data_dir: pathlib.Path, rng: random.Random) -> list[pathlib.Path]:
    values = _indicator_values(rng)
    paths = []
    for year, q in QUARTERS:
        rows = _indicator_snapshot(values, year, q)
        _tweak_indicator_snapshot(rows, values, year, q)
        zh = (year, q) == (2023, 1)  # the one indicators file with Chinese headers
        paths.append(_write(data_dir, "indicators", _stem(year, q), INDICATOR_SCHEMA, rows, zh_headers=zh))
    # A same-day revision of two 2025-09 figures.
    revised = [
        _indicator_row(k, values[k] + delta, UNITS[k[0]], "市科技局季报（更正）")
        for k, delta in (
            (("hitech_enterprise", CITY, 2025, 9), 1.0),
            (("conversion_output", "剑阁县", 2025, 9), 1.35),
        )
    ]
    paths.append(_write(data_dir, "indicators", "2025-09-30_revised", INDICATOR_SCHEMA, revised))
    return paths


# --- activities -----------------------------------------------------------------------------------

ACTIVITY_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("date", pa.date32()),
        ("area", pa.string()),
        ("kind", pa.string()),
        ("organizer", pa.string()),
        ("title", pa.string()),
        ("enterprises_served", pa.int64()),
        ("participants", pa.int64()),
    ]
)
# Planted duty shortfalls.
BRIEFINGS_SHORT = {("朝天区", 2025): 1, ("青川县", 2024): 1}  # policy_briefing: < 2 in the year
MEETING_SKIPPED = {("剑阁县", 2024)}  # promotion_meeting: none that year
MEETINGS_2026 = (CITY, "利州区", "朝天区", "旺苍县", "剑阁县", "苍溪县")  # 2026 so far (year not over)
SCIENCE_PER_YEAR = {2023: 14, 2024: 13, 2025: 10, 2026: 7}  # duty >= 12; 2025 falls short
TECH_SERVICE_SHORT = {(2023, 8): (9, 8), (2024, 2): (12,), (2025, 7): (8, 7)}  # enterprises served per event
SCIENCE_TOPICS = (
    "科普进企业：新材料知识讲座",
    "全国科技活动周进园区",
    "“科创中国”科普开放日",
    "科技之春科普宣传月",
    "数字化转型科普讲座",
    "专家科普报告会进车间",
    "青少年走进科技企业研学",
)
SERVICE_TOPICS = (
    "高新技术企业认定申报辅导",
    "知识产权质押融资对接",
    "科技型中小企业评价入库辅导",
    "研发费用加计扣除政策解读",
    "产学研合作对接",
    "天府科创贷银企对接",
    "科技成果转化路演",
)


def _committee(area: str) -> str:
    return CITY_COMMITTEE if area == CITY else f"{area}科技创新综合党委"


def _event(
    day: dt.date,
    area: str,
    kind: str,
    organizer: str,
    title: str,
    participants: int,
    served: int | None = None,
) -> dict:
    return {
        "id": None,
        "date": day,
        "area": area,
        "kind": kind,
        "organizer": organizer,
        "title": title,
        "enterprises_served": served,
        "participants": participants,
    }


def _briefings(rng: random.Random, roster: dict[str, list[_Org]], year: int) -> list[dict]:
    events = [
        _event(
            _day(rng, year, 4),
            CITY,
            "policy_briefing",
            CITY_COMMITTEE,
            f"{year}年全市科技创新政策集中宣讲会",
            rng.randint(120, 260),
        )
    ]
    for area in COUNTIES:
        n = 1 if year == 2026 else BRIEFINGS_SHORT.get((area, year), rng.choice((2, 2, 3)))
        for k, month in enumerate((rng.randint(3, 5), rng.randint(9, 11), rng.randint(6, 7))[:n]):
            # A third briefing comes from an enterprise's own 党支部 (clause 5 covers both).
            organizer = f"{rng.choice(_enterprises(roster, area))}党支部" if k == 2 else _committee(area)
            title = f"{year}年科技创新政策集中宣讲（{SHORT_NAMES[area]}第{k + 1}场）"
            served = rng.randint(10, 40) if rng.random() < 0.5 else None
            events.append(
                _event(
                    _day(rng, year, month),
                    area,
                    "policy_briefing",
                    organizer,
                    title,
                    rng.randint(40, 150),
                    served,
                )
            )
    return events


def _meetings(rng: random.Random, year: int) -> list[dict]:
    areas = MEETINGS_2026 if year == 2026 else [a for a in ALL_AREAS if (a, year) not in MEETING_SKIPPED]
    events = [
        _event(
            _day(rng, year, rng.randint(2, 4)),
            a,
            "promotion_meeting",
            _committee(a),
            f"{a}{year}年党建引领科技创新工作推进会",
            rng.randint(30, 90),
        )
        for a in areas
    ]
    if year < 2026:  # the city's 书记述职 is held each December; 2026's is not due yet
        events.append(
            _event(
                _day(rng, year, 12),
                CITY,
                "secretary_report",
                CITY_COMMITTEE,
                f"{year}年度县区科技创新综合党委书记抓党建述职评议会",
                rng.randint(40, 70),
            )
        )
    return events


def _science(rng: random.Random, roster: dict[str, list[_Org]], year: int, last_month: int) -> list[dict]:
    events = []
    for k, month in enumerate(_spread_months(rng, SCIENCE_PER_YEAR[year], last_month)):
        area = ALL_AREAS[(k + year) % len(ALL_AREAS)]
        organizer = _committee(area) if area == CITY else f"{rng.choice(_enterprises(roster, area))}党支部"
        title = f"{rng.choice(SCIENCE_TOPICS)}（{SHORT_NAMES[area]}）"
        events.append(
            _event(_day(rng, year, month), area, "science_popularization", organizer, title, rng.randint(50, 300))
        )
    return events


def _tech_services(rng: random.Random, year: int, last_month: int) -> list[dict]:
    events = []
    for month in range(1, last_month + 1):
        served = list(TECH_SERVICE_SHORT.get((year, month), ()))
        if not served:  # a normal month: 2-3 events, together >= 20 enterprises
            served = [rng.randint(8, 15) for _ in range(rng.choice((2, 2, 3)))]
            served[-1] += max(0, 20 - sum(served))
        for n in served:
            area = rng.choice(ALL_AREAS)
            events.append(
                _event(
                    _day(rng, year, month),
                    area,
                    "tech_service",
                    _committee(area),
                    f"科技服务专场：{rng.choice(SERVICE_TOPICS)}",
                    rng.randint(20, 80),
                    n,
                )
            )
    return events


def _other_events(rng: random.Random, year: int, last_month: int) -> list[dict]:
    trainings = 2 if year == 2026 else 3
    events = [
        _event(
            _day(rng, year, rng.randint(3, last_month)),
            area,
            "party_training",
            _committee(area),
            f"{year}年科技企业党务工作者示范培训班（{SHORT_NAMES[area]}）",
            rng.randint(60, 200),
        )
        for area in (CITY, *rng.sample(COUNTIES, trainings - 1))
    ]
    events += [
        _event(
            _day(rng, year, rng.randint(1, last_month)),
            area,
            "other",
            _committee(area),
            "“我为群众办实事”科技志愿服务进乡村",
            rng.randint(20, 60),
        )
        for area in rng.sample(ALL_AREAS, 2)
    ]
    return events


def _activity_events(rng: random.Random, roster: dict[str, list[_Org]]) -> list[dict]:
    events = []
    for year in range(2023, 2027):
        last_month = 9 if year == 2026 else 12
        year_events = [
            *_briefings(rng, roster, year),
            *_meetings(rng, year),
            *_science(rng, roster, year, last_month),
            *_tech_services(rng, year, last_month),
            *_other_events(rng, year, last_month),
        ]
        year_events.sort(key=lambda e: (e["date"], ALL_AREAS.index(e["area"]), e["kind"], e["title"]))
        for i, event in enumerate(year_events, start=1):
            event["id"] = f"A{year}-{i:04d}"  # stable ids, numbered in date order within the year
        events += year_events
    return events


def _write_activities(data_dir: pathlib.Path, rng: random.Random, roster: dict[str, list[_Org]]) -> list[pathlib.Path]:
    events = _activity_events(rng, roster)
    by_quarter: dict[tuple[int, int], list[dict]] = {yq: [] for yq in QUARTERS}
    for event in events:
        by_quarter[_quarter_of(event["date"])].append(event)
    # Revision: a 2024-05 service event re-sent in the 2024Q3 file with the full title and a corrected count.
    first = next(e for e in by_quarter[(2024, 1)] if e["kind"] == "tech_service" and e["date"].month == 5)
    by_quarter[(2024, 2)].append(
        dict(first, title=first["title"] + "暨银企对接会", enterprises_served=first["enterprises_served"] + 3)
    )
    # Duplicate without id: one 2025Q2 科普 row is sent again, identical, in the 2025Q3 file (counts once).
    dup = [e for e in by_quarter[(2025, 1)] if e["kind"] == "science_popularization"][-1]
    dup["id"] = None
    by_quarter[(2025, 2)].append(dup)
    return [
        _write(data_dir, "activities", _stem(*yq), ACTIVITY_SCHEMA, rows, zh_headers=yq == (2023, 3))
        for yq, rows in by_quarter.items()
    ]


# --- loans ----------------------------------------------------------------------------------------

LOAN_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("date", pa.date32()),
        ("area", pa.string()),
        ("enterprise", pa.string()),
        ("amount_wan", pa.float64()),
        ("bank", pa.string()),
    ]
)
# (total 万元, number of loans); duty >= 2000 万元 a year: 2024 falls short, 2026 is Q1-Q3 only.
LOAN_YEARS = {2023: (2350, 9), 2024: (1650, 7), 2025: (2480, 10), 2026: (1420, 6)}
BANKS = (
    "四川银行广元分行",
    "中国建设银行广元分行",
    "中国工商银行广元分行",
    "中国农业银行广元分行",
    "中国银行广元分行",
    "广元农村商业银行",
)


def _loans(rng: random.Random, roster: dict[str, list[_Org]]) -> list[dict]:
    loans = []
    for year, (total, n) in LOAN_YEARS.items():
        # Each loan is >= 50 万元 and a multiple of 10 万元; the year adds up exactly to `total`.
        extra = _allocate((total - 50 * n) // 10, [rng.uniform(1, 4) for _ in range(n)])
        months = _spread_months(rng, n, 9 if year == 2026 else 12)
        for k, (units, month) in enumerate(zip(extra, months, strict=True), start=1):
            area = rng.choice(COUNTIES)
            loans.append(
                {
                    "id": f"L{year}-{k:03d}",
                    "date": _day(rng, year, month),
                    "area": area,
                    "enterprise": rng.choice(_enterprises(roster, area)),
                    "amount_wan": float(50 + 10 * units),
                    "bank": rng.choice(BANKS),
                }
            )
    return loans


def _write_loans(data_dir: pathlib.Path, rng: random.Random, roster: dict[str, list[_Org]]) -> list[pathlib.Path]:
    by_quarter: dict[tuple[int, int], list[dict]] = {yq: [] for yq in QUARTERS}
    for loan in _loans(rng, roster):
        by_quarter[_quarter_of(loan["date"])].append(loan)
    for loan in by_quarter[(2024, 1)]:  # this file gives areas as GB/T 2260 codes
        loan["area"] = AREA_CODES[loan["area"]]
    return [_write(data_dir, "loans", _stem(*yq), LOAN_SCHEMA, rows) for yq, rows in by_quarter.items()]


# --- commendations --------------------------------------------------------------------------------

COMMENDATION_SCHEMA = pa.schema(
    [
        ("year", pa.int64()),
        ("category", pa.string()),
        ("name", pa.string()),
        ("organization", pa.string()),
        ("area", pa.string()),
        ("date", pa.date32()),
    ]
)
COMMENDATION_PLAN = {
    2023: {
        "leading_org_commended": 3,
        "leading_org_recommended": 2,
        "model_case": 2,
        "outstanding_worker": 8,
        "outstanding_member": 12,
    },
    2024: {
        "leading_org_commended": 2,
        "leading_org_recommended": 2,
        "model_case": 2,
        "demo_site": 1,
        "outstanding_worker": 7,
        "outstanding_member": 11,
        "innovation_leader": 4,
    },
    2025: {
        "leading_org_commended": 3,
        "leading_org_recommended": 2,
        "model_case": 2,
        "demo_site": 1,
        "outstanding_worker": 8,
        "outstanding_member": 12,
    },
}
COMMENDATION_DATES = {2023: dt.date(2023, 12, 20), 2024: dt.date(2024, 12, 18), 2025: dt.date(2025, 12, 19)}
RESUBMITTED_2025 = dt.date(2026, 1, 8)  # the 2025 list sent again with one organisation corrected
COMMENDED_AREAS = tuple(a for a in COUNTIES if a != "青川县")  # 青川县 gets no commendation at all
PERSON_CATEGORIES = ("outstanding_worker", "outstanding_member", "innovation_leader")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢唐冯邓蒲任杜苟向"
GIVEN_NAMES = (
    "建华",
    "晓燕",
    "志强",
    "丽娟",
    "明",
    "伟",
    "红梅",
    "海涛",
    "俊",
    "玉兰",
    "德明",
    "小军",
    "雪梅",
    "国庆",
    "春燕",
    "文斌",
    "永刚",
    "秀英",
    "思远",
    "佳",
    "子涵",
    "宏伟",
    "静",
    "磊",
    "勇",
    "芳",
)


def _org_award_name(category: str, enterprise: str, area: str) -> str:
    if category == "model_case":
        return f"{enterprise}党支部“党建+科创”双融双促工作法"
    if category == "demo_site":
        return f"{SHORT_NAMES[area]}科技企业党建示范点（{enterprise}）"
    return f"{enterprise}党支部"


def _award(rng: random.Random, roster: dict[str, list[_Org]], category: str, area: str) -> tuple[str, str]:
    """(name, organization) of one award: a person working in a firm, or the firm's party organisation."""
    enterprise = rng.choice(_enterprises(roster, area))
    if category in PERSON_CATEGORIES:
        return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES), enterprise
    return _org_award_name(category, enterprise, area), enterprise


def _commendations(rng: random.Random, roster: dict[str, list[_Org]], year: int) -> list[dict]:
    rows, used = [], set()  # `used` is only tested, never iterated, so it cannot upset determinism
    for category, n in COMMENDATION_PLAN[year].items():
        for _ in range(n):
            area = rng.choice(COMMENDED_AREAS)
            name, organization = _award(rng, roster, category, area)
            while name in used:  # draw again: (year, category, name) is the key, so a year's names are unique
                name, organization = _award(rng, roster, category, area)
            used.add(name)
            rows.append(
                {
                    "year": year,
                    "category": category,
                    "name": name,
                    "organization": organization,
                    "area": area,
                    "date": COMMENDATION_DATES[year],
                }
            )
    return rows


def _write_commendations(
    data_dir: pathlib.Path, rng: random.Random, roster: dict[str, list[_Org]]
) -> list[pathlib.Path]:
    paths, rows = [], []
    for year, day in COMMENDATION_DATES.items():  # 2025 comes last, so `rows` ends as the 2025 list
        rows = _commendations(rng, roster, year)
        paths.append(_write(data_dir, "commendations", day.isoformat(), COMMENDATION_SCHEMA, rows))
    # Re-submitted 2025 list: same names, one member's organisation corrected. Must not double the count.
    resent = [dict(r) for r in rows]
    fix = next(r for r in resent if r["category"] == "outstanding_member")
    fix["organization"] = next(e for e in _enterprises(roster, fix["area"]) if e != fix["organization"])
    paths.append(_write(data_dir, "commendations", RESUBMITTED_2025.isoformat(), COMMENDATION_SCHEMA, resent))
    return paths


# --- coverage (两个覆盖 ledger) -----------------------------------------------------------------------

COVERAGE_SCHEMA = pa.schema(
    [
        ("round", pa.string()),
        ("updated_on", pa.date32()),
        ("area", pa.string()),
        ("org_name", pa.string()),
        ("credit_code", pa.string()),
        ("org_type", pa.string()),
        ("employees", pa.int64()),
        ("party_members", pa.int64()),
        ("org_coverage", pa.string()),
        ("work_coverage", pa.bool_()),
        ("mobile_members", pa.int64()),
        ("mobile_members_placed", pa.int64()),
    ]
)
# Planted submission statuses; every other county/round is on time (within the round month).
SUBMISSIONS = {
    ("旺苍县", 5): ((dt.date(2025, 11, 12), False),),  # 2025-10 late
    ("朝天区", 3): (),  # 2024-10 missing
    ("青川县", 7): (),  # 2026-10 missing
    ("利州区", 6): ((dt.date(2026, 3, 16), True), (dt.date(2026, 3, 27), False)),  # 2026-03 re-submitted
}
BAD_CHECKSUM_AT = ("昭化区", 4)  # the first row of 昭化区's 2025-03 file has a wrong check character


def _coverage_state(org: _Org, r: int, draft: bool) -> tuple[str, bool]:
    """(org_coverage, work_coverage) of an organisation in round r."""
    if r < org.work_from or (draft and org.draft_uncovered):
        return "none", False  # uncovered
    if r < org.org_from or org.members == 0:
        return "none", True  # only a 党建指导员/联络员 (a firm without members cannot form a branch)
    return ("single" if org.members >= 3 and not org.joint_anyway else "joint"), True


def _coverage_rows(orgs: list[_Org], r: int, updated_on: dt.date, draft: bool) -> list[dict]:
    rows = []
    for org in orgs:
        if not (org.joins <= r < org.leaves or (draft and org.draft_only and org.leaves == r)):
            continue
        org_cov, work_cov = _coverage_state(org, r, draft)
        rows.append(
            {
                "round": ROUNDS[r],
                "updated_on": updated_on,
                "area": org.area,
                "org_name": org.name,
                "credit_code": org.credit_code,
                "org_type": org.org_type,
                "employees": org.employees + org.growth * r,
                "party_members": org.members,
                "org_coverage": org_cov,
                "work_coverage": work_cov,
                "mobile_members": org.mobile,
                "mobile_members_placed": min(org.mobile, max(0, r - org.mobile_lag)),
            }
        )
    return rows


def _submissions(rng: random.Random, area: str, r: int) -> tuple[tuple[dt.date, bool], ...]:
    """(updated_on, is_first_draft) for each file a county sends for round r."""
    year, month = map(int, ROUNDS[r].split("-"))
    on_time = ((dt.date(year, month, rng.randint(5, 28)), False),)
    return SUBMISSIONS.get((area, r), on_time)


def _write_coverage(data_dir: pathlib.Path, rng: random.Random, roster: dict[str, list[_Org]]) -> list[pathlib.Path]:
    paths = []
    for r in range(len(ROUNDS)):
        for area in COUNTIES:
            for updated_on, draft in _submissions(rng, area, r):
                rows = _coverage_rows(roster[area], r, updated_on, draft)
                if (area, r) == BAD_CHECKSUM_AT:
                    rows[0]["credit_code"] = _corrupt_check_char(rows[0]["credit_code"])
                stem = f"{updated_on.isoformat()}_{area}"
                paths.append(_write(data_dir, "coverage", stem, COVERAGE_SCHEMA, rows))
    return paths


# --- targets --------------------------------------------------------------------------------------

TARGET_SCHEMA = pa.schema(
    [
        ("plan", pa.string()),
        ("indicator", pa.string()),
        ("area", pa.string()),
        ("year", pa.int64()),
        ("month", pa.int64()),
        ("target", pa.float64()),
        ("kind", pa.string()),
        ("base_year", pa.int64()),
    ]
)
PLAN_2026 = (
    ("tech_sme", 560.0, "level"),
    ("hitech_enterprise", 66.0, "level"),
    ("conversion_output", 320.0, "level"),
    ("hitech_revenue", 500.0, "level"),
    ("tech_contract_turnover", 0.15, "growth"),
)
# County shares of the 2024 plan's 60 高新技术企业 (sum = 60).
HITECH_SHARES_2025 = {
    "利州区": 18,
    "昭化区": 5,
    "朝天区": 4,
    "旺苍县": 8,
    "青川县": 4,
    "剑阁县": 9,
    "苍溪县": 12,
}


def _write_targets(data_dir: pathlib.Path) -> list[pathlib.Path]:
    rows = [
        {
            "plan": "2026年度目标",
            "indicator": code,
            "area": CITY,
            "year": 2026,
            "month": 12,
            "target": target,
            "kind": kind,
            "base_year": 2025 if kind == "growth" else None,
        }
        for code, target, kind in PLAN_2026
    ]
    rows += [
        {
            "plan": "2024",
            "indicator": "hitech_enterprise",
            "area": area,
            "year": 2025,
            "month": 12,
            "target": float(n),
            "kind": "level",
            "base_year": None,
        }
        for area, n in HITECH_SHARES_2025.items()
    ]
    return [_write(data_dir, "targets", "2026-01-15", TARGET_SCHEMA, rows)]


# --- entry point ----------------------------------------------------------------------------------


def write_sample(data_dir: pathlib.Path, seed: int = 2024) -> list[pathlib.Path]:
    """Write the sample data set into data_dir/<dataset>/<YYYY-MM-DD>[_suffix].parquet; return the paths.

    Same seed -> byte-identical files: all randomness comes from one random.Random(seed), drawn in a fixed
    order, and nothing depends on the clock. Existing files with other names are left alone.
    """
    data_dir = pathlib.Path(data_dir)
    rng = random.Random(seed)
    roster = _build_roster(rng)
    paths = [
        *_write_indicators(data_dir, rng),
        *_write_activities(data_dir, rng, roster),
        *_write_loans(data_dir, rng, roster),
        *_write_commendations(data_dir, rng, roster),
        *_write_coverage(data_dir, rng, roster),
        *_write_targets(data_dir),
    ]
    return sorted(paths)
