"""Sample commendation snapshots: the units and people commended each year."""

from __future__ import annotations

import datetime as dt
import pathlib
import random

import pyarrow as pa

from gydash.snapshots.sample_common import COUNTIES, SHORT_NAMES, _write
from gydash.snapshots.sample_roster import _enterprises, _Org

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
