"""The summary object: one dict behind `gydash summary --json`, the pages' headline and the meeting pack."""

from __future__ import annotations

import json
import math
from datetime import date

from gydash.base import fmt
from gydash.plan import commendations, duty_lists, ledger, progress, submissions
from gydash.snapshots.store import Data

TARGET_FIELDS = (
    "plan",
    "indicator",
    "area",
    "year",
    "month",
    "actual",
    "target",
    "kind",
    "progress",
    "pace",
    "status",
    "derived",
    "source_file",
)
EXTRA_FIELDS = (
    "area_code",
    "name",
    "unit",
    "measure",
    "clause",
    "actual_year",
    "actual_month",
    "final",
    "status_label",
    "gap_pp",
    "target_gap",
    "target_gap_unit",
    "pace_gap",
    "source",
    "revised",
    "previous_value",
    "previous_file",
)


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def finite(value: object) -> object:
    """The object with every NaN or infinite float made None: JSON has no such numbers, and a reader given
    `Infinity` fails on the whole document."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value


def json_text(obj: dict) -> str:
    """`gydash summary --json`: strict JSON (allow_nan=False guards that no NaN/Infinity slips through)."""
    return json.dumps(finite(obj), ensure_ascii=False, indent=2, allow_nan=False)


def target_entries(data: Data) -> list[dict]:
    rows = progress.target_progress(data)
    return [
        {k: _plain(r[k]) for k in (*TARGET_FIELDS, *EXTRA_FIELDS)}
        | {"period_text": fmt.figure_period(r), "gap_text": fmt.gap_words(r)}
        for r in rows
    ]


def file_report(data: Data, today: date) -> dict:
    """Rejected files with their reasons, ignored files, and every warning (file warnings and dating notes)."""
    warnings = [w for f in data.files for w in f.warnings] + data.notes(today)
    return {
        "rejected_files": [{"path": f.entry.rel, "reasons": [str(p) for p in f.errors]} for f in data.rejected()],
        "ignored_files": [{"path": e.rel, "reason": e.ignored} for e in data.ignored],
        "warnings": [{"path": w.file, "message": str(w)} for w in warnings],
    }


def build(data: Data, today: date) -> dict:
    return {
        "today": today.isoformat(),
        "as_of": _plain(data.as_of),
        "sample": data.uses_sample,
        "targets": target_entries(data),
        "duties": duty_lists.summary_entries(data, today),
        "coverage": ledger.summary_entries(data, today),
        "commendations": commendations.summary_entries(data, today),
        "submissions": submissions.tracker(data, today),
        **file_report(data, today),
    }
