"""Duty cells listed: the overdue and awaiting cells with their text, and the entries of the JSON summary."""

from __future__ import annotations

from datetime import date

import polars as pl

from gydash.base import plan
from gydash.plan.duties import evaluate
from gydash.plan.duty_words import describe
from gydash.snapshots.store import Data

SUMMARY_FIELDS = ("rule", "clause", "area", "period", "required", "actual", "status")
SUMMARY_EXTRA = ("area_code", "name", "unit", "plan", "events", "status_label")


def overdue(data: Data, today: date | None = None, area: str | None = None) -> list[dict]:
    """Every unmet cell (period over and covered by the data, below the minimum), newest period first, with its
    plain-Chinese text; only `area`'s cells (a code, full or short name) when given."""
    return _listed(data, today, "unmet", area)


def awaiting(data: Data, today: date | None = None, area: str | None = None) -> list[dict]:
    """Every awaiting_data cell (period over, below the minimum, the data not yet reported that far), newest first."""
    return _listed(data, today, "awaiting_data", area)


def _listed(data: Data, today: date | None, wanted: str, area: str | None) -> list[dict]:
    frame = evaluate(data, today).filter(pl.col("status") == wanted)
    if area is not None:
        frame = frame.filter(pl.col("area_code") == plan.area_lookup().get(area, area))
    frame = frame.sort(pl.col("period_end"), descending=True, maintain_order=True)
    return [r | {"text": describe(r)} for r in frame.iter_rows(named=True)]


def _plain_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def summary_entries(data: Data, today: date | None = None) -> list[dict]:
    """The "duties" list of ``gydash summary --json``: one dict per engine row."""
    out = []
    for r in evaluate(data, today).iter_rows(named=True):
        entry = {k: r[k] for k in (*SUMMARY_FIELDS, *SUMMARY_EXTRA)}
        entry["required"] = _plain_number(r["required"])
        entry["actual"] = _plain_number(r["actual"])
        out.append(entry)
    return out
