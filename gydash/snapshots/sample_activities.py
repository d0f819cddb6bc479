"""Sample activity snapshots: briefings, meetings, science events and tech services, some falling short."""

from __future__ import annotations

import datetime as dt
import pathlib
import random

import pyarrow as pa

from gydash.snapshots.sample_common import (
    ALL_AREAS,
    CITY,
    CITY_COMMITTEE,
    COUNTIES,
    QUARTERS,
    SHORT_NAMES,
    _day,
    _quarter_of,
    _spread_months,
    _stem,
    _write,
)
from gydash.snapshots.sample_roster import _enterprises, _Org

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
