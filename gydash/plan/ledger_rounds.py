"""The ledger's rounds (YYYY-03 and YYYY-10): their months, deadlines, and which are listed as of a day."""

from __future__ import annotations

from datetime import date

from gydash.base import plan
from gydash.snapshots.store import Data

ROUND_MONTHS = (3, 10)


def round_month(rnd: str) -> tuple[int, int]:
    year, month = rnd.split("-")
    return int(year), int(month)


def round_start(rnd: str) -> date:
    year, month = round_month(rnd)
    return date(year, month, 1)


def round_end(rnd: str) -> date:
    """The last day of the round's month: the deadline for its first update."""
    return plan.month_end(*round_month(rnd))


def next_round(rnd: str) -> str:
    year, month = round_month(rnd)
    later = [m for m in ROUND_MONTHS if m > month]
    return f"{year}-{later[0]:02d}" if later else f"{year + 1}-{ROUND_MONTHS[0]:02d}"


def rounds(data: Data, today: date) -> list[str]:
    """Rounds from the first one in the data up to today; a round is listed once its month has started."""
    first = data.query("select min(round) as first from t", rows={"t": "coverage"})["first"][0]
    out: list[str] = []
    rnd = first
    while rnd is not None and round_start(rnd) <= today:
        out.append(rnd)
        rnd = next_round(rnd)
    return out


def latest_round(data: Data, today: date) -> str | None:
    """The newest listed round: the one an official asks about first."""
    listed = rounds(data, today)
    return listed[-1] if listed else None
