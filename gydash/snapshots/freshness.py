"""How fresh each dataset is: its newest accepted snapshot date, days since, and whether that is stale."""

from __future__ import annotations

import os
from datetime import date

from gydash.base.contract import DATASET_LABELS, DATASETS
from gydash.snapshots.store import Data

# Days after which a dataset counts as stale. Indicators, activities and loans come quarterly; commendations
# yearly; the coverage ledger twice a year (March and October, so up to seven months apart). Targets are
# optional and never stale. GYDASH_STALE_DAYS sets all of them; GYDASH_STALE_DAYS_<DATASET> one of them.
DEFAULT_STALE_DAYS: dict[str, int | None] = {
    "indicators": 100,
    "activities": 100,
    "loans": 100,
    "commendations": 400,
    "coverage": 230,
    "targets": None,
}


def _env_days(name: str) -> int | None:
    """A whole number of days from the environment; anything else (blank, negative, '1e3', '²') means unset."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def stale_days(dataset: str) -> int | None:
    own = _env_days(f"GYDASH_STALE_DAYS_{dataset.upper()}")
    if own is not None:
        return own
    if DEFAULT_STALE_DAYS[dataset] is None:
        return None
    shared = _env_days("GYDASH_STALE_DAYS")
    return shared if shared is not None else DEFAULT_STALE_DAYS[dataset]


def freshness(data: Data, today: date) -> list[dict]:
    """Per dataset: newest accepted snapshot date, days since, whether stale, and a sentence saying so."""
    out = []
    for dataset in DATASETS:
        label = DATASET_LABELS[dataset]
        dates = [f.entry.as_of for f in data.accepted(dataset)]
        limit = stale_days(dataset)
        if not dates:
            text = f"{label}：还没有可用的数据文件"
            out.append({"dataset": dataset, "as_of": None, "days": None, "limit": limit, "stale": False, "text": text})
            continue
        as_of = max(dates)
        days = (today - as_of).days
        if days < 0:
            text = f"{label}截至 {as_of}（晚于今天 {today}，请核对文件名中的日期）"
        elif days == 0:
            text = f"{label}截至 {as_of}，今天刚更新"
        else:
            text = f"{label}截至 {as_of}，已 {days} 天未更新"
        stale = limit is not None and days > limit
        if stale:
            text += f"（超过 {limit} 天，请督促报送）"
        out.append({"dataset": dataset, "as_of": as_of, "days": days, "limit": limit, "stale": stale, "text": text})
    return out
