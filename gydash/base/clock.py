"""Today's date and the current time, overridable with GYDASH_TODAY=YYYY-MM-DD so demos, tests and packs reproduce."""

from __future__ import annotations

import os
import sys
from datetime import date, datetime

from gydash.base.contract import YEAR_MAX, YEAR_MIN


def today() -> date:
    override = os.environ.get("GYDASH_TODAY")
    if not override:
        return date.today()
    try:
        given = date.fromisoformat(override)
    except ValueError:
        # A typo in a demo setting must not take the dashboard down: say so and use the real date.
        print(f"GYDASH_TODAY 应写成 YYYY-MM-DD，收到「{override}」，已改用今天的日期", file=sys.stderr)
        return date.today()
    if not YEAR_MIN <= given.year <= YEAR_MAX:  # the data contract's years: periods are counted back to 2000 at most
        print(f"GYDASH_TODAY「{override}」不在 {YEAR_MIN}–{YEAR_MAX} 年之间，已改用今天的日期", file=sys.stderr)
        return date.today()
    return given


def now() -> datetime:
    """The current moment on today()'s date: the wall clock's time of day, so stamps still order within a day."""
    return datetime.combine(today(), datetime.now().time()).replace(microsecond=0)
