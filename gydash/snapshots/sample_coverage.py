"""Sample 两个覆盖 ledger snapshots: each county's submissions per round, with planted late, draft and bad-code rows."""

from __future__ import annotations

import datetime as dt
import pathlib
import random

import pyarrow as pa

from gydash.snapshots.sample_common import COUNTIES, _write
from gydash.snapshots.sample_roster import ROUNDS, _corrupt_check_char, _Org

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
