"""How each dataset is compared for a change report: its resolved rows, key, compared values, how a row is named."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from gydash.base import fmt, plan
from gydash.base.contract import columns
from gydash.snapshots import resolve
from gydash.snapshots.key_history import _indicator_name, key_label
from gydash.snapshots.store import Data


def _show(dataset: str, col: str, value: object) -> str:
    """A stored value as staff wrote it in Chinese: area and enumeration labels, 是/否, numbers without .0."""
    if value is None:
        return "（空）"
    if col == "area":
        return plan.area_name(value)
    if col == "indicator":
        return _indicator_name(value)
    spec = next((c for c in columns(dataset) if c.name == col), None)
    if spec is not None and spec.enum:
        return spec.enum.get(value, str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return fmt.number(value)
    return str(value)


@dataclass(frozen=True)
class Spec:
    """How one dataset is compared: its resolved rows, the key, the compared values, how a row is named; and, where
    rows resolve in independent groups, how a subset of accepted rows resolves and the columns of a group (the key
    unless set; events group by id or whole row, see _touched)."""

    rows: Callable[[Data], pl.DataFrame]
    key: tuple[str, ...]
    values: tuple[str, ...]
    item: Callable[[dict], str]
    rows_in: Callable[[pl.DataFrame], pl.DataFrame] | None = None
    group: tuple[str, ...] | None = None


def _events(dataset: str) -> Callable[[Data], pl.DataFrame]:
    return lambda d: resolve.events(d, dataset)


def _events_in(dataset: str) -> Callable[[pl.DataFrame], pl.DataFrame]:
    return lambda t: resolve.events_in(t, dataset)


def _activity(r: dict) -> str:
    text = f"{r['date']} · {plan.area_name(r['area'])} · {_show('activities', 'kind', r['kind'])}"
    return text + (f" · {r['title']}" if r.get("title") else "") + (f"（编号 {r['id']}）" if r.get("id") else "")


def _loan(r: dict) -> str:
    text = f"{r['date']} · {plan.area_name(r['area'])} · {r['enterprise']}"
    return text + (f"（编号 {r['id']}）" if r.get("id") else "")


def _data_cols(dataset: str) -> tuple[str, ...]:
    return tuple(c.name for c in columns(dataset) if c.name != "id")


SPECS: dict[str, Spec] = {
    "indicators": Spec(
        resolve.indicator_values,
        ("indicator", "area", "year", "month"),
        ("value",),
        lambda r: key_label(r["indicator"], r["area"], r["year"], r["month"]),
        resolve.indicator_values_in,
    ),
    "activities": Spec(_events("activities"), ("id",), _data_cols("activities"), _activity, _events_in("activities")),
    "loans": Spec(_events("loans"), ("id",), _data_cols("loans"), _loan, _events_in("loans")),
    "commendations": Spec(
        resolve.commendations,
        ("year", "category", "name"),
        ("organization", "area", "date"),
        lambda r: f"{r['year']} 年 · {_show('commendations', 'category', r['category'])} · {r['name']}",
        resolve.commendations_in,
    ),
    "coverage": Spec(
        resolve.ledger_rows,
        ("round", "area", "org_name"),
        # updated_on changes with every resubmission; it is not a change in the organisation itself.
        (
            "credit_code",
            "org_type",
            "employees",
            "party_members",
            "org_coverage",
            "work_coverage",
            "mobile_members",
            "mobile_members_placed",
        ),
        lambda r: f"{r['round']} 期 · {plan.area_name(r['area'])} · {r['org_name']}",
        resolve.ledger_rows_in,
        ("area", "round"),  # a county's newest file for a round replaces its rows for that round
    ),
    "targets": Spec(
        resolve.targets,
        ("plan", "indicator", "area", "year"),
        ("month", "target", "kind", "base_year"),
        lambda r: f"{r['plan']} · {_indicator_name(r['indicator'])} · {plan.area_name(r['area'])} · {r['year']} 年",
    ),
}
UNKEYED = {"activities": _activity, "loans": _loan}  # events: by id as keyed rows; id-less ones as whole rows, counted
