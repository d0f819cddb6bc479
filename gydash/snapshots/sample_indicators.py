"""Sample indicator snapshots: city and county figures for each quarter, with a few planted cases."""

from __future__ import annotations

import pathlib
import random

import pyarrow as pa

from gydash.snapshots.sample_common import CITY, COUNTIES, QUARTERS, SHORT_NAMES, _allocate, _stem, _write

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
