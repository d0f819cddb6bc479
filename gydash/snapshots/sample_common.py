"""What every sample dataset shares: the areas, the quarters, small helpers and the marked Parquet writer."""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import random

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
