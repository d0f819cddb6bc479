"""Sample target snapshots: the 2026 yearly targets and the counties' shares of 高新技术企业."""

from __future__ import annotations

import pathlib

import pyarrow as pa

from gydash.snapshots.sample_common import CITY, _write

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
