"""Today's date, overridable with GYDASH_TODAY=YYYY-MM-DD so demos, tests and packs can be reproduced."""

from __future__ import annotations

import os
import sys
from datetime import date


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
    if not 2000 <= given.year <= 2100:  # the data contract's years: periods are counted back to 2000 at most
        print(f"GYDASH_TODAY「{override}」不在 2000–2100 年之间，已改用今天的日期", file=sys.stderr)
        return date.today()
    return given
