"""Today's date, overridable with GYDASH_TODAY=YYYY-MM-DD so demos, tests and packs can be reproduced."""

from __future__ import annotations

import os
from datetime import date


def today() -> date:
    override = os.environ.get("GYDASH_TODAY")
    return date.fromisoformat(override) if override else date.today()
