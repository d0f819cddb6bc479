"""Sample loan snapshots: loans to the roster's enterprises, each year's total and count fixed, 2024 short."""

from __future__ import annotations

import pathlib
import random

import pyarrow as pa

from gydash.snapshots.sample_common import (
    AREA_CODES,
    COUNTIES,
    QUARTERS,
    _allocate,
    _day,
    _quarter_of,
    _spread_months,
    _stem,
    _write,
)
from gydash.snapshots.sample_roster import _enterprises, _Org

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
