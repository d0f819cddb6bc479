"""Scale data for the benchmark: a deterministic data dir shaped like years of real use (see SCALES).

    uv run python benchmarks/scale.py OUT_DIR --scale full

Files follow the data contract and the way offices deliver them: indicators per area and period (with quarterly
revisions of the city file), activities and loans per area in slots through the year, the coverage ledger per
county and round (some rounds re-sent in full), commendations per area and year, one targets file. Every value is
canonical (codes, not aliases), so a naive reader that does no validation computes the same figures.
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

TODAY = date(2026, 11, 26)  # the benchmark's GYDASH_TODAY: every file is dated on or before it
CITY = "广元市"
COUNTIES = ("利州区", "昭化区", "朝天区", "旺苍县", "青川县", "剑阁县", "苍溪县")
AREAS = (CITY, *COUNTIES)
CODES = dict(zip(AREAS, ("510800", "510802", "510811", "510812", "510821", "510822", "510823", "510824"), strict=True))
SIZE = dict(zip(COUNTIES, (0.26, 0.1, 0.09, 0.14, 0.1, 0.15, 0.16), strict=True))  # share of the city's figures

# (code, unit, measure, city level at the end of 2016, yearly growth); flows are full-year totals.
INDICATORS = (
    ("tech_sme", "家", "level", 150.0, 0.14),
    ("hitech_enterprise", "家", "level", 22.0, 0.12),
    ("tech_contract_turnover", "亿元", "flow", 8.0, 0.17),
    ("conversion_output", "亿元", "flow", 120.0, 0.11),
    ("hitech_revenue", "亿元", "flow", 200.0, 0.1),
    ("gazelle_enterprise", "家", "level", 3.0, 0.15),
    ("innovation_platform", "个", "level", 20.0, 0.08),
    ("rd_intensity", "%", "level", 0.9, 0.03),
)
KINDS = ("policy_briefing", "promotion_meeting", "secretary_report", "science_popularization", "tech_service")
KINDS += ("party_training", "other")
KIND_WEIGHTS = np.array([0.2, 0.06, 0.01, 0.25, 0.3, 0.08, 0.1])
CATEGORIES = ("leading_org_commended", "leading_org_recommended", "model_case", "demo_site")
CATEGORIES += ("outstanding_worker", "outstanding_member", "innovation_leader")
ORG_TYPES = ("高新技术企业", "科技型中小企业", "科技社会组织", "新型研发机构")
BANKS = ("中国农业银行广元分行", "四川银行广元分行", "中国建设银行广元分行", "广元市商业银行")
TOPICS = ("科技政策宣讲", "科普进企业", "科技服务专场", "党务培训", "推进会", "银企对接会", "技术需求对接")
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@dataclass(frozen=True)
class Scale:
    """How much data: years covered and how many files and rows per dataset."""

    first_year: int
    last_year: int
    activity_slots: int  # activity files per area and year
    activity_rows: int  # about this many activity rows in all
    loan_slots: int  # loan files per county and year
    indicator_every: int  # months between indicator snapshots of one area
    ledger_rows: int  # about this many coverage rows in all
    resend_share: float = 0.1  # county-rounds whose ledger is re-sent in full later

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


SCALES = {
    "full": Scale(2017, 2026, 47, activity_rows=1_000_000, loan_slots=16, indicator_every=1, ledger_rows=200_000),
    # Four times the activity, loan and ledger rows and files (indicators are monthly already at full scale).
    "4x": Scale(2017, 2026, 188, activity_rows=4_000_000, loan_slots=64, indicator_every=1, ledger_rows=800_000),
    "small": Scale(2022, 2026, 3, activity_rows=50_000, loan_slots=2, indicator_every=6, ledger_rows=10_000),
    "tiny": Scale(2025, 2026, 1, activity_rows=2_000, loan_slots=1, indicator_every=12, ledger_rows=1_000),
}


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def credit_code(first17: str) -> str:
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return first17 + CREDIT_CHARS[(31 - total % 31) % 31]


class Writer:
    """Writes snapshots the way staff tools should: to a .part name first, then renamed into place."""

    def __init__(self, root: Path):
        self.root = root
        self.files = 0
        self.rows: dict[str, int] = {}

    def __call__(self, dataset: str, rel: str, columns: dict[str, pa.Array | list]) -> None:
        table = pa.table(columns)
        path = self.root / dataset / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        pq.write_table(table, part)
        os.replace(part, path)
        self.files += 1
        self.rows[dataset] = self.rows.get(dataset, 0) + table.num_rows


def city_value(code: str, year: int, month: int) -> float:
    """The city's figure for a period: smooth growth from 2016 (levels at month end, flows 1–month cumulative)."""
    spec = next(i for i in INDICATORS if i[0] == code)
    _, _, measure, start, growth = spec
    if measure == "flow":
        return round(start * (1 + growth) ** (year - 2016) * month / 12, 2)
    years = year - 2016 + month / 12
    value = start * (1 + growth) ** years
    return round(value, 2) if code == "rd_intensity" else float(round(value))


def periods(scale: Scale, every: int) -> list[tuple[int, int]]:
    out = []
    for year in scale.years:
        for month in range(every, 13, every):
            out.append((year, month))
    return out


def write_indicators(w: Writer, scale: Scale) -> None:
    codes = [i[0] for i in INDICATORS]
    units = {i[0]: i[1] for i in INDICATORS}
    # The plan's base (end of 2023) is always reported, whatever the cadence.
    wanted = set(periods(scale, scale.indicator_every))
    if 2023 in scale.years:
        wanted.add((2023, 12))
    for year, month in sorted(wanted):
        end = month_end(year, month)
        for i, area in enumerate(AREAS):
            day = end + timedelta(days=20 if area == CITY else 10 + i)
            if day > TODAY:
                continue
            share = 1.0 if area == CITY else SIZE[area]
            rows = [c for c in codes if area == CITY or c != "rd_intensity"]
            values = [
                city_value(c, year, month)
                if c == "rd_intensity"
                else round(city_value(c, year, month) * share, 2 if units[c] == "亿元" else 0)
                for c in rows
            ]
            w(
                "indicators",
                f"{year}/{day.isoformat()}_{area}.parquet",
                {
                    "indicator": rows,
                    "area": [area] * len(rows),
                    "year": pa.array([year] * len(rows), pa.int64()),
                    "month": pa.array([month] * len(rows), pa.int64()),
                    "value": pa.array(values, pa.float64()),
                    "unit": [units[c] for c in rows],
                    "source": [f"{area}统计局{year}年{month}月报送"] * len(rows),
                },
            )
            # Each quarter the city re-sends its file a few days later with one figure revised (+1).
            if area == CITY and month % 3 == 0 and day + timedelta(days=5) <= TODAY:
                w(
                    "indicators",
                    f"{year}/{(day + timedelta(days=5)).isoformat()}_{area}_revised.parquet",
                    {
                        "indicator": ["hitech_enterprise"],
                        "area": [area],
                        "year": pa.array([year], pa.int64()),
                        "month": pa.array([month], pa.int64()),
                        "value": pa.array([city_value("hitech_enterprise", year, month) + 1], pa.float64()),
                        "unit": ["家"],
                        "source": [f"{area}统计局{year}年{month}月修订"],
                    },
                )


def slots(year: int, n: int) -> list[tuple[date, date]]:
    """n consecutive date ranges covering the year, each ending on or before TODAY."""
    first = date(year, 1, 1)
    days = (date(year, 12, 31) - first).days + 1
    out = []
    for k in range(n):
        start = first + timedelta(days=k * days // n)
        end = first + timedelta(days=(k + 1) * days // n - 1)
        if end <= TODAY:
            out.append((start, end))
    return out


def write_activities(w: Writer, scale: Scale, rng: np.random.Generator) -> None:
    n_files = sum(len(slots(y, scale.activity_slots)) for y in scale.years) * len(AREAS)
    per_file = max(1, round(scale.activity_rows / n_files))
    kinds = np.array(KINDS)
    last_ids: dict[str, list[str]] = {}
    for year in scale.years:
        for k, (start, end) in enumerate(slots(year, scale.activity_slots)):
            span = (end - start).days + 1
            for area in AREAS:
                n = per_file
                day = rng.integers(0, span, n)
                dates = [start + timedelta(days=int(d)) for d in day]
                kind = kinds[rng.choice(len(KINDS), n, p=KIND_WEIGHTS / KIND_WEIGHTS.sum())]
                served = rng.integers(3, 40, n)
                has_id = rng.random(n) < 0.7
                ids = [f"{CODES[area]}-{year}-{k:02d}-{j:04d}" if has_id[j] else None for j in range(n)]
                # About 1 % of rows re-send an event of the area's previous file (a correction, same id).
                previous = last_ids.get(area) or []
                fix = [j for j in np.flatnonzero(rng.random(n) < 0.01) if has_id[j]][: len(previous)]
                for j, p in zip(fix, rng.choice(len(previous), len(fix), replace=False), strict=True):
                    ids[j] = previous[int(p)]
                last_ids[area] = [i for i in ids if i is not None]
                org = rng.integers(1, 60, n)
                w(
                    "activities",
                    f"{year}/{end.isoformat()}_{area}.parquet",
                    {
                        "date": pa.array(dates, pa.date32()),
                        "area": [area] * n,
                        "kind": kind.tolist(),
                        "organizer": [f"{area}第{o}科技企业联合党支部" for o in org],
                        "title": [
                            f"{TOPICS[int(t)]}（{area}{year}年第{j + 1}场）"
                            for j, t in enumerate(rng.integers(0, len(TOPICS), n))
                        ],
                        "enterprises_served": pa.array(
                            [int(s) if kd == "tech_service" else None for s, kd in zip(served, kind, strict=True)],
                            pa.int64(),
                        ),
                        "participants": pa.array(rng.integers(10, 300, n), pa.int64()),
                        "id": pa.array(ids, pa.string()),
                    },
                )


def write_loans(w: Writer, scale: Scale, rng: np.random.Generator) -> None:
    for year in scale.years:
        for k, (start, end) in enumerate(slots(year, scale.loan_slots)):
            span = (end - start).days + 1
            for area in COUNTIES:
                n = int(rng.integers(2, 12))
                firms = rng.integers(1, 400, n)
                w(
                    "loans",
                    f"{year}/{end.isoformat()}_{area}.parquet",
                    {
                        "date": pa.array(
                            [start + timedelta(days=int(d)) for d in rng.integers(0, span, n)], pa.date32()
                        ),
                        "area": [area] * n,
                        "enterprise": [f"广元{area[:2]}{f}号科技有限公司" for f in firms],
                        "amount_wan": pa.array(rng.integers(50, 3000, n).astype(float), pa.float64()),
                        "bank": [BANKS[int(b)] for b in rng.integers(0, len(BANKS), n)],
                        "id": [f"TFKCD-{CODES[area]}-{year}-{k:02d}-{j}" for j in range(n)],
                    },
                )


def write_coverage(w: Writer, scale: Scale, rng: np.random.Generator) -> None:
    rounds = [(y, m) for y in scale.years for m in (3, 10) if month_end(y, m) < TODAY]
    sends = len(rounds) * len(COUNTIES) * (1 + scale.resend_share)
    per_file = max(5, round(scale.ledger_rows / sends))
    for area in COUNTIES:
        # A fixed roster per county; a shrinking share is still uncovered as rounds pass (动态清零).
        codes = [credit_code(f"91{CODES[area]}{j:08d}A") for j in range(per_file)]
        types = [ORG_TYPES[int(t)] for t in rng.integers(0, len(ORG_TYPES), per_file)]
        employees = rng.integers(5, 500, per_file)
        members = rng.integers(0, 30, per_file)
        for r, (year, month) in enumerate(rounds):
            uncovered = rng.random(per_file) < max(0.0, 0.2 - 0.02 * r)
            single = rng.random(per_file) < 0.6
            mobile = rng.integers(0, 4, per_file)
            placed = np.minimum(mobile, rng.integers(0, 4, per_file))
            due = month_end(year, month)
            late = int(rng.integers(0, 10)) if rng.random() < 0.2 else -int(rng.integers(1, 20))
            sends_here = 2 if rng.random() < scale.resend_share else 1
            for s in range(sends_here):
                updated = min(due + timedelta(days=late + 15 * s), TODAY)
                w(
                    "coverage",
                    f"{year}/{updated.isoformat()}_{area}{'_更正' if s else ''}.parquet",
                    {
                        "round": [f"{year}-{month:02d}"] * per_file,
                        "updated_on": pa.array([updated] * per_file, pa.date32()),
                        "area": [area] * per_file,
                        "org_name": [f"广元{area[:2]}{j}号科技有限公司" for j in range(per_file)],
                        "credit_code": codes,
                        "org_type": types,
                        "employees": pa.array(employees, pa.int64()),
                        "party_members": pa.array(members, pa.int64()),
                        "org_coverage": [
                            "none" if u else ("single" if sg else "joint")
                            for u, sg in zip(uncovered, single, strict=True)
                        ],
                        "work_coverage": pa.array(~uncovered, pa.bool_()),
                        "mobile_members": pa.array(mobile, pa.int64()),
                        "mobile_members_placed": pa.array(placed, pa.int64()),
                    },
                )


def write_commendations(w: Writer, scale: Scale, rng: np.random.Generator) -> None:
    for year in scale.years:
        for i, area in enumerate(AREAS):
            day = date(year, 12, 10 + i)
            if day > TODAY:
                continue
            n = int(rng.integers(3, 15))
            cats = [CATEGORIES[int(c)] for c in rng.integers(0, len(CATEGORIES), n)]
            w(
                "commendations",
                f"{day.isoformat()}_{area}.parquet",
                {
                    "year": pa.array([year] * n, pa.int64()),
                    "category": cats,
                    "name": [f"{area}{year}年第{j + 1}名受表扬对象" for j in range(n)],
                    "organization": [f"广元{area[:2]}{int(o)}号科技有限公司" for o in rng.integers(1, 400, n)],
                    "area": [area] * n,
                    "date": pa.array([day] * n, pa.date32()),
                },
            )


def write_targets(w: Writer) -> None:
    """County shares of the 2024 plan's hitech_enterprise target (the counties page shows them)."""
    w(
        "targets",
        "2024-04-15.parquet",
        {
            "plan": ["2024"] * len(COUNTIES),
            "indicator": ["hitech_enterprise"] * len(COUNTIES),
            "area": list(COUNTIES),
            "year": pa.array([2025] * len(COUNTIES), pa.int64()),
            "month": pa.array([12] * len(COUNTIES), pa.int64()),
            "target": pa.array([round(60 * SIZE[a]) for a in COUNTIES], pa.float64()),
            "kind": ["level"] * len(COUNTIES),
        },
    )


def generate(root: Path, scale: Scale, seed: int = 2024) -> dict:
    """Write the data set into root (which must not exist yet); returns counts of files and rows."""
    root.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    w = Writer(root)
    write_indicators(w, scale)
    write_activities(w, scale, rng)
    write_loans(w, scale, rng)
    write_coverage(w, scale, rng)
    write_commendations(w, scale, rng)
    write_targets(w)
    return {"files": w.files, "rows": w.rows}


def ensure(cache: Path, name: str, seed: int = 2024) -> tuple[Path, dict]:
    """The data set for a scale, generated once into cache/<name>/ and reused while its parameters are unchanged."""
    scale = SCALES[name]
    root = cache / name
    stamp = root / "scale.json"
    want = {"scale": asdict(scale), "seed": seed, "today": TODAY.isoformat(), "version": 4}
    if stamp.exists():
        saved = json.loads(stamp.read_text())
        if {k: saved.get(k) for k in want} == want:
            return root / "data", saved
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    t0 = time.perf_counter()
    counts = generate(root / "data", scale, seed)
    saved = want | counts | {"generate_s": round(time.perf_counter() - t0, 1)}
    stamp.write_text(json.dumps(saved, ensure_ascii=False, indent=2))  # written last: a half-made set is redone
    return root / "data", saved


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path, help="cache folder; the data set goes into OUT/<scale>/data")
    p.add_argument("--scale", choices=list(SCALES), default="small")
    p.add_argument("--seed", type=int, default=2024)
    args = p.parse_args()
    path, info = ensure(args.out, args.scale, args.seed)
    print(path)
    print(json.dumps(info, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
